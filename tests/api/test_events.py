"""``/api/v1/events/?after=<event id>``: the feed an integrator polls — the token's teams'
events in order, each once, with the cursor of the next poll."""

import pytest

from inbox.actions import add_note, change_status, receive_message
from inbox.models import Event
from inbox.publish import serialize_event
from tests.helpers import last_event_id

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"


@pytest.fixture
def thread(make_channel):
    received = receive_message(channel=make_channel("email"), address="ana@example.com",
                               text="Hello", display_name="Ana")
    return received.message.thread


@pytest.fixture
def other_thread(make_channel, other_team):
    received = receive_message(channel=make_channel("telegram", channel_team=other_team),
                               address="5550001", text="Hi")
    return received.message.thread


def types(response) -> list[str]:
    return [event["type"] for event in response.json()["events"]]


def test_polling_gives_each_of_the_teams_events_once_in_order(reader, thread, other_thread,
                                                              agent):
    first = reader.get(EVENTS)
    cursor = first.json()["next_after"]
    add_note(thread=thread, author=agent, text="Checking.")
    change_status(thread=thread, status="resolved", by=agent)
    second = reader.get(EVENTS, {"after": cursor})
    third = reader.get(EVENTS, {"after": second.json()["next_after"]})

    team_events = Event.objects.filter(team=thread.team).order_by("id")
    assert first.status_code == 200
    assert first.json()["events"] == [serialize_event(event) for event in
                                      team_events.filter(id__lte=cursor)]
    assert types(second) == ["note.added", "thread.status_changed"]
    assert second.json()["next_after"] == last_event_id()
    assert third.json() == {"events": [], "next_after": last_event_id()}


def test_another_teams_events_are_not_in_the_feed(reader, other_thread):
    response = reader.get(EVENTS)

    assert response.json()["events"] == []
    assert response.json()["next_after"] == 0


def test_a_token_for_all_teams_sees_every_teams_events(admin_client, thread, other_thread):
    response = admin_client.get(EVENTS)

    assert {event["thread_id"] for event in response.json()["events"]} == {
        thread.pk, other_thread.pk}


def test_limit_cuts_the_page_and_the_next_poll_goes_on_from_it(reader, thread, agent):
    for number in range(4):
        add_note(thread=thread, author=agent, text=f"note {number}")
    everything = [event["id"] for event in reader.get(EVENTS).json()["events"]]

    first = reader.get(EVENTS, {"limit": 3})
    rest = reader.get(EVENTS, {"after": first.json()["next_after"], "limit": 100})

    assert [event["id"] for event in first.json()["events"]] == everything[:3]
    assert [event["id"] for event in rest.json()["events"]] == everything[3:]


def test_polling_the_feed_takes_the_same_few_queries_for_many_events(
        reader, thread, agent, django_assert_max_num_queries):
    for number in range(20):
        add_note(thread=thread, author=agent, text=f"note {number}")
    reader.get(EVENTS)  # the token's first use writes its last-used time

    with django_assert_max_num_queries(2):  # token, events
        response = reader.get(EVENTS)

    assert len(response.json()["events"]) > 20


@pytest.mark.parametrize("query", [{"after": "-1"}, {"after": "abc"}, {"after": "1.5"},
                                   {"after": "99999999999999999999"}, {"limit": "0"},
                                   {"limit": "100000"}, {"limit": "many"}, {"after": ""},
                                   {"limit": ""}])
def test_a_bad_cursor_or_limit_is_a_400(reader, query):
    response = reader.get(EVENTS, query)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert set(response.json()["error"]["fields"]) == set(query)


def test_the_feed_needs_a_token_or_a_session(client, session_client, thread):
    assert client.get(EVENTS).status_code == 401
    assert types(session_client.get(EVENTS))[0] == "customer.created"
