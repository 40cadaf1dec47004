"""One delivery at a time, in this process: timeouts, a failing endpoint disabled and its
owner told, signatures a receiver must refuse, what the sweep takes, which URLs are refused.

The events come from real actions; their deliveries are written by the listener's action
and sent by the task (``apply``: in this process, on both stacks)."""

import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from inbox.actions import add_note, receive_message
from inbox.models import Event, Thread
from webhooks.actions import deliveries_create, endpoint_create, endpoint_rotate_secret
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import due_delivery_ids
from webhooks.sending import Outcome, attempt_delivery, delivery_body
from webhooks.signing import SIGNATURE_HEADER, signature_header
from webhooks.tasks import deliver_webhook

Status = WebhookDelivery.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(make_channel):
    return make_channel("telegram")


def given_thread(channel, address="1001") -> Thread:
    received = receive_message(channel=channel, address=address, text="Hi",
                               display_name="Ana")
    return Thread.objects.get(pk=received.message.thread_id)


def deliveries_of(thread: Thread) -> list[WebhookDelivery]:
    return deliveries_create(events=list(Event.objects.filter(thread=thread)))


def fresh(delivery: WebhookDelivery) -> WebhookDelivery:
    return WebhookDelivery.objects.get(pk=delivery.pk)


def test_an_endpoint_that_does_not_answer_in_time_is_tried_again(
        settings, channel, team, owner, receiver):
    # given an endpoint that answers its first request too late
    settings.THREADLINE_WEBHOOK_TIMEOUT_SECONDS = 0.3
    endpoint_create(url=receiver.url, event_types=["message.received"], teams=[team],
                    created_by=owner)
    receiver.answer(200, delay=1.5)
    [delivery] = deliveries_of(given_thread(channel))

    # when it is sent
    deliver_webhook.apply(args=[delivery.pk])

    # then the first attempt timed out, the second was delivered
    delivery = fresh(delivery)
    assert delivery.status == Status.DELIVERED
    first, second = delivery.attempt_log.all()
    assert first.status_code is None
    assert first.error == "No answer within 0.3 s."
    assert 250 <= first.latency_ms < 1500
    assert second.status_code == 200


def test_an_endpoint_failing_for_too_long_is_disabled_and_its_owner_told(
        settings, channel, team, owner, receiver):
    # given an endpoint that always fails, with deliveries for two threads
    settings.THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS = 0.3
    endpoint = endpoint_create(url=receiver.url, event_types=["message.received"],
                               teams=[team], created_by=owner, description="CRM")
    receiver.answer(*[500] * 100)
    [first] = deliveries_of(given_thread(channel, "1001"))
    [second] = deliveries_of(given_thread(channel, "1002"))

    # when the first is tried, again and again
    deliver_webhook.apply(args=[first.pk])

    # then, once it failed for longer than allowed, the endpoint is disabled
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert endpoint.disabled_reason == "No successful delivery for 0.3 seconds."
    # and its open deliveries failed, to be replayed once it is back
    assert fresh(first).status == Status.FAILED
    assert fresh(second).status == Status.FAILED
    assert fresh(second).last_error == "The endpoint was disabled."
    assert fresh(second).attempts == 0
    # and its owner got an e-mail naming it
    [message] = mail.outbox
    assert message.to == ["olga@example.com"]
    assert receiver.url in message.body
    assert endpoint.secret not in message.body
    # and nothing more is sent to it
    sent = len(receiver.received)
    add_note(thread=Thread.objects.get(pk=first.thread_id), author=None, text="later")
    assert deliveries_create(events=list(Event.objects.filter(type="note.added"))) == []
    assert len(receiver.received) == sent


def test_a_success_clears_the_failures_of_an_endpoint(channel, team, owner, receiver):
    endpoint = endpoint_create(url=receiver.url, event_types=["message.received"],
                               teams=[team], created_by=owner)
    receiver.answer(500)
    [delivery] = deliveries_of(given_thread(channel))

    assert attempt_delivery(delivery.pk).outcome is Outcome.RETRY
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    time.sleep(fresh(delivery).next_attempt_at.timestamp() - time.time() + 0.01)
    assert attempt_delivery(delivery.pk).outcome is Outcome.DELIVERED
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_a_later_delivery_of_a_thread_waits_for_the_earlier_one(
        channel, team, owner, receiver):
    # given two deliveries of one thread
    endpoint_create(url=receiver.url, event_types=["message.received", "note.added"],
                    teams=[team], created_by=owner)
    thread = given_thread(channel)
    add_note(thread=thread, author=None, text="note")
    earlier, later = deliveries_of(thread)

    # then the later one is not sent while the earlier one is open
    assert attempt_delivery(later.pk).outcome is Outcome.WAITING
    assert receiver.received == []
    assert due_delivery_ids() == [earlier.pk]
    # and the earlier one, once delivered, hands over to it
    result = attempt_delivery(earlier.pk)
    assert (result.outcome, result.hand_over_to) == (Outcome.DELIVERED, later.pk)
    assert attempt_delivery(later.pk).outcome is Outcome.DELIVERED
    assert attempt_delivery(later.pk).outcome is Outcome.SKIPPED  # a second task: nothing
    assert len(receiver.received) == 2


