"""The report filter form on its own: dates and presets in the current time zone, the
bounds, and ids checked against the teams, channels and agents that exist."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import QueryDict
from django.test import RequestFactory

from reports.filters import read_filters

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def read(query: str):
    # 5 March 2026, 23:30 UTC is already 6 March in Paris
    with time_machine.travel(datetime(2026, 3, 5, 23, 30, tzinfo=UTC), tick=False):
        return read_filters(RequestFactory().get(f"/reports/?{query}"))


@pytest.fixture(autouse=True)
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def test_thirty_days_up_to_today_by_default():
    report = read("")
    assert report.valid and report.dates == (date(2026, 2, 5), date(2026, 3, 6))
    assert report.metrics.start == datetime(2026, 2, 5, tzinfo=PARIS)
    assert report.metrics.end == datetime(2026, 3, 7, tzinfo=PARIS)
    assert report.bucket == "day"
    assert (report.metrics.team_ids, report.metrics.channel_ids, report.metrics.agent_ids) == (
        None, None, None)


@pytest.mark.parametrize("preset, first", [("today", date(2026, 3, 6)), ("7", date(2026, 2, 28)),
                                           ("30", date(2026, 2, 5)),
                                           ("90", date(2025, 12, 7))])
def test_presets_end_today(preset, first):
    # a preset wins over dates left in the query string
    report = read(f"range={preset}&from=2020-01-01&to=2020-01-02")
    assert report.dates == (first, date(2026, 3, 6))


def test_dates_are_whole_local_days_across_a_clock_change():
    report = read("from=2026-03-28&to=2026-03-29")  # summer time begins on the 29th
    assert report.metrics.start == datetime(2026, 3, 28, tzinfo=PARIS)
    assert report.metrics.end == datetime(2026, 3, 30, tzinfo=PARIS)
    hours = report.metrics.end.astimezone(UTC) - report.metrics.start.astimezone(UTC)
    assert hours.total_seconds() == 47 * 3600


def test_one_date_alone():
    assert read("from=2026-03-01").dates == (date(2026, 3, 1), date(2026, 3, 6))
    assert read("to=2026-01-30").dates == (date(2026, 1, 1), date(2026, 1, 30))


def test_366_days_is_the_most():
    assert read("from=2025-03-06&to=2026-03-06").valid  # 366 days
    assert not read("from=2025-03-05&to=2026-03-06").valid


def test_hours_for_fourteen_days_at_most():
    assert read("from=2026-02-21&to=2026-03-06&bucket=hour").valid
    report = read("from=2026-02-20&to=2026-03-06&bucket=hour")
    assert not report.valid and "bucket" in report.form.errors


def test_ids_must_exist(team, other_team, make_channel, agent):
    channel = make_channel("email")
    report = read(f"team={team.pk}&team={other_team.pk}&team={team.pk}&channel={channel.pk}"
                  f"&agent={agent.pk}")
    assert report.valid
    assert report.metrics.team_ids == tuple(sorted({team.pk, other_team.pk}))
    assert (report.metrics.channel_ids, report.metrics.agent_ids) == ((channel.pk,), (agent.pk,))
    assert report.selected == {"team": {team.pk, other_team.pk}, "channel": {channel.pk},
                               "agent": {agent.pk}}
    for query in (f"team={team.pk + 100}", "channel=x", "agent=1.0", f"team=+{team.pk}",
                  f"team={team.pk}%00"):
        report = read(query)
        assert not report.valid and report.error_messages, query


def test_the_query_string_keeps_the_filters_and_drops_the_rest(team):
    report = read(f"from=2026-03-01&to=2026-03-02&team={team.pk}&format=csv&table=x&sort=-a"
                  f"&utm=1")
    assert QueryDict(report.query_string()) == QueryDict(
        f"from=2026-03-01&to=2026-03-02&team={team.pk}")
    week = QueryDict(report.preset_links()[1]["query"])
    assert week.get("range") == "7" and "from" not in week and week.get("team") == str(team.pk)


def test_describe_names_the_range_and_the_narrowing(team):
    report = read(f"from=2026-03-01&to=2026-03-02&team={team.pk}")
    assert report.describe() == "01 Mar 2026 – 02 Mar 2026 · Teams: Support"


def test_pickers_summarise_the_choice(team, other_team):
    pickers = {picker["name"]: picker for picker in read(f"team={team.pk}").pickers()}
    assert pickers["team"]["summary"] == "Support"
    assert pickers["channel"]["summary"] == "All channels"
    both = read(f"team={team.pk}&team={other_team.pk}").pickers()[0]
    assert both["summary"] == "2 teams"


def test_hour_buckets_across_a_clock_change():
    from reports.views.volume import bucket_starts

    report = read("from=2026-03-29&to=2026-03-29&bucket=hour")
    starts = bucket_starts(report)
    assert len(starts) == 23  # 02:00 never happened in Paris that night
    assert [start.hour for start in starts[:3]] == [0, 1, 3]
