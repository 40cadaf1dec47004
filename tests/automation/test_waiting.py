"""Rules on customers still waiting: Celery beat every minute, once per waiting stretch."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from automation.engine import run_waiting_rules
from automation.models import Rule, RuleRun
from automation.tasks import run_waiting_rules_task
from inbox.actions import change_status, send_reply, snooze_thread
from inbox.models import Thread
from tests.automation.conftest import runs_of

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, tzinfo=UTC)
ESCALATE = [{"action": "priority", "priority": 4}]


def waiting(minutes, *more):
    return [{"field": "waiting_minutes", "operator": "at_least", "value": minutes}, *more]


def at(minutes):
    return time_machine.travel(START + timedelta(minutes=minutes), tick=False)


def beat(minutes):
    with at(minutes):
        return run_waiting_rules_task()


def test_a_waiting_rule_runs_once_per_waiting_stretch(writes, make_rule, agent):
    rule = make_rule("Escalate", trigger=Rule.Trigger.WAITING, conditions=waiting(30),
                     actions=ESCALATE)
    with at(0):
        message = writes("Hello?")
    assert beat(29) == 0
    assert beat(31) == 1
    assert beat(32) == 0  # the same stretch
    thread = Thread.objects.get(pk=message.thread_id)
    assert thread.priority == 4
    [run] = runs_of(rule)
    assert run.trigger_key == f"waiting:{thread.episodes.get().awaiting_since.isoformat()}"
    with at(40):
        send_reply(thread=thread, channel=message.channel, author=agent, text="On it")
    with at(50):
        writes("Thanks, and one more thing")
    assert beat(70) == 0
    assert beat(81) == 1  # a new stretch, from minute 50
    assert len(runs_of(rule)) == 2


def test_a_waiting_rule_skips_snoozed_pending_and_resolved_threads(writes, make_rule, agent):
    make_rule(trigger=Rule.Trigger.WAITING, conditions=waiting(10), actions=ESCALATE)
    with at(0):
        snoozed = writes("a", address="a@example.com")
        pending = writes("b", address="b@example.com")
        resolved = writes("c", address="c@example.com")
        snooze_thread(thread=snoozed.thread_id, until=START + timedelta(days=1), by=agent)
        change_status(thread=pending.thread_id, status="pending", by=agent)
        change_status(thread=resolved.thread_id, status="resolved", by=agent)
    assert beat(30) == 0


def test_the_other_conditions_decide_too(writes, make_rule):
    rule = make_rule(trigger=Rule.Trigger.WAITING, actions=ESCALATE, conditions=waiting(
        10, {"field": "text", "operator": "contains_any", "value": ["urgent"]}))
    with at(0):
        writes("Hello", address="calm@example.com")
        urgent = writes("This is urgent", address="hurry@example.com")
    assert beat(15) == 1
    assert [run.thread_id for run in runs_of(rule)] == [urgent.thread_id]
    assert beat(16) == 0


def test_a_team_waiting_rule_only_sees_its_teams_threads(writes, make_rule, other_team,
                                                         make_channel):
    sales = make_channel("email", name="Sales", address="sales@shop.example",
                         channel_team=other_team)
    rule = make_rule(trigger=Rule.Trigger.WAITING, conditions=waiting(10), actions=ESCALATE,
                     team=other_team)
    with at(0):
        writes("Hello")
        theirs = writes("Hello", channel=sales, address="bo@example.com")
    assert beat(15) == 1
    assert [run.thread_id for run in runs_of(rule)] == [theirs.thread_id]


def test_stop_processing_ends_the_waiting_stretch_for_later_rules(writes, make_rule):
    make_rule("First", position=1, trigger=Rule.Trigger.WAITING, conditions=waiting(10),
              actions=ESCALATE, stop_processing=True)
    later = make_rule("Later", position=2, trigger=Rule.Trigger.WAITING, conditions=waiting(20),
                      actions=[{"action": "tag", "add": ["late"]}])
    with at(0):
        writes("Hello")
    assert beat(15) == 1
    assert beat(25) == 0
    assert runs_of(later) == []


def test_waiting_threads_are_taken_in_batches(writes, make_rule):
    rule = make_rule(trigger=Rule.Trigger.WAITING, conditions=waiting(
        5, {"field": "text", "operator": "contains_none", "value": ["skip"]}), actions=ESCALATE)
    with at(0):
        for n in range(5):
            writes("skip me" if n % 2 else "Hello", address=f"c{n}@example.com")
    with at(10):
        runs = run_waiting_rules(batch_size=2)
    assert len(runs) == 3 == len(runs_of(rule))


def test_the_beat_costs_one_query_without_a_waiting_rule(writes, make_rule,
                                                         django_assert_num_queries):
    make_rule()  # a rule on messages only
    with at(0):
        writes("Hello")
    with at(60), django_assert_num_queries(1):
        assert run_waiting_rules() == []
    assert not RuleRun.objects.exists()
