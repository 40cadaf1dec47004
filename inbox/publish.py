"""Recording Events and ringing the channel layer once they are committed.

The Event row is the truth; the channel layer is only a doorbell (its delivery is
at-most-once). A publish that fails is logged and otherwise ignored: clients catch up from
the Event table by id.
"""

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from .events import EventPayload
from .groups import STAFF_GROUP, team_group
from .models import Event, Thread

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "inbox.event"


def record_event(
    payload: EventPayload,
    *,
    thread: Thread,
    actor=None,
) -> Event:
    """Write the Event in the current transaction and publish it after commit."""
    event = Event.objects.create(
        type=payload.type,
        thread=thread,
        customer_id=thread.customer_id,
        team_id=thread.team_id,
        actor=actor,
        payload=payload.as_json(),
    )
    transaction.on_commit(lambda: publish_event(event))
    return event


def serialize_event(event: Event) -> dict[str, Any]:
    """The JSON form every client gets, live or by catch-up."""
    return {
        "id": event.pk,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "thread_id": event.thread_id,
        "customer_id": event.customer_id,
        "team_id": event.team_id,
        "actor_id": event.actor_id,
        "payload": event.payload,
    }


def groups_for_event(event: Event) -> list[str]:
    groups = [STAFF_GROUP]
    if event.team_id is not None:
        groups.append(team_group(event.team_id))
    return groups


def publish_ephemeral(groups: list[str], message: dict[str, Any]) -> None:
    """Ring groups with something that is not history (presence, typing, notifications)."""
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    for group in groups:
        try:
            async_to_sync(channel_layer.group_send)(group, {"type": "inbox.signal",
                                                           "signal": message})
        except Exception:
            logger.exception("could not publish %s to %s", message.get("type"), group)


def publish_event(event: Event) -> None:
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    message = {"type": EVENT_MESSAGE_TYPE, "event": serialize_event(event)}
    for group in groups_for_event(event):
        try:
            async_to_sync(channel_layer.group_send)(group, message)
        except Exception:  # the Event row stays; clients catch up by id
            logger.exception("could not publish event %s to %s", event.pk, group)
