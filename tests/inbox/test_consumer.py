"""The agents' WebSocket: live events for their teams, and catch-up by Event id."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application
from inbox.actions import add_note, receive_message
from inbox.consumers import InboxConsumer
from inbox.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user, path="/ws/inbox/"):
    communicator = WebsocketCommunicator(InboxConsumer.as_asgi(), path)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _events_until_caught_up(communicator):
    events = []
    while True:
        message = await communicator.receive_json_from(timeout=5)
        if message["type"] == "caught_up":
            return events, message
        if message["type"] == "event":
            events.append(message["event"])


async def test_an_agent_sees_a_new_message_of_their_team_live(make_channel, agent):
    channel = await database_sync_to_async(make_channel)("telegram")
    communicator = await _connect(agent)

    await database_sync_to_async(receive_message)(channel=channel, address="77",
                                                  text="Is anyone there?")

    types = [(await communicator.receive_json_from(timeout=5))["event"]["type"]
             for _ in range(3)]
    assert types[-1] == "message.received"
    await communicator.disconnect()


async def test_an_agent_of_team_b_never_receives_team_a_messages_live_or_by_catch_up(
    make_channel, make_user, team, other_team
):
    # Given an agent of team B connected, and a message arriving on a team A channel
    outsider = await database_sync_to_async(make_user)("bea", teams=[other_team])
    channel = await database_sync_to_async(make_channel)("email", channel_team=team)
    communicator = await _connect(outsider)
    await database_sync_to_async(receive_message)(channel=channel, address="x@example.com",
                                                  text="private to team A")

    # Then nothing arrives live, and catching up from 0 replays nothing either
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.send_json_to({"type": "catch_up", "after": 0})
    events, done = await _events_until_caught_up(communicator)
    assert events == [] and done["last_event_id"] == 0
    await communicator.disconnect()


async def test_after_a_reconnect_the_agent_receives_everything_they_missed(
    make_channel, agent
):
    channel = await database_sync_to_async(make_channel)("sms")
    received = await database_sync_to_async(receive_message)(
        channel=channel, address="+33612345678", text="first")
    seen_up_to = await database_sync_to_async(
        lambda: Event.objects.latest("id").pk)()

    # While the agent is offline, two more things happen
    await database_sync_to_async(receive_message)(channel=channel, address="+33612345678",
                                                  text="second")
    await database_sync_to_async(add_note)(thread=received.message.thread_id, author=agent,
                                           text="call them back")

    communicator = await _connect(agent, f"/ws/inbox/?after={seen_up_to}")
    events, done = await _events_until_caught_up(communicator)

    missed = await database_sync_to_async(list)(
        Event.objects.filter(id__gt=seen_up_to).order_by("id").values_list("id", flat=True))
    new = [event for event in events if event["id"] > seen_up_to]
    assert [event["id"] for event in new] == missed
    assert [event["type"] for event in new] == ["message.received", "note.added"]
    # the events just before the cursor are replayed too (they might have committed late)
    all_ids = await database_sync_to_async(list)(Event.objects.values_list("id", flat=True))
    assert [event["id"] for event in events] == sorted(all_ids)
    assert done == {"type": "caught_up", "last_event_id": missed[-1]}
    await communicator.disconnect()


async def test_a_supervisor_catches_up_on_every_team(make_channel, supervisor, other_team):
    first = await database_sync_to_async(make_channel)("email")
    second = await database_sync_to_async(make_channel)("telegram", channel_team=other_team)
    await database_sync_to_async(receive_message)(channel=first, address="a@example.com",
                                                  text="a")
    await database_sync_to_async(receive_message)(channel=second, address="99", text="b")

    communicator = await _connect(supervisor, "/ws/inbox/?after=0")
    events, _ = await _events_until_caught_up(communicator)

    assert len(events) == await database_sync_to_async(Event.objects.count)()
    await communicator.disconnect()


@pytest.mark.parametrize("request_body", [
    {"type": "catch_up", "after": -1},
    {"type": "catch_up", "after": "1 OR 1=1"},
    {"type": "catch_up", "after": True},
    {"type": "launch_missiles"},
    ["not", "an", "object"],
])
async def test_malformed_requests_get_a_clear_error_and_the_socket_stays_open(
    agent, request_body
):
    communicator = await _connect(agent)

    await communicator.send_json_to(request_body)

    reply = await communicator.receive_json_from(timeout=5)
    assert reply["type"] == "error" and reply["error"]
    await communicator.send_json_to({"type": "catch_up", "after": 0})
    _, done = await _events_until_caught_up(communicator)
    assert done["type"] == "caught_up"
    await communicator.disconnect()


@pytest.mark.parametrize("frame", [{"text_data": "{{{ not json"}, {"text_data": "x" * 100_000},
                                   {"bytes_data": b"\x00\xff"}])
async def test_frames_that_are_not_small_json_get_an_error_not_a_crash(agent, frame):
    communicator = await _connect(agent)

    await communicator.send_to(**frame)

    reply = await communicator.receive_json_from(timeout=5)
    assert reply["type"] == "error"
    await communicator.disconnect()


def _session_cookie(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def test_through_the_asgi_app_a_logged_in_agent_connects(agent):
    cookie = await database_sync_to_async(_session_cookie)(agent)
    communicator = WebsocketCommunicator(
        application, "/ws/inbox/?after=0",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"),
                 (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    _, done = await _events_until_caught_up(communicator)
    assert done["type"] == "caught_up"
    await communicator.disconnect()


async def test_an_anonymous_socket_is_closed():
    communicator = WebsocketCommunicator(
        application, "/ws/inbox/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")],
    )
    connected, code = await communicator.connect()
    assert not connected and code == 4401


async def test_a_socket_from_a_foreign_origin_is_refused(agent):
    cookie = await database_sync_to_async(_session_cookie)(agent)
    communicator = WebsocketCommunicator(
        application, "/ws/inbox/",
        headers=[(b"origin", b"https://evil.example"), (b"host", b"127.0.0.1:8000"),
                 (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert not connected


def test_event_catch_up_query_count_does_not_grow_with_events(
    make_channel, agent, django_assert_max_num_queries
):
    from inbox.selectors import events_visible_to

    channel = make_channel("email")
    for n in range(20):
        receive_message(channel=channel, address=f"c{n}@example.com", text="hi")
    # every event is in the replay window of event 30
    with django_assert_max_num_queries(3):
        assert len(events_visible_to(agent, after=30)) == 60


async def test_a_long_catch_up_comes_in_pages_and_one_too_long_asks_for_a_reload(
    make_channel, supervisor, settings
):
    settings.THREADLINE_CATCH_UP_PAGE = 4
    channel = await database_sync_to_async(make_channel)("email")
    for n in range(5):  # 15 events: 4 pages of 4
        await database_sync_to_async(receive_message)(channel=channel,
                                                      address=f"p{n}@example.com", text="hi")

    ids = await database_sync_to_async(list)(Event.objects.values_list("id", flat=True))
    communicator = await _connect(supervisor, "/ws/inbox/?after=0")
    events, done = await _events_until_caught_up(communicator)
    assert [event["id"] for event in events] == sorted(ids) and len(ids) == 15
    assert done["last_event_id"] == max(ids)
    await communicator.disconnect()

    settings.THREADLINE_CATCH_UP_PAGE = 1  # 15 pages: more than a replay is worth
    communicator = await _connect(supervisor, "/ws/inbox/?after=0")
    messages = [await communicator.receive_json_from(timeout=5) for _ in range(11)]
    assert [m["type"] for m in messages] == ["event"] * 10 + ["reload"]
    await communicator.disconnect()


async def _next_of_type(communicator, kind, timeout=5):
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == kind:
            return message


async def test_typing_in_a_thread_shows_to_the_team_not_to_others(
    make_channel, make_user, team, other_team
):
    channel = await database_sync_to_async(make_channel)("telegram")
    thread = (await database_sync_to_async(receive_message)(
        channel=channel, address="31", text="hi")).message.thread
    ana = await database_sync_to_async(make_user)("ana2", teams=[team])
    ben = await database_sync_to_async(make_user)("ben", teams=[team])
    cleo = await database_sync_to_async(make_user)("cleo", teams=[other_team])
    typist, colleague, outsider = (await _connect(ana), await _connect(ben),
                                   await _connect(cleo))

    await typist.send_json_to({"type": "typing", "thread_id": thread.pk})

    signal = await _next_of_type(colleague, "activity")
    assert signal == {"type": "activity", "activity": "typing", "thread_id": thread.pk,
                      "user_id": ana.pk, "name": "Ana2", "echo": False}
    # neither the typist (own typing is no news) nor another team hears of it
    for listener in (typist, outsider):
        while not await listener.receive_nothing(timeout=0.3):
            message = await listener.receive_json_from()
            assert message["type"] != "activity"
    for communicator in (typist, colleague, outsider):
        await communicator.disconnect()


async def test_signals_about_a_thread_one_may_not_see_are_refused(
    make_channel, make_user, other_team, agent
):
    channel = await database_sync_to_async(make_channel)("email", channel_team=other_team)
    thread = (await database_sync_to_async(receive_message)(
        channel=channel, address="z@example.com", text="hi")).message.thread
    communicator = await _connect(agent)

    await communicator.send_json_to({"type": "viewing", "thread_id": thread.pk})

    assert (await _next_of_type(communicator, "error"))["error"] == "no such thread"
    await communicator.disconnect()


async def test_presence_goes_online_away_and_offline(agent, supervisor):
    from inbox.models import AgentPresence

    watcher = await _connect(supervisor)
    communicator = await _connect(agent)
    online = await _next_of_type(watcher, "presence")
    assert (online["user_id"], online["status"]) == (agent.pk, "online")

    await communicator.send_json_to({"type": "presence", "status": "away"})
    assert (await _next_of_type(watcher, "presence"))["status"] == "away"
    await communicator.disconnect()
    assert (await _next_of_type(watcher, "presence"))["status"] == "offline"

    presence = await database_sync_to_async(AgentPresence.objects.get)(user=agent)
    assert (presence.status, presence.connections) == ("offline", 0)
    await watcher.disconnect()


async def test_a_mentioned_agent_is_notified_even_outside_the_team(
    make_channel, make_user, other_team, agent
):
    from inbox.models import Notification

    channel = await database_sync_to_async(make_channel)("email")
    thread = (await database_sync_to_async(receive_message)(
        channel=channel, address="m@example.com", text="hi")).message.thread
    expert = await database_sync_to_async(make_user)("expert", teams=[other_team])
    communicator = await _connect(expert)

    await database_sync_to_async(add_note)(thread=thread.pk, author=agent,
                                           text="@expert can you look?")

    mention = await _next_of_type(communicator, "mention")
    assert mention["thread_id"] == thread.pk and mention["author"] == "Ana"
    assert await database_sync_to_async(
        Notification.objects.filter(user=expert, thread=thread).exists)()
    await communicator.disconnect()


def test_an_agent_whose_server_died_is_offline_once_the_heartbeat_is_old(agent):
    from datetime import timedelta

    from django.utils import timezone

    from inbox.actions.agents import presence_connect
    from inbox.models import HEARTBEAT_TIMEOUT, AgentPresence

    presence_connect(user=agent)
    presence_connect(user=agent)  # two tabs; then their server is killed: no disconnect
    assert AgentPresence.objects.get(user=agent).live_status == "online"

    AgentPresence.objects.filter(user=agent).update(
        heartbeat_at=timezone.now() - HEARTBEAT_TIMEOUT - timedelta(seconds=1))
    assert AgentPresence.objects.get(user=agent).live_status == "offline"

    # the next page counts from zero, not from the dead server's two
    assert presence_connect(user=agent).connections == 1


async def test_a_customer_typing_in_the_web_chat_shows_to_the_team(make_channel, agent):
    from inbox.actions.agents import customer_typing

    channel = await database_sync_to_async(make_channel)("webchat")
    thread = (await database_sync_to_async(receive_message)(
        channel=channel, address="visitor-1", text="hi")).message.thread
    communicator = await _connect(agent)

    await database_sync_to_async(customer_typing)(thread=thread)

    assert await _next_of_type(communicator, "customer_typing") == {
        "type": "customer_typing", "thread_id": thread.pk}
    await communicator.disconnect()
