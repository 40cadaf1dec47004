"""Private notes with @mentions, and calls and visits logged by agents."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from inbox.actions import add_note, log_interaction, receive_message
from inbox.events import InteractionLogged, NoteAdded, parse_payload
from inbox.models import Event, Message, Thread
from inbox.snapshots import message_snapshot
from tests.helpers import events_since, last_event_id

pytestmark = pytest.mark.django_db


def row_counts() -> tuple[int, int]:
    return Message.objects.count(), Event.objects.count()


@pytest.fixture
def thread(make_channel) -> Thread:
    received = receive_message(channel=make_channel("email"), address="ana@example.com",
                               text="Hello", display_name="Ana")
    return Thread.objects.get(pk=received.message.thread_id)


# --- notes ----------------------------------------------------------------------------


def test_note_is_added_to_the_timeline_and_never_delivered(thread, agent):
    since = last_event_id()

    note = add_note(thread=thread, author=agent, text="  Customer is upset about the delay.  ")

    note = Message.objects.get(pk=note.pk)
    assert note.direction == Message.Direction.NOTE
    assert note.text == "Customer is upset about the delay."
    assert note.author == agent
    assert note.channel is None and note.identity is None
    assert note.delivery_status == Message.DeliveryStatus.NOT_APPLICABLE
    assert Thread.objects.get(pk=thread.pk).last_activity_at == note.created_at
    events = events_since(since)
    assert [event.type for event in events] == [NoteAdded.type]
    assert events[0].actor == agent
    assert events[0].thread_id == thread.pk
    assert parse_payload(events[0].type, events[0].payload) == NoteAdded(
        message=message_snapshot(note)
    )


def test_note_records_mentioned_agents(thread, agent, make_user, team):
    # given colleagues
    bob = make_user("bob", teams=[team])
    carol = make_user("carol.d", teams=[team])

    # when a note mentions them
    note = add_note(thread=thread, author=agent, text="@bob can you check? cc @carol.d")

    # then their ids are recorded, in the note and in the event
    assert note.metadata["mentions"] == sorted([bob.pk, carol.pk])
    event = Event.objects.get(type=NoteAdded.type)
    assert event.payload["message"]["metadata"]["mentions"] == sorted([bob.pk, carol.pk])


def test_mention_at_the_end_of_a_sentence_is_recorded(thread, agent, make_user):
    bob = make_user("bob")
    carol = make_user("carol")

    note = add_note(thread=thread, author=agent, text="Thanks @bob. Over to you, @carol.")

    assert note.metadata["mentions"] == sorted([bob.pk, carol.pk])


def test_mentions_of_unknown_or_inactive_users_and_email_addresses_are_ignored(
    thread, agent, make_user
):
    gone = make_user("gone")
    gone.is_active = False
    gone.save()
    make_user("example.com")

    note = add_note(thread=thread, author=agent,
                    text="@gone left, @nobody exists; write to ana@example.com")

    assert note.metadata["mentions"] == []


def test_same_mention_twice_is_recorded_once(thread, agent, make_user):
    bob = make_user("bob")

    note = add_note(thread=thread, author=agent, text="@bob @bob @bob!")

    assert note.metadata["mentions"] == [bob.pk]


def test_note_keeps_markup_as_plain_text(thread, agent):
    note = add_note(thread=thread, author=agent, text="<script>alert(1)</script>")

    assert note.text == "<script>alert(1)</script>"
    assert note.html == ""


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_note_is_refused(thread, agent, text):
    counts = row_counts()

    with pytest.raises(ValidationError, match="The note is empty"):
        add_note(thread=thread, author=agent, text=text)

    assert row_counts() == counts


def test_oversized_note_is_refused(thread, agent, settings):
    settings.THREADLINE_MAX_TEXT_LENGTH = 20
    counts = row_counts()

    with pytest.raises(ValidationError, match="The note is 21 characters long; the limit is 20"):
        add_note(thread=thread, author=agent, text="n" * 21)

    assert row_counts() == counts


def test_note_on_unknown_thread_is_refused(agent):
    with pytest.raises(ValidationError, match="Unknown thread 31337"):
        add_note(thread=31337, author=agent, text="Hello?")

    assert row_counts() == (0, 0)


# --- calls and visits -----------------------------------------------------------------


def test_call_is_logged_with_its_details(thread, agent, settings):
    settings.THREADLINE_DEFAULT_REGION = "FR"
    occurred_at = timezone.now() - timedelta(minutes=30)
    since = last_event_id()

    # when an agent logs an outbound call
    call = log_interaction(
        thread=thread, author=agent, kind="call", direction="outbound",
        summary="Explained the refund", number="06 12 34 56 78", duration_seconds=312,
        outcome="answered", occurred_at=occurred_at,
    )

    # then the timeline holds a call with its details, and the event says so
    call = Message.objects.get(pk=call.pk)
    assert call.direction == Message.Direction.CALL
    assert call.text == "Explained the refund"
    assert call.author == agent
    assert call.metadata == {
        "interaction_direction": "outbound",
        "number": "+33612345678",
        "duration_seconds": 312,
        "outcome": "answered",
        "occurred_at": occurred_at.isoformat(),
    }
    events = events_since(since)
    assert [event.type for event in events] == [InteractionLogged.type]
    assert events[0].actor == agent
    assert parse_payload(events[0].type, events[0].payload) == InteractionLogged(
        message=message_snapshot(call)
    )


def test_visit_is_logged(thread, agent):
    since = last_event_id()

    visit = log_interaction(thread=thread, author=agent, kind="visit", direction="inbound",
                            summary="Came to the shop to return the shoes")

    assert visit.direction == Message.Direction.VISIT
    assert visit.metadata["interaction_direction"] == "inbound"
    assert visit.metadata["number"] == ""
    assert visit.metadata["duration_seconds"] is None
    assert Thread.objects.get(pk=thread.pk).last_activity_at == visit.created_at
    assert [event.type for event in events_since(since)] == [InteractionLogged.type]


def test_interaction_without_summary_is_accepted(thread, agent):
    call = log_interaction(thread=thread, author=agent, kind="call", direction="inbound",
                           duration_seconds=0)

    assert call.text == ""
    assert call.metadata["duration_seconds"] == 0


def assert_refused(match: str, **kwargs) -> None:
    counts = row_counts()
    with pytest.raises(ValidationError, match=match):
        log_interaction(**kwargs)
    assert row_counts() == counts


@pytest.mark.parametrize("kind", ["sms", "", "CALL", None])
def test_unknown_interaction_kind_is_refused(thread, agent, kind):
    assert_refused("Unknown interaction kind .*: use call or visit", thread=thread,
                   author=agent, kind=kind, direction="inbound")


@pytest.mark.parametrize("direction", ["sideways", "", "note", None])
def test_unknown_interaction_direction_is_refused(thread, agent, direction):
    assert_refused("Unknown direction .*: use inbound or outbound", thread=thread,
                   author=agent, kind="call", direction=direction)


@pytest.mark.parametrize("duration", [-1, 24 * 3600 + 1, 12.5, "60", True])
def test_bad_call_duration_is_refused(thread, agent, duration):
    assert_refused("The duration must be a whole number of seconds between 0 and 86400",
                   thread=thread, author=agent, kind="call", direction="outbound",
                   duration_seconds=duration)


def test_interaction_in_the_future_is_refused(thread, agent):
    assert_refused("The interaction cannot be in the future", thread=thread, author=agent,
                   kind="visit", direction="inbound",
                   occurred_at=timezone.now() + timedelta(hours=1))


@pytest.mark.parametrize("occurred_at", [datetime(2025, 1, 1, 12, 0), "2025-01-01T12:00Z"])
def test_interaction_time_without_time_zone_is_refused(thread, agent, occurred_at):
    assert_refused("must be a date and time with a time zone", thread=thread, author=agent,
                   kind="call", direction="inbound", occurred_at=occurred_at)


def test_call_with_invalid_number_is_refused(thread, agent):
    assert_refused("is not a phone number", thread=thread, author=agent, kind="call",
                   direction="outbound", number="<script>alert(1)</script>")


def test_oversized_call_summary_is_refused(thread, agent, settings):
    settings.THREADLINE_MAX_TEXT_LENGTH = 10

    assert_refused("The summary is 11 characters long; the limit is 10", thread=thread,
                   author=agent, kind="call", direction="inbound", summary="s" * 11)


def test_interaction_on_unknown_thread_is_refused(agent):
    assert_refused("Unknown thread 31337", thread=31337, author=agent, kind="call",
                   direction="inbound")
