"""The figures of the report pages, each one SQL aggregate over the report tables.

Percentiles are nearest-rank (the value at rank ⌈p·n⌉ of the sorted values: for the median
of 4 values, the 2nd), computed with window functions so that SQLite and PostgreSQL give the
same answer from the same SQL.
"""

import dataclasses
import hashlib
from datetime import datetime, time, tzinfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Sum, Value
from django.db.models.functions import Trunc
from django.utils import timezone

from config.process_cache import process_cache
from inbox.models import Thread

from .models import DailyActivity, Episode, HourlyActivity

Kind = HourlyActivity.Kind
BUCKETS = ("hour", "day", "week")
# Grouping keys: what a row of a breakdown is.
EPISODE_GROUPS = {"channel": "channel_id", "team": "team_id", "agent": "agent_id",
                  "first_responder": "first_responder_id", "all": None}


@dataclasses.dataclass(frozen=True)
class Filters:
    """What every report is narrowed to: a time range [start, end) and optional teams,
    channels and agents (None: all of them)."""

    start: datetime
    end: datetime
    team_ids: tuple[int, ...] | None = None
    channel_ids: tuple[int, ...] | None = None
    agent_ids: tuple[int, ...] | None = None

    def episodes(self, time_field: str) -> QuerySet[Episode]:
        """The episodes whose ``time_field`` falls in the range, narrowed by the filters."""
        episodes = Episode.objects.filter(**{f"{time_field}__gte": self.start,
                                             f"{time_field}__lt": self.end})
        if self.team_ids is not None:
            episodes = episodes.filter(team_id__in=self.team_ids)
        if self.channel_ids is not None:
            episodes = episodes.filter(channel_id__in=self.channel_ids)
        if self.agent_ids is not None:
            agent_field = ("first_responder_id" if time_field == "first_response_at"
                           else "agent_id")
            episodes = episodes.filter(**{f"{agent_field}__in": self.agent_ids})
        return episodes

    @property
    def whole_days(self) -> bool:
        """Whether the range runs from a midnight to a midnight of the server's time zone
        (the form's ranges do): then the daily rows answer, not the hourly ones."""
        zone = timezone.get_default_timezone()
        return all(timezone.localtime(moment, zone).time() == time(0)
                   for moment in (self.start, self.end))

    def activity(self, *, daily: bool = False) -> QuerySet:
        """The hourly counts of the range narrowed by the filters; with ``daily`` (a range
        of whole days only), the daily counts instead."""
        if daily:
            zone = timezone.get_default_timezone()
            rows = DailyActivity.objects.filter(
                day__gte=timezone.localtime(self.start, zone).date(),
                day__lt=timezone.localtime(self.end, zone).date())
        else:
            rows = HourlyActivity.objects.filter(hour__gte=self.start, hour__lt=self.end)
        if self.team_ids is not None:
            rows = rows.filter(team_id__in=self.team_ids)
        if self.channel_ids is not None:
            rows = rows.filter(channel_id__in=self.channel_ids)
        if self.agent_ids is not None:
            # Inbound messages have no agent: an agent filter keeps the agents' own work.
            rows = rows.filter(agent_id__in=self.agent_ids)
        return rows


@dataclasses.dataclass(frozen=True)
class Durations:
    """Median and 90th percentile of a duration, in seconds, over ``count`` episodes."""

    key: int | None
    count: int
    median: int | None
    p90: int | None


def durations(episodes: QuerySet[Episode], value: str, group: str | None, *,
              refresh: bool = False) -> list[Durations]:
    """Median and p90 of ``value`` (``first_response_seconds`` or ``resolution_seconds``)
    per ``group`` (an Episode column such as ``team_id``; None: one row for all). With
    ``refresh``, computed and kept again even if kept already (reports/warming.py)."""
    # No ORDER BY inside (the model's ordering): a sort of every row before the real one.
    base = episodes.filter(**{f"{value}__isnull": False}).order_by().values(
        key=F(group) if group else Value(0), v=F(value))
    base_sql, params = base.query.sql_with_params()
    if connection.vendor == "postgresql":
        # The same ranks read from each group's sorted array: one sort and no window pass,
        # about half the time of the portable SQL below on 100,000 episodes.
        sql = f"""
            SELECT key, n, vs[(n + 1) / 2], vs[(9 * n + 9) / 10]
            FROM (SELECT key, COUNT(*)::integer AS n, ARRAY_AGG(v ORDER BY v) AS vs
                  FROM ({base_sql}) AS base GROUP BY key) AS sorted
            ORDER BY key
        """  # noqa: S608 - the inner SQL is Django's, the values are parameters
        return [Durations(*row) for row in _remembered_rows(sql, params, refresh)]
    # Every value is ranked within its group; the median and p90 are then the values at
    # ranks ⌈n/2⌉ and ⌈9n/10⌉ — in integer arithmetic, (n+1)/2 and (9n+9)/10.
    sql = f"""
        SELECT key, COUNT(*),
               MAX(CASE WHEN rank = (n + 1) / 2 THEN v END),
               MAX(CASE WHEN rank = (9 * n + 9) / 10 THEN v END)
        FROM (SELECT key, v, ROW_NUMBER() OVER (PARTITION BY key ORDER BY v) AS rank,
                     COUNT(*) OVER (PARTITION BY key) AS n
              FROM ({base_sql}) AS base) AS ranked
        GROUP BY key ORDER BY key
    """  # noqa: S608 - the inner SQL is Django's, the values are parameters
    return [Durations(*row) for row in _remembered_rows(sql, params, refresh)]


