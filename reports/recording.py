"""Keeping the report tables up to date from the Events, in the transaction that records them.

``inbox.publish`` hands every batch of new Events here (with the thread's assignee at that
moment); ``rebuild_reports`` hands the whole Event table, in order, the same way. A batch
costs one SELECT of its threads' open episodes, one INSERT of new ones, one UPDATE per
distinct change, and one upsert of the hourly counts.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.utils import timezone

from inbox.models import Event, Thread

from .models import DailyActivity, Episode, HourlyActivity

Kind = HourlyActivity.Kind

EPISODE_TYPES = {"message.received", "reply.queued", "thread.status_changed", "thread.assigned"}
COUNTED_TYPES = {"message.received", "reply.queued", "note.added", "interaction.logged"}
EPISODE_COLUMNS = ("id", "thread_id", "team_id", "channel_id", "agent_id", "first_responder_id",
                   "reopened", "started_at", "first_response_at", "first_response_seconds",
                   "resolved_at", "resolution_seconds", "snoozed_seconds", "snoozed_at",
                   "snooze_until", "awaiting_since")
# A merge (or its undo) moves events between two threads: their episodes are folded anew.
REFOLD_TYPES = {"customers.merged", "customers.merge_undone"}


def record_for_reports(entries: Iterable[tuple[Event, int | None]]) -> None:
    """Fold events (each with its thread's assignee id at the time) into the report tables."""
    entries = list(entries)
    for event, _ in entries:
        if event.type in REFOLD_TYPES and event.thread_id is not None:
            refold_thread_episodes(event.thread_id)
    entries = [(event, assignee) for event, assignee in entries
               if event.type in EPISODE_TYPES or event.type in COUNTED_TYPES]
    if not entries:
        return
    fold = _Fold()
    fold.load_open_episodes({event.thread_id for event, _ in entries
                             if event.type in EPISODE_TYPES and event.thread_id})
    for event, assignee in entries:
        fold.apply(event, assignee)
    fold.write()


def refold_thread_episodes(thread_id: int) -> None:
    """The thread's episodes, folded anew from its events (the hourly counts are untouched:
    they do not depend on which thread a message belongs to)."""
    Episode.objects.filter(thread_id=thread_id).delete()
    fold = _Fold(count=False)
    assignee = None
    for event in Event.objects.filter(thread_id=thread_id, type__in=EPISODE_TYPES).order_by("pk"):
        if event.type == "thread.assigned":
            assignee = event.payload.get("assignee_id")
        fold.apply(event, assignee)
    fold.write()


class _Episode:
    """An Episode row as the fold reads and changes it: plain attributes, because building
    model instances was most of a large batch's cost here."""

    __slots__ = EPISODE_COLUMNS
    DEFAULTS = {"reopened": False, "snoozed_seconds": 0}

    def __init__(self, **fields):
        for name in EPISODE_COLUMNS:
            setattr(self, name, fields.get(name, self.DEFAULTS.get(name)))


class _Fold:
    def __init__(self, *, count: bool = True):
        self.counting = count
        self.open: dict[int, _Episode] = {}
        self.new: list[_Episode] = []
        self.changes: dict[int, dict] = {}  # episode id → field → value
        self.counts: Counter = Counter()

    def load_open_episodes(self, thread_ids: set[int]) -> None:
        if thread_ids:
            rows = Episode.objects.filter(thread_id__in=thread_ids, resolved_at=None)
            self.open = {row["thread_id"]: _Episode(**row)
                         for row in rows.values(*EPISODE_COLUMNS)}

    def apply(self, event: Event, assignee: int | None) -> None:
        payload = event.payload
        message = payload.get("message") or {}
        automatic = bool((message.get("metadata") or {}).get("automatic"))
        channel_id = message.get("channel_id")
        if event.type == "message.received":
            self.count(event, Kind.AUTOMATIC if automatic else Kind.INBOUND, channel_id)
            if not automatic:
                self.customer_wrote(event, assignee, channel_id, payload.get("reopened", False))
        elif event.type == "reply.queued":
            self.count(event, Kind.AUTOMATIC if automatic else Kind.REPLY, channel_id,
                       agent=None if automatic else event.actor_id)
            if not automatic:
                self.agent_replied(event)
        elif event.type == "note.added":
            if not (message.get("metadata") or {}).get("rule"):  # a rule's log line: no note
                self.count(event, Kind.NOTE, channel_id, agent=event.actor_id)
        elif event.type == "interaction.logged":
            self.count(event, Kind.CALL, channel_id, agent=event.actor_id)
        elif event.type == "thread.status_changed":
            self.status_changed(event, assignee)
        elif event.type == "thread.assigned":
            episode = self.open.get(event.thread_id)
            if episode is not None:
                self.set(episode, team_id=payload["team_id"], agent_id=payload["assignee_id"])

    def count(self, event: Event, kind: str, channel_id: int | None, *, agent=None) -> None:
        if not self.counting:
            return
        hour = event.created_at.replace(minute=0, second=0, microsecond=0)
        self.counts[(hour, event.team_id or 0, channel_id or 0, agent or 0, kind)] += 1

    def customer_wrote(self, event, assignee, channel_id, reopened) -> None:
        if event.thread_id is None:
            return  # the customer was deleted since (a rebuild): no thread to follow
        episode = self.open.get(event.thread_id)
        if episode is None:
            episode = _Episode(thread_id=event.thread_id, team_id=event.team_id,
                              channel_id=channel_id, agent_id=assignee, reopened=reopened,
                              started_at=event.created_at, awaiting_since=event.created_at)
            self.new.append(episode)
            self.open[event.thread_id] = episode
            self.count(event, Kind.STARTED, channel_id)
        elif episode.awaiting_since is None:
            self.set(episode, awaiting_since=event.created_at)

    def agent_replied(self, event: Event) -> None:
        episode = self.open.get(event.thread_id)
        if episode is None:
            return  # a message the agent started: no customer is waiting
        at = event.created_at
        changes = {"awaiting_since": None}
        if episode.first_response_at is None:
            changes |= {"first_response_at": at, "first_responder_id": event.actor_id,
                        "first_response_seconds": _working_seconds(episode, at)}
        self.set(episode, **changes)

    def status_changed(self, event: Event, assignee: int | None) -> None:
        episode = self.open.get(event.thread_id)
        if episode is None:
            return
        payload, at = event.payload, event.created_at
        if episode.snoozed_at is not None:  # the snooze under way ends (or is replaced)
            self.set(episode, snoozed_seconds=episode.snoozed_seconds + _snoozed(episode, at),
                     snoozed_at=None, snooze_until=None)
        if payload["status"] == Thread.Status.SNOOZED:
            until = payload.get("snoozed_until")
            self.set(episode, snoozed_at=at,
                     snooze_until=datetime.fromisoformat(until) if until else None)
        elif payload["status"] == Thread.Status.RESOLVED:
            self.set(episode, resolved_at=at, resolution_seconds=_working_seconds(episode, at),
                     agent_id=assignee or event.actor_id, team_id=event.team_id,
                     awaiting_since=None)
            del self.open[event.thread_id]
            self.count(event, Kind.RESOLVED, episode.channel_id,
                       agent=assignee or event.actor_id)

    def set(self, episode: _Episode, **changes) -> None:
        for field, value in changes.items():
            setattr(episode, field, value)
        if episode.id is not None:
            self.changes.setdefault(episode.id, {}).update(changes)

    def write(self) -> None:
        _insert_episodes(self.new)
        # Episodes of one batch nearly always take the same new values: one UPDATE each.
        by_change: dict[tuple, list[int]] = {}
        for episode_id, changes in self.changes.items():
            by_change.setdefault(tuple(sorted(changes.items())), []).append(episode_id)
        for changes, episode_ids in by_change.items():
            Episode.objects.filter(pk__in=episode_ids).update(**dict(changes))
        _add_counts(self.counts)


def _snoozed(episode: _Episode, at: datetime) -> int:
    """Seconds of the snooze under way that lie before ``at`` (a snooze ends at its time)."""
    if episode.snoozed_at is None:
        return 0
    end = min(at, episode.snooze_until) if episode.snooze_until else at
    return max(0, int((end - episode.snoozed_at).total_seconds()))


def _working_seconds(episode: _Episode, at: datetime) -> int:
    """Seconds since the episode began, the snoozed ones left out."""
    elapsed = int((at - episode.started_at).total_seconds())
    return max(0, elapsed - episode.snoozed_seconds - _snoozed(episode, at))


# The SQL types of the columns, for PostgreSQL's unnest of one array per column.
EPISODE_SQL_TYPES = {"reopened": "boolean", "first_response_seconds": "integer",
                     "resolution_seconds": "integer", "snoozed_seconds": "integer",
                     **dict.fromkeys(("thread_id", "team_id", "channel_id", "agent_id",
                                      "first_responder_id"), "bigint")}


def _insert_episodes(episodes: list[_Episode]) -> None:
    """The new episodes' rows in one INSERT: on PostgreSQL from one array per column (half
    the time of a long VALUES list, which psycopg parses on every call; bulk_create's
    per-field preparation cost more than either), elsewhere as VALUES."""
    if not episodes:
        return
    table, columns = Episode._meta.db_table, EPISODE_COLUMNS[1:]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{EPISODE_SQL_TYPES.get(name, 'timestamptz')}[]"
                               for name in columns)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT * FROM unnest({arrays})",
                [[getattr(episode, name) for episode in episodes] for name in columns])
            return
        adapt = connection.ops.adapt_datetimefield_value
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
        for start in range(0, len(episodes), 500):  # SQLite's bound on parameters
            chunk = episodes[start:start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([row] * len(chunk))}",
                [adapt(value) if isinstance(value, datetime) else value
                 for episode in chunk for value in (getattr(episode, n) for n in columns)])


