"""Celery beat computes the preset ranges' medians and p90s ahead of the supervisors: the
pages then read them without sorting anything, and each warming brings them up to date."""

import os

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inbox.actions import change_status, receive_message, send_reply
from inbox.models import Thread
from reports.metrics import resolution_times
from reports.tasks import warm_percentiles_task
from reports.warming import preset_filters, warm_percentiles

pytestmark = pytest.mark.django_db

PERCENTILE_SQL = ("ARRAY_AGG", "ROW_NUMBER")


@pytest.fixture
def remembered(settings):
    """Kept a minute, as in production (tests compute afresh by default)."""
    settings.THREADLINE_REPORTS_CACHE_SECONDS = 60


def percentile_queries(context) -> list[str]:
    return [query["sql"] for query in context.captured_queries
            if any(word in query["sql"] for word in PERCENTILE_SQL)]


def handled_conversation(channel, agent, address: str) -> None:
    thread = Thread.objects.get(pk=receive_message(
        channel=channel, address=address, text="hi").message.thread_id)
    send_reply(thread=thread, channel=channel, author=agent, text="Hello")
    change_status(thread=thread, status="resolved", by=agent)


def test_the_presets_are_today_7_30_and_90_days_to_tomorrow_midnight():
    ranges = preset_filters()
    assert [(f.end - f.start).days for f in ranges] == [1, 7, 30, 90]
    assert len({f.end for f in ranges}) == 1
    assert all(f.team_ids is f.channel_ids is f.agent_ids is None for f in ranges)


@pytest.mark.parametrize("page", ["times", "agents", "teams"])
@pytest.mark.parametrize("preset", ["today", "7", "30", "90"])
def test_a_page_of_a_preset_range_sorts_nothing_after_warming(
        client, supervisor, make_channel, agent, remembered, page, preset):
    handled_conversation(make_channel("telegram"), agent, "4242")
    warm_percentiles()
    client.force_login(supervisor)

    with CaptureQueriesContext(connection) as context:
        response = client.get(f"/reports/{page}/?range={preset}")

    assert response.status_code == 200
    assert percentile_queries(context) == []


def test_each_warming_brings_the_figures_up_to_date(make_channel, agent, remembered):
    channel = make_channel("telegram")
    handled_conversation(channel, agent, "1001")
    assert warm_percentiles_task.apply().get() == 32  # 4 ranges × 4 breakdowns × 2 clocks
    today = preset_filters()[0]
    assert resolution_times(today)[0].count == 1

    handled_conversation(channel, agent, "1002")
    assert resolution_times(today)[0].count == 1  # kept: the page shows the warmed figure
    warm_percentiles()
    assert resolution_times(today)[0].count == 2


def test_a_filtered_range_is_computed_when_asked(client, supervisor, make_channel, agent,
                                                  team, remembered):
    handled_conversation(make_channel("telegram"), agent, "2002")
    warm_percentiles()
    client.force_login(supervisor)
    with CaptureQueriesContext(connection) as context:
        assert client.get(f"/reports/times/?range=7&team={team.pk}").status_code == 200
    assert len(percentile_queries(context)) == 8


def test_beat_warms_as_often_as_the_figures_are_kept():
    entry = settings.CELERY_BEAT_SCHEDULE["warm-report-percentiles"]
    assert entry["task"] == warm_percentiles_task.name
    # read from the environment when the settings load (the tests set 0 afterwards)
    kept = float(os.environ.get("THREADLINE_REPORTS_CACHE_SECONDS", "60"))
    assert entry["schedule"] == entry["options"]["expires"] == kept
