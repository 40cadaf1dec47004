"""The whole e-mail path with real servers: a customer who chatted on the website (signed in,
so their e-mail is verified) writes by mail through SMTP into Dovecot; the poller puts the
mail in the same thread; the agent's reply reaches the SMTP server threaded under it."""

import smtplib
from email.message import EmailMessage

import pytest

from channels_adapters.email.imap_poller import poll_channel
from channels_adapters.webchat.actions import VerifiedUser, visitor_create, visitor_send
from channels_adapters.webchat.tokens import identity_hash
from inbox.actions import send_reply
from inbox.models import Message
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_mail_joins_the_chat_and_the_reply_threads_in_the_customers_mail_client(
        imap_channel, smtp_server, dovecot, mailbox_user, make_channel, agent, celery_worker):
    dovecot.add_user(mailbox_user)
    webchat = make_channel("webchat", name="Website chat",
                           secrets={"identity_secret": "site-secret"})
    visitor = visitor_create(channel=webchat, user=VerifiedUser(
        email="ana@example.com", user_hash=identity_hash("site-secret", "ana@example.com")))
    chat = visitor_send(channel=webchat, visitor=visitor, text="Has my order shipped?",
                        client_id="c1").message

    mail = EmailMessage()
    mail["From"] = "Ana Lima <ana@example.com>"
    mail["To"] = imap_channel.address
    mail["Subject"] = "Order 1042"
    mail["Message-ID"] = "<order-1042@example.com>"
    mail.set_content("Writing by mail as well: the tracking page says nothing.")
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as client:
        client.send_message(mail)

    assert poll_channel(imap_channel).fetched == 1
    by_mail = Message.objects.get(channel=imap_channel)
    assert by_mail.thread_id == chat.thread_id  # one customer, one thread
    assert by_mail.text == "Writing by mail as well: the tracking page says nothing."

    reply = send_reply(thread=by_mail.thread, channel=imap_channel, author=agent,
                       text="It ships today; the tracking number follows.")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent", timeout=30)

    sent = [r for r in smtp_server.received if r.rcpt_tos == ["ana@example.com"]]
    assert len(sent) == 1
    answer = sent[0].message
    assert answer["From"].addresses[0].addr_spec == imap_channel.address
    assert answer["Subject"] == "Re: Order 1042"
    assert answer["In-Reply-To"] == "<order-1042@example.com>"
    assert answer["References"] == "<order-1042@example.com>"
    assert Message.objects.get(pk=reply.pk).external_id == answer["Message-ID"]

    assert poll_channel(imap_channel).fetched == 0
    assert Message.objects.filter(channel=imap_channel).count() == 2

    # Ana answers our reply: her mail is linked to the message it answers.
    answer_back = EmailMessage()
    answer_back["From"] = "Ana Lima <ana@example.com>"
    answer_back["To"] = imap_channel.address
    answer_back["Subject"] = "Re: Order 1042"
    answer_back["Message-ID"] = "<order-1042-thanks@example.com>"
    answer_back["In-Reply-To"] = answer["Message-ID"]
    answer_back["References"] = f"{answer['References']} {answer['Message-ID']}"
    answer_back.set_content("Thank you!")
    with smtplib.SMTP("127.0.0.1", smtp_server.port) as client:
        client.send_message(answer_back)
    assert poll_channel(imap_channel).fetched == 1
    thanks = Message.objects.get(external_id="<order-1042-thanks@example.com>")
    assert thanks.in_reply_to_id == reply.pk and thanks.thread_id == chat.thread_id
