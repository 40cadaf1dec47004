"""The report tables follow the actions in their own transaction, at a fixed cost per batch."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.actions import merge_customers
from inbox.actions import change_status, receive_message, send_reply, snooze_thread
from inbox.actions.messages import Incoming, receive_messages
from inbox.models import Thread
from reports.metrics import Filters, totals, volume
from reports.models import DailyActivity, Episode, HourlyActivity

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 5, 9, tzinfo=UTC)


def report_queries(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if "reports_" in query["sql"]]


def test_a_batch_costs_four_statements_whatever_its_size(make_channel):
    channel = make_channel("telegram")
    for size in (1, 25):
        items = [Incoming(address=f"{size}{n:04}", text="hi", external_id=f"{size}-{n}")
                 for n in range(size)]
        with CaptureQueriesContext(connection) as context:
            receive_messages(channel=channel, items=items)
        # open episodes of the batch's threads, INSERT of the new ones, upserts of the
        # hourly and daily counts
        assert len(report_queries(context)) == 4
    assert Episode.objects.count() == 26


def test_messages_to_waiting_customers_cost_three(make_channel):
    channel = make_channel("telegram")
    items = [Incoming(address=f"{n:04}", text="hi") for n in range(10)]
    receive_messages(channel=channel, items=items)
    with CaptureQueriesContext(connection) as context:
        receive_messages(channel=channel, items=items)
    assert len(report_queries(context)) == 3  # nothing changes on the episodes
    assert Episode.objects.count() == 10


def test_events_without_a_conversation_change_nothing(make_channel, agent, team):
    """An agent writing first, resolving a thread with no customer message: no episode."""
    channel = make_channel("email")
    received = receive_message(channel=channel, address="out@example.com", text="Auto",
                               automatic=True)
    thread = Thread.objects.get(pk=received.message.thread_id)
    send_reply(thread=thread, channel=channel, author=agent, text="Hello")
    change_status(thread=thread, status="resolved", by=agent)
    assert not Episode.objects.exists()
    assert not HourlyActivity.objects.filter(kind="resolved").exists()


def test_a_second_snooze_replaces_the_first(make_channel, agent):
    channel = make_channel("email")
    with time_machine.travel(START, tick=False):
        thread = Thread.objects.get(pk=receive_message(
            channel=channel, address="a@example.com", text="hi").message.thread_id)
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        snooze_thread(thread=thread, until=START + timedelta(hours=5), by=agent)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        # snoozed again, sooner: 20 min counted so far, then 10 more until 10:40
        snooze_thread(thread=thread, until=START + timedelta(minutes=40), by=agent)
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        change_status(thread=thread, status="resolved", by=agent)
    episode = Episode.objects.get()
    assert episode.snoozed_seconds == 30 * 60
    assert episode.resolution_seconds == 30 * 60


def test_days_are_the_time_zones_days(make_channel, settings):
    settings.TIME_ZONE = "Europe/Paris"
    channel = make_channel("email")
    late = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)  # 00:30 on 6 March in Paris
    with time_machine.travel(late, tick=False):
        receive_message(channel=channel, address="night@example.com", text="hi")
    rows = volume(Filters(start=late - timedelta(days=1), end=late + timedelta(days=1)),
                  "day", kinds=["inbound"])
    assert [(row["bucket"].date().isoformat(), row["count"]) for row in rows] == [
        ("2026-03-06", 1)]


def test_a_merge_folds_both_conversations_into_one(make_channel, agent):
    """The customer wrote by e-mail and by Telegram: two conversations, until an agent
    merges the profiles — then one, that began with the first message."""
    email, telegram = make_channel("email"), make_channel("telegram")
    with time_machine.travel(START, tick=False):
        source = Thread.objects.get(pk=receive_message(
            channel=email, address="m@example.com", text="hi").message.thread_id)
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        target = Thread.objects.get(pk=receive_message(
            channel=telegram, address="2002", text="me again").message.thread_id)
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        merge_customers(source=source.customer, target=target.customer, by=agent)
    with time_machine.travel(START + timedelta(minutes=50), tick=False):
        send_reply(thread=target, channel=telegram, author=agent, text="Hello")
    episode = Episode.objects.get(thread=target)
    assert (episode.started_at, episode.channel_id, episode.first_response_seconds) == (
        START, email.pk, 50 * 60)
    assert not Episode.objects.filter(thread=source).exists()


def test_whole_days_are_read_from_the_daily_rows_with_the_same_answers(make_channel, agent,
                                                                      settings):
    settings.TIME_ZONE = "Europe/Paris"
    channel = make_channel("email")
    for moment in (datetime(2026, 3, 5, 22, 30, tzinfo=UTC),   # 23:30 on the 5th in Paris
                   datetime(2026, 3, 5, 23, 30, tzinfo=UTC),   # 00:30 on the 6th
                   datetime(2026, 3, 9, 8, tzinfo=UTC)):       # the next week
        with time_machine.travel(moment, tick=False):
            receive_message(channel=channel, address="d@example.com", text="hi")
    paris = timezone.get_default_timezone()
    days = Filters(start=datetime(2026, 3, 1, tzinfo=paris), end=datetime(2026, 3, 12,
                                                                           tzinfo=paris))
    hours = Filters(start=days.start, end=days.end - timedelta(seconds=1))
    assert days.whole_days and not hours.whole_days
    for bucket in ("day", "week"):
        assert volume(days, bucket, kinds=["inbound"]) == volume(hours, bucket,
                                                                 kinds=["inbound"])
    assert [(row["bucket"].date().isoformat(), row["count"])
            for row in volume(days, "day", kinds=["inbound"])] == [
        ("2026-03-05", 1), ("2026-03-06", 1), ("2026-03-09", 1)]
    assert totals(days) == totals(hours)
    assert DailyActivity.objects.filter(kind="inbound").count() == 3
