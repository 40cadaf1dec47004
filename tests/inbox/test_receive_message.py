"""receive_message: a customer wrote; the message joins their one thread, exactly once."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from inbox.actions import NewAttachment, change_status, receive_message, snooze_thread
from inbox.events import (
    CustomerCreated,
    IdentityAdded,
    MessageReceived,
    ThreadStatusChanged,
    parse_payload,
)
from inbox.models import Event, Message, Thread
from inbox.snapshots import message_snapshot
from tests.helpers import events_since, last_event_id, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


def test_first_message_creates_customer_thread_and_message(email_channel, team):
    # given nobody has written yet

    # when a new address writes
    received = receive_message(channel=email_channel, address="Ana@Example.com",
                               text="  Where is my order?  ", external_id="<m1@example.com>",
                               display_name="Ana Lopez", verified=True)

    # then a customer with one identity and one thread holds the message
    message = received.message
    assert received.created and received.customer_created
    assert message.direction == Message.Direction.INBOUND
    assert message.text == "Where is my order?"
    assert message.channel == email_channel
    assert message.external_id == "<m1@example.com>"
    assert message.identity.address == "ana@example.com"
    assert message.delivery_status == Message.DeliveryStatus.NOT_APPLICABLE
    thread = Thread.objects.get(pk=message.thread_id)
    assert thread.customer.name == "Ana Lopez"
    assert thread.team == team
    assert thread.status == Thread.Status.OPEN
    assert thread.last_activity_at == message.created_at
    assert thread.last_inbound_at == message.created_at


def test_first_message_records_customer_identity_and_message_events(email_channel):
    since = last_event_id()

    received = receive_message(channel=email_channel, address="ana@example.com", text="Hello")

    events = events_since(since)
    assert [event.type for event in events] == [
        CustomerCreated.type, IdentityAdded.type, MessageReceived.type
    ]
    message = Message.objects.get(pk=received.message.pk)
    event = events[-1]
    assert event.thread_id == message.thread_id
    assert event.customer_id == message.thread.customer_id
    assert event.team_id == email_channel.team_id
    payload = parse_payload(event.type, json.loads(json.dumps(event.payload)))
    assert payload == MessageReceived(message=message_snapshot(message), reopened=False)


def test_second_message_joins_the_same_thread_with_one_event(email_channel):
    first = receive_message(channel=email_channel, address="ana@example.com", text="One")
    since = last_event_id()

    second = receive_message(channel=email_channel, address="ANA@example.com", text="Two")

    assert second.created and not second.customer_created
    assert second.message.thread_id == first.message.thread_id
    assert [event.type for event in events_since(since)] == [MessageReceived.type]
    assert Customer.objects.count() == 1


def test_same_provider_message_twice_creates_one_message(email_channel):
    # given a provider message already received
    first = receive_message(channel=email_channel, address="ana@example.com", text="Hello",
                            external_id="provider-42")
    counts = row_counts()

    # when the provider retries its webhook
    again = receive_message(channel=email_channel, address="ana@example.com", text="Hello",
                            external_id="provider-42")

    # then the first message is returned; nothing new is written
    assert not again.created
    assert again.message.pk == first.message.pk
    assert row_counts() == counts
    assert Event.objects.filter(type=MessageReceived.type).count() == 1


def test_same_provider_id_on_two_channels_is_two_messages(make_channel):
    first_mailbox = make_channel("email", name="Support mailbox")
    second_mailbox = make_channel("email", name="Sales mailbox")

    receive_message(channel=first_mailbox, address="ana@example.com", text="A", external_id="1")
    receive_message(channel=second_mailbox, address="ana@example.com", text="B", external_id="1")

    assert Message.objects.count() == 2


def test_messages_without_provider_id_are_never_taken_for_duplicates(email_channel):
    receive_message(channel=email_channel, address="ana@example.com", text="Same")
    receive_message(channel=email_channel, address="ana@example.com", text="Same")

    assert Message.objects.count() == 2


def test_channel_can_be_given_by_id(email_channel):
    received = receive_message(channel=email_channel.pk, address="ana@example.com", text="Hi")

    assert received.message.channel == email_channel


def resolved(thread):
    return change_status(thread=thread, status=Thread.Status.RESOLVED)


def pending(thread):
    return change_status(thread=thread, status=Thread.Status.PENDING)


def snoozed(thread):
    return snooze_thread(thread=thread, until=timezone.now() + timedelta(days=1))


@pytest.mark.parametrize("put_aside", [resolved, pending, snoozed])
def test_inbound_message_reopens_a_thread_put_aside(email_channel, put_aside):
    # given a thread resolved, pending or snoozed
    first = receive_message(channel=email_channel, address="ana@example.com", text="Hello")
    thread = put_aside(first.message.thread)
    previous_status = thread.status
    since = last_event_id()

    # when the customer writes again
    received = receive_message(channel=email_channel, address="ana@example.com", text="Again")

    # then the thread is open again, and both the message and the change are recorded
    thread.refresh_from_db()
    assert thread.status == Thread.Status.OPEN
    assert thread.snoozed_until is None
    events = events_since(since)
    assert [event.type for event in events] == [MessageReceived.type, ThreadStatusChanged.type]
    assert events[0].payload["reopened"] is True
    assert events[0].payload["message"]["id"] == received.message.pk
    assert parse_payload(events[1].type, events[1].payload) == ThreadStatusChanged(
        status="open", previous_status=previous_status, snoozed_until=None
    )
    assert events[1].actor is None


def test_inbound_message_on_an_open_thread_changes_no_status(email_channel):
    receive_message(channel=email_channel, address="ana@example.com", text="Hello")
    since = last_event_id()

    receive_message(channel=email_channel, address="ana@example.com", text="Again")

    assert [event.type for event in events_since(since)] == [MessageReceived.type]


def test_automatic_message_does_not_reopen_a_resolved_thread(email_channel):
    # given a resolved thread
    first = receive_message(channel=email_channel, address="ana@example.com", text="Hello")
    thread = resolved(first.message.thread)
    last_inbound_at = Thread.objects.get(pk=thread.pk).last_inbound_at
    since = last_event_id()

    # when an out-of-office reply arrives
    received = receive_message(channel=email_channel, address="ana@example.com",
                               text="I am on holiday", automatic=True)

    # then it is in the timeline, but the thread stays resolved
    thread.refresh_from_db()
    assert thread.status == Thread.Status.RESOLVED
    assert thread.last_inbound_at == last_inbound_at
    assert thread.last_activity_at == received.message.created_at
    assert received.message.metadata == {"automatic": True}
    events = events_since(since)
    assert [event.type for event in events] == [MessageReceived.type]
    assert events[0].payload["reopened"] is False


def test_automatic_message_does_not_wake_a_snoozed_thread(email_channel):
    first = receive_message(channel=email_channel, address="ana@example.com", text="Hello")
    until = timezone.now() + timedelta(days=1)
    snooze_thread(thread=first.message.thread, until=until)

    receive_message(channel=email_channel, address="ana@example.com", text="Bounce",
                    automatic=True)

    thread = Thread.objects.get(pk=first.message.thread_id)
    assert thread.status == Thread.Status.SNOOZED
    assert thread.snoozed_until == until


def test_hostile_html_is_sanitised(email_channel):
    # given an e-mail whose HTML tries to run code
    html = (
        '<p onclick="steal()">Hello <b>there</b></p>'
        "<script>alert(1)</script>"
        '<img src="x" onerror="alert(2)">'
        '<a href="javascript:alert(3)">click</a>'
        '<a href="https://shop.example/order/1">order</a>'
        '<iframe src="https://evil.example"></iframe>'
    )

    # when it is received
    received = receive_message(channel=email_channel, address="ana@example.com", html=html)

    # then what is stored, and what the event carries, runs nothing
    stored = Message.objects.get(pk=received.message.pk).html
    for hostile in ("<script", "alert(1)", "onerror", "onclick", "javascript:", "<iframe"):
        assert hostile not in stored
    assert "<b>there</b>" in stored
    assert 'href="https://shop.example/order/1"' in stored
    assert 'rel="noopener noreferrer nofollow"' in stored
    event = Event.objects.get(type=MessageReceived.type)
    assert event.payload["message"]["html"] == stored


def test_attachment_only_message_is_accepted(email_channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    received = receive_message(
        channel=email_channel, address="ana@example.com",
        attachments=[NewAttachment(filename="../../etc/invoice.pdf", content=b"%PDF-1.4",
                                   content_type="application/pdf")],
    )

    attachment = received.message.attachments.get()
    assert attachment.filename == ".._.._etc_invoice.pdf"
    assert attachment.size == 8
    assert attachment.file.read() == b"%PDF-1.4"
    event = Event.objects.get(type=MessageReceived.type)
    assert event.payload["message"]["attachments"] == [
        {"id": attachment.pk, "filename": attachment.filename,
         "content_type": "application/pdf", "size": 8}
    ]


def test_message_rolled_back_by_its_caller_leaves_no_event(email_channel):
    # given a caller whose transaction fails after the message was received
    counts = row_counts()

    with pytest.raises(RuntimeError), transaction.atomic():
        receive_message(channel=email_channel, address="ana@example.com", text="Hello")
        raise RuntimeError("the caller failed")

    # then the event went with the message: both or neither
    assert row_counts() == counts


# --- refusals: a clear reason, nothing half-written ----------------------------------


def assert_refused(match: str, **kwargs) -> ValidationError:
    counts = row_counts()
    with pytest.raises(ValidationError, match=match) as caught:
        receive_message(**kwargs)
    assert row_counts() == counts
    return caught.value


def test_unknown_channel_is_refused(email_channel):
    assert_refused(r"Unknown channel 999999", channel=999999, address="ana@example.com",
                   text="Hi")


def test_channel_id_that_is_no_number_is_refused():
    assert_refused(r"Unknown channel 'mailbox'", channel="mailbox", address="ana@example.com",
                   text="Hi")


def test_disabled_channel_is_refused(make_channel):
    channel = make_channel("email", name="Old mailbox", is_active=False)

    assert_refused(r"The channel Old mailbox \(E-mail\) is disabled", channel=channel,
                   address="ana@example.com", text="Hi")


@pytest.mark.parametrize("text", ["", "   \n\t ", "\x00\x00", None])
def test_empty_message_is_refused(email_channel, text):
    assert_refused("The message is empty", channel=email_channel, address="ana@example.com",
                   text=text)


def test_html_that_sanitises_to_nothing_is_an_empty_message(email_channel):
    assert_refused("The message is empty", channel=email_channel, address="ana@example.com",
                   html="<script>alert(1)</script>")


def test_oversized_text_is_refused(email_channel, settings):
    settings.THREADLINE_MAX_TEXT_LENGTH = 100

    assert_refused("The message is 101 characters long; the limit is 100",
                   channel=email_channel, address="ana@example.com", text="x" * 101)


def test_text_of_exactly_the_limit_is_accepted(email_channel, settings):
    settings.THREADLINE_MAX_TEXT_LENGTH = 100

    received = receive_message(channel=email_channel, address="ana@example.com", text="x" * 100)

    assert len(received.message.text) == 100


def test_oversized_html_is_refused(email_channel, settings):
    settings.THREADLINE_MAX_TEXT_LENGTH = 100

    assert_refused("The HTML body is too large", channel=email_channel,
                   address="ana@example.com", html="<p>" + "x" * 400 + "</p>")


def test_oversized_provider_id_is_refused(email_channel):
    assert_refused("The provider id is longer than 255 characters", channel=email_channel,
                   address="ana@example.com", text="Hi", external_id="x" * 256)


def test_oversized_attachment_is_refused(email_channel, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    too_big = NewAttachment(filename="video.mp4", content=b"\0" * (25 * 1024 * 1024 + 1))

    assert_refused("The attachment video.mp4 is larger than 25 MB", channel=email_channel,
                   address="ana@example.com", text="See attached", attachments=[too_big])
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("address", "match"),
    [
        ("not an address", "valid email address"),
        ("", "The email address is empty"),
        ("<script>alert(1)</script>", "valid email address"),
    ],
)
def test_invalid_sender_address_is_refused(email_channel, address, match):
    assert_refused(match, channel=email_channel, address=address, text="Hi")


def test_hostile_sender_id_on_a_chat_channel_is_refused(make_channel):
    telegram = make_channel("telegram")

    assert_refused("may only hold letters, digits", channel=telegram,
                   address="<img src=x onerror=alert(1)>", text="Hi")
