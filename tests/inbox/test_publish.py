"""Events reach the channel layer after commit, in the groups of the teams they concern.

Runs through whatever layer the settings configure: the in-memory layer on the embedded
default, channels-redis on the production stack.
"""

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from inbox.actions import add_note, receive_message
from inbox.events import parse_payload
from inbox.groups import STAFF_GROUP, team_group
from inbox.models import Event
from inbox.publish import flush_publications

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def _listen():
    """Listen to groups for the test; the listeners leave their groups at its end, so that
    no later test's events pile up for a channel nobody reads."""
    joined = []

    async def listen(*groups):
        channel_layer = get_channel_layer()
        channel_name = await channel_layer.new_channel()
        for group in groups:
            await channel_layer.group_add(group, channel_name)
            joined.append((channel_layer, group, channel_name))
        return channel_layer, channel_name

    yield listen
    for channel_layer, group, channel_name in joined:
        await channel_layer.group_discard(group, channel_name)


async def _next(channel_layer, channel_name, timeout=5):
    return await asyncio.wait_for(channel_layer.receive(channel_name), timeout)


async def _events(channel_layer, channel_name, count: int) -> list[dict]:
    """The next ``count`` events, whether they came one per message or several at once."""
    events = []
    while len(events) < count:
        message = await _next(channel_layer, channel_name)
        assert message["type"] in ("inbox.event", "inbox.events")
        events.extend(message.get("events") or [message.get("event")])
    return events


async def _nothing_arrives(channel_layer, channel_name):
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(channel_layer.receive(channel_name), 0.5)


async def test_an_inbound_message_is_published_to_its_team_and_to_staff(make_channel, team,
                                                                       _listen):
    channel = await sync_to_async(make_channel)("telegram")
    team_layer, team_listener = await _listen(team_group(team.pk))
    staff_layer, staff_listener = await _listen(STAFF_GROUP)

    received = await sync_to_async(receive_message)(
        channel=channel, address="1001", text="Where is my order?", external_id="u1")

    events = await _events(team_layer, team_listener, 3)
    for event in events:
        # what went over the layer is plain JSON and parses into its declared type
        assert json.loads(json.dumps(event)) == event
        parse_payload(event["type"], event["payload"])
    types = [event["type"] for event in events]
    assert types == ["customer.created", "identity.added", "message.received"]
    staff_types = [event["type"] for event in await _events(staff_layer, staff_listener, 3)]
    assert staff_types == types
    stored = await sync_to_async(list)(
        Event.objects.filter(thread=received.message.thread_id).values_list("type", flat=True))
    assert types == stored


async def test_an_agent_of_another_team_receives_nothing(make_channel, other_team, _listen):
    channel = await sync_to_async(make_channel)("email")
    channel_layer, listener = await _listen(team_group(other_team.pk))

    await sync_to_async(receive_message)(channel=channel, address="bob@example.com",
                                         text="Hello")

    await _nothing_arrives(channel_layer, listener)


async def test_a_rolled_back_change_publishes_nothing(make_channel, team, _listen):
    channel = await sync_to_async(make_channel)("email")
    received = await sync_to_async(receive_message)(channel=channel, address="c@example.com",
                                                    text="Hi")
    await sync_to_async(flush_publications)()  # the customer's first events are sent
    channel_layer, listener = await _listen(team_group(team.pk))

    def note_then_fail():
        with transaction.atomic():
            add_note(thread=received.message.thread, author=None, text="never seen")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await sync_to_async(note_then_fail)()

    await _nothing_arrives(channel_layer, listener)
    assert not await sync_to_async(Event.objects.filter(type="note.added").exists)()


async def test_the_events_of_one_batch_ring_each_group_once(make_channel, team, _listen):
    from inbox.actions import Incoming, receive_messages

    channel = await sync_to_async(make_channel)("telegram")
    channel_layer, listener = await _listen(team_group(team.pk))

    await sync_to_async(receive_messages)(channel=channel, items=[
        Incoming(address=str(1000 + n), text=f"#{n}", external_id=f"b{n}") for n in range(30)])

    messages = []
    with pytest.raises(asyncio.TimeoutError):
        while True:
            messages.append(await asyncio.wait_for(channel_layer.receive(listener), 0.5))
    events = [event for message in messages for event in message.get("events", [])]
    texts = [event["payload"]["message"]["text"] for event in events
             if event["type"] == "message.received"]
    assert texts == [f"#{n}" for n in range(30)]
    assert len(messages) <= 3  # new customers, their identities, their messages
