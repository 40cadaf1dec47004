"""Outbound delivery: a queued reply is sent exactly once, retried, failed, retried by hand.

Tests marked ``transaction=True`` with the ``celery_worker`` fixture go through the real
path: the reply is committed, the task is queued after commit and a worker process (on the
production stack) or Celery's eager mode (embedded) delivers it, so they poll with
``wait_for``. The others call ``deliver`` directly inside the test's transaction, where the
task scheduled on commit never runs.
"""

import json

import pytest
from django.core.exceptions import ValidationError

from channels_adapters.delivery import Outcome, deliver
from channels_adapters.models import Channel
from inbox.actions import message_update_delivery, receive_message, retry_message, send_reply
from inbox.events import DeliveryChanged, parse_payload
from inbox.models import Event, Message, Thread
from tests.helpers import wait_for

Status = Message.DeliveryStatus
REFUSED = "The provider refused the message (stub)."
UNAVAILABLE = "The provider is unavailable (stub)."


def delivery_events(message: Message) -> list[DeliveryChanged]:
    """The message's delivery changes, in order, each parsed after a trip through JSON."""
    events = Event.objects.filter(type=DeliveryChanged.type,
                                  payload__message_id=message.pk).order_by("id")
    return [parse_payload(event.type, json.loads(json.dumps(event.payload))) for event in events]


def changes(message: Message) -> list[tuple[str, str]]:
    return [(event.previous_status, event.delivery_status) for event in delivery_events(message)]


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def reaches(message: Message, status: str):
    return lambda: fresh(message).delivery_status == status


def given_thread(channel: Channel) -> Thread:
    address = "+33612345678" if channel.kind == "whatsapp" else "1001"
    received = receive_message(channel=channel, address=address, text="Hello",
                               display_name="Ana")
    return Thread.objects.get(pk=received.message.thread_id)


def given_reply(channel: Channel, author=None) -> Message:
    return send_reply(thread=given_thread(channel), channel=channel, author=author,
                      text="Your parcel left this morning.")


# --- through the worker ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reply_is_sent_with_the_providers_id(make_channel, agent, celery_worker):
    # given a Telegram channel whose provider accepts everything
    channel = make_channel("telegram")

    # when an agent replies
    reply = given_reply(channel, author=agent)

    # then the reply is sent once, with the provider's id, and the change is recorded
    wait_for(reaches(reply, Status.SENT))
    sent = fresh(reply)
    assert sent.external_id.startswith("stub-")
    assert sent.sent_at is not None
    assert sent.delivery_attempts == 1
    assert sent.delivery_error == ""
    assert delivery_events(reply) == [
        DeliveryChanged(message_id=reply.pk, delivery_status="sent", previous_status="queued",
                        error="")
    ]


@pytest.mark.django_db(transaction=True)
def test_second_delivery_of_a_sent_message_does_nothing(make_channel, celery_worker):
    # given a reply already sent
    reply = given_reply(make_channel("telegram"))
    wait_for(reaches(reply, Status.SENT))
    sent = fresh(reply)

    # when its delivery task runs again (a broker redelivery, the periodic sweep)
    outcome = deliver(reply.pk)

    # then nothing is sent, counted or recorded a second time
    assert outcome is Outcome.SKIPPED
    again = fresh(reply)
    assert (again.delivery_attempts, again.external_id, again.sent_at) == (
        sent.delivery_attempts, sent.external_id, sent.sent_at
    )
    assert changes(reply) == [("queued", "sent")]


@pytest.mark.django_db(transaction=True)
def test_permanent_refusal_fails_the_reply_with_the_reason(make_channel, celery_worker):
    # given a provider that refuses every message
    channel = make_channel("telegram", settings={"stub_fail": "permanent"})

    # when an agent replies
    reply = given_reply(channel)

    # then the reply fails at once, and agents can see why
    wait_for(reaches(reply, Status.FAILED))
    failed = fresh(reply)
    assert failed.delivery_error == REFUSED
    assert failed.delivery_attempts == 1
    assert failed.external_id is None
    assert delivery_events(reply) == [
        DeliveryChanged(message_id=reply.pk, delivery_status="failed", previous_status="queued",
                        error=REFUSED)
    ]