def _add_counts(counts: Counter) -> None:
    """Write the batch's counts per hour and per day (days of the server's time zone): one
    INSERT each, rows of their own that the pages sum. Never an UPDATE of a shared row: a
    counter row of the hour, team and channel would be locked by each transaction that
    counts in it until that transaction commits, holding up every other one (and two of
    them counting in two rows in turn would deadlock)."""
    if not counts:
        return
    adapt_time, adapt_date = (connection.ops.adapt_datetimefield_value,
                              connection.ops.adapt_datefield_value)
    zone = timezone.get_default_timezone()
    daily: Counter = Counter()
    for (hour, *key), n in counts.items():
        daily[(hour.astimezone(zone).date(), *key)] += n
    _insert(HourlyActivity._meta.db_table, "hour", [
        (adapt_time(hour), *key, n) for (hour, *key), n in sorted(counts.items())])
    _insert(DailyActivity._meta.db_table, "day", [
        (adapt_date(day), *key, n) for (day, *key), n in sorted(daily.items())])


def _insert(table: str, time_column: str, rows: list[tuple]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):  # SQLite's bound on parameters
            chunk = rows[start:start + 2000]
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608
                f"({time_column}, team_id, channel_id, agent_id, kind, count) "
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(chunk))}",
                [value for row in chunk for value in row])
