"""Which policy a conversation runs against (the most specific match), and the due times it
gets when the customer's message starts or re-opens it, in wall-clock or business time."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from inbox.actions import change_status
from inbox.actions.threads import set_priority
from inbox.models import Thread
from reports.models import Episode
from reports.rebuild import rebuild_reports
from sla.actions import announce_due, start_clock
from sla.models import SlaClock
from sla.policies import matching_policy
from tests.helpers import events_since, last_event_id
from tests.hours.conftest import OFFICE_WEEK
from tests.sla.conftest import MONDAY_10H

pytestmark = pytest.mark.django_db
URGENT, NONE = Thread.Priority.URGENT, Thread.Priority.NONE


def test_the_most_specific_policy_wins(make_policy):
    assert matching_policy(priority=NONE, channel_kind="email") is None
    default = make_policy("Default")
    mail = make_policy("Mail", channel_kind="email")
    urgent = make_policy("Urgent", priority=URGENT)
    urgent_mail = make_policy("Urgent mail", priority=URGENT, channel_kind="email")
    assert matching_policy(priority=URGENT, channel_kind="email") == urgent_mail
    assert matching_policy(priority=URGENT, channel_kind="telegram") == urgent
    assert matching_policy(priority=NONE, channel_kind="email") == mail
    assert matching_policy(priority=NONE, channel_kind="sms") == default
    assert matching_policy(priority=NONE, channel_kind="") == default


def test_a_new_conversation_gets_its_due_times_and_an_event(make_policy, customer_writes):
    policy = make_policy(first_response_minutes=30, resolution_hours=4)
    message = customer_writes(MONDAY_10H)
    since = last_event_id()

    clock = start_clock(thread_id=message.thread_id)

    episode = Episode.objects.get(thread=message.thread)
    assert clock.policy == policy and clock.started_at == episode.started_at
    assert clock.first_response_due_at == clock.started_at + timedelta(minutes=30)
    assert clock.first_response_warning_at == clock.started_at + timedelta(minutes=24)  # 80 %
    assert clock.resolution_due_at == clock.started_at + timedelta(hours=4)
    assert clock.resolution_warning_at == clock.started_at + timedelta(minutes=192)
    assert (clock.team_id, clock.channel_id) == (message.thread.team_id, message.channel_id)
    [event] = events_since(since)
    assert (event.type, event.thread_id) == ("sla.due_times_set", message.thread_id)
    assert event.payload == {"clock_id": clock.pk, "policy_id": policy.pk,
                             "first_response_due_at": clock.first_response_due_at.isoformat(),
                             "resolution_due_at": clock.resolution_due_at.isoformat()}
    # the task run twice, or the customer's next message: the same clock
    customer_writes(MONDAY_10H + timedelta(minutes=5), text="Hello?")
    assert start_clock(thread_id=message.thread_id) is None
    assert SlaClock.objects.count() == 1


def test_the_warning_share_is_a_setting(make_policy, customer_writes, settings):
    settings.THREADLINE_SLA_WARNING_PERCENT = 50
    make_policy(first_response_minutes=30)
    clock = start_clock(thread_id=customer_writes(MONDAY_10H).thread_id)
    assert clock.first_response_warning_at == clock.started_at + timedelta(minutes=15)


def test_a_reopened_conversation_gets_a_clock_of_its_own(make_policy, customer_writes, agent):
    make_policy()
    message = customer_writes(MONDAY_10H)
    first = start_clock(thread_id=message.thread_id)
    with time_machine.travel(MONDAY_10H + timedelta(hours=1), tick=False):
        change_status(thread=message.thread, status="resolved", by=agent)
    customer_writes(MONDAY_10H + timedelta(hours=2), text="It broke again")
    second = start_clock(thread_id=message.thread_id)
    assert second != first and second.started_at > first.started_at
    assert Episode.objects.get(thread=message.thread, started_at=second.started_at).reopened
    assert second.started_at == MONDAY_10H + timedelta(hours=2)


def test_the_policy_follows_priority_and_channel(make_policy, customer_writes, make_channel):
    make_policy("Default", first_response_minutes=240)
    make_policy("Telegram", channel_kind="telegram", first_response_minutes=15)
    make_policy("Urgent", priority=URGENT, first_response_minutes=5)
    by_mail = customer_writes(MONDAY_10H)
    telegram = make_channel("telegram", name="Bot", address="@bot")
    by_telegram = customer_writes(MONDAY_10H, channel=telegram, address="4242")
    urgent = customer_writes(MONDAY_10H, address="vip@example.com")
    Thread.objects.filter(pk=urgent.thread_id).update(priority=URGENT)
    minutes = {message.thread_id: start_clock(thread_id=message.thread_id).policy.name
               for message in (by_mail, by_telegram, urgent)}
    assert minutes == {by_mail.thread_id: "Default", by_telegram.thread_id: "Telegram",
                       urgent.thread_id: "Urgent"}


def test_no_policy_no_clock(customer_writes):
    message = customer_writes(MONDAY_10H)
    since = last_event_id()
    assert start_clock(thread_id=message.thread_id) is None
    assert events_since(since) == [] and SlaClock.objects.count() == 0


def test_business_hours_only_counts_the_teams_open_time(make_policy, customer_writes, team,
                                                         set_hours):
    set_hours(team, "Europe/Paris", OFFICE_WEEK)
    make_policy(first_response_minutes=60, resolution_hours=8, business_hours_only=True)
    friday_17h = datetime(2026, 3, 27, 16, tzinfo=UTC)  # 17:00 CET; DST starts on Sunday
    clock = start_clock(thread_id=customer_writes(friday_17h).thread_id)
    assert clock.first_response_due_at == datetime(2026, 3, 30, 7, 30, tzinfo=UTC)  # 09:30 CEST
    assert clock.first_response_warning_at == datetime(2026, 3, 30, 7, 18, tzinfo=UTC)
    # 30 min on Friday, 7 h 30 on Monday (09:00–16:30 CEST)
    assert clock.resolution_due_at == datetime(2026, 3, 30, 14, 30, tzinfo=UTC)


def test_a_raised_priority_brings_the_tighter_policy(make_policy, customer_writes, agent):
    make_policy("Default", first_response_minutes=240, resolution_hours=24)
    urgent = make_policy("Urgent", priority=URGENT, first_response_minutes=15,
                         resolution_hours=2)
    message = customer_writes(MONDAY_10H)
    start_clock(thread_id=message.thread_id)
    since = last_event_id()
    with time_machine.travel(MONDAY_10H + timedelta(minutes=5), tick=False):
        set_priority(thread=message.thread_id, priority=URGENT, by=agent)
        clock = start_clock(thread_id=message.thread_id, reconsider=True)
        assert start_clock(thread_id=message.thread_id, reconsider=True) is None  # twice
    assert clock.policy == urgent
    assert clock.first_response_due_at == MONDAY_10H + timedelta(minutes=15)  # from the start
    assert clock.resolution_due_at == MONDAY_10H + timedelta(hours=2)
    assert [event.type for event in events_since(since)] == ["thread.priority_changed",
                                                             "sla.due_times_set"]
    assert SlaClock.objects.count() == 1


def test_rebuilt_report_tables_keep_the_clocks(make_policy, customer_writes):
    """The episodes rebuilt from the events get new ids, the same start: each clock still
    finds its conversation, and no second clock is made."""
    make_policy(first_response_minutes=30)
    message = customer_writes(MONDAY_10H)
    clock = start_clock(thread_id=message.thread_id)
    rebuild_reports()
    assert start_clock(thread_id=message.thread_id) is None
    assert list(SlaClock.objects.all()) == [clock]
    [warning] = announce_due(now=MONDAY_10H + timedelta(minutes=25))
    assert warning.type == "sla.warning"