@pytest.mark.django_db(transaction=True)
def test_retry_of_a_failed_reply_after_fixing_the_channel_sends_it(make_channel, agent,
                                                                   celery_worker):
    # given a reply that failed because the channel was misconfigured
    channel = make_channel("telegram", settings={"stub_fail": "permanent"})
    reply = given_reply(channel)
    wait_for(reaches(reply, Status.FAILED))

    # when the channel is fixed and the agent retries
    Channel.objects.filter(pk=channel.pk).update(settings={})
    retry_message(message=reply.pk, by=agent)

    # then it is sent
    wait_for(reaches(reply, Status.SENT))
    sent = fresh(reply)
    assert sent.delivery_error == ""
    assert sent.delivery_attempts == 1
    assert sent.external_id.startswith("stub-")
    assert changes(reply) == [("queued", "failed"), ("failed", "queued"), ("queued", "sent")]
    retried = Event.objects.filter(type=DeliveryChanged.type, payload__message_id=reply.pk,
                                   payload__delivery_status="queued").get()
    assert retried.actor == agent


@pytest.mark.django_db(transaction=True)
def test_transient_failure_is_retried_by_the_worker(make_channel, celery_worker):
    # given a provider that is unavailable for the first attempt of each message
    # (on the production stack the retry waits THREADLINE_DELIVERY_BACKOFF_SECONDS)
    channel = make_channel("telegram", settings={"stub_transient_failures": 1})

    # when an agent replies
    reply = given_reply(channel)

    # then the second attempt sends it, and only the outcome is recorded
    wait_for(reaches(reply, Status.SENT), timeout=60)
    assert fresh(reply).delivery_attempts == 2
    assert changes(reply) == [("queued", "sent")]


# --- deliver(), one attempt at a time -------------------------------------------------


@pytest.mark.django_db
def test_reply_is_sent_after_two_transient_failures(make_channel):
    # given a provider unavailable for the first two attempts of each message
    reply = given_reply(make_channel("telegram", settings={"stub_transient_failures": 2}))

    # when the delivery is tried until it no longer asks for a retry
    outcomes = [deliver(reply.pk) for _ in range(3)]

    # then the third attempt sent it
    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.SENT]
    sent = fresh(reply)
    assert sent.delivery_status == Status.SENT
    assert sent.delivery_attempts == 3
    assert changes(reply) == [("queued", "sent")]
    assert deliver(reply.pk) is Outcome.SKIPPED
    assert fresh(reply).delivery_attempts == 3


@pytest.mark.django_db
def test_reply_fails_once_transient_failures_exhaust_the_retries(make_channel, settings):
    # given a provider that stays unavailable, and two retries allowed
    settings.THREADLINE_DELIVERY_MAX_RETRIES = 2
    reply = given_reply(make_channel("telegram", settings={"stub_transient_failures": 100}))

    outcomes = [deliver(reply.pk) for _ in range(3)]

    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    failed = fresh(reply)
    assert (failed.delivery_status, failed.delivery_error, failed.delivery_attempts) == (
        Status.FAILED, UNAVAILABLE, 3
    )
    assert changes(reply) == [("queued", "failed")]
    assert deliver(reply.pk) is Outcome.SKIPPED


@pytest.mark.django_db
def test_delivery_of_a_missing_message_does_nothing():
    assert deliver(2**31) is Outcome.SKIPPED


@pytest.mark.django_db
def test_delivery_of_an_inbound_message_does_nothing(make_channel):
    inbound = receive_message(channel=make_channel("telegram"), address="1001",
                              text="Hi").message

    assert deliver(inbound.pk) is Outcome.SKIPPED
    assert fresh(inbound).delivery_attempts == 0


