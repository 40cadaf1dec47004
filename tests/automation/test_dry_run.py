"""Trying a rule, saved or not, on past threads: what would have matched, and no write."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation.dry_run import MAX_EXAMINED, dry_run
from automation.models import Rule
from inbox.actions import change_status, send_reply
from tests.hours.conftest import OFFICE_WEEK, set_hours  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 11, 12, tzinfo=UTC)  # a Wednesday, 13:00 in Paris
REFUND = [{"field": "text", "operator": "contains_any", "value": ["refund"]}]


def ago(**delta):
    return time_machine.travel(NOW - timedelta(**delta), tick=False)


def now():
    return time_machine.travel(NOW, tick=False)


def unsaved(agent=None, **fields) -> Rule:
    fields.setdefault("conditions", REFUND)
    fields.setdefault("actions", [{"action": "assign", "assignee": agent.pk},
                                  {"action": "tag", "add": ["refund"]},
                                  {"action": "priority", "priority": 3}] if agent else
                      [{"action": "note", "text": "x"}])
    return Rule(name="Try", **fields)


def test_an_unsaved_rule_is_tried_on_each_threads_latest_customer_message(writes, agent):
    with ago(days=3):
        wanted = writes("I want a REFUND, please", address="a@example.com")
    with ago(days=2):
        writes("Hello", address="b@example.com")
        writes("refund", address="c@example.com")
    with ago(days=1):
        writes("Thanks, all good now", address="c@example.com")  # c's latest: no refund
    with now():
        result = dry_run(unsaved(agent), days=30)
    assert (result.examined, result.matched, result.more_threads) == (3, 1, False)
    [match] = result.matches
    assert match.thread_id == wanted.thread_id
    assert match.customer_name == "Ana Lima" and match.excerpt == "I want a REFUND, please"
    assert match.at == wanted.created_at
    assert match.would_do == ["assign it to Ana", "tag refund", "set priority High"]
    assert not Rule.objects.exists()


def test_only_the_window_and_the_rules_team_are_examined(writes, other_team, make_channel):
    sales = make_channel("email", name="Sales", address="sales@shop.example",
                         channel_team=other_team)
    with ago(days=40):
        writes("refund", address="old@example.com")
    with ago(days=1):
        writes("refund", address="ours@example.com")
        theirs = writes("refund", channel=sales, address="theirs@example.com")
    with now():
        assert (dry_run(unsaved(), days=30).matched, dry_run(unsaved(), days=60).matched) == (
            2, 3)
        team_result = dry_run(unsaved(team=other_team), days=30)
    assert [m.thread_id for m in team_result.matches] == [theirs.thread_id]
    assert team_result.examined == 1


def test_business_hours_and_waiting_are_those_of_the_messages_time(writes, team, set_hours,  # noqa: F811
                                                                   agent):
    set_hours(team, "Europe/Paris", OFFICE_WEEK)
    closed = [{"field": "business_hours", "operator": "is", "value": "closed"}]
    with ago(days=1, hours=16):  # Monday 21:00 in Paris
        night = writes("Hello", address="night@example.com")
    with ago(days=1):  # Tuesday 13:00
        writes("Hello", address="day@example.com")
    with now():
        result = dry_run(unsaved(conditions=closed))
    assert [m.thread_id for m in result.matches] == [night.thread_id]
    waited = [{"field": "waiting_minutes", "operator": "at_least", "value": 30}]
    with ago(hours=5):
        slow = writes("Hello?", address="slow@example.com")
    with ago(hours=4):
        writes("Anyone?", address="slow@example.com")  # 60 minutes into the wait
    with now():
        assert slow.thread_id in [m.thread_id for m in dry_run(unsaved(conditions=waited)).matches]


def test_a_waiting_rule_is_tried_when_each_stretch_reached_its_time(writes, agent):
    waited = [{"field": "waiting_minutes", "operator": "at_least", "value": 30}]
    with ago(hours=3):
        answered_soon = writes("Hi", address="soon@example.com")
        answered_late = writes("Hi", address="late@example.com")
    with ago(hours=2, minutes=50):
        send_reply(thread=answered_soon.thread_id, channel=answered_soon.channel,
                   author=agent, text="Here")
    with ago(hours=2):
        send_reply(thread=answered_late.thread_id, channel=answered_late.channel,
                   author=agent, text="Sorry for the wait")
    with ago(minutes=45):
        still = writes("Hello?", address="still@example.com")
    with ago(minutes=10):
        writes("Hello?", address="new@example.com")
    with now():
        result = dry_run(unsaved(trigger=Rule.Trigger.WAITING, conditions=waited))
    assert result.examined == 4
    assert [(m.thread_id, m.at) for m in result.matches] == [
        (still.thread_id, NOW - timedelta(minutes=15)),
        (answered_late.thread_id, NOW - timedelta(hours=2, minutes=30))]


def test_a_conversation_rule_is_tried_on_the_message_that_began_it(writes, agent):
    with ago(days=2):
        first = writes("refund please", address="a@example.com")
    with ago(days=1):
        writes("any news?", address="a@example.com")
        other = writes("hello", address="b@example.com")
    with ago(hours=5):
        change_status(thread=other.thread_id, status="resolved", by=agent)
    with ago(hours=4):
        writes("refund now", address="b@example.com")  # a new conversation
    with now():
        result = dry_run(unsaved(trigger=Rule.Trigger.CONVERSATION_STARTED))
    assert [(m.thread_id, m.excerpt) for m in result.matches] == [
        (other.thread_id, "refund now"), (first.thread_id, "refund please")]


def test_matches_come_most_recent_first_up_to_the_limit(writes):
    for n in range(5):
        with ago(hours=10 - n):
            writes(f"refund {n}", address=f"c{n}@example.com")
    with now():
        result = dry_run(unsaved(), limit=2)
    assert (result.matched, [m.excerpt for m in result.matches]) == (5, ["refund 4", "refund 3"])


def test_a_long_message_is_cut_to_an_excerpt(writes):
    with ago(hours=1):
        writes("refund " + "word " * 100)
    with now():
        [match] = dry_run(unsaved()).matches
    assert len(match.excerpt) == 140 and match.excerpt.endswith("…")


def test_malformed_conditions_are_refused(writes):
    with pytest.raises(ValidationError, match="Condition 1"):
        dry_run(unsaved(conditions=[{"field": "text", "operator": "contains_any",
                                     "value": "refund"}]))


def test_the_dry_run_writes_nothing_and_its_queries_do_not_grow_with_threads(writes, team,
                                                                             set_hours,  # noqa: F811
                                                                             agent):
    set_hours(team, "Europe/Paris", OFFICE_WEEK)
    conditions = [*REFUND, {"field": "business_hours", "operator": "is", "value": "open"},
                  {"field": "thread_tag", "operator": "has_not", "value": "spam"},
                  {"field": "customer_tag", "operator": "has_not", "value": "spam"}]
    rule = unsaved(agent, conditions=conditions)

    def counted() -> list[str]:
        with now(), CaptureQueriesContext(connection) as queries:
            dry_run(rule)
        return [query["sql"] for query in queries.captured_queries]

    with ago(days=1):
        writes("refund", address="first@example.com")
    few = counted()
    for n in range(6):
        with ago(hours=n + 2):
            writes("refund", address=f"more{n}@example.com")
    many = counted()
    assert len(many) == len(few)
    writes_sql = [sql for sql in many
                  if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes_sql == []


def test_only_the_threads_written_to_last_are_examined(writes):
    for n in range(4):
        with ago(hours=10 - n):
            writes(f"refund {n}", address=f"c{n}@example.com")
    with now():
        result = dry_run(unsaved(), most=3)
        everything = dry_run(unsaved())
    assert (result.examined, result.matched, result.more_threads) == (3, 3, True)
    assert [m.excerpt for m in result.matches] == ["refund 3", "refund 2", "refund 1"]
    assert (everything.examined, everything.more_threads, MAX_EXAMINED) == (4, False, 500)
