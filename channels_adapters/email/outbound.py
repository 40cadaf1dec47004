"""Outbound e-mail: an agent's reply as a mail the customer's client threads with the rest.

From is the channel's address (with the agent's name, as helpdesks do); Message-ID is ours,
In-Reply-To and References name the last mail of the conversation on this channel, and the
subject follows it ("Re: …"). The body goes as text and HTML parts, with the attachments.
Sent through Django's mail backends: the channel's own SMTP server when it has one, else the
project's EMAIL_BACKEND (the console in development).
"""

import smtplib
from email.utils import formataddr, make_msgid

from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import escape, linebreaks

from inbox.models import Message

from ..adapters.base import DeliveryError

# Mail clients cope with long References, but not endless ones: keep the first and the last.
MAX_REFERENCES = 20
SMTP_TIMEOUT = 30


def build_email(message: Message, *, connection=None) -> EmailMultiAlternatives:
    channel = message.channel
    previous = _previous_mail(message)
    references = _references(previous)
    message_id = make_msgid(domain=_domain(channel.address))
    headers = {"Message-ID": message_id, "Auto-Submitted": "no"}
    if previous is not None:
        headers["In-Reply-To"] = f"<{_bare(previous)}>"
        headers["References"] = " ".join(f"<{ref}>" for ref in references)
    mail = EmailMultiAlternatives(
        subject=_subject(message, previous), body=message.text,
        from_email=formataddr((_sender_name(message), channel.address)),
        to=[message.identity.address], headers=headers, connection=connection,
    )
    mail.attach_alternative(message.html or linebreaks(escape(message.text)), "text/html")
    for attachment in message.attachments.all():
        mail.attach(attachment.filename, attachment.read(), attachment.content_type)
    return mail


def send_email(message: Message) -> str:
    """Send ``message``; its Message-ID (with <>) is the provider id."""
    channel = message.channel
    mail = build_email(message, connection=connection_for(channel))
    try:
        mail.send()
    except smtplib.SMTPResponseException as error:  # the server answered with a code
        raise DeliveryError(f"The mail server answered {error.smtp_code}: "
                            f"{_text(error.smtp_error)}",
                            transient=400 <= error.smtp_code < 500) from None
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        raise DeliveryError(f"The mail server refused the recipient "
                            f"{message.identity.address}: {_text(error.recipients)}",
                            transient=all(400 <= code < 500 for code in codes)) from None
    except (smtplib.SMTPException, OSError) as error:  # TimeoutError is an OSError
        raise DeliveryError(f"Cannot reach the mail server: {error or type(error).__name__}",
                            transient=True) from None
    message.metadata = {
        **message.metadata, "subject": mail.subject,
        "message_id": _bare_id(mail.extra_headers["Message-ID"]),
        "references": [_bare_id(ref) for ref in mail.extra_headers.get("References", "").split()],
    }
    message.save(update_fields=["metadata"])
    return mail.extra_headers["Message-ID"]


def connection_for(channel):
    options = channel.settings or {}
    if not options.get("smtp_host"):
        return get_connection(fail_silently=False)
    security = options.get("smtp_security", "starttls")
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend", fail_silently=False,
        host=options["smtp_host"],
        port=int(options.get("smtp_port") or {"ssl": 465, "starttls": 587}.get(security, 25)),
        username=options.get("smtp_username") or "",
        password=str((channel.secrets or {}).get("smtp_password", "")),
        use_tls=security == "starttls", use_ssl=security == "ssl", timeout=SMTP_TIMEOUT,
    )


def _previous_mail(message: Message) -> Message | None:
    """The last mail of the conversation on this channel (either way) that has an id."""
    return (
        Message.objects.filter(thread_id=message.thread_id, channel_id=message.channel_id,
                               created_at__lte=message.created_at,
                               metadata__message_id__isnull=False)
        .exclude(pk=message.pk).order_by("-created_at", "-id").first()
    )


def _references(previous: Message | None) -> list[str]:
    if previous is None:
        return []
    chain = [*previous.metadata.get("references", []), _bare(previous)]
    chain = list(dict.fromkeys(ref for ref in chain if ref))
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1):]
    return chain


def _subject(message: Message, previous: Message | None) -> str:
    subject = (previous.metadata.get("subject") if previous else "") or ""
    if not subject:
        return f"Your conversation with {message.channel.name}"
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def _sender_name(message: Message) -> str:
    author = message.author
    name = (author.get_full_name() or author.get_username()) if author else ""
    return f"{name} ({message.channel.name})" if name else message.channel.name


def _bare(message: Message) -> str:
    return _bare_id(message.metadata.get("message_id") or "")


def _bare_id(value: str) -> str:
    return value.strip().strip("<>")


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "threadline.invalid"


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)