# --- provider status callbacks --------------------------------------------------------


@pytest.fixture
def sent_reply(db, make_channel) -> Message:
    reply = given_reply(make_channel("whatsapp"))
    assert deliver(reply.pk) is Outcome.SENT
    return fresh(reply)


@pytest.mark.django_db
def test_delivery_status_moves_forward(sent_reply):
    message_update_delivery(message=sent_reply, status=Status.DELIVERED)
    message_update_delivery(message=sent_reply.pk, status=Status.READ)

    assert fresh(sent_reply).delivery_status == Status.READ
    assert changes(sent_reply) == [("queued", "sent"), ("sent", "delivered"),
                                   ("delivered", "read")]


@pytest.mark.django_db
def test_late_delivery_status_never_moves_back(sent_reply):
    # given a message the customer read
    message_update_delivery(message=sent_reply, status=Status.READ)
    events_before = Event.objects.count()

    # when the provider's earlier callbacks arrive late
    message_update_delivery(message=sent_reply, status=Status.DELIVERED)
    message_update_delivery(message=sent_reply, status=Status.SENT)
    message_update_delivery(message=sent_reply, status=Status.READ)

    # then it stays read, and nothing is recorded
    assert fresh(sent_reply).delivery_status == Status.READ
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_a_failure_reported_after_delivery_is_ignored(sent_reply):
    message_update_delivery(message=sent_reply, status=Status.DELIVERED)
    events_before = Event.objects.count()

    message_update_delivery(message=sent_reply, status=Status.FAILED, error="late")

    assert fresh(sent_reply).delivery_status == Status.DELIVERED
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_provider_failure_callback_fails_the_message_with_its_reason(sent_reply):
    message_update_delivery(message=sent_reply, status=Status.FAILED,
                            error="131026: Receiver is incapable of receiving this message")

    failed = fresh(sent_reply)
    assert failed.delivery_status == Status.FAILED
    assert failed.delivery_error == "131026: Receiver is incapable of receiving this message"
    assert delivery_events(sent_reply)[-1] == DeliveryChanged(
        message_id=sent_reply.pk, delivery_status="failed", previous_status="sent",
        error="131026: Receiver is incapable of receiving this message",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["queued", "bounced", "", "READ"])
def test_unknown_delivery_status_is_refused(sent_reply, status):
    events_before = Event.objects.count()

    with pytest.raises(ValidationError, match="Unknown delivery status"):
        message_update_delivery(message=sent_reply, status=status)

    assert fresh(sent_reply).delivery_status == Status.SENT
    assert Event.objects.count() == events_before


# --- retry by hand --------------------------------------------------------------------


@pytest.mark.django_db
def test_retry_queues_a_failed_message_again(make_channel, agent):
    reply = given_reply(make_channel("telegram", settings={"stub_fail": "permanent"}))
    assert deliver(reply.pk) is Outcome.FAILED

    retry_message(message=reply, by=agent)

    queued = fresh(reply)
    assert (queued.delivery_status, queued.delivery_error, queued.delivery_attempts) == (
        Status.QUEUED, "", 0
    )
    assert delivery_events(reply)[-1] == DeliveryChanged(
        message_id=reply.pk, delivery_status="queued", previous_status="failed", error=""
    )


@pytest.mark.django_db
def test_retry_of_a_message_that_did_not_fail_is_refused(sent_reply, agent):
    events_before = Event.objects.count()

    with pytest.raises(ValidationError, match="Only a failed message can be retried"):
        retry_message(message=sent_reply, by=agent)

    assert fresh(sent_reply).delivery_status == Status.SENT
    assert Event.objects.count() == events_before


@pytest.mark.django_db
def test_retry_of_a_queued_message_is_refused(make_channel):
    reply = given_reply(make_channel("telegram"))

    with pytest.raises(ValidationError, match="Only a failed message can be retried"):
        retry_message(message=reply)

    assert fresh(reply).delivery_status == Status.QUEUED