def _remembered_rows(sql: str, params, refresh: bool) -> list[tuple]:
    """The rows of a percentile query, kept THREADLINE_REPORTS_CACHE_SECONDS for the same
    SQL and values: each sorts every duration of the range (about 0.1 s per 100,000 on a
    small server), and supervisors reopen the same pages; counts are read fresh. Rows
    computed ahead by the warming task are kept twice as long, so that the next warming
    replaces them before they expire."""
    seconds = settings.THREADLINE_REPORTS_CACHE_SECONDS
    if seconds <= 0:
        return _rows(sql, params)
    key = "reports:durations:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    rows = None if refresh else process_cache().get(key)
    if rows is None:
        rows = _rows(sql, params)
        process_cache().set(key, rows, 2 * seconds if refresh else seconds)
    return rows


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(row) for row in cursor]


def first_response_times(filters: Filters, by: str = "all", *,
                         refresh: bool = False) -> list[Durations]:
    """Episodes whose first agent reply fell in the range."""
    field = "first_responder_id" if by == "agent" else EPISODE_GROUPS[by]
    return durations(filters.episodes("first_response_at"), "first_response_seconds", field,
                     refresh=refresh)


def resolution_times(filters: Filters, by: str = "all", *,
                     refresh: bool = False) -> list[Durations]:
    """Episodes resolved in the range."""
    return durations(filters.episodes("resolved_at"), "resolution_seconds", EPISODE_GROUPS[by],
                     refresh=refresh)


def volume(filters: Filters, bucket: str, *, kinds=(Kind.STARTED, Kind.INBOUND, Kind.REPLY),
           by: str | None = None, tz: tzinfo | None = None) -> list[dict]:
    """Counts per time bucket (in ``tz``, the current time zone by default) and kind, and
    per ``by`` ("team_id", "channel_id", "agent_id") if given: rows of
    {"bucket", "kind", [by], "count"}."""
    if bucket not in BUCKETS:
        raise ValueError(f"unknown bucket {bucket!r}")
    tz = tz or timezone.get_current_timezone()
    fields = ["bucket", "kind"] + ([by] if by else [])
    if bucket != "hour" and filters.whole_days and tz == timezone.get_default_timezone():
        rows = list(filters.activity(daily=True).filter(kind__in=kinds)
                    .annotate(bucket=Trunc("day", bucket))
                    .values(*fields).annotate(count=Sum("count")).order_by(*fields))
        for row in rows:  # the same buckets as the hourly rows give: local midnights
            row["bucket"] = timezone.make_aware(datetime.combine(row["bucket"], time(0)), tz)
        return rows
    return list(
        filters.activity().filter(kind__in=kinds)
        .annotate(bucket=Trunc("hour", bucket, tzinfo=tz))
        .values(*fields).annotate(count=Sum("count")).order_by(*fields)
    )


def totals(filters: Filters, by: str | None = None) -> list[dict]:
    """Counts per kind (and per ``by``) over the whole range."""
    fields = ["kind"] + ([by] if by else [])
    return list(filters.activity(daily=filters.whole_days).values(*fields)
                .annotate(count=Sum("count")).order_by(*fields))


def volume_by_tag(filters: Filters) -> list[dict]:
    """Conversations started in the range per tag of their thread (a thread with two tags
    counts for both; its tags as they are now)."""
    return list(
        filters.episodes("started_at").filter(thread__tags__isnull=False)
        .values(tag=F("thread__tags__name")).annotate(count=Count("id")).order_by("-count", "tag")
    )


def open_backlog(team_ids: tuple[int, ...] | None = None,
                 channel_ids: tuple[int, ...] | None = None) -> list[dict]:
    """Threads not resolved now, per status, team and the channel their conversation began
    on: rows of {"status", "team_id", "channel_id", "count"}."""
    threads = Thread.objects.exclude(status=Thread.Status.RESOLVED)
    if team_ids is not None:
        threads = threads.filter(team_id__in=team_ids)
    # A join, not a subquery per thread (twice as fast on 30,000 open threads): a thread has
    # at most one open episode (episode_one_open_per_thread), so no thread counts twice.
    return list(
        threads.annotate(open_episode=FilteredRelation(
            "episodes", condition=Q(episodes__resolved_at=None)))
        .filter(**({} if channel_ids is None
                   else {"open_episode__channel_id__in": channel_ids}))
        .values("status", "team_id", channel_id=F("open_episode__channel_id"))
        .annotate(count=Count("id")).order_by("status", "team_id", "channel_id")
    )


def waiting_customers(team_ids: tuple[int, ...] | None = None,
                      channel_ids: tuple[int, ...] | None = None, *,
                      limit: int | None = 10) -> QuerySet[Episode]:
    """Open conversations whose customer wrote and has had no reply since, longest wait
    first (snoozed ones left out: the agent chose to wait). A snoozed thread's open
    conversation has ``snoozed_at`` (every status change is an event the conversation
    follows): no join with the threads to count them, 15,000 look-ups on a big backlog."""
    episodes = (Episode.objects.filter(resolved_at=None, awaiting_since__isnull=False,
                                       thread__isnull=False, snoozed_at=None)
                .select_related("thread__customer", "thread__assignee", "team", "channel")
                .order_by("awaiting_since", "id"))
    if team_ids is not None:
        episodes = episodes.filter(team_id__in=team_ids)
    if channel_ids is not None:
        episodes = episodes.filter(channel_id__in=channel_ids)
    return episodes[:limit] if limit else episodes
