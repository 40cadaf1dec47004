"""Reading channels on the hot path of the webhook endpoint."""

import time
from typing import TYPE_CHECKING

from .models import Channel

if TYPE_CHECKING:
    from inbox.models import Message

# Seconds a process trusts what it read about a channel. A provider may post hundreds of
# webhooks a second to one channel: reading it once per request would double the queries.
# A channel switched off or re-keyed is seen within this time.
CHANNEL_CACHE_SECONDS = 5.0

_channels: dict[tuple[str, int], tuple[float, Channel | None]] = {}


async def active_channel(kind: str, channel_id: int) -> Channel | None:
    """The active channel of ``kind`` with ``channel_id``, or None (cached a few seconds)."""
    key, now = (kind, channel_id), time.monotonic()
    cached = _channels.get(key)
    if cached is not None and now - cached[0] < CHANNEL_CACHE_SECONDS:
        return cached[1]
    channel = await Channel.objects.filter(pk=channel_id, kind=kind, is_active=True).afirst()
    if len(_channels) > 10_000:  # ids probed at random must not grow the cache forever
        _channels.clear()
    _channels[key] = (now, channel)
    return channel


def last_inbound_metadata(message: "Message") -> dict:
    """What the adapter kept of the customer's last message on the reply's channel (the
    Telegram chat, the Slack channel and thread they wrote in): where to answer."""
    metadata = (
        message.__class__.objects.filter(channel_id=message.channel_id,
                                         identity_id=message.identity_id,
                                         direction=message.Direction.INBOUND)
        .order_by("-created_at", "-id").values_list("metadata", flat=True).first())
    return metadata if isinstance(metadata, dict) else {}


def forget_channels() -> None:
    """Read every channel again on its next webhook (after a change in this process)."""
    _channels.clear()
