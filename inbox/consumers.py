"""The agents' one WebSocket per tab: live events, catch-up by Event id after a reconnect,
and the passing signals of a shared inbox (presence, who is viewing or typing where)."""

import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from .actions.agents import presence_connect, presence_disconnect, presence_set
from .groups import STAFF_GROUP, groups_for_user, team_group, webchat_thread_group
from .publish import serialize_event
from .selectors import events_visible_to, threads_visible_to

UNAUTHENTICATED = 4401
# Clients only send small requests; anything longer is refused unread.
MAX_REQUEST_CHARS = 4096
# Past this many pages of missed events, the client reloads rather than replays.
MAX_CATCH_UP_PAGES = 10
# What a page may tell the others about the thread it shows.
ACTIVITIES = {"viewing", "typing", "left"}
# How often the customer's chat widget hears that an agent is typing, at most.
WEBCHAT_TYPING_EVERY_SECONDS = 2.0


def _thread_team(user, thread_id: int) -> tuple[bool, int | None]:
    """Whether ``user`` may see the thread, and its team (where its signals go)."""
    row = threads_visible_to(user).filter(pk=thread_id).values_list("team_id").first()
    return (row is not None, row[0] if row else None)


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups of the user's teams *before* reading missed events (subscribe first,
    then read), so nothing falls between the two. An event may arrive twice (live and by
    catch-up, or in the replay window of ``replay_start``): the client skips ids it has."""

    # Messages of the channel layer that are only relayed to the browser, touching no
    # database: Django Channels' dispatch would first close old database connections on
    # the one thread for database work, a hop per socket per event (a quarter of a Daphne's
    # CPU when an event fans out to hundreds of sockets: bench/fanout.py).
    RELAYED = frozenset({"inbox.event", "inbox.events", "inbox.signal"})

    async def dispatch(self, message):
        if message.get("type") in self.RELAYED:
            await getattr(self, get_handler_name(message))(message)
        else:
            await super().dispatch(message)

    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.thread_teams: dict[int, int | None] = {}
        self.webchat_typing_at: dict[int, float] = {}
        self.joined = await database_sync_to_async(groups_for_user)(self.user)
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await database_sync_to_async(presence_connect)(user=self.user)
        after = _cursor(self.scope.get("query_string", b"").decode())
        if after is not None:
            await self.catch_up(after)

    async def disconnect(self, code):
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "joined", None) is not None:
            await database_sync_to_async(presence_disconnect)(user=self.user)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not text_data or len(text_data) > MAX_REQUEST_CHARS:
            await self.error("expected a short JSON text frame")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.error("expected a JSON object")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "catch_up":
            after = content.get("after")
            if isinstance(after, bool) or not isinstance(after, int) or after < 0:
                await self.error("after must be an Event id >= 0")
                return
            await self.catch_up(after)
        elif kind in ACTIVITIES:
            await self.share_activity(kind, content.get("thread_id"),
                                      echo=content.get("echo") is True)
        elif kind == "presence" and content.get("status") in ("online", "away"):
            await database_sync_to_async(presence_set)(user=self.user, status=content["status"])
        else:
            await self.error("unknown request type")

    async def error(self, text: str):
        await self.send_json({"type": "error", "error": text})

    async def catch_up(self, after: int):
        """Send every event the user may see from ``after`` on, page by page; a client too far
        behind is told to reload instead (a fresh page load is cheaper than the replay)."""
        page_size = settings.THREADLINE_CATCH_UP_PAGE
        last_event_id, pages, replay = after, 0, True
        while True:
            events = await database_sync_to_async(events_visible_to)(
                self.user, after=last_event_id, replay=replay)
            for event in events:
                await self.send_json({"type": "event", "event": serialize_event(event)})
            pages += 1
            last_event_id = max([last_event_id, *(event.pk for event in events)])
            if len(events) < page_size:
                break
            if pages >= MAX_CATCH_UP_PAGES:
                await self.send_json({"type": "reload", "reason": "too many missed events"})
                return
            replay = False  # the next pages follow on exactly
        await self.send_json({"type": "caught_up", "last_event_id": last_event_id})

    async def share_activity(self, activity: str, thread_id, *, echo: bool = False):
        """Tell the thread's team (and supervisors) that this agent views or types there."""
        if isinstance(thread_id, bool) or not isinstance(thread_id, int):
            await self.error("thread_id must be a thread's id")
            return
        if thread_id not in self.thread_teams:
            visible, team_id = await database_sync_to_async(_thread_team)(self.user, thread_id)
            if not visible:
                await self.error("no such thread")
                return
            self.thread_teams[thread_id] = team_id
        team_id = self.thread_teams[thread_id]
        # ``echo``: an answer to someone's "viewing", which is not answered again.
        signal = {"type": "activity", "activity": activity, "thread_id": thread_id,
                  "user_id": self.user.pk, "name": self.user.display_name, "echo": echo}
        groups = [STAFF_GROUP] + ([team_group(team_id)] if team_id is not None else [])
        for group in groups:
            await self.channel_layer.group_send(group, {"type": "inbox.signal",
                                                        "signal": signal})
        if activity == "typing":
            await self.tell_visitors_typing(thread_id)

    async def tell_visitors_typing(self, thread_id: int):
        """The customer's open chat widget shows "<first name> is typing…" (throttled)."""
        now = time.monotonic()
        if now - self.webchat_typing_at.get(thread_id, 0.0) < WEBCHAT_TYPING_EVERY_SECONDS:
            return
        self.webchat_typing_at[thread_id] = now
        signal = {"type": "agent_typing", "thread_id": thread_id,
                  "name": self.user.first_name or self.user.username}
        await self.channel_layer.group_send(webchat_thread_group(thread_id),
                                            {"type": "inbox.signal", "signal": signal})

    async def inbox_event(self, message):
        await self.send_json({"type": "event", "event": message["event"]})

    async def inbox_events(self, message):
        for event in message["events"]:
            await self.send_json({"type": "event", "event": event})

    async def inbox_signal(self, message):
        signal = message["signal"]
        if signal.get("type") in ("activity", "presence") and (
                signal.get("user_id") == self.user.pk):
            return  # one's own typing or presence is no news
        await self.send_json(signal)


def _cursor(query_string: str) -> int | None:
    values = parse_qs(query_string).get("after")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return None
