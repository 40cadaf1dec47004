"""Catch-up reads: what a reconnecting client is sent, and who may see it."""

from datetime import timedelta

import pytest

from inbox.actions import add_note, receive_message
from inbox.models import Event
from inbox.selectors import events_visible_to, replay_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids(make_channel, agent):
    """Nine events (three customers' first messages); the first six an hour older."""
    channel = make_channel("email")
    for n in range(3):
        receive_message(channel=channel, address=f"c{n}@example.com", text="hi")
    ids = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert len(ids) == 9
    an_hour_before = Event.objects.get(id=ids[6]).created_at - timedelta(hours=1)
    Event.objects.filter(id__in=ids[:6]).update(created_at=an_hour_before)
    return ids


def test_replay_starts_the_settle_window_before_the_cursor(ids, settings):
    settings.THREADLINE_EVENT_SETTLE_SECONDS = 30
    # the last three events are within 30 s of each other; the first six an hour older
    assert replay_start(ids[7]) == ids[5]
    assert replay_start(ids[8]) == ids[5]


def test_replay_of_an_unknown_or_zero_cursor_starts_at_the_cursor(ids):
    assert replay_start(0) == 0
    assert replay_start(ids[-1] + 1000) == ids[-1] + 1000


def test_a_wider_settle_window_replays_further_back(ids, settings):
    settings.THREADLINE_EVENT_SETTLE_SECONDS = 2 * 3600
    assert replay_start(ids[7]) == 0


def test_the_next_page_follows_the_cursor_exactly(ids, supervisor):
    assert [e.pk for e in events_visible_to(supervisor, after=ids[6], replay=False)] == ids[7:]
    assert [e.pk for e in events_visible_to(supervisor, after=ids[6])] == ids[6:]


def test_an_agent_catches_up_only_on_their_teams(ids, make_user, other_team, agent):
    outsider = make_user("otto", teams=[other_team])
    add_note(thread=Event.objects.get(id=ids[-1]).thread, author=agent, text="internal")

    assert events_visible_to(outsider, after=0) == []
    assert len(events_visible_to(agent, after=0)) == 10
