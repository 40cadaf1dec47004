"""A web-chat reply the visitor is not there to read goes to them by e-mail, if they left
an address (as Intercom and Chatwoot do).

Only a notification: the e-mail carries the reply and answers to the team's mailbox, but
the address is never made an identity of the visitor's customer (an address typed in a form
is a claim, never proof: mail later sent from it joins no one). The visitor's open widgets
are counted in the cache — Redis on the production stack, so every server counts together;
a count left by a crashed server expires after a day.
"""

import logging
from email.utils import formataddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.utils.html import escape, linebreaks

from customers.addresses import IdentityKind
from inbox.models import Message

from ..email.outbound import connection_for
from ..models import Channel, ChannelKind

logger = logging.getLogger(__name__)

OPEN_FOR = 24 * 3600


def _key(address: str) -> str:
    return f"threadline:webchat:open:{address}"


async def widget_opened(address: str) -> None:
    await cache.aadd(_key(address), 0, OPEN_FOR)
    try:
        await cache.aincr(_key(address))
    except ValueError:  # expired between the two
        await cache.aset(_key(address), 1, OPEN_FOR)


async def widget_closed(address: str) -> None:
    try:
        if await cache.adecr(_key(address)) <= 0:
            await cache.adelete(_key(address))
    except ValueError:
        pass


def widget_open(address: str) -> bool:
    return (cache.get(_key(address)) or 0) > 0


def email_if_away(message: Message) -> str | None:
    """E-mail ``message`` (an agent's web-chat reply) when no widget of its visitor is open
    and they left an e-mail; the address written to, or None. Never raises: the chat
    reply itself is delivered either way."""
    if widget_open(message.identity.address):
        return None
    address = _email_of(message)
    if not address:
        return None
    mailbox = (Channel.objects.filter(kind=ChannelKind.EMAIL, is_active=True,
                                      team_id=message.channel.team_id).exclude(address="")
               .order_by("pk").first())
    try:
        _mail(message, address, mailbox).send()
    except Exception as error:  # noqa: BLE001 - a notification, not the delivery
        logger.warning("could not e-mail web chat reply %s: %s", message.pk, error)
        return None
    message.metadata = {**message.metadata, "emailed_to": address}
    message.save(update_fields=["metadata"])
    return address


def _email_of(message: Message) -> str:
    customer = message.thread.customer
    verified = customer.identities.filter(kind=IdentityKind.EMAIL, verified=True).order_by(
        "-last_seen_at").values_list("address", flat=True).first()
    return verified or str(customer.attributes.get("email", ""))


def _mail(message: Message, address: str, mailbox: Channel | None) -> EmailMultiAlternatives:
    title = (message.channel.settings or {}).get("title") or message.channel.name
    author = message.author.display_name if message.author else title
    sender = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
    text = (f"{author} replied to your message on {title}:\n\n{message.text}\n\n"
            f"Answer this e-mail to reply.")
    mail = EmailMultiAlternatives(
        subject=f"{author} replied to your message", body=text,
        from_email=formataddr((f"{author} ({title})", sender)), to=[address],
        reply_to=[sender], headers={"Auto-Submitted": "auto-generated"},
        connection=connection_for(mailbox) if mailbox else None,
    )
    mail.attach_alternative(linebreaks(escape(text)), "text/html")
    return mail
