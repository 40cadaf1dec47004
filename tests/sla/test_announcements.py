"""The beat's sweep announces each target's warning and breach once per conversation (run
twice, it announces nothing more), never for a target met in time, and the achievement
counts each target met or breached."""

from datetime import timedelta

import pytest
import time_machine

from inbox.actions import add_note, change_status, send_reply
from sla.actions import announce_due, start_clock
from sla.selectors import achievement
from tests.helpers import events_since, last_event_id
from tests.sla.conftest import MONDAY_10H

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


@pytest.fixture
def clock(make_policy, customer_writes):
    make_policy(first_response_minutes=30, resolution_hours=4)
    return start_clock(thread_id=customer_writes(MONDAY_10H).thread_id)


def announced(since: int) -> list[tuple[str, str]]:
    return [(event.type, event.payload["target"]) for event in events_since(since)
            if event.type in ("sla.warning", "sla.breached")]


def test_warning_then_breach_each_exactly_once(clock):
    since = last_event_id()
    assert announce_due(now=MONDAY_10H + 23 * MIN) == []       # before 80 % of 30 min
    assert len(announce_due(now=MONDAY_10H + 24 * MIN)) == 1   # the warning
    assert announce_due(now=MONDAY_10H + 25 * MIN) == []       # run again: nothing
    assert len(announce_due(now=MONDAY_10H + 30 * MIN)) == 1   # the breach
    assert announce_due(now=MONDAY_10H + 31 * MIN) == []
    assert announced(since) == [("sla.warning", "first_response"),
                                ("sla.breached", "first_response")]
    [warning, breach] = events_since(since)
    assert warning.thread_id == clock.thread_id and warning.team_id == clock.team_id
    assert breach.payload == {"clock_id": clock.pk, "policy_id": clock.policy_id,
                              "target": "first_response",
                              "due_at": clock.first_response_due_at.isoformat()}
    clock.refresh_from_db()
    assert clock.first_response_warned_at == MONDAY_10H + 24 * MIN
    assert clock.first_response_breached_at == MONDAY_10H + 30 * MIN

    # the resolution's turn, 4 hours on
    announce_due(now=MONDAY_10H + timedelta(hours=5))
    announce_due(now=MONDAY_10H + timedelta(hours=5))
    assert announced(since)[2:] == [("sla.breached", "resolution")]  # late: no warning first


def test_a_sweep_that_ran_late_announces_the_breach_only(clock):
    since = last_event_id()
    announce_due(now=MONDAY_10H + 45 * MIN)
    announce_due(now=MONDAY_10H + 46 * MIN)
    assert announced(since) == [("sla.breached", "first_response")]


def test_a_first_reply_in_time_meets_the_target_a_note_does_not(clock, mailbox, agent):
    thread = clock.thread
    with time_machine.travel(MONDAY_10H + 10 * MIN, tick=False):
        add_note(thread=thread, author=agent, text="Looking")
        send_reply(thread=thread, channel=mailbox, author=None, text="Auto: we got it",
                   metadata={"automatic": True})
    since = last_event_id()
    announce_due(now=MONDAY_10H + 25 * MIN)
    assert announced(since) == [("sla.warning", "first_response")]  # still unmet
    with time_machine.travel(MONDAY_10H + 28 * MIN, tick=False):
        send_reply(thread=thread, channel=mailbox, author=agent, text="Found it")
    announce_due(now=MONDAY_10H + 35 * MIN)
    with time_machine.travel(MONDAY_10H + timedelta(hours=2), tick=False):
        change_status(thread=thread, status="resolved", by=agent)
    announce_due(now=MONDAY_10H + timedelta(hours=5))
    assert announced(since) == [("sla.warning", "first_response")]
    [row] = achievement(start=MONDAY_10H, end=MONDAY_10H + timedelta(days=1),
                        now=MONDAY_10H + timedelta(hours=5))
    assert row == {"team_id": clock.team_id,
                   "first_response_met": 1, "first_response_breached": 0,
                   "first_response_pending": 0, "resolution_met": 1,
                   "resolution_breached": 0, "resolution_pending": 0}


def test_achievement_counts_late_unmet_and_pending(make_policy, customer_writes, mailbox,
                                                    agent):
    make_policy(first_response_minutes=30, resolution_hours=4)
    late, unmet, pending = (
        start_clock(thread_id=customer_writes(MONDAY_10H + offset, address=address).thread_id)
        for offset, address in ((0 * MIN, "a@example.com"), (0 * MIN, "b@example.com"),
                                (100 * MIN, "c@example.com")))
    with time_machine.travel(MONDAY_10H + 40 * MIN, tick=False):
        send_reply(thread=late.thread, channel=mailbox, author=agent, text="Sorry, late")
    now = MONDAY_10H + 110 * MIN
    [row] = achievement(start=MONDAY_10H, end=MONDAY_10H + timedelta(days=1), now=now)
    assert (row["first_response_met"], row["first_response_breached"],
            row["first_response_pending"]) == (0, 2, 1)
    assert (row["resolution_met"], row["resolution_breached"],
            row["resolution_pending"]) == (0, 0, 3)
    [by_channel] = achievement(start=MONDAY_10H, end=MONDAY_10H + timedelta(days=1), now=now,
                               by="channel")
    assert by_channel["channel_id"] == mailbox.pk and by_channel["first_response_breached"] == 2
    assert unmet.first_response_breached_at is None and pending is not None


def test_no_announcement_after_resolution(clock, agent):
    with time_machine.travel(MONDAY_10H + 5 * MIN, tick=False):
        change_status(thread=clock.thread, status="resolved", by=agent)
    since = last_event_id()
    announce_due(now=MONDAY_10H + timedelta(hours=10))
    assert events_since(since) == []
