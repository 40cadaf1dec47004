"""The inbox state of a thread: assignment, status, snooze, tags."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.actions import assign_thread, change_status, receive_message, snooze_thread, tag_thread
from inbox.events import ThreadAssigned, ThreadStatusChanged, ThreadTagged
from inbox.models import Event, Tag, Thread
from tests.helpers import events_since, last_event_id, parsed

pytestmark = pytest.mark.django_db


def state(thread: Thread) -> tuple:
    """Everything about the thread these actions may change, and the number of events."""
    thread = Thread.objects.get(pk=thread.pk)
    return (thread.status, thread.snoozed_until, thread.assignee_id, thread.team_id,
            sorted(thread.tags.values_list("name", flat=True)), Tag.objects.count(),
            Event.objects.count())


@pytest.fixture
def thread(make_channel) -> Thread:
    received = receive_message(channel=make_channel("email"), address="ana@example.com",
                               text="Hello")
    return Thread.objects.get(pk=received.message.thread_id)


# --- assignment -----------------------------------------------------------------------


def test_assign_thread_to_an_agent_of_its_team(thread, agent, supervisor, team):
    since = last_event_id()

    assign_thread(thread=thread, assignee=agent, by=supervisor)

    thread.refresh_from_db()
    assert thread.assignee == agent
    assert thread.team == team
    events = events_since(since)
    assert [event.type for event in events] == [ThreadAssigned.type]
    assert events[0].actor == supervisor
    assert parsed(events[0]) == ThreadAssigned(
        assignee_id=agent.pk, team_id=team.pk, previous_assignee_id=None,
        previous_team_id=team.pk,
    )


def test_unassign_thread(thread, agent, team):
    assign_thread(thread=thread, assignee=agent)
    since = last_event_id()

    assign_thread(thread=thread, assignee=None, by=agent)

    assert Thread.objects.get(pk=thread.pk).assignee is None
    (event,) = events_since(since)
    assert parsed(event) == ThreadAssigned(
        assignee_id=None, team_id=team.pk, previous_assignee_id=agent.pk,
        previous_team_id=team.pk,
    )


def test_move_thread_to_another_team_with_an_agent_of_it(thread, other_team, make_user, team):
    seller = make_user("sid", teams=[other_team])
    since = last_event_id()

    assign_thread(thread=thread, team=other_team, assignee=seller)

    thread.refresh_from_db()
    assert (thread.team, thread.assignee) == (other_team, seller)
    (event,) = events_since(since)
    assert event.team_id == other_team.pk
    assert parsed(event) == ThreadAssigned(
        assignee_id=seller.pk, team_id=other_team.pk, previous_assignee_id=None,
        previous_team_id=team.pk,
    )


def test_supervisor_may_be_assigned_a_thread_of_any_team(thread, supervisor):
    assign_thread(thread=thread, assignee=supervisor)

    assert Thread.objects.get(pk=thread.pk).assignee == supervisor


def test_assigning_the_same_agent_again_records_nothing(thread, agent):
    assign_thread(thread=thread, assignee=agent)
    since = last_event_id()

    assign_thread(thread=thread, assignee=agent)

    assert events_since(since) == []


def test_assigning_an_agent_outside_the_team_is_refused(thread, make_user, other_team):
    outsider = make_user("otto", teams=[other_team])
    before = state(thread)

    with pytest.raises(ValidationError, match="otto is not a member of the team Support"):
        assign_thread(thread=thread, assignee=outsider)

    assert state(thread) == before


def test_assigning_an_inactive_agent_is_refused(thread, agent):
    agent.is_active = False
    agent.save()
    before = state(thread)

    with pytest.raises(ValidationError, match="ana is not an active agent"):
        assign_thread(thread=thread, assignee=agent)

    assert state(thread) == before


def test_assigning_an_unknown_thread_is_refused(agent):
    with pytest.raises(ValidationError, match="Unknown thread 4040"):
        assign_thread(thread=4040, assignee=agent)


# --- status ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Thread.Status.PENDING, Thread.Status.RESOLVED])
def test_change_status(thread, agent, status):
    since = last_event_id()

    change_status(thread=thread, status=status, by=agent)

    assert Thread.objects.get(pk=thread.pk).status == status
    (event,) = events_since(since)
    assert event.actor == agent
    assert parsed(event) == ThreadStatusChanged(status=status, previous_status="open",
                                                snoozed_until=None)


def test_reopening_a_snoozed_thread_clears_its_wake_up_time(thread, agent):
    snooze_thread(thread=thread, until=timezone.now() + timedelta(hours=2))
    since = last_event_id()

    change_status(thread=thread, status=Thread.Status.OPEN, by=agent)

    thread.refresh_from_db()
    assert (thread.status, thread.snoozed_until) == (Thread.Status.OPEN, None)
    (event,) = events_since(since)
    assert parsed(event) == ThreadStatusChanged(status="open", previous_status="snoozed",
                                                snoozed_until=None)


def test_same_status_again_records_nothing(thread):
    change_status(thread=thread, status=Thread.Status.RESOLVED)
    since = last_event_id()

    change_status(thread=thread, status=Thread.Status.RESOLVED)

    assert events_since(since) == []


@pytest.mark.parametrize("status", ["closed", "", "OPEN", None])
def test_unknown_status_is_refused(thread, status):
    before = state(thread)

    with pytest.raises(ValidationError, match="Unknown status"):
        change_status(thread=thread, status=status)

    assert state(thread) == before


def test_snoozed_status_without_a_time_is_refused(thread):
    before = state(thread)

    with pytest.raises(ValidationError, match="Snoozing needs a time to wake up"):
        change_status(thread=thread, status=Thread.Status.SNOOZED)

    assert state(thread) == before


# --- snooze ---------------------------------------------------------------------------


def test_snooze_thread_until_a_later_time(thread, agent):
    until = timezone.now() + timedelta(days=2)
    since = last_event_id()

    snooze_thread(thread=thread, until=until, by=agent)

    thread.refresh_from_db()
    assert (thread.status, thread.snoozed_until) == (Thread.Status.SNOOZED, until)
    (event,) = events_since(since)
    assert event.actor == agent
    assert parsed(event) == ThreadStatusChanged(status="snoozed", previous_status="open",
                                                snoozed_until=until.isoformat())


def test_snoozing_again_moves_the_wake_up_time(thread):
    snooze_thread(thread=thread, until=timezone.now() + timedelta(hours=1))
    later = timezone.now() + timedelta(days=1)
    since = last_event_id()

    snooze_thread(thread=thread, until=later)

    assert Thread.objects.get(pk=thread.pk).snoozed_until == later
    (event,) = events_since(since)
    assert parsed(event) == ThreadStatusChanged(status="snoozed", previous_status="snoozed",
                                                snoozed_until=later.isoformat())


def test_snooze_in_the_past_is_refused(thread):
    before = state(thread)

    with pytest.raises(ValidationError, match="The snooze time .* is in the past"):
        snooze_thread(thread=thread, until=timezone.now() - timedelta(minutes=1))

    assert state(thread) == before


@pytest.mark.parametrize("until", [datetime(2999, 1, 1, 9, 0), "2999-01-01T09:00:00+00:00",
                                   None])
def test_snooze_without_an_aware_datetime_is_refused(thread, until):
    before = state(thread)

    with pytest.raises(ValidationError, match="must be a date and time with a time zone"):
        snooze_thread(thread=thread, until=until)

    assert state(thread) == before


# --- tags -----------------------------------------------------------------------------


def test_tag_thread_adds_and_removes_tags(thread, agent):
    tag_thread(thread=thread, add=["refund", "vip"])
    since = last_event_id()

    tag_thread(thread=thread, add=["  urgent ", "vip"], remove=["refund"], by=agent)

    assert set(Thread.objects.get(pk=thread.pk).tags.values_list("name", flat=True)) == {
        "urgent", "vip"
    }
    (event,) = events_since(since)
    assert event.actor == agent
    assert parsed(event) == ThreadTagged(added=["urgent"], removed=["refund"],
                                         tags=["urgent", "vip"])


def test_tagging_creates_unknown_tags_once(thread):
    tag_thread(thread=thread, add=["refund", "refund"])

    assert list(Tag.objects.values_list("name", flat=True)) == ["refund"]
    (event,) = Event.objects.filter(type=ThreadTagged.type)
    assert parsed(event) == ThreadTagged(added=["refund"], removed=[], tags=["refund"])


def test_tagging_that_changes_nothing_records_nothing(thread):
    tag_thread(thread=thread, add=["vip"])
    since = last_event_id()

    tag_thread(thread=thread, add=["vip"], remove=["never-there"])

    assert events_since(since) == []


def test_tag_too_long_is_refused(thread):
    before = state(thread)

    with pytest.raises(ValidationError, match="is longer than 50 characters"):
        tag_thread(thread=thread, add=["fine", "t" * 51])

    assert state(thread) == before


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_tag_is_refused(thread, name):
    before = state(thread)

    with pytest.raises(ValidationError, match="A tag name is empty"):
        tag_thread(thread=thread, add=["fine", name])

    assert state(thread) == before


def test_tag_of_exactly_fifty_characters_is_accepted(thread):
    tag_thread(thread=thread, add=["t" * 50])

    assert Tag.objects.get().name == "t" * 50
