"""send_reply: an agent answers on a channel the customer can be reached on.

What happens to the queued reply afterwards is in ``tests/channels_adapters/test_delivery.py``.
Here the tests are not transactional, so the delivery task scheduled on commit never runs and
the reply stays queued.
"""

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from inbox.actions import receive_message, send_reply
from inbox.events import ReplyQueued, parse_payload
from inbox.models import Event, Message, Thread
from inbox.snapshots import message_snapshot
from tests.helpers import events_since, last_event_id, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


@pytest.fixture
def thread(email_channel) -> Thread:
    """Ana wrote by e-mail."""
    received = receive_message(channel=email_channel, address="ana@example.com", text="Hello",
                               display_name="Ana", verified=True)
    return Thread.objects.get(pk=received.message.thread_id)


def test_reply_is_queued_to_the_customers_identity(thread, email_channel, agent):
    # given Ana's thread

    # when an agent replies by e-mail
    reply = send_reply(thread=thread, channel=email_channel, author=agent,
                       text="  Your order ships today.  ")

    # then an outbound, queued message addressed to her e-mail joins the thread
    reply = Message.objects.get(pk=reply.pk)
    assert reply.direction == Message.Direction.OUTBOUND
    assert reply.delivery_status == Message.DeliveryStatus.QUEUED
    assert reply.text == "Your order ships today."
    assert reply.identity.address == "ana@example.com"
    assert reply.author == agent
    assert reply.channel == email_channel
    assert reply.external_id is None
    assert reply.delivery_attempts == 0
    thread.refresh_from_db()
    assert thread.last_activity_at == reply.created_at


def test_reply_records_reply_queued(thread, email_channel, agent):
    since = last_event_id()

    reply = send_reply(thread=thread, channel=email_channel, author=agent, text="On its way")

    events = events_since(since)
    assert [event.type for event in events] == [ReplyQueued.type]
    event = events[0]
    assert (event.thread_id, event.customer_id, event.team_id, event.actor_id) == (
        thread.pk, thread.customer_id, thread.team_id, agent.pk
    )
    reply = Message.objects.get(pk=reply.pk)
    assert parse_payload(event.type, json.loads(json.dumps(event.payload))) == ReplyQueued(
        message=message_snapshot(reply)
    )
    assert event.payload["message"]["author_name"] == "Ana"


def test_reply_does_not_change_the_thread_status(thread, email_channel, agent):
    send_reply(thread=thread, channel=email_channel, author=agent, text="Hi")

    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_reply_goes_to_the_identity_that_last_wrote_on_the_channel(email_channel, agent):
    # given Ana wrote from her home address, then (joining her profile) from her work address
    home = receive_message(channel=email_channel, address="ana@home.example", text="1",
                           verified=True).message
    work = receive_message(channel=email_channel, address="ana@work.example", text="2",
                           verified=True, verified_emails=["ana@home.example"]).message
    assert work.thread_id == home.thread_id

    # when an agent replies by e-mail
    reply = send_reply(thread=work.thread_id, channel=email_channel, author=agent, text="Hi")

    # then it goes to the work address, where she last wrote
    assert reply.identity.address == "ana@work.example"


def test_reply_may_use_another_channel_the_customer_is_known_on(email_channel, make_channel,
                                                               agent):
    # given Ana wrote by e-mail, and by SMS from a number her e-mail vouches for
    sms = make_channel("sms")
    first = receive_message(channel=email_channel, address="ana@example.com", text="1",
                            verified=True).message
    receive_message(channel=sms, address="06 12 34 56 78", text="2", verified=True,
                    verified_emails=["ana@example.com"])

    # when the agent answers by SMS on the same thread
    reply = send_reply(thread=first.thread_id, channel=sms.pk, author=agent, text="Texting you")

    # then the reply is addressed to her phone number
    assert reply.identity.kind == "phone"
    assert reply.identity.address == "+33612345678"
    assert reply.thread_id == first.thread_id


def test_hostile_html_in_a_reply_is_sanitised(thread, email_channel, agent):
    reply = send_reply(thread=thread, channel=email_channel, author=agent, text="Hi",
                       html='<p>Hi</p><script>alert(1)</script><img src=x onerror="alert(2)">')

    stored = Message.objects.get(pk=reply.pk).html
    assert "<p>Hi</p>" in stored
    for hostile in ("<script", "alert(", "onerror"):
        assert hostile not in stored


def test_reply_without_an_author_is_an_automatic_reply(thread, email_channel):
    reply = send_reply(thread=thread, channel=email_channel, author=None, text="We got it")

    event = Event.objects.filter(type=ReplyQueued.type).get()
    assert reply.author is None
    assert event.actor is None
    assert event.payload["message"]["author_name"] is None


def test_reply_rolled_back_by_its_caller_leaves_no_event(thread, email_channel, agent):
    counts = row_counts()

    with pytest.raises(RuntimeError), transaction.atomic():
        send_reply(thread=thread, channel=email_channel, author=agent, text="Hi")
        raise RuntimeError("the caller failed")

    assert row_counts() == counts


# --- refusals: a clear reason, nothing half-written ----------------------------------


def assert_refused(match: str, **kwargs) -> None:
    counts = row_counts()
    with pytest.raises(ValidationError, match=match):
        send_reply(**kwargs)
    assert row_counts() == counts


def test_reply_to_customer_with_no_identity_on_that_channel_is_refused(thread, make_channel,
                                                                      agent):
    # given Ana is known only by e-mail
    telegram = make_channel("telegram")

    # then a Telegram reply has nobody to go to
    assert_refused(r"Ana has no telegram identity to reach on telegram channel \(Telegram\)",
                   thread=thread, channel=telegram, author=agent, text="Hi")


def test_reply_on_unknown_channel_is_refused(thread, agent):
    assert_refused("Unknown channel 424242", thread=thread, channel=424242, author=agent,
                   text="Hi")


def test_reply_on_disabled_channel_is_refused(thread, email_channel, agent):
    email_channel.is_active = False
    email_channel.save()

    assert_refused(r"The channel email channel \(E-mail\) is disabled", thread=thread,
                   channel=email_channel.pk, author=agent, text="Hi")


def test_reply_to_unknown_thread_is_refused(email_channel, agent):
    assert_refused("Unknown thread 987654", thread=987654, channel=email_channel, author=agent,
                   text="Hi")


@pytest.mark.parametrize("text", ["", "  \n ", None])
def test_empty_reply_is_refused(thread, email_channel, agent, text):
    assert_refused("The message is empty", thread=thread, channel=email_channel, author=agent,
                   text=text)


def test_oversized_reply_is_refused(thread, email_channel, agent, settings):
    settings.THREADLINE_MAX_TEXT_LENGTH = 50

    assert_refused("The message is 51 characters long; the limit is 50", thread=thread,
                   channel=email_channel, author=agent, text="y" * 51)
