"""Medians and p90s are kept a minute for the same filters; counts are always fresh."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.actions import change_status, receive_message
from inbox.models import Thread
from reports.metrics import Filters, resolution_times, totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def remembered(settings):
    """Kept a minute. (Not cleared: on Redis that would empty the whole database; each
    test's range ends at its own ``now``, a key of its own.)"""
    settings.THREADLINE_REPORTS_CACHE_SECONDS = 60


def resolve_one(channel, address):
    thread = Thread.objects.get(pk=receive_message(
        channel=channel, address=address, text="hi").message.thread_id)
    change_status(thread=thread, status="resolved")


def test_the_same_percentiles_are_read_once_a_minute(make_channel, remembered):
    channel = make_channel("email")
    resolve_one(channel, "a@example.com")
    today = Filters(start=timezone.now() - timedelta(days=1),
                    end=timezone.now() + timedelta(days=1))
    first = resolution_times(today)
    resolve_one(channel, "b@example.com")

    with CaptureQueriesContext(connection) as context:
        assert resolution_times(today) == first  # as it was a moment ago
    assert len(context.captured_queries) == 0
    assert [row["count"] for row in totals(today) if row["kind"] == "resolved"] == [2]
    other = Filters(start=today.start, end=today.end + timedelta(seconds=1))
    assert resolution_times(other)[0].count == 2  # other filters: computed


def test_nothing_is_kept_when_the_setting_is_zero(make_channel, settings):
    settings.THREADLINE_REPORTS_CACHE_SECONDS = 0
    channel = make_channel("email")
    resolve_one(channel, "a@example.com")
    today = Filters(start=timezone.now() - timedelta(days=1),
                    end=timezone.now() + timedelta(days=1))
    assert resolution_times(today)[0].count == 1
    resolve_one(channel, "b@example.com")
    assert resolution_times(today)[0].count == 2
