"""Replies by e-mail, sent to a real SMTP server (aiosmtpd): headers that thread the reply in
the customer's mail client, text and HTML parts, and failures told apart."""

import pytest
from django.core import mail as django_mail

from channels_adapters.delivery import Outcome, deliver
from customers.actions import identity_resolve
from inbox.actions import NewAttachment, receive_message, send_reply
from inbox.models import Message
from tests.mail_servers import SmtpServer, _Handler

pytestmark = pytest.mark.django_db


def customer_wrote(channel, *, message_id="first@example.com", references=(), subject="Parcel"):
    return receive_message(
        channel=channel, address="ana@example.com", display_name="Ana Lima", verified=True,
        text="Where is my parcel?", external_id=f"<{message_id}>",
        metadata={"subject": subject, "message_id": message_id,
                  "references": list(references)},
    ).message


def reply(channel, thread, author=None, **fields) -> Message:
    message = send_reply(thread=thread, channel=channel, author=author,
                         **{"text": "It left this morning.", **fields})
    assert deliver(message.pk) is Outcome.SENT, Message.objects.get(pk=message.pk).delivery_error
    return Message.objects.get(pk=message.pk)


def test_a_reply_threads_under_the_customers_mail(imap_channel, smtp_server, agent):
    inbound = customer_wrote(imap_channel, references=["older@example.com"])

    sent = reply(imap_channel, inbound.thread, author=agent)

    (received,) = smtp_server.received
    mail = received.message
    assert received.rcpt_tos == ["ana@example.com"]
    assert mail["From"].addresses[0].addr_spec == imap_channel.address
    assert agent.get_full_name() in mail["From"].addresses[0].display_name
    assert mail["Subject"] == "Re: Parcel"
    assert mail["In-Reply-To"] == "<first@example.com>"
    assert mail["References"].split() == ["<older@example.com>", "<first@example.com>"]
    assert mail["Message-ID"].endswith("@threadline.test>")
    assert sent.external_id == mail["Message-ID"]
    assert sent.metadata["message_id"] == mail["Message-ID"].strip("<>")
    assert mail.get_body(("plain",)).get_content().strip() == "It left this morning."
    assert "It left this morning." in mail.get_body(("html",)).get_content()


def test_the_next_reply_continues_the_chain(imap_channel, smtp_server):
    inbound = customer_wrote(imap_channel)
    first = reply(imap_channel, inbound.thread)
    # The customer answers our reply…
    customer_wrote(imap_channel, message_id="second@example.com", subject="Re: Parcel",
                   references=["first@example.com", first.metadata["message_id"]])

    reply(imap_channel, inbound.thread, text="Delivered tomorrow.")

    mail = smtp_server.received[-1].message
    assert mail["Subject"] == "Re: Parcel"
    assert mail["In-Reply-To"] == "<second@example.com>"
    assert mail["References"].split() == [
        "<first@example.com>", f"<{first.metadata['message_id']}>", "<second@example.com>"]


def test_a_first_mail_to_a_customer_has_a_subject_of_its_own(imap_channel, smtp_server):
    known = identity_resolve(kind="email", address="ana@example.com", verified=True)

    reply(imap_channel, known.customer.thread)

    mail = smtp_server.received[-1].message
    assert mail["Subject"] == f"Your conversation with {imap_channel.name}"
    assert mail["In-Reply-To"] is None and mail["References"] is None


def test_the_html_part_shows_the_text_as_text(imap_channel, smtp_server):
    inbound = customer_wrote(imap_channel)

    reply(imap_channel, inbound.thread, text='<script>alert("x")</script>\nSecond line')

    html = smtp_server.received[-1].message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<br>" in html


def test_attachments_go_with_the_reply(imap_channel, smtp_server):
    inbound = customer_wrote(imap_channel)

    label = NewAttachment(filename="label.pdf", content=b"%PDF-1.4 label",
                          content_type="application/pdf")
    reply(imap_channel, inbound.thread, attachments=[label])

    mail = smtp_server.received[-1].message
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "label.pdf"
    assert attachment.get_content() == b"%PDF-1.4 label"


def test_a_refused_recipient_fails_with_the_servers_reason(imap_channel, smtp_server):
    smtp_server.handler.refuse_with = "550 5.1.1 No such user here"
    inbound = customer_wrote(imap_channel)
    message = send_reply(thread=inbound.thread, channel=imap_channel, author=None, text="Hi")

    assert deliver(message.pk) is Outcome.FAILED
    failed = Message.objects.get(pk=message.pk)
    assert failed.delivery_status == "failed"
    assert "550" in failed.delivery_error and "No such user" in failed.delivery_error


def test_a_busy_server_is_tried_again(imap_channel, smtp_server):
    smtp_server.handler.refuse_with = "451 4.3.0 Try again later"
    inbound = customer_wrote(imap_channel)
    message = send_reply(thread=inbound.thread, channel=imap_channel, author=None, text="Hi")

    assert deliver(message.pk) is Outcome.RETRY
    smtp_server.handler.refuse_with = ""
    assert deliver(message.pk) is Outcome.SENT
    assert len(smtp_server.received) == 1


def test_an_unreachable_server_is_tried_again(imap_channel):
    imap_channel.settings["smtp_port"] = 1  # nothing listens there
    imap_channel.save()
    inbound = customer_wrote(imap_channel)
    message = send_reply(thread=inbound.thread, channel=imap_channel, author=None, text="Hi")

    assert deliver(message.pk) is Outcome.RETRY
    assert Message.objects.get(pk=message.pk).delivery_status == "queued"


def test_a_channel_without_smtp_settings_uses_the_projects_mail_backend(make_channel):
    channel = make_channel("email", address="help@shop.test")
    inbound = customer_wrote(channel)

    reply(channel, inbound.thread)

    (mail,) = django_mail.outbox
    assert mail.from_email.endswith("<help@shop.test>") and mail.to == ["ana@example.com"]
    assert mail.extra_headers["In-Reply-To"] == "<first@example.com>"


def test_the_smtp_password_never_reaches_the_error(imap_channel):
    server = SmtpServer(handler=_Handler(refuse_with="530 5.7.0 Authentication required"))
    server.start()
    try:
        imap_channel.settings.update(smtp_port=server.port)
        imap_channel.secrets["smtp_password"] = "hunter2-very-secret"
        imap_channel.save()
        inbound = customer_wrote(imap_channel)
        message = send_reply(thread=inbound.thread, channel=imap_channel, author=None,
                             text="Hi")
        deliver(message.pk)
    finally:
        server.stop()
    assert "hunter2" not in Message.objects.get(pk=message.pk).delivery_error
