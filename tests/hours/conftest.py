"""Business hours as an admin enters them: a team's time zone, weekly intervals, holidays."""

from datetime import date, time

import pytest

from hours.models import BusinessHours, Holiday, OpeningInterval


@pytest.fixture
def set_hours(db):
    """set_hours(team, "Europe/Paris", {0: [("09:00", "17:30")], ...}, holidays=[...])"""

    def make(team, time_zone, week, *, holidays=(), reply=False, text=None):
        hours = BusinessHours.objects.create(team=team, time_zone=time_zone,
                                             out_of_hours_reply=reply)
        if text is not None:
            hours.out_of_hours_text = text
            hours.save()
        for weekday, intervals in week.items():
            for opens, closes in intervals:
                OpeningInterval.objects.create(business_hours=hours, weekday=weekday,
                                               opens=time.fromisoformat(opens),
                                               closes=time.fromisoformat(closes))
        for day, yearly in holidays:
            Holiday.objects.create(business_hours=hours, date=date.fromisoformat(day),
                                   yearly=yearly)
        return hours

    return make


OFFICE_WEEK = {day: [("09:00", "17:30")] for day in range(5)}  # Monday–Friday
