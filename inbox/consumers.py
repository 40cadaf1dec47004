"""The agents' one WebSocket: live events, and catch-up by Event id after a reconnect."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from .groups import groups_for_user
from .publish import serialize_event
from .selectors import events_visible_to

# Past this many pages of missed events, the client reloads rather than replays.
MAX_CATCH_UP_PAGES = 10

UNAUTHENTICATED = 4401
# Clients only send small requests; anything longer is refused unread.
MAX_REQUEST_CHARS = 4096


class InboxConsumer(AsyncJsonWebsocketConsumer):
    """Joins the groups of the user's teams *before* reading missed events (subscribe first,
    then read), so nothing falls between the two. An event may arrive twice (live and by
    catch-up, or in the replay window of ``replay_start``): the client skips ids it has."""

    async def connect(self):
        self.user = self.scope.get("user")
        if self.user is None or not self.user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.joined = await database_sync_to_async(groups_for_user)(self.user)
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        after = _cursor(self.scope.get("query_string", b"").decode())
        if after is not None:
            await self.catch_up(after)

    async def disconnect(self, code):
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if not text_data or len(text_data) > MAX_REQUEST_CHARS:
            await self.send_json({"type": "error", "error": "expected a short JSON text frame"})
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "error": "expected a JSON object"})
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "catch_up":
            after = content.get("after")
            if isinstance(after, bool) or not isinstance(after, int) or after < 0:
                await self.send_json({"type": "error", "error": "after must be an Event id >= 0"})
                return
            await self.catch_up(after)
        else:
            await self.send_json({"type": "error", "error": "unknown request type"})

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

    async def inbox_event(self, message):
        await self.send_json({"type": "event", "event": message["event"]})


def _cursor(query_string: str) -> int | None:
    values = parse_qs(query_string).get("after")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return None
