"""The thread page's reads: one customer's timeline across channels, and how to answer."""

import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from channels_adapters.models import IDENTITY_KIND_OF_CHANNEL, WRITTEN_KINDS, Channel
from customers.addresses import REACHED_THROUGH

from .models import Attachment, CannedResponse, Message, Thread

TIMELINE_PAGE = 30


@dataclass
class TimelinePage:
    messages: list[Message]
    has_older: bool


def timeline_page(thread: Thread, *, before: int | None = None,
                  size: int = TIMELINE_PAGE) -> TimelinePage:
    """The newest ``size`` messages (older than message ``before``), oldest first."""
    messages = (
        Message.objects.filter(thread=thread)
        .select_related("channel", "author", "identity")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
        .order_by("-created_at", "-id")
    )
    if before is not None:
        anchor = Message.objects.filter(thread=thread, pk=before).values_list(
            "created_at", flat=True).first()
        if anchor is not None:
            messages = messages.filter(created_at__lte=anchor).exclude(
                created_at=anchor, id__gte=before)
    page = list(messages[: size + 1])
    return TimelinePage(messages=page[:size][::-1], has_older=len(page) > size)


def message_for_thread(thread: Thread, message_id: int) -> Message | None:
    return (
        Message.objects.filter(thread=thread, pk=message_id)
        .select_related("channel", "author", "identity").prefetch_related("attachments")
        .first()
    )


def reply_channels(thread: Thread, user) -> tuple[list[Channel], Channel | None]:
    """The active channels the customer can be reached on that the agent may use (those of
    the thread's team and of the agent's teams; supervisors and admins: all), and the one to
    default to: the channel of the customer's last message, if it is one of them."""
    kinds = set()
    for kind, verified in thread.customer.identities.values_list("kind", "verified"):
        kinds.add(kind)
        if verified:  # a proven phone number reaches WhatsApp too
            kinds.update(reached for reached, through in REACHED_THROUGH.items()
                         if through == kind)
    channel_kinds = [kind for kind, identity_kind in IDENTITY_KIND_OF_CHANNEL.items()
                     if identity_kind in kinds and kind in WRITTEN_KINDS]
    channels = Channel.objects.filter(kind__in=channel_kinds, is_active=True)
    if not user.sees_all_teams:
        channels = channels.filter(Q(team=thread.team_id) | Q(team__in=user.teams.all()))
    channels = list(channels.select_related("team").order_by("kind", "name"))
    last_channel_id = (
        thread.messages.filter(direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-id").values_list("channel_id", flat=True).first()
    )
    default = next((c for c in channels if c.pk == last_channel_id), None)
    return channels, default or (channels[0] if channels else None)


PLACEHOLDER = re.compile(r"\{\{\s*(customer|agent)\.(first_name|name)\s*\}\}")


def fill_placeholders(body: str, *, thread: Thread, agent) -> str:
    """``{{ customer.first_name }}``, ``{{ customer.name }}``, ``{{ agent.first_name }}`` and
    ``{{ agent.name }}``; nothing else is interpreted (no template language, no tags)."""
    values = {
        ("customer", "first_name"): thread.customer.first_name,
        ("customer", "name"): thread.customer.name,
        ("agent", "first_name"): agent.first_name or agent.username,
        ("agent", "name"): agent.display_name,
    }
    return PLACEHOLDER.sub(lambda match: values[match.groups()], body)


def canned_responses_for(user) -> list[CannedResponse]:
    """Shared snippets and those of the user's teams."""
    responses = CannedResponse.objects.all()
    if not user.sees_all_teams:
        responses = responses.filter(team__isnull=True) | responses.filter(
            team__in=user.teams.all())
    return list(responses.order_by("shortcut"))
