"""Macros: each step kind runs through its inbox action and writes its own event, one
``macro.applied`` event names the macro, and a failing step undoes every step."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.actions import receive_message
from inbox.events import MacroApplied
from inbox.models import Message, Thread
from macros.actions import apply_macro
from macros.models import Macro
from tests.helpers import events_since, last_event_id, parsed, row_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(make_channel):
    return make_channel("email")


@pytest.fixture
def thread(channel) -> Thread:
    received = receive_message(channel=channel, address="zoe@example.com", text="Hello",
                               display_name="Zoe Martin")
    return Thread.objects.get(pk=received.message.thread_id)


def macro(steps, *, name="Refund", team=None) -> Macro:
    return Macro.objects.create(name=name, team=team, steps=steps)


def test_status_step(thread, agent):
    apply_macro(macro=macro([{"action": "status", "status": "pending"}]), thread=thread,
                by=agent)
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.PENDING


def test_assign_step_to_the_agent_applying_it(thread, agent):
    since = last_event_id()
    apply_macro(macro=macro([{"action": "assign", "assignee": "me"}]), thread=thread, by=agent)
    assert Thread.objects.get(pk=thread.pk).assignee == agent
    assert [event.type for event in events_since(since)] == ["thread.assigned",
                                                             "macro.applied"]


def test_assign_step_to_a_named_agent_and_to_nobody(thread, agent, make_user, team):
    bob = make_user("bob", teams=[team])
    apply_macro(macro=macro([{"action": "assign", "assignee": bob.pk}]), thread=thread,
                by=agent)
    assert Thread.objects.get(pk=thread.pk).assignee == bob
    apply_macro(macro=macro([{"action": "assign", "assignee": "nobody"}], name="Drop"),
                thread=thread, by=agent)
    assert Thread.objects.get(pk=thread.pk).assignee is None


def test_tag_step_adds_and_removes(thread, agent):
    apply_macro(macro=macro([{"action": "tag", "add": ["refund", "vip"]},
                             {"action": "tag", "remove": ["vip"]}]), thread=thread, by=agent)
    assert list(thread.tags.values_list("name", flat=True)) == ["refund"]


def test_priority_step(thread, agent):
    apply_macro(macro=macro([{"action": "priority", "priority": 4}]), thread=thread, by=agent)
    assert Thread.objects.get(pk=thread.pk).priority == Thread.Priority.URGENT


def test_reply_step_fills_the_placeholders_and_queues_on_the_customers_channel(
        thread, agent, channel):
    apply_macro(macro=macro([{"action": "reply",
                              "text": "Hi {{ customer.first_name }}, {{agent.name}} here."}]),
                thread=thread, by=agent)
    reply = Message.objects.get(thread=thread, direction=Message.Direction.OUTBOUND)
    assert reply.text == "Hi Zoe, Ana here."
    assert reply.channel == channel
    assert reply.author == agent


def test_note_step(thread, agent):
    apply_macro(macro=macro([{"action": "note", "text": "Refund for {{customer.name}}"}]),
                thread=thread, by=agent)
    note = Message.objects.get(thread=thread, direction=Message.Direction.NOTE)
    assert note.text == "Refund for Zoe Martin"


def test_snooze_step_for_a_duration(thread, agent):
    before = timezone.now()
    apply_macro(macro=macro([{"action": "snooze", "minutes": 90}]), thread=thread, by=agent)
    thread.refresh_from_db()
    assert thread.status == Thread.Status.SNOOZED
    assert before + timedelta(minutes=90) <= thread.snoozed_until
    assert thread.snoozed_until <= timezone.now() + timedelta(minutes=90)


def test_every_step_writes_its_event_then_one_macro_applied_event(thread, agent):
    refund = macro([{"action": "tag", "add": ["refund"]},
                    {"action": "note", "text": "Refund sent"},
                    {"action": "reply", "text": "Your refund is on its way."},
                    {"action": "status", "status": "resolved"}])
    since = last_event_id()

    apply_macro(macro=refund, thread=thread, by=agent)

    events = events_since(since)
    assert [event.type for event in events] == ["thread.tagged", "note.added", "reply.queued",
                                                "thread.status_changed", "macro.applied"]
    assert all(event.actor == agent for event in events)
    assert parsed(events[-1]) == MacroApplied(macro_id=refund.pk, name="Refund",
                                              steps=["tag", "note", "reply", "status"])


def test_a_failing_step_undoes_every_step_before_it(thread, agent):
    # a reply on a thread whose customer no channel reaches: no channel of the agent's team
    failing = macro([{"action": "tag", "add": ["refund"]},
                     {"action": "note", "text": "Refund sent"},
                     {"action": "snooze", "minutes": 60},
                     {"action": "reply", "text": "Hello"}])
    thread.customer.identities.all().delete()
    before = row_counts(), thread.status, list(thread.tags.all())

    with pytest.raises(ValidationError, match="No channel reaches this customer"):
        apply_macro(macro=failing, thread=thread, by=agent)

    thread.refresh_from_db()
    assert (row_counts(), thread.status, list(thread.tags.all())) == before


def test_an_agent_cannot_apply_another_teams_macro(thread, agent, other_team):
    theirs = macro([{"action": "status", "status": "resolved"}], team=other_team)
    with pytest.raises(ValidationError, match="not one of your teams"):
        apply_macro(macro=theirs, thread=thread, by=agent)
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_a_teams_own_and_global_macros_apply(thread, agent, team):
    apply_macro(macro=macro([{"action": "tag", "add": ["a"]}], team=team), thread=thread,
                by=agent)
    apply_macro(macro=macro([{"action": "tag", "add": ["b"]}], name="Global"), thread=thread,
                by=agent)
    assert sorted(thread.tags.values_list("name", flat=True)) == ["a", "b"]
