"""An event that commits after a later-numbered one still reaches a client that catches up.

Event ids are taken at insert; transactions commit in any order. Only PostgreSQL runs two
write transactions at once, so this is proven there (the production stack of ``.ci/run``).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from inbox.actions import add_note, receive_message
from inbox.models import Event
from inbox.selectors import events_visible_to
from tests.helpers import needs_postgresql

pytestmark = [
    pytest.mark.django_db(transaction=True),
    needs_postgresql,
]


def test_a_client_that_saw_a_later_event_still_gets_the_one_that_committed_late(
    make_channel, supervisor, agent
):
    channel = make_channel("email")
    slow = receive_message(channel=channel, address="slow@example.com", text="hi").message.thread
    fast = receive_message(channel=channel, address="fast@example.com", text="hi").message.thread
    inserted, release = threading.Event(), threading.Event()

    def slow_note():
        try:
            with transaction.atomic():
                note = add_note(thread=slow, author=agent, text="written slowly")
                inserted.set()
                release.wait(10)
            return note
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(slow_note)
        inserted.wait(10)
        # Given a later event commits first, and a client catches up and sees it
        add_note(thread=fast, author=agent, text="written fast")
        seen = events_visible_to(supervisor, after=0)
        cursor = seen[-1].pk
        assert "note.added" in [event.type for event in seen]
        release.set()
        late_note = pending.result()

    # When the client reconnects from the later event's id
    replayed = events_visible_to(supervisor, after=cursor)

    # Then the event that committed late is in the replay, though its id is below the cursor
    late_event = Event.objects.get(type="note.added", payload__message__id=late_note.pk)
    assert late_event.pk < cursor
    assert late_event.pk not in {event.pk for event in seen}
    assert late_event.pk in {event.pk for event in replayed}
