"""Mirroring a team's threads into a Slack channel of theirs (a Slack channel of ours with
the setting ``mirror_channel``): a customer's first message opens a Slack thread; what
follows in the inbox (messages, replies, notes, calls) is posted under it.

``on_events`` is an event listener (THREADLINE_EVENT_LISTENERS): it runs after every commit
in every process, so it only filters and hands the work to the ``mirror_events`` task.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse

from inbox.models import Event, Message, Thread

from ..models import Channel, ChannelKind, SlackMirror, SlackThreadReply
from .client import CALL_ERRORS, delivery_error, escape, web_client

logger = logging.getLogger(__name__)

OPENING_TYPE = "message.received"
MIRRORED_TYPES = {OPENING_TYPE, "reply.queued", "note.added", "interaction.logged"}
# A channel given a mirror starts mirroring within this many seconds.
TEAMS_CACHE_SECONDS = 5
MAX_TEXT = 3000


class MirrorUnavailable(Exception):
    """Slack could not take a post now: the task retries with back-off."""


def on_events(events: list[Event]) -> None:
    wanted = [event for event in events
              if event.type in MIRRORED_TYPES and event.team_id is not None]
    if not wanted:
        return
    teams = mirrored_team_ids()
    event_ids = [event.pk for event in wanted if event.team_id in teams]
    if event_ids:
        from .tasks import mirror_events

        mirror_events.delay(event_ids)


def _teams_cache_key() -> str:
    # One cache may serve several databases (test runs, staging): the key names its own.
    return f"slack-mirror-teams:{connection.settings_dict['NAME']}"


def mirrored_team_ids() -> set[int]:
    """The teams with a Slack channel that mirrors: one small query every few seconds."""
    team_ids = cache.get(_teams_cache_key())
    if team_ids is None:
        team_ids = sorted({channel.team_id for channel in _mirroring_channels()})
        cache.set(_teams_cache_key(), team_ids, TEAMS_CACHE_SECONDS)
    return set(team_ids)


def forget_mirrored_teams() -> None:
    """Read the mirroring channels again at the next event (after a change, in tests)."""
    cache.delete(_teams_cache_key())


def _mirroring_channels(team_id: int | None = None) -> list[Channel]:
    channels = Channel.objects.filter(kind=ChannelKind.SLACK, is_active=True)
    if team_id is not None:
        channels = channels.filter(team_id=team_id)
    return [channel for channel in channels
            if (channel.settings or {}).get("mirror_channel")
            and (channel.secrets or {}).get("bot_token")]


def post_events(event_ids: list[int]) -> None:
    """Post the events, in order, into each mirroring channel of their team."""
    events = Event.objects.filter(pk__in=event_ids, type__in=MIRRORED_TYPES).order_by("pk")
    channels_of_team: dict[int, list[Channel]] = {}
    for event in events:
        if event.team_id not in channels_of_team:
            channels_of_team[event.team_id] = _mirroring_channels(event.team_id)
        for channel in channels_of_team[event.team_id]:
            post_event(channel, event)


def post_event(channel: Channel, event: Event) -> None:
    """One event into one mirror; each event is posted once (``last_event_id``: the actions
    lock the thread, so a thread's events commit in id order)."""
    with transaction.atomic():
        mirror = SlackMirror.objects.select_for_update().filter(
            thread_id=event.thread_id, channel=channel).first()
        if mirror is None:
            if event.type != OPENING_TYPE:
                return  # a thread begun before mirroring: it opens at the next message
            mirror, _ = SlackMirror.objects.get_or_create(
                thread_id=event.thread_id, channel=channel,
                defaults={"slack_channel": channel.settings["mirror_channel"]})
            mirror = SlackMirror.objects.select_for_update().get(pk=mirror.pk)
        if event.pk <= mirror.last_event_id:
            return
        if not _written_in_slack(mirror, event) and not _post(channel, mirror, event):
            if not mirror.thread_ts:  # no parent: no mirror, the next message tries again
                transaction.set_rollback(True)
                return
        mirror.last_event_id = event.pk
        mirror.save(update_fields=["thread_ts", "last_event_id"])


def _written_in_slack(mirror: SlackMirror, event: Event) -> bool:
    message = event.payload.get("message") or {}
    return (message.get("metadata") or {}).get("via") == "slack" or (
        SlackThreadReply.objects.filter(mirror=mirror, message_id=message.get("id")).exists())


def _post(channel: Channel, mirror: SlackMirror, event: Event) -> bool:
    """Whether Slack took the post; raises MirrorUnavailable when it may later."""
    thread = Thread.objects.select_related("customer").get(pk=event.thread_id)
    text = describe(event, thread)
    if not mirror.thread_ts:
        text += "\n" + _thread_link(thread)
    try:
        response = web_client(channel).chat_postMessage(
            channel=mirror.slack_channel, text=text, thread_ts=mirror.thread_ts or None,
            unfurl_links=False)
    except CALL_ERRORS as error:
        failure = delivery_error(error)
        if failure.transient:
            raise MirrorUnavailable(failure.reason) from error
        # No retry will fix it (the bot left the channel…): the inbox goes on without.
        logger.warning("Slack mirror of channel %s: %s", channel.pk, failure.reason)
        return False
    if not mirror.thread_ts:
        mirror.thread_ts = response["ts"]
    return True


def describe(event: Event, thread: Thread) -> str:
    """The Slack text for one event: who, on which channel, what."""
    message = event.payload.get("message") or {}
    body = escape((message.get("text") or "")[:MAX_TEXT])
    files = ", ".join(escape(a.get("filename", "")) for a in message.get("attachments") or [])
    if files:
        body = f"{body} [files: {files}]".strip()
    kind = ChannelKind(message["channel_kind"]).label if message.get("channel_kind") else ""
    author = escape(message.get("author_name") or "Threadline")
    if event.type == OPENING_TYPE:
        return f"*{escape(str(thread.customer))}* on {kind}: {body}"
    if event.type == "reply.queued":
        return f"*{author}* replied on {kind}: {body}"
    if event.type == "note.added":
        return f"Note: *{author}*: {body}"
    what = Message.Direction(message.get("direction", "call")).label
    return f"{what} logged by *{author}*: {body}"


def _thread_link(thread: Thread) -> str:
    path = reverse("inbox:thread", args=[thread.pk])
    base = getattr(settings, "THREADLINE_BASE_URL", "")
    if base:
        return f"<{base.rstrip('/')}{path}|Open in Threadline>"
    return f"Open in Threadline: {path}"
