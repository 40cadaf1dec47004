"""The calendar of business hours: open or not, the next opening, open seconds between two
moments and a budget of open seconds, across time zones, DST changes, holidays and an
interval past midnight. Every moment is written in UTC and its local reading beside it."""

from datetime import UTC, datetime, timedelta

import pytest

from hours.calendar import (
    add_business_seconds,
    business_seconds_between,
    describe_moment,
    is_open,
    next_opening,
)
from tests.hours.conftest import OFFICE_WEEK

pytestmark = pytest.mark.django_db

HOUR = 3600


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def paris(team, set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK)
    return team


def test_a_team_without_hours_is_always_open(team):
    saturday_night = utc(2026, 3, 28, 23)
    assert is_open(team, saturday_night)
    assert next_opening(team, saturday_night) == saturday_night
    assert business_seconds_between(team, saturday_night, saturday_night + timedelta(hours=5)) \
        == 5 * HOUR
    assert add_business_seconds(team, saturday_night, 90) == saturday_night + timedelta(seconds=90)
    assert is_open(None, saturday_night)


def test_open_within_the_local_intervals_only(paris):
    assert is_open(paris, utc(2026, 3, 2, 8))          # Monday 09:00 Paris (UTC+1)
    assert not is_open(paris, utc(2026, 3, 2, 7, 59))   # 08:59
    assert is_open(paris, utc(2026, 3, 2, 16, 29))      # 17:29
    assert not is_open(paris, utc(2026, 3, 2, 16, 30))  # 17:30: closed
    assert not is_open(paris, utc(2026, 3, 7, 12))      # Saturday


def test_next_opening_after_the_spring_dst_weekend_is_an_hour_earlier_in_utc(paris):
    # Friday 27 March 17:30 Paris is 16:30 UTC; the clocks go forward on Sunday 29 March
    assert next_opening(paris, utc(2026, 3, 27, 16, 30)) == utc(2026, 3, 30, 7)  # 09:00 CEST
    assert next_opening(paris, utc(2026, 3, 30, 7, 30)) == utc(2026, 3, 30, 7, 30)  # open


def test_next_opening_after_the_autumn_dst_weekend_is_an_hour_later_in_utc(paris):
    assert next_opening(paris, utc(2026, 10, 23, 15, 30)) == utc(2026, 10, 26, 8)  # 09:00 CET


def test_open_seconds_across_a_weekend_with_a_dst_change(paris):
    friday_17h = utc(2026, 3, 27, 16)      # 17:00 CET
    monday_9h30 = utc(2026, 3, 30, 7, 30)  # 09:30 CEST
    assert business_seconds_between(paris, friday_17h, monday_9h30) == HOUR
    assert add_business_seconds(paris, friday_17h, HOUR) == monday_9h30
    assert business_seconds_between(paris, monday_9h30, friday_17h) == 0


@pytest.mark.parametrize("sunday, real_hours", [
    ("2026-03-29", 7),   # 00:00–08:00 the night the clocks go forward lasts 7 hours
    ("2026-10-25", 9),   # and 9 the night they go back
])
def test_a_night_interval_on_a_dst_day_lasts_as_long_as_it_really_does(
        team, set_hours, sunday, real_hours):
    set_hours(team, "Europe/Paris", {6: [("00:00", "08:00")]})
    day = datetime.fromisoformat(sunday).replace(tzinfo=UTC)
    assert business_seconds_between(team, day - timedelta(days=1), day + timedelta(days=1)) \
        == real_hours * HOUR


def test_a_time_zone_far_from_the_servers(team, set_hours, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    set_hours(team, "Pacific/Auckland", OFFICE_WEEK)  # UTC+13 in January
    # Monday 12 January 09:00 in Auckland is Sunday 11 January 20:00 UTC
    assert not is_open(team, utc(2026, 1, 11, 19, 59))
    assert is_open(team, utc(2026, 1, 11, 20))
    assert next_opening(team, utc(2026, 1, 10, 12)) == utc(2026, 1, 11, 20)
    assert describe_moment(team, utc(2026, 1, 11, 20)) == \
        "Monday 12 January at 09:00 (Pacific/Auckland)"


def test_holidays_once_and_every_year_are_closed(team, set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK,
              holidays=[("2020-05-01", True), ("2026-05-08", False)])
    # Friday 1 May 2026 (yearly) closed: Thursday evening → Monday 4 May 09:00 CEST
    assert not is_open(team, utc(2026, 5, 1, 10))
    assert next_opening(team, utc(2026, 4, 30, 16)) == utc(2026, 5, 4, 7)
    # Friday 8 May 2026 (this year only) closed; in 2027 (a Saturday) nothing to close
    assert not is_open(team, utc(2026, 5, 8, 10))
    assert is_open(team, utc(2026, 5, 7, 10))
    assert business_seconds_between(team, utc(2026, 4, 27), utc(2026, 5, 4)) == 4 * 8.5 * HOUR


def test_an_interval_past_midnight_runs_into_the_next_day(team, set_hours):
    set_hours(team, "UTC", {4: [("22:00", "06:00")]})  # Friday night
    assert is_open(team, utc(2026, 3, 7, 5, 59))         # Saturday 05:59
    assert not is_open(team, utc(2026, 3, 7, 6))
    assert not is_open(team, utc(2026, 3, 6, 21, 59))
    assert business_seconds_between(team, utc(2026, 3, 6, 21), utc(2026, 3, 7, 7)) == 8 * HOUR
    assert next_opening(team, utc(2026, 3, 7, 6)) == utc(2026, 3, 13, 22)


def test_overlapping_intervals_count_once(team, set_hours):
    set_hours(team, "UTC", {0: [("09:00", "12:00"), ("11:00", "13:00")],
                            6: [("20:00", "08:00")]})  # Sunday night into Monday
    monday = utc(2026, 3, 2)
    assert business_seconds_between(team, monday, monday + timedelta(days=1)) == 12 * HOUR
    assert add_business_seconds(team, monday, 11 * HOUR) == utc(2026, 3, 2, 12)


def test_hours_without_any_interval_never_open(team, set_hours):
    set_hours(team, "Europe/Paris", {})
    assert not is_open(team, utc(2026, 3, 2, 10))
    assert next_opening(team, utc(2026, 3, 2, 10)) is None
    assert add_business_seconds(team, utc(2026, 3, 2, 10), 60) is None
    assert business_seconds_between(team, utc(2026, 3, 2), utc(2026, 3, 9)) == 0
