"""Snoozed threads wake at their time (Celery beat, every minute) or when the customer
writes again."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from config.celery import app
from inbox.actions import (
    change_status,
    receive_message,
    set_priority,
    snooze_thread,
    wake_snoozed_threads,
)
from inbox.events import ThreadPriorityChanged, ThreadStatusChanged
from inbox.models import Thread
from inbox.tasks import wake_snoozed_threads_task
from tests.helpers import events_since, last_event_id, parsed

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(make_channel):
    return make_channel("email")


def new_thread(channel, address="ana@example.com") -> Thread:
    received = receive_message(channel=channel, address=address, text="Hello")
    return Thread.objects.get(pk=received.message.thread_id)


def test_a_snoozed_thread_wakes_once_its_time_has_passed(channel, agent):
    thread = new_thread(channel)
    snooze_thread(thread=thread, until=timezone.now() + timedelta(minutes=30), by=agent)
    since = last_event_id()

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        woken = wake_snoozed_threads()

    thread.refresh_from_db()
    assert woken == 1
    assert (thread.status, thread.snoozed_until) == (Thread.Status.OPEN, None)
    (event,) = events_since(since)
    assert event.actor is None
    assert parsed(event) == ThreadStatusChanged(status="open", previous_status="snoozed",
                                                snoozed_until=None)


def test_a_thread_snoozed_until_later_sleeps_on(channel):
    thread = new_thread(channel)
    until = timezone.now() + timedelta(hours=2)
    snooze_thread(thread=thread, until=until)
    since = last_event_id()

    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert wake_snoozed_threads() == 0

    thread.refresh_from_db()
    assert (thread.status, thread.snoozed_until) == (Thread.Status.SNOOZED, until)
    assert events_since(since) == []


def test_waking_twice_wakes_each_thread_once(channel):
    threads = [new_thread(channel, f"c{n}@example.com") for n in range(5)]
    for thread in threads:
        snooze_thread(thread=thread, until=timezone.now() + timedelta(minutes=5))
    since = last_event_id()

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        first = wake_snoozed_threads(batch_size=2)  # three batches
        second = wake_snoozed_threads(batch_size=2)

    assert (first, second) == (5, 0)
    events = events_since(since)
    assert sorted(event.thread_id for event in events) == sorted(t.pk for t in threads)
    assert Thread.objects.filter(status=Thread.Status.SNOOZED).count() == 0


def test_a_thread_resolved_while_snoozed_is_not_woken(channel, agent):
    thread = new_thread(channel)
    snooze_thread(thread=thread, until=timezone.now() + timedelta(minutes=5))
    change_status(thread=thread, status=Thread.Status.RESOLVED, by=agent)
    since = last_event_id()

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        wake_snoozed_threads()

    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.RESOLVED
    assert events_since(since) == []


def test_the_beat_schedule_runs_the_wake_up_every_minute():
    entry = next(entry for entry in app.conf.beat_schedule.values()
                 if entry["task"] == wake_snoozed_threads_task.name)
    assert entry["schedule"] == 60.0


def test_the_wake_up_task_wakes_due_threads(channel):
    thread = new_thread(channel)
    snooze_thread(thread=thread, until=timezone.now() + timedelta(minutes=1))

    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert wake_snoozed_threads_task.apply().get() == 1

    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_a_new_message_from_the_customer_wakes_a_snoozed_thread_at_once(channel):
    thread = new_thread(channel)
    snooze_thread(thread=thread, until=timezone.now() + timedelta(days=1))
    since = last_event_id()

    receive_message(channel=channel, address="ana@example.com", text="Still there?")

    thread.refresh_from_db()
    assert (thread.status, thread.snoozed_until) == (Thread.Status.OPEN, None)
    types = [event.type for event in events_since(since)]
    assert ThreadStatusChanged.type in types
    received = next(e for e in events_since(since) if e.type == "message.received")
    assert received.payload["reopened"] is True


def test_an_automatic_message_leaves_a_snoozed_thread_asleep(channel):
    thread = new_thread(channel)
    snooze_thread(thread=thread, until=timezone.now() + timedelta(days=1))

    receive_message(channel=channel, address="ana@example.com", text="Out of office",
                    automatic=True)

    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.SNOOZED


def test_set_priority_records_the_change_once(channel, agent):
    thread = new_thread(channel)
    since = last_event_id()

    set_priority(thread=thread, priority=Thread.Priority.HIGH, by=agent)
    set_priority(thread=thread, priority=Thread.Priority.HIGH, by=agent)

    assert Thread.objects.get(pk=thread.pk).priority == Thread.Priority.HIGH
    (event,) = events_since(since)
    assert parsed(event) == ThreadPriorityChanged(priority=3, previous_priority=0)
