"""A reply the visitor is not there to read follows them by e-mail, if they left one."""

import pytest
from asgiref.sync import async_to_sync
from django.core import mail

from channels_adapters.delivery import Outcome, deliver
from channels_adapters.webchat.actions import (
    visitor_create,
    visitor_leave_contact,
    visitor_send,
)
from channels_adapters.webchat.email_fallback import widget_closed, widget_opened
from inbox.actions import send_reply
from inbox.models import Message

pytestmark = pytest.mark.django_db


def chat_then_reply(webchat, agent, *, email="ana@example.com"):
    visitor = visitor_create(channel=webchat)
    thread = visitor_send(channel=webchat, visitor=visitor, text="Is the lamp dimmable?",
                          client_id="c1").message.thread
    if email:
        visitor_leave_contact(channel=webchat, visitor=visitor, name="Ana", email=email)
    reply = send_reply(thread=thread, channel=webchat, author=agent, text="Yes, fully.")
    return visitor, reply


def test_a_reply_to_a_visitor_who_left_goes_by_e_mail_from_the_teams_mailbox(
        webchat, mailbox, agent):
    mailbox.address = "help@shop.example"
    mailbox.save()
    _, reply = chat_then_reply(webchat, agent)

    assert deliver(reply.pk) is Outcome.SENT

    (sent,) = mail.outbox
    assert sent.to == ["ana@example.com"] and sent.reply_to == ["help@shop.example"]
    assert "help@shop.example" in sent.from_email and agent.display_name in sent.from_email
    assert "Yes, fully." in sent.body
    assert Message.objects.get(pk=reply.pk).metadata["emailed_to"] == "ana@example.com"


def test_no_e_mail_while_the_widget_is_open(webchat, agent):
    visitor, reply = chat_then_reply(webchat, agent)
    async_to_sync(widget_opened)(visitor.address)
    try:
        deliver(reply.pk)
    finally:
        async_to_sync(widget_closed)(visitor.address)

    assert mail.outbox == []


def test_no_e_mail_when_the_visitor_left_none(webchat, agent):
    _, reply = chat_then_reply(webchat, agent, email="")

    assert deliver(reply.pk) is Outcome.SENT
    assert mail.outbox == []


def test_the_typed_address_never_becomes_an_identity(webchat, agent):
    _, reply = chat_then_reply(webchat, agent)
    deliver(reply.pk)

    customer = reply.thread.customer
    assert not customer.identities.filter(kind="email").exists()
