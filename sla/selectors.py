"""What the inbox and the reports read of SLAs: the next due time of a thread, and the
achievement (met / breached per target)."""

import dataclasses
from datetime import datetime

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from .episodes import episode_field, open_episode, with_episode_times
from .models import SlaClock, SlaPolicy, Target


def policies_exist() -> bool:
    return SlaPolicy.objects.exists()


def _next_due():
    return Case(When(first_response_at=None, then=F("first_response_due_at")),
                default=F("resolution_due_at"), output_field=DateTimeField())


def _next_target():
    return Case(When(first_response_at=None, then=Value(Target.FIRST_RESPONSE)),
                default=Value(Target.RESOLUTION), output_field=CharField())


def _open_clocks() -> QuerySet[SlaClock]:
    return (SlaClock.objects.filter(open_episode())
            .annotate(first_response_at=episode_field("first_response_at"))
            .order_by("-started_at"))


def due_annotations() -> dict:
    """For a Thread queryset: ``sla_due_at`` and ``sla_target``, the next unmet target of the
    open conversation (null without a clock): subqueries, no query per row."""
    clock = _open_clocks().filter(thread=OuterRef("pk"))
    return {
        "sla_due_at": Subquery(clock.annotate(due=_next_due()).values("due")[:1]),
        "sla_target": Subquery(clock.annotate(target=_next_target()).values("target")[:1]),
    }


@dataclasses.dataclass(frozen=True)
class NextDue:
    due_at: datetime
    target: str


def next_due(thread) -> NextDue | None:
    """The thread's next unmet target, one query (the thread page)."""
    row = (_open_clocks().filter(thread=thread)
           .annotate(due=_next_due(), target=_next_target()).values("due", "target").first())
    return NextDue(due_at=row["due"], target=row["target"]) if row else None


def achievement(*, start: datetime, end: datetime, now: datetime,
                team_ids=None, channel_ids=None, by: str = "team") -> list[dict]:
    """Per team (or channel) of the conversations started in [start, end): for each target
    how many were met, breached (late, or still unmet past the due time), and pending. A
    conversation resolved without a reply is judged on the first response by its
    resolution."""
    clocks: QuerySet = SlaClock.objects.filter(started_at__gte=start, started_at__lt=end)
    if team_ids is not None:
        clocks = clocks.filter(team_id__in=team_ids)
    if channel_ids is not None:
        clocks = clocks.filter(channel_id__in=channel_ids)
    clocks = with_episode_times(clocks).annotate(
        first_response_done=Coalesce("first_response_at", "resolved_at"),
        resolution_done=F("resolved_at"))
    aggregates = {}
    for target in Target.values:
        done, due = f"{target}_done", F(f"{target}_due_at")
        aggregates[f"{target}_met"] = Count("id", filter=Q(**{f"{done}__lte": due}))
        aggregates[f"{target}_breached"] = Count("id", filter=(
            Q(**{f"{done}__gt": due})
            | Q(**{f"{done}__isnull": True, f"{target}_due_at__lt": now})))
        aggregates[f"{target}_pending"] = Count("id", filter=Q(
            **{f"{done}__isnull": True, f"{target}_due_at__gte": now}))
    key = f"{by}_id"
    return list(clocks.values(key).annotate(**aggregates).order_by(key))
