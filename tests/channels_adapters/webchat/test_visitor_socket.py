"""The visitor's WebSocket, through the real ASGI application: messages both ways, typing,
receipts, and everything it refuses."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from channels_adapters.webchat.actions import visitor_create
from channels_adapters.webchat.tokens import Visitor, issue_token
from config.asgi import application
from inbox.actions import send_reply
from inbox.actions.agents import thread_mark_read
from inbox.consumers import InboxConsumer
from inbox.models import Message

from .conftest import SHOP

pytestmark = pytest.mark.django_db(transaction=True)


async def open_socket(channel, *, origin=SHOP):
    headers = [(b"origin", origin.encode())] if origin else []
    communicator = WebsocketCommunicator(application, f"/ws/webchat/{channel.pk}/",
                                         headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def visitor_socket(channel, visitor=None):
    """A visitor's socket that said hello; returns it, the visitor and the welcome frame."""
    visitor = visitor or await database_sync_to_async(visitor_create)(channel=channel)
    communicator = await open_socket(channel)
    await communicator.send_json_to({"type": "hello", "token": issue_token(visitor)})
    welcome = await communicator.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome"
    return communicator, visitor, welcome


async def say(communicator, text, client_id="c1"):
    await communicator.send_json_to({"type": "message", "client_id": client_id, "text": text})
    return await communicator.receive_json_from(timeout=5)


async def agent_socket(agent):
    communicator = WebsocketCommunicator(InboxConsumer.as_asgi(), "/ws/inbox/")
    communicator.scope["user"] = agent
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def next_of_type(communicator, wanted, timeout=5):
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("type") == wanted:
            return frame


async def test_a_visitor_message_joins_the_thread_and_rings_the_agents(webchat, agent):
    agents = await agent_socket(agent)
    visitor_side, visitor, _ = await visitor_socket(webchat)

    ack = await say(visitor_side, "Hi, is the Aurora lamp dimmable?")

    assert ack["type"] == "ack" and ack["client_id"] == "c1"
    message = await database_sync_to_async(Message.objects.get)(pk=ack["message"]["id"])
    assert (message.direction, message.text) == ("inbound", "Hi, is the Aurora lamp dimmable?")
    assert message.external_id == f"{visitor.address}:c1"
    event = await next_of_type(agents, "event")
    while event["event"]["type"] != "message.received":
        event = await next_of_type(agents, "event")
    assert event["event"]["payload"]["message"]["id"] == message.pk
    await visitor_side.disconnect()
    await agents.disconnect()


async def test_a_resend_with_the_same_client_id_is_one_message(webchat):
    visitor_side, _, _ = await visitor_socket(webchat)
    first = await say(visitor_side, "Hello", client_id="same-1")
    await visitor_side.disconnect()

    # The socket dropped before the widget saw the ack; it reconnects and sends again
    address = await database_sync_to_async(
        lambda: Message.objects.get(pk=first["message"]["id"]).identity.address)()
    visitor_side, _, _ = await visitor_socket(
        webchat, visitor=Visitor(channel_id=webchat.pk, address=address))
    again = await say(visitor_side, "Hello", client_id="same-1")

    assert again["message"]["id"] == first["message"]["id"]
    assert await database_sync_to_async(Message.objects.count)() == 1
    await visitor_side.disconnect()


async def test_an_agent_reply_reaches_the_visitor_live_with_the_agents_name(
        webchat, agent, celery_worker):
    visitor_side, _, _ = await visitor_socket(webchat)
    ack = await say(visitor_side, "Hello?")

    thread_id = await database_sync_to_async(
        lambda: Message.objects.get(pk=ack["message"]["id"]).thread_id)()
    reply = await database_sync_to_async(send_reply)(
        thread=thread_id, channel=webchat, author=agent, text="Hi! Yes, with any dimmer.")

    frame = await next_of_type(visitor_side, "message", timeout=20)
    assert frame["message"]["id"] == reply.pk
    assert frame["message"]["text"] == "Hi! Yes, with any dimmer."
    assert frame["message"]["author"] == {"name": "Ana", "initials": "A"}
    await visitor_side.disconnect()


async def test_typing_goes_both_ways(webchat, agent):
    agents = await agent_socket(agent)
    visitor_side, _, _ = await visitor_socket(webchat)
    ack = await say(visitor_side, "Hello")
    thread_id = await database_sync_to_async(
        lambda: Message.objects.get(pk=ack["message"]["id"]).thread_id)()

    # The visitor types: the agents hear it
    await visitor_side.send_json_to({"type": "typing"})
    frame = await next_of_type(agents, "customer_typing")
    assert frame["thread_id"] == thread_id

    # The agent types in the thread's composer: the visitor hears it, once per two seconds
    await agents.send_json_to({"type": "typing", "thread_id": thread_id})
    await agents.send_json_to({"type": "typing", "thread_id": thread_id})
    frame = await next_of_type(visitor_side, "agent_typing")
    assert frame == {"type": "agent_typing", "name": "Ana"}
    assert await visitor_side.receive_nothing(timeout=0.3)
    await visitor_side.disconnect()
    await agents.disconnect()


