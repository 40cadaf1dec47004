"""Signed webhooks reach a real HTTP receiver on loopback: retried with back-off until they
are accepted, in order per thread, filtered by type and team, replayed on demand.

The tests marked ``transaction=True`` with ``celery_worker`` go the whole way: an action
commits, the listener writes the deliveries, and a worker (production stack) or Celery's
eager mode (embedded) sends them."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.actions import add_note, receive_message
from inbox.models import Event, Thread
from tests.helpers import wait_for
from webhooks.actions import deliveries_create, endpoint_create
from webhooks.models import WebhookDelivery
from webhooks.signing import SIGNATURE_HEADER
from webhooks.tasks import sweep_webhooks

Status = WebhookDelivery.Status
whole_way = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def customer_writes(channel, text: str, address: str = "1001") -> Thread:
    received = receive_message(channel=channel, address=address, text=text, display_name="Ana")
    return Thread.objects.get(pk=received.message.thread_id)


def deliveries(**filters) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(**filters).order_by("id"))


def all_done(count: int):
    def check():
        found = deliveries()
        return len(found) == count and all(d.status not in WebhookDelivery.OPEN for d in found)
    return check


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_signed_webhook_failing_three_times_is_delivered_on_the_fourth(
        make_channel, team, owner, receiver, verify):
    # given an endpoint for new messages, whose server fails three times before it recovers
    endpoint = endpoint_create(url=receiver.url, event_types=["message.received"],
                               teams=[team], created_by=owner)
    receiver.answer(500, 500, 500)
    channel = make_channel("telegram")

    # when a customer writes
    thread = customer_writes(channel, "Where is my parcel?")

    # then the delivery is attempted four times and delivered on the fourth
    delivery = wait_for(lambda: WebhookDelivery.objects.filter(status=Status.DELIVERED).first())
    assert [r.answered for r in receiver.received] == [500, 500, 500, 200]
    assert delivery.attempts == 4
    assert [(a.number, a.status_code) for a in delivery.attempt_log.all()] == [
        (1, 500), (2, 500), (3, 500), (4, 200)]
    assert "Internal trouble" in delivery.attempt_log.first().response_snippet
    assert len(delivery.attempt_log.first().response_snippet) == 1000

    # and every request is the same event, signed with the endpoint's secret
    event = Event.objects.get(type="message.received", thread=thread)
    for request in receiver.received:
        assert verify(endpoint.secret, request.headers[SIGNATURE_HEADER], request.body)
        assert request.headers["Threadline-Event-Id"] == str(event.pk)
        assert request.headers["Threadline-Delivery-Id"] == str(delivery.pk)
        assert request.headers["Content-Type"] == "application/json"
    body = json.loads(receiver.received[-1].body)
    assert body["id"] == event.pk
    assert body["type"] == "message.received"
    assert (body["thread_id"], body["customer_id"], body["team_id"]) == (
        thread.pk, thread.customer_id, team.pk)
    assert body["data"]["message"]["text"] == "Where is my parcel?"
    assert set(body) == {"id", "type", "created_at", "thread_id", "customer_id", "team_id",
                         "data"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_threads_events_arrive_in_order_even_when_the_first_is_retried(
        make_channel, team, owner, receiver):
    # given an endpoint whose first answer is an error
    endpoint_create(url=receiver.url, event_types=["message.received", "note.added"],
                    teams=[team], created_by=owner)
    receiver.answer(503)
    channel = make_channel("telegram")

    # when a customer writes and agents add notes, one commit after the other
    thread = customer_writes(channel, "Hello")
    for number in range(1, 4):
        add_note(thread=thread, author=None, text=f"note {number}")

    # then the receiver got them in the order they happened, the first twice
    wait_for(all_done(4))
    event_ids = [int(r.headers["Threadline-Event-Id"]) for r in receiver.received]
    assert event_ids[0] == event_ids[1]
    assert event_ids[1:] == sorted(event_ids[1:])
    assert len(set(event_ids)) == 4
    types = [json.loads(r.body)["type"] for r in receiver.received]
    assert types == ["message.received", "message.received", "note.added", "note.added",
                     "note.added"]
    assert [d.status for d in deliveries()] == [Status.DELIVERED] * 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_a_delivery_is_replayed_through_the_api_with_a_new_signature(
        make_channel, team, owner, receiver, verify, admin_client):
    # given a delivered webhook
    endpoint = endpoint_create(url=receiver.url, event_types=["message.received"],
                               teams=[team], created_by=owner)
    customer_writes(make_channel("telegram"), "Hello")
    delivery = wait_for(lambda: WebhookDelivery.objects.filter(status=Status.DELIVERED).first())

    # when an admin replays it
    response = admin_client.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/replay/")

    # then the receiver gets the same body again, signed anew, and both attempts are logged
    assert response.status_code == 202
    wait_for(lambda: len(receiver.received) == 2
             and WebhookDelivery.objects.get(pk=delivery.pk).status == Status.DELIVERED)
    first, second = receiver.received
    assert first.body == second.body
    assert verify(endpoint.secret, second.headers[SIGNATURE_HEADER], second.body)
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_each_endpoint_gets_only_the_event_types_and_teams_it_asked_for(
        make_channel, team, other_team, owner, receiver):
    # given one endpoint for notes of the first team, one for everything of every team
    notes = endpoint_create(url=receiver.url, event_types=["note.added"], teams=[team],
                            created_by=owner)
    everything = endpoint_create(url=receiver.url, all_teams=True, created_by=owner)

    # when a customer of each team writes and an agent adds a note to each thread
    ours = customer_writes(make_channel("telegram"), "Hello", address="1001")
    theirs = customer_writes(make_channel("telegram", name="sales", channel_team=other_team),
                             "Bonjour", address="2002")
    add_note(thread=ours, author=None, text="ours")
    add_note(thread=theirs, author=None, text="theirs")

    # then the first endpoint received only the first team's note
    wait_for(lambda: deliveries() and all(d.status == Status.DELIVERED for d in deliveries()))
    assert [(d.event_type, d.thread_id) for d in deliveries(endpoint=notes)] == [
        ("note.added", ours.pk)]
    # and the other one every event of both teams
    got = deliveries(endpoint=everything)
    assert {d.thread_id for d in got} == {ours.pk, theirs.pk}
    assert {"message.received", "note.added"} <= {d.event_type for d in got}
    assert len(got) == Event.objects.count()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_an_inactive_endpoint_receives_nothing(make_channel, team, owner, receiver):
    endpoint_create(url=receiver.url, teams=[team], created_by=owner, is_active=False)

    customer_writes(make_channel("telegram"), "Hello")

    assert deliveries() == []
    assert receiver.received == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("celery_worker")
def test_the_sweep_sends_what_a_lost_task_left_behind(make_channel, team, owner, receiver):
    # given deliveries written while their tasks were lost (a broker restart), long due
    thread = customer_writes(make_channel("telegram"), "Hello")
    add_note(thread=thread, author=None, text="a note")
    endpoint_create(url=receiver.url, event_types=["message.received", "note.added"],
                    teams=[team], created_by=owner)
    written = deliveries_create(events=list(Event.objects.filter(thread=thread)))
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))

    # when the periodic sweep runs
    sweep_webhooks.delay()

    # then they are sent, in order
    wait_for(all_done(len(written)))
    assert [json.loads(r.body)["type"] for r in receiver.received] == [
        "message.received", "note.added"]
