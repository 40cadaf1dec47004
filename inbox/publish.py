"""Recording Events and ringing the channel layer once they are committed.

The Event row is the truth; the channel layer is only a doorbell (its delivery is
at-most-once). A publish that fails is logged and otherwise ignored: clients catch up from
the Event table by id.
"""

import asyncio
import atexit
import contextlib
import contextvars
import functools
import logging
import os
import threading
from collections.abc import Iterator
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from reports.recording import record_for_reports

from .events import RULE_KEY, EventPayload
from .groups import STAFF_GROUP, team_group
from .models import Event, Thread

logger = logging.getLogger(__name__)

EVENT_MESSAGE_TYPE = "inbox.event"
EVENTS_MESSAGE_TYPE = "inbox.events"  # several events of one commit, in order


_rule: contextvars.ContextVar[dict | None] = contextvars.ContextVar("rule", default=None)


@contextlib.contextmanager
def attributed_to_rule(rule) -> Iterator[None]:
    """The events recorded inside carry ``"rule": {"id", "name"}`` in their payload: an
    automation rule (automation/) did this through the inbox's actions, with no actor. Who
    reads the events can tell a rule's change from the system's own (routing takes a rule's
    assignment as a person's)."""
    token = _rule.set({"id": rule.pk, "name": rule.name})
    try:
        yield
    finally:
        _rule.reset(token)


def _payload_json(payload: EventPayload) -> dict[str, Any]:
    rule = _rule.get()
    return payload.as_json() if rule is None else {**payload.as_json(), RULE_KEY: rule}


def record_event(
    payload: EventPayload,
    *,
    thread: Thread,
    actor=None,
) -> Event:
    """Write the Event in the current transaction (the report tables with it) and publish it
    after commit."""
    event = Event.objects.create(
        type=payload.type,
        thread=thread,
        customer_id=thread.customer_id,
        team_id=thread.team_id,
        actor=actor,
        payload=_payload_json(payload),
    )
    record_for_reports([(event, thread.assignee_id)])
    transaction.on_commit(lambda: publish_event(event))
    return event


def record_events(entries: list[tuple[EventPayload, Thread]], *, actor=None) -> list[Event]:
    """``record_event`` for many at once: one INSERT, and one publication after commit,
    in the order given."""
    events = Event.objects.bulk_create([
        Event(type=payload.type, thread=thread, customer_id=thread.customer_id,
              team_id=thread.team_id, actor=actor, payload=_payload_json(payload))
        for payload, thread in entries
    ])
    record_for_reports([(event, thread.assignee_id)
                        for event, (_, thread) in zip(events, entries, strict=True)])
    if events:
        transaction.on_commit(lambda: publish_events(events))
    return events


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
    send_to_groups(groups, {"type": "inbox.signal", "signal": message},
                   what=str(message.get("type")))


def publish_event(event: Event) -> None:
    publish_events([event])


def publish_events(events: list[Event]) -> None:
    """Ring each group once for the events of one commit: a batch of 200 inbound messages
    is one channel-layer message per group, not 200 (each socket's queue on the channel
    layer is bounded, and a burst of single events would overflow it and be dropped).
    On failure the Event rows stay; clients catch up by id."""
    by_group: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        serialized = serialize_event(event)
        for group in groups_for_event(event):
            by_group.setdefault(group, []).append(serialized)
    sends = []
    for group, serialized in by_group.items():
        if len(serialized) == 1:
            message = {"type": EVENT_MESSAGE_TYPE, "event": serialized[0]}
        else:
            message = {"type": EVENTS_MESSAGE_TYPE, "events": serialized}
        sends.append(([group], message, f"events {serialized[0]['id']}…{serialized[-1]['id']}"))
    _send(sends)
    _notify_listeners(events)


