"""Which rules run, in which order, how often, on whose threads, and what a failure leaves."""

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation.engine import run_rules_for_message
from automation.listener import on_events
from automation.models import Rule, RuleRun
from automation.tasks import run_rules_task
from inbox.actions import change_status
from inbox.models import Event, Message, Thread
from tests.automation.conftest import runs_of
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db

TAG_REFUND = [{"action": "tag", "add": ["refund"]}]
REFUND = [{"field": "text", "operator": "contains_any", "value": ["refund"]}]


def tags(thread_id) -> set[str]:
    return set(Thread.objects.get(pk=thread_id).tags.values_list("name", flat=True))


def notes(thread_id) -> list[str]:
    return list(Message.objects.filter(thread_id=thread_id, direction="note")
                .order_by("id").values_list("text", flat=True))


def test_a_task_run_twice_runs_each_rule_once(writes, make_rule):
    rule = make_rule("Refunds", conditions=REFUND, actions=TAG_REFUND)
    message = writes("A refund please")
    assert run_rules_task(message.pk) == 1
    assert run_rules_task(message.pk) == 0
    assert len(runs_of(rule)) == 1 and runs_of(rule)[0].trigger_key == f"message:{message.pk}"
    assert notes(message.thread_id) == ["Rule “Refunds” tagged refund."]


def test_a_failing_action_rolls_the_rule_back_keeps_the_error_and_later_rules_run(
        writes, make_rule, mailbox, caplog):
    failing = make_rule("Breaks", actions=[*TAG_REFUND, {"action": "reply", "text": "Hi"}])
    later = make_rule("Later", position=1, actions=[{"action": "priority", "priority": 2}])
    message = writes("Hello")
    mailbox.is_active = False  # the reply cannot go out
    mailbox.save()
    since = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    with caplog.at_level(logging.ERROR, logger="automation.actions"):
        runs = run_rules_for_message(message=message)
    [failed] = runs_of(failing)
    assert "No channel" in failed.error and failed.done == []
    assert tags(message.thread_id) == set()  # the tag of the same rule rolled back
    assert "Breaks" in caplog.text and "No channel" in caplog.text
    assert [run.rule for run in runs] == [failing, later]
    assert Thread.objects.get(pk=message.thread_id).priority == 2
    assert not Event.objects.filter(pk__gt=since, payload__rule__id=failing.pk).exists()
    assert notes(message.thread_id) == ["Rule “Later” set priority Medium."]
    assert run_rules_for_message(message=message) == []  # the failure is not tried again


def test_an_agent_gone_since_the_rule_was_saved_fails_the_run_before_any_action(
        writes, make_rule, agent):
    rule = make_rule("Gone", actions=[*TAG_REFUND, {"action": "assign", "assignee": agent.pk}])
    agent.is_active = False
    agent.save()
    message = writes("Hello")
    run_rules_for_message(message=message)
    assert "no active agent" in runs_of(rule)[0].error
    assert tags(message.thread_id) == set()


def test_rules_run_in_order_and_stop_processing_skips_the_later_ones(writes, make_rule):
    third = make_rule("Third", position=3, actions=[{"action": "tag", "add": ["third"]}])
    first = make_rule("First", position=1, actions=[{"action": "tag", "add": ["first"]}])
    stopper = make_rule("Stop", position=2, stop_processing=True, conditions=REFUND,
                        actions=[{"action": "tag", "add": ["stop"]}])
    message = writes("A refund please")
    assert [run.rule for run in run_rules_for_message(message=message)] == [first, stopper]
    assert tags(message.thread_id) == {"first", "stop"}
    other = writes("Just hello", address="bo@example.com")  # the stopper does not match
    assert [run.rule for run in run_rules_for_message(message=other)] == [first, third]


def test_a_later_rule_sees_what_an_earlier_one_did(writes, make_rule):
    make_rule("Tagger", position=1, conditions=REFUND, actions=TAG_REFUND)
    follower = make_rule("Follower", position=2, actions=[{"action": "priority", "priority": 4}],
                         conditions=[{"field": "thread_tag", "operator": "has",
                                      "value": "refund"}])
    message = writes("A refund please")
    run_rules_for_message(message=message)
    assert len(runs_of(follower)) == 1


def test_a_team_rule_never_touches_another_teams_thread(writes, make_rule, team, other_team,
                                                        make_channel):
    sales = make_channel("email", name="Sales", address="sales@shop.example",
                         channel_team=other_team)
    ours = make_rule("Support only", team=team, actions=TAG_REFUND)
    everyone = make_rule("Everyone", actions=[{"action": "priority", "priority": 1}])
    theirs = writes("Hello", channel=sales, address="bo@example.com")
    assert [run.rule for run in run_rules_for_message(message=theirs)] == [everyone]
    assert tags(theirs.thread_id) == set()
    mine = writes("Hello")
    assert {run.rule for run in run_rules_for_message(message=mine)} == {ours, everyone}


def test_a_rule_moving_the_thread_away_ends_the_first_teams_rules(writes, make_rule, team,
                                                                  other_team):
    make_rule("Move", team=team, position=1,
              actions=[{"action": "assign_team", "team": other_team.pk}])
    stays = make_rule("Support tag", team=team, position=2, actions=TAG_REFUND)
    message = writes("Hello")
    run_rules_for_message(message=message)
    assert Thread.objects.get(pk=message.thread_id).team == other_team
    assert runs_of(stays) == []


