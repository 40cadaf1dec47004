"""The calendar of a team's business hours: is it open, when does it open next, how many
open seconds lie between two moments, and when a budget of open seconds runs out (the SLA
clocks).

Every computation turns the local opening intervals into real moments (aware, UTC) first
and does its arithmetic there, so a day when the clocks change is as long as it really is
(Europe/Paris opens 09:00–17:30 on the last Sunday of March for 8.5 real hours, and a
00:00–08:00 interval that day lasts 7). A local time that does not exist (02:30 on the
morning the clocks go forward) is read with the offset before the change, as ``zoneinfo``
does. A team without business hours is always open.
"""

import dataclasses
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from django.utils import dateformat
from django.utils.translation import gettext as _

from .models import BusinessHours

# How far ahead the calendar looks for an opening: a team closed for longer is "never".
HORIZON_DAYS = 2 * 366

Period = tuple[datetime, datetime]


@dataclasses.dataclass(frozen=True)
class Calendar:
    zone: zoneinfo.ZoneInfo
    intervals: tuple[tuple[int, time, time], ...]  # weekday, opens, closes (local)
    holidays: frozenset[date]
    yearly_holidays: frozenset[tuple[int, int]]  # (month, day)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly_holidays

    def day_periods(self, day: date) -> list[Period]:
        """The real moments the intervals that start on this local day cover."""
        if self.is_holiday(day):
            return []
        periods = []
        for weekday, opens, closes in self.intervals:
            if weekday != day.weekday():
                continue
            end_day = day if closes > opens else day + timedelta(days=1)
            start = datetime.combine(day, opens, self.zone).astimezone(UTC)
            end = datetime.combine(end_day, closes, self.zone).astimezone(UTC)
            if end > start:
                periods.append((start, end))
        return sorted(periods)

    def periods_from(self, moment: datetime) -> Iterator[Period]:
        """The open periods that end after ``moment``, in order, overlapping ones merged
        (an interval past midnight may run into the next day's)."""
        if not self.intervals:
            return
        first_day = moment.astimezone(self.zone).date() - timedelta(days=1)
        pending: Period | None = None
        for offset in range(HORIZON_DAYS):
            for start, end in self.day_periods(first_day + timedelta(days=offset)):
                if pending is not None and start <= pending[1]:
                    pending = (pending[0], max(pending[1], end))
                    continue
                if pending is not None and pending[1] > moment:
                    yield pending
                pending = (start, end)
        if pending is not None and pending[1] > moment:
            yield pending


def calendar_for(team) -> Calendar | None:
    """The team's calendar (a Team, its id, or None); None when it has no business hours,
    which means always open."""
    team_id = getattr(team, "pk", team)
    if team_id is None:
        return None
    hours = (BusinessHours.objects.filter(team_id=team_id)
             .prefetch_related("intervals", "holidays").first())
    if hours is None:
        return None
    return Calendar(
        zone=zoneinfo.ZoneInfo(hours.time_zone),
        intervals=tuple((i.weekday, i.opens, i.closes) for i in hours.intervals.all()),
        holidays=frozenset(h.date for h in hours.holidays.all() if not h.yearly),
        yearly_holidays=frozenset((h.date.month, h.date.day)
                                  for h in hours.holidays.all() if h.yearly),
    )


def _calendar(team_or_calendar) -> Calendar | None:
    if isinstance(team_or_calendar, Calendar):
        return team_or_calendar
    return calendar_for(team_or_calendar)


def is_open(team, at: datetime) -> bool:
    calendar = _calendar(team)
    if calendar is None:
        return True
    return any(start <= at for start, _end in _first(calendar.periods_from(at)))


def next_opening(team, at: datetime) -> datetime | None:
    """``at`` itself when the team is open then, else when it opens next; None if it does
    not open within ``HORIZON_DAYS``."""
    calendar = _calendar(team)
    if calendar is None:
        return at
    for start, _end in calendar.periods_from(at):
        return max(start, at)
    return None


def business_seconds_between(team, start: datetime, end: datetime) -> int:
    """Open seconds from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    calendar = _calendar(team)
    if calendar is None:
        return int((end - start).total_seconds())
    total = timedelta()
    for period_start, period_end in calendar.periods_from(start):
        if period_start >= end:
            break
        total += min(period_end, end) - max(period_start, start)
    return int(total.total_seconds())


def add_business_seconds(team, start: datetime, seconds: float) -> datetime | None:
    """The moment ``seconds`` open seconds after ``start`` (a due time counted in business
    hours); None if the team does not stay open that long within ``HORIZON_DAYS``."""
    calendar = _calendar(team)
    remaining = timedelta(seconds=seconds)
    if calendar is None:
        return start + remaining
    for period_start, period_end in calendar.periods_from(start):
        begin = max(period_start, start)
        if remaining <= period_end - begin:
            return begin + remaining
        remaining -= period_end - begin
    return None


def describe_moment(team, moment: datetime) -> str:
    """A moment as the team's customers read it: "Monday 30 March at 09:00 (Europe/Paris)"."""
    calendar = _calendar(team)
    zone = calendar.zone if calendar else zoneinfo.ZoneInfo("UTC")
    local = moment.astimezone(zone)
    return _("%(day)s at %(time)s (%(zone)s)") % {
        "day": dateformat.format(local, "l j F"), "time": f"{local:%H:%M}", "zone": zone.key}


def _first(periods: Iterator[Period]) -> list[Period]:
    for period in periods:
        return [period]
    return []