def test_a_receiver_refuses_a_wrong_secret_a_changed_body_or_an_old_timestamp(
        channel, team, owner, verify):
    endpoint = endpoint_create(url="https://crm.example.com/hook", teams=[team],
                               created_by=owner)
    given_thread(channel)
    body = delivery_body(Event.objects.first())
    header = signature_header(endpoint.secret, body)

    assert verify(endpoint.secret, header, body)
    assert not verify("whsec_not-the-secret", header, body)
    assert not verify(endpoint.secret, header, body.replace(b"Ana", b"Bob"))
    old = signature_header(endpoint.secret, body, timestamp=int(time.time()) - 3600)
    assert not verify(endpoint.secret, old, body)
    # after a rotation, the old secret no longer verifies what is sent
    old_secret = endpoint.secret
    endpoint_rotate_secret(endpoint=endpoint)
    assert endpoint.secret.startswith("whsec_") and endpoint.secret != old_secret
    assert not verify(old_secret, signature_header(endpoint.secret, body), body)


def test_the_secret_goes_in_the_signature_only(channel, team, owner, receiver):
    endpoint = endpoint_create(url=receiver.url, teams=[team], created_by=owner)
    for delivery in deliveries_of(given_thread(channel)):
        attempt_delivery(delivery.pk)

    for request in receiver.received:
        assert endpoint.secret not in request.body.decode()
        assert all(endpoint.secret not in value for value in request.headers.values())
        assert request.headers[SIGNATURE_HEADER].startswith("t=")
    assert endpoint.secret not in str(WebhookEndpoint.objects.get(pk=endpoint.pk))


@pytest.mark.parametrize(("url", "code"), [
    ("ftp://crm.example.com/hook", "invalid_url_scheme"),
    ("file:///etc/passwd", "invalid_url_scheme"),
    ("https://user:password@crm.example.com/hook", "url_with_credentials"),
    ("https://token@crm.example.com/hook", "url_with_credentials"),
    ("https:///no-host", "invalid_url"),
    ("https://crm.example.com:99999/hook", "invalid_url"),
])
def test_only_plain_http_urls_can_receive_webhooks(team, url, code):
    with pytest.raises(ValidationError) as refused:
        endpoint_create(url=url, teams=[team])
    assert code in str(refused.value.error_dict["url"][0].code) or any(
        error.code == code for error in refused.value.error_dict["url"])
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_known_event_types_and_some_teams(team):
    with pytest.raises(ValidationError, match="Unknown event types: message.sent"):
        endpoint_create(url="https://crm.example.com/hook", event_types=["message.sent"],
                        teams=[team])
    with pytest.raises(ValidationError, match="Choose the teams"):
        endpoint_create(url="https://crm.example.com/hook")


def test_an_endpoint_nobody_listens_at_is_a_failed_attempt(channel, team, owner):
    # given an endpoint on a port where nothing listens
    endpoint_create(url="http://127.0.0.1:9/hook", teams=[team], created_by=owner,
                    event_types=["message.received"])
    [delivery] = deliveries_of(given_thread(channel))

    # when it is tried
    result = attempt_delivery(delivery.pk)

    # then the attempt is logged with the error, and retried later
    assert result.outcome is Outcome.RETRY
    [attempt] = fresh(delivery).attempt_log.all()
    assert attempt.status_code is None
    assert attempt.error.startswith("ConnectError")
    assert fresh(delivery).status == Status.RETRYING


def test_a_redirect_is_a_failed_attempt_not_followed(channel, team, owner, receiver):
    endpoint_create(url=receiver.url, teams=[team], created_by=owner,
                    event_types=["message.received"])
    receiver.answer(302)
    [delivery] = deliveries_of(given_thread(channel))

    assert attempt_delivery(delivery.pk).outcome is Outcome.RETRY

    assert len(receiver.received) == 1
    assert fresh(delivery).last_status_code == 302
    assert fresh(delivery).last_error == "The endpoint answered 302."