async def test_read_receipts_both_ways(webchat, agent, celery_worker):
    from tests.helpers import wait_for

    visitor_side, _, _ = await visitor_socket(webchat)
    ack = await say(visitor_side, "Hello")
    thread = await database_sync_to_async(
        lambda: Message.objects.select_related("thread").get(pk=ack["message"]["id"]).thread)()
    reply = await database_sync_to_async(send_reply)(thread=thread, channel=webchat,
                                                     author=agent, text="Hi!")
    await next_of_type(visitor_side, "message", timeout=20)
    await database_sync_to_async(wait_for)(
        lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")

    # The widget is open and shows the reply: it is read (the pong says the frame before it
    # was handled: the consumer and this test share one thread for the database)
    await visitor_side.send_json_to({"type": "read", "up_to": reply.pk})
    await visitor_side.send_json_to({"type": "ping"})
    await next_of_type(visitor_side, "pong")
    status = await database_sync_to_async(
        lambda: Message.objects.get(pk=reply.pk).delivery_status)()
    assert status == "read"

    # The agent opens the thread: the visitor sees "seen"
    await database_sync_to_async(thread_mark_read)(user=agent, thread=thread)
    frame = await next_of_type(visitor_side, "seen")
    assert frame["at"]
    await visitor_side.disconnect()


async def test_a_page_of_another_origin_is_refused_clearly(webchat):
    communicator = await open_socket(webchat, origin="https://evil.example")
    frame = await communicator.receive_json_from(timeout=5)
    assert frame["code"] == "origin_not_allowed" and frame["fatal"]
    closed = await communicator.receive_output(timeout=5)
    assert closed == {"type": "websocket.close", "code": 4403}


async def test_a_bad_token_or_one_of_another_channel_is_refused(webchat, make_channel):
    other = await database_sync_to_async(make_channel)(
        "webchat", name="Other", settings={"allowed_origins": [SHOP]})
    for token in ("forged", issue_token(Visitor(channel_id=other.pk, address="v-x"))):
        communicator = await open_socket(webchat)
        await communicator.send_json_to({"type": "hello", "token": token})
        frame = await communicator.receive_json_from(timeout=5)
        assert frame["code"] == "bad_token"
        assert (await communicator.receive_output(timeout=5))["code"] == 4401


async def test_nothing_but_hello_is_heard_before_hello(webchat):
    communicator = await open_socket(webchat)
    await communicator.send_json_to({"type": "message", "client_id": "a", "text": "hi"})
    frame = await communicator.receive_json_from(timeout=5)
    assert frame["code"] == "hello_first"
    assert await database_sync_to_async(Message.objects.count)() == 0
    await communicator.disconnect()


async def test_oversized_and_malformed_frames_are_refused(webchat, settings):
    settings.THREADLINE_WEBCHAT_MAX_TEXT_LENGTH = 50
    visitor_side, _, _ = await visitor_socket(webchat)

    too_long = await say(visitor_side, "x" * 51)
    assert too_long["code"] == "too_long" and too_long["client_id"] == "c1"
    await visitor_side.send_to(text_data="x" * (70 * 1024))
    assert (await visitor_side.receive_json_from())["code"] == "invalid_frame"
    await visitor_side.send_to(text_data="{not json")
    assert (await visitor_side.receive_json_from())["code"] == "invalid_frame"
    await visitor_side.send_to(text_data=json.dumps([1, 2]))
    assert (await visitor_side.receive_json_from())["code"] == "invalid_frame"
    for bad in ({"client_id": "has spaces", "text": "hi"}, {"client_id": "ok", "text": 5},
                {"text": "no id"}):
        await visitor_side.send_json_to({"type": "message", **bad})
        frame = await visitor_side.receive_json_from()
        assert frame["type"] == "error", bad
    await visitor_side.send_json_to({"type": "read", "up_to": "all"})
    assert (await visitor_side.receive_json_from())["type"] == "error"
    await visitor_side.send_json_to({"type": "launch_missiles"})
    assert (await visitor_side.receive_json_from())["code"] == "unknown_type"
    assert await database_sync_to_async(Message.objects.count)() == 0
    await visitor_side.disconnect()


async def test_a_visitor_is_rate_limited(make_channel):
    channel = await database_sync_to_async(make_channel)(
        "webchat", name="Slow", settings={"allowed_origins": [SHOP], "messages_per_minute": 3})
    visitor_side, _, _ = await visitor_socket(channel)
    frames = [await say(visitor_side, f"m{n}", client_id=f"m{n}") for n in range(4)]
    assert [frame["type"] for frame in frames] == ["ack", "ack", "ack", "error"]
    assert frames[3]["code"] == "rate_limited"
    assert await database_sync_to_async(Message.objects.count)() == 3
    await visitor_side.disconnect()


async def test_script_in_a_message_is_stored_and_sent_back_as_text(webchat):
    visitor_side, _, _ = await visitor_socket(webchat)
    hostile = "<script>document.title='owned'</script>"
    ack = await say(visitor_side, hostile)
    assert ack["message"]["text"] == hostile
    stored = await database_sync_to_async(Message.objects.get)(pk=ack["message"]["id"])
    assert stored.text == hostile and stored.html == ""
    await visitor_side.disconnect()


async def test_the_welcome_says_whether_an_agent_is_online(webchat, agent):
    _, _, welcome = await visitor_socket(webchat)
    assert welcome["agents_online"] is False

    agents = await agent_socket(agent)  # connecting marks the agent online
    visitor_side, _, welcome = await visitor_socket(webchat)
    assert welcome["agents_online"] is True
    await visitor_side.send_json_to({"type": "ping"})
    assert await visitor_side.receive_json_from() == {"type": "pong", "agents_online": True}
    await agents.disconnect()
    await visitor_side.disconnect()


async def test_a_visitor_who_leaves_an_e_mail_while_away_is_told_we_reply_there(webchat):
    visitor_side, visitor, welcome = await visitor_socket(webchat)
    assert welcome["email"] == ""
    await visitor_side.send_json_to({"type": "contact", "email": "hugo@example.com"})
    welcome = await visitor_side.receive_json_from()
    assert welcome["type"] == "welcome" and welcome["email"] == "hugo@example.com"
    await visitor_side.send_json_to({"type": "contact", "email": "not an address"})
    assert (await visitor_side.receive_json_from())["code"] == "invalid_contact"
    await visitor_side.disconnect()
