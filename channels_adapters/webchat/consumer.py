"""The visitor's WebSocket: ``ws/webchat/<channel id>/``.

The page's origin is checked against the channel's list before anything else (this route
is not behind AllowedHostsOriginValidator: the widget lives on the company's sites). The
token comes in the first frame, ``hello``, never in the URL, so no access log holds it. Then
the visitor sends messages, typing and receipts, and hears replies, agents typing and "seen"
on their thread's group. Frame types: docs/webchat.md.
"""

import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import ValidationError

from inbox.groups import webchat_thread_group
from inbox.models import Message

from ..models import Channel, ChannelKind
from . import actions, selectors
from .email_fallback import widget_closed, widget_opened
from .guards import messages_per_minute, origin_allowed, within_rate
from .tokens import BadToken, read_token

ORIGIN_REFUSED = 4403
UNKNOWN_CHANNEL = 4404
BAD_TOKEN = 4401
# A frame holds at most one message of the widget's limit, JSON-escaped.
MAX_FRAME_CHARS = 64 * 1024
TYPING_EVERY_SECONDS = 2.0
# What the thread's group may ring a visitor with, besides replies.
VISITOR_SIGNALS = {"agent_typing", "seen"}


def _channel(channel_id: int) -> Channel | None:
    return (Channel.objects.select_related("team")
            .filter(pk=channel_id, kind=ChannelKind.WEBCHAT, is_active=True).first())


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


class VisitorConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.scope_state: selectors.VisitorScope | None = None
        self.thread_group: str | None = None
        self.last_typing = 0.0
        channel_id = self.scope["url_route"]["kwargs"]["channel_id"]
        self.channel = await database_sync_to_async(_channel)(channel_id)
        await self.accept()
        if self.channel is None:
            await self.refuse(UNKNOWN_CHANNEL, "unknown_channel",
                              "No active web chat channel has this id.")
        elif not origin_allowed(self.channel, _header(self.scope, b"origin")):
            await self.refuse(ORIGIN_REFUSED, "origin_not_allowed",
                              "This site is not in the channel's allowed origins.")

    async def refuse(self, code: int, error: str, text: str):
        await self.send_json({"type": "error", "code": error, "message": text, "fatal": True})
        await self.close(code=code)

    async def disconnect(self, code):
        if self.thread_group:
            await self.channel_layer.group_discard(self.thread_group, self.channel_name)
        if getattr(self, "open_as", None):
            await widget_closed(self.open_as)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if self.channel is None:
            return
        if not text_data or len(text_data) > MAX_FRAME_CHARS:
            await self.error("invalid_frame", "Expected a JSON text frame under 64 KB.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.error("invalid_frame", "Expected a JSON object.")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "hello":
            await self.hello(content.get("token"))
        elif self.scope_state is None:
            await self.error("hello_first", "Send hello with the visitor token first.")
        elif kind == "message":
            await self.message(content)
        elif kind == "typing":
            await self.typing()
        elif kind in ("read", "delivered"):
            await self.receipt(kind, content.get("up_to"))
        elif kind == "contact":
            await self.contact(content)
        elif kind == "ping":
            await self.send_presence("pong")
        else:
            await self.error("unknown_type", "Unknown frame type.")

    async def error(self, code: str, text: str, **extra):
        await self.send_json({"type": "error", "code": code, "message": text, **extra})

    # --- the frames -----------------------------------------------------------------------

    async def hello(self, token):
        try:
            visitor = read_token(token, channel_id=self.channel.pk)
        except BadToken as error:
            await self.refuse(BAD_TOKEN, "bad_token", str(error))
            return
        await self.load_scope(visitor)
        if getattr(self, "open_as", None) is None:  # counted once per socket
            self.open_as = visitor.address
            await widget_opened(visitor.address)
        welcome = await database_sync_to_async(self.welcome)()
        await self.send_json(welcome)

    async def load_scope(self, visitor):
        """Read where the visitor stands, and listen on their thread's group. Subscribe
        first, then read (the widget fetches its history after ``welcome``)."""
        self.scope_state = await database_sync_to_async(selectors.visitor_scope)(visitor)
        thread_id = self.scope_state.thread_id
        group = webchat_thread_group(thread_id) if thread_id else None
        if group != self.thread_group:
            if self.thread_group:
                await self.channel_layer.group_discard(self.thread_group, self.channel_name)
            if group:
                await self.channel_layer.group_add(group, self.channel_name)
            self.thread_group = group

    def welcome(self) -> dict:
        state = self.scope_state
        customer = state.identity.customer if state.identity else None
        seen = selectors.seen_at(state.thread_id)
        return {
            "type": "welcome",
            "verified": state.whole_thread,
            "name": customer.name if customer else "",
            "email": state.visitor.verified_email
            or (customer.attributes.get("email", "") if customer else ""),
            "agents_online": selectors.agents_online(self.channel),
            "seen_at": seen.isoformat() if seen else None,
        }

    async def message(self, content):
        if not await database_sync_to_async(within_rate)(
                "message", self.scope_state.visitor.address,
                limit=messages_per_minute(self.channel)):
            await self.error("rate_limited", "Too many messages: wait a minute.",
                             client_id=content.get("client_id"))
            return
        try:
            received = await database_sync_to_async(actions.visitor_send)(
                channel=self.channel, visitor=self.scope_state.visitor,
                text=content.get("text"), client_id=content.get("client_id"))
        except ValidationError as error:
            await self.error(getattr(error, "code", None) or "invalid",
                             " ".join(error.messages), client_id=content.get("client_id"))
            return
        if self.scope_state.thread_id != received.message.thread_id:
            await self.load_scope(self.scope_state.visitor)  # the first message made the thread
        shown = await database_sync_to_async(self.shown)(received.message)
        await self.send_json({"type": "ack", "client_id": content["client_id"],
                              "message": shown})
        # The visitor's other tabs show it too.
        await self.channel_layer.group_send(self.thread_group, {
            "type": "webchat.message", "identity_id": self.scope_state.identity_id,
            "message": shown, "from_channel": self.channel_name})

    def shown(self, message: Message) -> dict:
        message = Message.objects.select_related("channel", "author").get(pk=message.pk)
        return selectors.visitor_message(message, visitor_address=self.scope_state.visitor.address)

    async def typing(self):
        now = time.monotonic()
        if self.scope_state.thread_id is None or now - self.last_typing < TYPING_EVERY_SECONDS:
            return
        self.last_typing = now
        await database_sync_to_async(actions.visitor_typing)(thread_id=self.scope_state.thread_id)

    async def receipt(self, kind: str, up_to):
        try:
            await database_sync_to_async(actions.visitor_mark_messages)(
                scope=self.scope_state, channel=self.channel, up_to=up_to, status=kind)
        except ValidationError as error:
            await self.error("invalid", " ".join(error.messages))

    async def contact(self, content):
        name, email = content.get("name", ""), content.get("email", "")
        if not isinstance(name, str) or not isinstance(email, str):
            await self.error("invalid", "name and email must be strings.")
            return
        try:
            await database_sync_to_async(actions.visitor_leave_contact)(
                channel=self.channel, visitor=self.scope_state.visitor, name=name, email=email)
        except ValidationError as error:
            await self.error("invalid_contact", " ".join(error.messages))
            return
        await self.load_scope(self.scope_state.visitor)
        await self.send_json(await database_sync_to_async(self.welcome)())

    async def send_presence(self, kind: str):
        online = await database_sync_to_async(selectors.agents_online)(self.channel)
        await self.send_json({"type": kind, "agents_online": online})

    # --- what the thread's group rings ----------------------------------------------------

    async def webchat_message(self, event):
        if self.scope_state is None or event.get("from_channel") == self.channel_name:
            return
        if not self.scope_state.shows(identity_id=event.get("identity_id")):
            return
        await self.send_json({"type": "message", "message": event["message"]})

    async def inbox_signal(self, event):
        signal = event.get("signal", {})
        if self.scope_state is None or signal.get("type") not in VISITOR_SIGNALS:
            return
        if signal["type"] == "agent_typing":
            await self.send_json({"type": "agent_typing", "name": signal.get("name", "")})
        else:
            await self.send_json({"type": "seen", "at": signal.get("at")})