def _notify_listeners(events: list[Event]) -> None:
    """Hand the committed events to THREADLINE_EVENT_LISTENERS (integrations such as the
    Slack mirror), so actions need not know them. A listener that fails is logged; the
    publication and the other listeners go on."""
    if not events:
        return
    paths = tuple(getattr(settings, "THREADLINE_EVENT_LISTENERS", ()))
    for path, listener in _listeners(paths):
        try:
            listener(events)
        except Exception:
            logger.exception("event listener %s failed on events %s", path,
                             ", ".join(str(event.pk) for event in events))


@functools.lru_cache(maxsize=8)
def _listeners(paths: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The listeners, imported once per value of the setting; one that cannot be imported
    is logged and left out."""
    found = []
    for path in paths:
        try:
            found.append((path, import_string(path)))
        except ImportError:
            logger.exception("event listener %s cannot be imported", path)
    return found


def send_to_groups(groups: list[str], message: dict[str, Any], *, what: str) -> None:
    """``group_send`` to each group from synchronous code; failures are logged, not raised."""
    _send([(groups, message, what)])


def _send(sends: list[tuple[list[str], dict[str, Any], str]]) -> None:
    """Each message to its groups, one message after the other (each group hears them in
    order). With Redis, handed to this process's publisher loop without waiting (see
    ``_PublisherLoop``); with the in-memory layer, sent at once."""
    channel_layer = get_channel_layer()
    if channel_layer is None or not sends:
        return
    if isinstance(channel_layer, InMemoryChannelLayer):
        # Its queues belong to the server's own loop: async_to_sync runs there.
        try:
            async_to_sync(_send_all)(channel_layer, sends)
        except Exception:
            logger.exception("could not publish %s", ", ".join(what for _, _, what in sends))
    else:
        _publisher_loop.submit(channel_layer, sends)


async def _send_all(channel_layer, sends) -> None:
    for groups, message, what in sends:
        results = await asyncio.gather(
            *(channel_layer.group_send(group, message) for group in groups),
            return_exceptions=True)
        for group, result in zip(groups, results, strict=True):
            if isinstance(result, BaseException):
                logger.error("could not publish %s to %s: %r", what, group, result)


class _PublisherLoop:
    """One event loop per process, in a thread of its own, that rings the channel layer for
    synchronous code (Celery workers, the mail poller, request threads).

    ``async_to_sync`` outside a server starts a new loop per call, and channels-redis opens
    new connections for each new loop: about 8 ms per event. This loop keeps its
    connections, and the caller does not wait: it queues what to send (in commit order, sent
    one after the other, so each group hears them in order) and goes on. The channel layer
    is only a doorbell — clients catch up from the Event table — so a publication still
    queued when the process dies is a doorbell not rung, nothing more; ``flush`` waits for
    the queue at exit and in tests.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._pid = 0

    def submit(self, channel_layer, sends) -> None:
        loop = self._running_loop()
        loop.call_soon_threadsafe(self._queue.put_nowait, (channel_layer, sends))

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until everything queued so far is sent."""
        if self._loop is None or self._pid != os.getpid():
            return
        try:
            asyncio.run_coroutine_threadsafe(self._queue.join(), self._loop).result(timeout)
        except Exception:  # noqa: BLE001 - a doorbell: never block an exit for long
            logger.warning("some publications were still queued after %s s", timeout)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # a forked child starts anew
                loop, ready = asyncio.new_event_loop(), threading.Event()
                threading.Thread(target=self._run, args=(loop, ready),
                                 name="channel-layer-publisher", daemon=True).start()
                ready.wait()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def _run(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        self._queue = asyncio.Queue()
        loop.create_task(self._drain())
        loop.call_soon(ready.set)
        loop.run_forever()

    async def _drain(self) -> None:
        while True:
            channel_layer, sends = await self._queue.get()
            try:
                await _send_all(channel_layer, sends)
            except Exception:
                logger.exception("could not publish %s",
                                 ", ".join(what for _, _, what in sends))
            finally:
                self._queue.task_done()


_publisher_loop = _PublisherLoop()
atexit.register(_publisher_loop.flush)


def flush_publications(timeout: float = 5.0) -> None:
    """Wait until this process's queued publications are sent (tests, commands)."""
    _publisher_loop.flush(timeout)