def test_automatic_messages_do_not_trigger_rules(writes, make_rule):
    rule = make_rule(actions=TAG_REFUND)
    message = writes("I am on holiday until Monday", automatic=True)
    assert run_rules_for_message(message=message) == []
    assert runs_of(rule) == []


def test_a_rules_reply_never_triggers_a_rule(writes, make_rule, django_assert_num_queries):
    rule = make_rule(actions=[{"action": "reply", "text": "We got it."}])
    message = writes("Hello")
    since = Event.objects.order_by("-pk").values_list("pk", flat=True).first()
    run_rules_for_message(message=message)
    reply = Message.objects.get(thread=message.thread, direction="outbound")
    events = list(Event.objects.filter(pk__gt=since))
    with django_assert_num_queries(0):  # nothing a customer wrote: nothing to schedule
        on_events(events)
    assert run_rules_for_message(message=reply) == []
    assert len(runs_of(rule)) == 1


def test_malformed_stored_json_is_skipped_with_a_logged_error(writes, make_rule, caplog):
    bad_conditions = make_rule("Bad conditions", position=1)
    bad_actions = make_rule("Bad actions", position=2)
    good = make_rule("Good", position=3, actions=TAG_REFUND)
    Rule.objects.filter(pk=bad_conditions.pk).update(conditions={"field": "text"})
    Rule.objects.filter(pk=bad_actions.pk).update(actions=[{"action": "tag", "add": "x"}])
    message = writes("Hello")
    with caplog.at_level(logging.ERROR):
        runs = run_rules_for_message(message=message)
    assert [run.rule for run in runs] == [bad_actions, good]
    assert "lists of tag names" in runs[0].error
    assert "Bad conditions" in caplog.text and "not well formed" in caplog.text
    assert tags(message.thread_id) == {"refund"}


def test_conversation_started_runs_on_the_first_message_of_each_conversation(writes, make_rule,
                                                                            agent):
    greet = make_rule("Greet", trigger=Rule.Trigger.CONVERSATION_STARTED)
    every = make_rule("Every")
    first = writes("Hello")
    assert {r.rule for r in run_rules_for_message(message=first)} == {greet, every}
    second = writes("Still there?")
    assert [r.rule for r in run_rules_for_message(message=second)] == [every]
    change_status(thread=first.thread_id, status=Thread.Status.PENDING, by=agent)
    pending_answer = writes("Here is my order number")  # re-opens, same conversation
    assert [r.rule for r in run_rules_for_message(message=pending_answer)] == [every]
    change_status(thread=first.thread_id, status=Thread.Status.RESOLVED, by=agent)
    new_conversation = writes("Hello again")
    assert {r.rule for r in run_rules_for_message(message=new_conversation)} == {greet, every}


def test_an_automatic_message_does_not_count_as_the_conversations_start(writes, make_rule):
    greet = make_rule("Greet", trigger=Rule.Trigger.CONVERSATION_STARTED)
    writes("Out of office", automatic=True)
    first = writes("Hello")
    assert [r.rule for r in run_rules_for_message(message=first)] == [greet]


def test_an_inactive_rule_does_not_run(writes, make_rule):
    make_rule(is_active=False)
    assert run_rules_for_message(message=writes("Hello")) == []


def events_of(message) -> list[Event]:
    return list(Event.objects.filter(thread_id=message.thread_id).order_by("pk"))


def test_the_listener_costs_no_query_without_a_customers_message(writes, make_rule,
                                                                 django_assert_num_queries):
    message = writes("Hello")
    make_rule()
    others = [e for e in events_of(message) if e.type != "message.received"]
    with django_assert_num_queries(0):
        on_events(others)


def test_the_listener_costs_one_query_when_no_rule_exists(writes, django_assert_num_queries):
    events = events_of(writes("Hello"))
    with django_assert_num_queries(1):
        on_events(events)
    assert not RuleRun.objects.exists()


def test_the_listener_ignores_rules_of_other_teams(writes, make_rule, other_team,
                                                   django_assert_num_queries):
    make_rule(team=other_team)
    events = events_of(writes("Hello"))
    with django_assert_num_queries(1):
        on_events(events)
    assert not RuleRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_customers_message_runs_the_rules_through_the_listener_and_task(
        celery_worker, writes, make_rule, agent):
    rule = make_rule("Refunds to Ana", conditions=REFUND,
                     actions=[{"action": "assign", "assignee": agent.pk}, *TAG_REFUND])
    message = writes("I want a refund")
    wait_for(lambda: RuleRun.objects.filter(rule=rule).exists(), timeout=60)
    thread = Thread.objects.get(pk=message.thread_id)
    assert thread.assignee == agent and tags(thread.pk) == {"refund"}
    assert notes(thread.pk) == ["Rule “Refunds to Ana” assigned this to Ana, tagged refund."]


def test_rules_that_do_not_match_cost_no_query_each(writes, make_rule):
    def queries_for(message) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert run_rules_for_message(message=message) == []
        return len(queries)

    make_rule("No", conditions=REFUND)
    one = queries_for(writes("Hello"))
    for n in range(5):
        make_rule(f"No {n}", conditions=REFUND)
    assert queries_for(writes("Hello again")) == one <= 8
