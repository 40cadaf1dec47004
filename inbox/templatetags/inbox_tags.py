"""Small filters for the inbox templates."""

from django import template
from django.utils import timezone

from channels_adapters.models import ChannelKind

register = template.Library()

CHANNEL_LABELS = dict(ChannelKind.choices)


@register.filter
def channel_label(kind: str) -> str:
    return CHANNEL_LABELS.get(kind, kind)


@register.filter
def timesince_short(moment) -> str:
    """“now”, “5m”, “3h”, “2d”, or the date for older: what an inbox list shows."""
    if not moment:
        return ""
    seconds = (timezone.now() - moment).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    return timezone.localtime(moment).strftime("%d %b")


@register.filter
def duration(seconds) -> str:
    if seconds in (None, ""):
        return ""
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
