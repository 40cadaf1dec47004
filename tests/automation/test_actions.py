"""Each action kind, run by a rule on a customer's message: through the inbox's actions, with
no actor, every event attributed to the rule, and one log line in the timeline."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from automation.engine import run_rules_for_message
from automation.models import RuleRun
from inbox.models import CannedResponse, Event, Message, Notification, Team, Thread, User
from reports.models import HourlyActivity
from tests.automation.conftest import runs_of
from tests.helpers import last_event_id, parsed

pytestmark = pytest.mark.django_db


def run(message):
    runs = run_rules_for_message(message=message)
    return Thread.objects.get(pk=message.thread_id), runs


def rule_log(thread) -> Message:
    return Message.objects.get(thread=thread, direction="note", metadata__has_key="rule")


def test_assign_to_an_agent_and_to_nobody(writes, make_rule, agent):
    rule = make_rule("Refunds to Ana", actions=[{"action": "assign", "assignee": agent.pk}])
    thread, [done] = run(writes("refund"))
    assert thread.assignee == agent
    assert done.done == ["assigned this to Ana"]
    rule.actions = [{"action": "assign", "assignee": "nobody"}]
    rule.save()
    thread, [done] = run(writes("again"))
    assert thread.assignee is None and done.done == ["unassigned this"]


def test_assign_team_drops_an_assignee_who_is_not_a_member(writes, make_rule, agent):
    billing = Team.objects.create(name="Billing")
    message = writes("Hello")
    make_rule(actions=[{"action": "assign", "assignee": agent.pk},
                       {"action": "assign_team", "team": billing.pk}])
    thread, [done] = run(message)
    assert (thread.team, thread.assignee) == (billing, None)
    assert done.done == ["assigned this to Ana", "moved this to the team Billing"]


def test_tag_adds_and_removes(writes, make_rule):
    make_rule(actions=[{"action": "tag", "add": ["refund", "vip"]}])
    make_rule(actions=[{"action": "tag", "add": ["urgent"], "remove": ["vip"]}])
    thread, runs = run(writes("Hello"))
    assert set(thread.tags.values_list("name", flat=True)) == {"refund", "urgent"}
    assert [r.done for r in runs] == [["tagged refund, vip"],
                                      ["tagged urgent and removed the tag vip"]]


def test_priority(writes, make_rule):
    make_rule(actions=[{"action": "priority", "priority": 3}])
    thread, [done] = run(writes("Hello"))
    assert thread.priority == 3 and done.done == ["set priority High"]


def test_reply_with_text_goes_out_automatically_on_the_customers_channel(writes, make_rule,
                                                                         make_channel):
    sms = make_channel("sms", name="SMS line", address="+33100000000")
    rule = make_rule(actions=[{"action": "reply", "text": "Hi {{ customer.first_name }}, "
                                                         "we got it.{{ agent.name }}"}])
    message = writes("Hello")
    make_channel("email", name="Other mailbox", address="other@shop.example")
    thread, [done] = run(message)
    reply = Message.objects.get(thread=thread, direction="outbound")
    assert reply.text == "Hi Ana, we got it."
    assert reply.channel == message.channel and reply.channel != sms
    assert reply.author is None
    assert reply.metadata == {"automatic": True, "rule": rule.pk}
    assert done.done == ["sent a reply"]


def test_a_reply_to_a_voicemail_goes_by_the_customers_last_text_channel(writes, make_rule,
                                                                        make_channel):
    sms = make_channel("sms", name="SMS line", address="+33100000000")
    hotline = make_channel("phone", name="Hotline", address="+33100000001")
    writes("Is my order shipped?", channel=sms, address="+33 6 12 34 56 78")
    make_rule(actions=[{"action": "reply", "text": "We will call you back."}])

    thread, [done] = run(writes("Voicemail: call me", channel=hotline,
                                address="+33 6 12 34 56 78"))

    reply = Message.objects.get(thread=thread, direction="outbound")
    assert reply.channel == sms and done.error == ""


def test_reply_with_a_canned_response(writes, make_rule, team):
    canned = CannedResponse.objects.create(shortcut="refund", title="Refund",
                                           body="Dear {{ customer.name }}, refunds take 5 days.",
                                           team=team)
    make_rule(team=team, actions=[{"action": "reply", "canned_response": canned.pk}])
    thread, [done] = run(writes("Hello"))
    reply = Message.objects.get(thread=thread, direction="outbound")
    assert reply.text == "Dear Ana Lima, refunds take 5 days."
    assert done.done == ["sent the reply /refund"]


def test_the_rules_reply_is_an_automatic_message_the_reports_do_not_count_as_an_agents(
        writes, make_rule):
    make_rule(actions=[{"action": "reply", "text": "We got it."}])
    thread, _runs = run(writes("Hello"))
    kinds = set(HourlyActivity.objects.values_list("kind", flat=True))
    assert HourlyActivity.Kind.AUTOMATIC in kinds and HourlyActivity.Kind.REPLY not in kinds
    assert thread.episodes.get().first_response_at is None  # still waiting for a person


def test_note(writes, make_rule):
    make_rule(actions=[{"action": "note", "text": "Check {{ customer.first_name }}'s order"}])
    thread, [done] = run(writes("Hello"))
    note = Message.objects.get(thread=thread, direction="note", author=None,
                               text="Check Ana's order")
    assert "rule" not in note.metadata and done.done == ["added a note"]


def test_snooze(writes, make_rule):
    make_rule(actions=[{"action": "snooze", "minutes": 90}])
    before = timezone.now()
    thread, [done] = run(writes("Hello"))
    assert thread.status == Thread.Status.SNOOZED
    assert before + timedelta(minutes=89) < thread.snoozed_until < before + timedelta(minutes=91)
    assert done.done == ["snoozed this for 90 minutes"]


@pytest.mark.parametrize("status, said", [("resolved", "resolved this"),
                                          ("pending", "set it pending"), ("open", None)])
def test_status(writes, make_rule, status, said):
    make_rule(actions=[{"action": "status", "status": status}])
    thread, [done] = run(writes("Hello"))
    assert thread.status == status
    assert done.done == [said or "opened this"]


def test_every_event_of_the_run_names_the_rule_and_a_rule_applied_event_closes_it(
        writes, make_rule, agent):
    message = writes("I want a refund")
    rule = make_rule("Refunds to Ana", actions=[
        {"action": "assign", "assignee": agent.pk}, {"action": "tag", "add": ["refund"]},
        {"action": "priority", "priority": 3}])
    since = last_event_id()
    run(message)
    events = list(Event.objects.filter(pk__gt=since).order_by("pk"))
    assert [e.type for e in events] == ["thread.assigned", "thread.tagged",
                                        "thread.priority_changed", "note.added", "rule.applied"]
    for event in events:
        parsed(event)  # each still its declared type, the attribution set aside
        assert event.actor_id is None
    assert all(e.payload["rule"] == {"id": rule.pk, "name": "Refunds to Ana"}
               for e in events[:-1])
    applied = parsed(events[-1])
    assert (applied.rule_id, applied.name, applied.trigger) == (rule.pk, rule.name,
                                                                "message_received")
    assert applied.done == ["assigned this to Ana", "tagged refund", "set priority High"]


def test_the_log_line_reads_as_a_sentence_naming_the_rule(writes, make_rule, agent):
    make_rule("Refunds to Ana", actions=[{"action": "assign", "assignee": agent.pk},
                                         {"action": "tag", "add": ["refund"]},
                                         {"action": "priority", "priority": 3}])
    thread, [done] = run(writes("I want a refund"))
    line = rule_log(thread)
    assert line.text == ("Rule “Refunds to Ana” assigned this to Ana, tagged refund, "
                         "set priority High.")
    assert line.author is None
    assert line.metadata["rule"]["name"] == "Refunds to Ana"
    assert runs_of(done.rule)[0].done == line.metadata["rule"]["done"]


def test_the_log_line_is_a_compact_rule_line_in_the_thread_page(client, writes, make_rule,
                                                                agent):
    make_rule("Refunds <to> Ana", actions=[{"action": "tag", "add": ["refund"]}])
    thread, _runs = run(writes("I want a refund"))
    client.force_login(agent)
    page = client.get(reverse("inbox:thread", args=[thread.pk])).content.decode()
    line = rule_log(thread)
    assert f'<li class="msg msg-rule" id="msg-{line.pk}"' in page
    assert "Rule “<strong>Refunds &lt;to&gt; Ana</strong>” tagged refund." in page
    assert "Note by" not in page
    fragment = client.get(reverse("inbox:message", args=[thread.pk, line.pk])).content.decode()
    assert "msg-rule" in fragment and "⚙" in fragment


def test_the_log_line_is_not_counted_as_a_note_in_the_reports(writes, make_rule):
    make_rule(actions=[{"action": "tag", "add": ["refund"]}])
    run(writes("Hello"))
    assert not HourlyActivity.objects.filter(kind=HourlyActivity.Kind.NOTE).exists()
    assert RuleRun.objects.count() == 1


def test_a_rule_named_with_an_at_name_pages_nobody_but_its_note_action_does(writes, make_rule,
                                                                            make_user):
    make_user("emma")
    make_rule("Escalate to @emma", actions=[{"action": "note", "text": "@emma have a look"}])

    thread, _runs = run(writes("Hello"))

    assert rule_log(thread).metadata["mentions"] == []
    note = Message.objects.get(thread=thread, direction="note", text="@emma have a look")
    assert note.metadata["mentions"] == [User.objects.get(username="emma").pk]
    assert Notification.objects.filter(message=note).count() == 1
    assert Notification.objects.count() == 1
