"""Which SLA policy a conversation runs against, and the due times it gives."""

import dataclasses
from datetime import datetime, timedelta

from django.conf import settings

from hours.calendar import add_business_seconds, calendar_for

from .models import SlaPolicy


def matching_policy(*, priority: int, channel_kind: str) -> SlaPolicy | None:
    """The most specific policy for this priority and channel kind (priority and kind, then
    priority alone, then kind alone, then the policy for any)."""
    candidates = [policy for policy in SlaPolicy.objects.all()
                  if policy.priority in (None, priority)
                  and policy.channel_kind in ("", channel_kind or "")]
    return max(candidates, key=lambda policy: policy.specificity, default=None)


@dataclasses.dataclass(frozen=True)
class DueTimes:
    first_response_due_at: datetime
    first_response_warning_at: datetime
    resolution_due_at: datetime
    resolution_warning_at: datetime


def due_times(policy: SlaPolicy, *, team_id: int | None, start: datetime) -> DueTimes:
    """The targets as moments; counted in the team's open time when the policy says so (a
    team without business hours is always open). A warning comes when
    THREADLINE_SLA_WARNING_PERCENT of the allowed time has passed."""
    share = settings.THREADLINE_SLA_WARNING_PERCENT / 100
    calendar = calendar_for(team_id) if policy.business_hours_only else None

    def after(seconds: float) -> datetime:
        moment = add_business_seconds(calendar, start, seconds) if calendar else None
        return moment or start + timedelta(seconds=seconds)

    first, resolution = policy.first_response_minutes * 60, policy.resolution_hours * 3600
    return DueTimes(first_response_due_at=after(first),
                    first_response_warning_at=after(first * share),
                    resolution_due_at=after(resolution),
                    resolution_warning_at=after(resolution * share))
