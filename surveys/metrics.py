"""CSAT figures for the report pages: SQL aggregation over the answered surveys, never rows
loaded into Python. Each function takes the QuerySet ``answered_surveys`` returns, so the
pages filter once and aggregate several ways.

Averages are rounded to two decimals. A survey counts at its ``answered_at`` (the latest
answer, if the customer changed it), for the agent and team it was sent for (the thread's
assignee and team when it was resolved).
"""

from datetime import datetime

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone

from .models import SCORES, Survey

BUCKETS = ("hour", "day", "week")
GROUP_FIELDS = ("agent_id", "team_id")
SATISFIED = Q(score__gte=4)  # 4 or 5: the usual definition of "satisfied"


def answered_surveys(*, start: datetime, end: datetime, team_ids=None, channel_ids=None,
                     agent_ids=None) -> QuerySet[Survey]:
    """The surveys answered in [start, end); each ``*_ids`` narrows it (None: no filter)."""
    surveys = Survey.objects.filter(answered_at__gte=start, answered_at__lt=end)
    if team_ids is not None:
        surveys = surveys.filter(team_id__in=team_ids)
    if channel_ids is not None:
        surveys = surveys.filter(channel_id__in=channel_ids)
    if agent_ids is not None:
        surveys = surveys.filter(agent_id__in=agent_ids)
    return surveys.order_by()


def score_distribution(surveys: QuerySet[Survey]) -> dict[int, int]:
    """How many answers gave each score, 1 to 5 (0 for a score nobody gave)."""
    counts = dict(surveys.order_by().values("score").annotate(count=Count("id"))
                  .values_list("score", "count"))
    return {score: counts.get(score, 0) for score in SCORES}


def summary(surveys: QuerySet[Survey]) -> tuple[float | None, int]:
    """(average score, number of answers); the average is None without answers."""
    totals = surveys.order_by().aggregate(average=Avg("score"), count=Count("id"))
    return _average(totals["average"]), totals["count"]


def satisfied_share(surveys: QuerySet[Survey]) -> float | None:
    """The percentage of answers that are 4 or 5; None without answers."""
    totals = surveys.order_by().aggregate(satisfied=Count("id", filter=SATISFIED),
                                          count=Count("id"))
    if not totals["count"]:
        return None
    return round(100 * totals["satisfied"] / totals["count"], 1)


def average_by(surveys: QuerySet[Survey], field: str) -> dict[int | None, tuple[float, int]]:
    """Per agent (``"agent_id"``) or team (``"team_id"``): (average score, answers). None
    gathers the surveys without one (an unassigned thread, a deleted agent)."""
    if field not in GROUP_FIELDS:
        raise ValueError(f"average_by groups by {' or '.join(GROUP_FIELDS)}, not {field!r}")
    rows = (surveys.order_by().values(field).annotate(average=Avg("score"), count=Count("id"))
            .values_list(field, "average", "count"))
    return {key: (_average(average), count) for key, average, count in rows}


def trend(surveys: QuerySet[Survey], bucket: str) -> list[tuple[datetime, float, int]]:
    """(bucket start, average score, answers) per hour, day or week that has answers, in
    order; buckets start in the current time zone (a day is the local day)."""
    if bucket not in BUCKETS:
        raise ValueError(f"trend buckets by {', '.join(BUCKETS)}, not {bucket!r}")
    rows = (surveys.order_by()
            .annotate(bucket=Trunc("answered_at", bucket, tzinfo=timezone.get_current_timezone()))
            .values("bucket").annotate(average=Avg("score"), count=Count("id"))
            .order_by("bucket").values_list("bucket", "average", "count"))
    return [(start, _average(average), count) for start, average, count in rows]


def _average(value) -> float | None:
    return None if value is None else round(float(value), 2)
