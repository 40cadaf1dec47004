"""Replay equals a fresh fetch: yesterday's state plus the emitted events is today's state.

``apply_event`` is what a client does with the events it receives (the browser inbox does
the same in JavaScript). For every action, the state fetched before it, with the action's
events applied, must equal the state fetched after it: the events carry all a client needs.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.actions import (
    add_note,
    assign_thread,
    change_status,
    log_interaction,
    message_update_delivery,
    receive_message,
    retry_message,
    send_reply,
    snooze_thread,
    tag_thread,
)
from inbox.models import Thread
from inbox.snapshots import message_snapshot
from tests.helpers import events_since, last_event_id

pytestmark = pytest.mark.django_db


def fetch(thread_id: int) -> dict:
    """What a fresh page load shows of a thread."""
    thread = Thread.objects.get(pk=thread_id)
    return {
        "status": thread.status,
        "snoozed_until": thread.snoozed_until.isoformat() if thread.snoozed_until else None,
        "assignee_id": thread.assignee_id,
        "team_id": thread.team_id,
        "tags": sorted(thread.tags.values_list("name", flat=True)),
        "messages": {
            message.pk: {"direction": message.direction, "text": message.text,
                         "delivery_status": message.delivery_status}
            for message in thread.messages.all()
        },
    }


def apply_event(state: dict, event) -> dict:
    payload = event.payload
    state = {**state, "messages": dict(state["messages"])}
    if "message" in payload:
        snapshot = payload["message"]
        state["messages"][snapshot["id"]] = {key: snapshot[key] for key in
                                             ("direction", "text", "delivery_status")}
    if event.type == "message.delivery_changed":
        state["messages"][payload["message_id"]] = {
            **state["messages"][payload["message_id"]],
            "delivery_status": payload["delivery_status"],
        }
    if event.type == "thread.status_changed":
        state["status"], state["snoozed_until"] = payload["status"], payload["snoozed_until"]
    if event.type == "thread.assigned":
        state["assignee_id"], state["team_id"] = payload["assignee_id"], payload["team_id"]
    if event.type == "thread.tagged":
        state["tags"] = sorted(payload["tags"])
    return state


def verify_action(thread_id: int, action) -> list[str]:
    before, cursor = fetch(thread_id), last_event_id()
    action()
    events = events_since(cursor)
    replayed = before
    for event in events:
        replayed = apply_event(replayed, event)
    assert replayed == fetch(thread_id)
    return [event.type for event in events]


@pytest.fixture
def channel(make_channel):
    return make_channel("telegram")


@pytest.fixture
def thread_id(channel):
    return receive_message(channel=channel, address="5150", text="Hello").message.thread_id


def test_every_action_replays_to_the_fresh_state(thread_id, channel, agent, other_team,
                                                 make_user):
    # a fresh thread replays from nothing
    closer = make_user("cleo", teams=[other_team])
    steps = [
        lambda: receive_message(channel=channel, address="5150", text="Anyone?"),
        lambda: send_reply(thread=thread_id, channel=channel, author=agent, text="Yes!"),
        lambda: add_note(thread=thread_id, author=agent, text="@ana VIP"),
        lambda: log_interaction(thread=thread_id, author=agent, kind="call",
                                direction="inbound", number="+33612345678",
                                duration_seconds=60, outcome="answered", summary="Called"),
        lambda: assign_thread(thread=thread_id, assignee=agent, by=agent),
        lambda: assign_thread(thread=thread_id, assignee=closer, team=other_team, by=agent),
        lambda: tag_thread(thread=thread_id, add=["vip", "refund"], by=agent),
        lambda: tag_thread(thread=thread_id, remove=["refund"], by=agent),
        lambda: change_status(thread=thread_id, status="pending", by=agent),
        lambda: snooze_thread(thread=thread_id, until=timezone.now() + timedelta(days=1),
                              by=agent),
        lambda: receive_message(channel=channel, address="5150", text="Wake up"),
        lambda: change_status(thread=thread_id, status="resolved", by=agent),
    ]
    for step in steps:
        assert verify_action(thread_id, step)


def test_delivery_changes_replay_to_the_fresh_state(thread_id, channel, agent):
    # (the delivery task runs after commit, which these rolled-back tests never reach)
    reply = send_reply(thread=thread_id, channel=channel, author=agent, text="On its way")
    refused = send_reply(thread=thread_id, channel=channel, author=agent, text="Again")

    for status in ("sent", "delivered", "read"):
        assert verify_action(thread_id, lambda status=status: message_update_delivery(
            message=reply, status=status)) == ["message.delivery_changed"]
    assert verify_action(thread_id, lambda: message_update_delivery(
        message=refused, status="failed", error="blocked")) == ["message.delivery_changed"]
    assert verify_action(thread_id, lambda: retry_message(message=refused, by=agent)) == [
        "message.delivery_changed"]


def test_snapshots_in_events_match_the_stored_message(thread_id, channel, agent):
    cursor = last_event_id()
    reply = send_reply(thread=thread_id, channel=channel, author=agent, text="Snapshot")

    (event,) = events_since(cursor)
    assert event.type == "reply.queued"
    assert event.payload["message"] == message_snapshot(reply)
