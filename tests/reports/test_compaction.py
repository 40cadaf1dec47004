"""Compaction folds the count rows of one key into one, and the figures stay the same."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count

from inbox.actions import receive_message
from reports.compaction import compact_activity
from reports.metrics import Filters, totals, volume
from reports.models import DailyActivity, HourlyActivity
from reports.tasks import compact_activity_task
from tests.helpers import needs_postgresql

NOW = datetime(2026, 3, 5, 15, 30, tzinfo=UTC)
RANGE = Filters(start=NOW - timedelta(days=7), end=NOW + timedelta(days=1))


def write_messages(channel, at: datetime, count: int, prefix: str) -> None:
    """``count`` customers writing at ``at``, one batch each: a row per batch and key."""
    with time_machine.travel(at, tick=False):
        for n in range(count):
            receive_message(channel=channel, address=f"{prefix}{n}@example.com", text="hi")


def rows_per_key(model) -> list[int]:
    key = ["hour" if model is HourlyActivity else "day", "team_id", "channel_id", "agent_id",
           "kind"]
    return sorted(model.objects.values(*key).annotate(rows=Count("id"))
                  .values_list("rows", flat=True))


def figures() -> tuple:
    return totals(RANGE), volume(RANGE, "hour"), volume(RANGE, "day")


@pytest.mark.django_db
def test_the_rows_of_a_key_become_one_and_the_figures_stay(make_channel):
    channel = make_channel("telegram")
    write_messages(channel, NOW - timedelta(hours=2), 3, "a")
    write_messages(channel, NOW - timedelta(hours=1), 2, "b")
    before = figures()
    assert rows_per_key(HourlyActivity) == [2, 2, 3, 3]  # received and started, two hours

    with time_machine.travel(NOW, tick=False):
        removed = compact_activity()

    assert rows_per_key(HourlyActivity) == [1, 1, 1, 1]
    assert rows_per_key(DailyActivity) == [1, 1]
    assert removed == {"hourly": 6, "daily": 8}
    assert figures() == before
    with time_machine.travel(NOW, tick=False):
        assert compact_activity() == {"hourly": 0, "daily": 0}  # nothing left to fold


@pytest.mark.django_db
def test_only_the_last_days_unless_asked_for_all(make_channel):
    channel = make_channel("telegram")
    write_messages(channel, NOW - timedelta(days=5), 2, "old")
    write_messages(channel, NOW - timedelta(hours=1), 2, "new")
    before = figures()

    with time_machine.travel(NOW, tick=False):
        compact_activity(days=2)
    assert rows_per_key(HourlyActivity) == [1, 1, 2, 2]  # five days ago: untouched

    with time_machine.travel(NOW, tick=False):
        call_command("compact_reports", stdout=(output := io.StringIO()))
    assert rows_per_key(HourlyActivity) == [1, 1, 1, 1]
    assert "2 hourly and 2 daily rows fewer" in output.getvalue()
    assert figures() == before


@pytest.mark.django_db
def test_the_beat_task_compacts_the_recent_rows(make_channel):
    channel = make_channel("telegram")
    write_messages(channel, NOW - timedelta(hours=1), 3, "t")
    with time_machine.travel(NOW, tick=False):
        assert compact_activity_task.apply().get() == {"hourly": 4, "daily": 4}


@pytest.mark.django_db
def test_an_empty_table_is_left_alone():
    assert compact_activity(days=None) == {"hourly": 0, "daily": 0}


@pytest.mark.django_db(transaction=True)
@needs_postgresql
def test_it_never_waits_for_a_transaction_that_is_counting(make_channel):
    """A batch still open in another transaction holds its new rows only: compaction folds
    what is committed without waiting, and the open batch's rows count once committed."""
    channel = make_channel("telegram")
    write_messages(channel, NOW - timedelta(minutes=20), 2, "done")
    inserted, release = threading.Event(), threading.Event()

    def open_batch():
        try:
            with transaction.atomic():
                write_messages(channel, NOW - timedelta(minutes=10), 1, "open")
                inserted.set()
                release.wait(20)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(open_batch)
        assert inserted.wait(20)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # waiting would fail the test, not hang it
        with time_machine.travel(NOW, tick=False):
            assert compact_activity() == {"hourly": 2, "daily": 2}
        release.set()
        pending.result()

    # the committed pair folded into one row, the late batch's row beside it
    assert rows_per_key(HourlyActivity) == [2, 2]
    received = {row["kind"]: row["count"] for row in totals(RANGE)}["inbound"]
    assert received == 3

