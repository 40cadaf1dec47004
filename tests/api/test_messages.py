"""A thread's timeline through the API, and what joins it: a reply on a chosen channel
(queued, then delivered by the channel's adapter), a private note, a logged call; one
message and its attachments. Another team's thread or message is never found."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.actions import NewAttachment, add_note, receive_message, send_reply
from inbox.events import InteractionLogged, NoteAdded, ReplyQueued
from inbox.models import Message, Thread
from tests.helpers import events_since, last_event_id, wait_for

pytestmark = pytest.mark.django_db

TEMPLATES = [{"name": "order_update", "language": "en_US", "category": "UTILITY",
              "body": "Hello {{1}}, your order {{2}} has shipped."}]


def write(channel, address: str, text: str = "Hello", ago=timedelta(0), **options) -> Thread:
    """The customer writes on ``channel``; ``ago`` dates the message back."""
    message = receive_message(channel=channel, address=address, text=text,
                              display_name="Ana Lima", verified=True, **options).message
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)
    return Thread.objects.select_related("customer").get(pk=message.thread_id)


def messages_url(thread, what: str = "messages") -> str:
    return f"/api/v1/threads/{getattr(thread, 'pk', thread)}/{what}/"


def ids(response) -> list[int]:
    return [message["id"] for message in response.json()["results"]]


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


@pytest.fixture
def thread(email_channel) -> Thread:
    return write(email_channel, "ana@example.com", "Where is my order?", attachments=[
        NewAttachment("photo.jpg", b"\xff\xd8jpeg", "image/jpeg")])


@pytest.fixture
def other_thread(make_channel, other_team) -> Thread:
    return write(make_channel("telegram", channel_team=other_team), "5550001")


# --- the timeline -------------------------------------------------------------------------

def test_timeline_is_newest_first_with_channel_author_delivery_and_attachments(
        reader, thread, email_channel, agent):
    reply = send_reply(thread=thread, channel=email_channel, author=agent, text="Today.")
    note = add_note(thread=thread, author=agent, text="Checked the warehouse.")

    response = reader.get(messages_url(thread))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows][:2] == [note.pk, reply.pk]
    inbound, outbound = rows[2], rows[1]
    assert inbound["direction"] == "inbound" and inbound["author"] is None
    assert inbound["channel"] == {"id": email_channel.pk, "kind": "email",
                                  "name": "email channel"}
    assert outbound["author"] == {"id": agent.pk, "name": "Ana"}
    assert outbound["delivery_status"] == "queued"
    assert rows[0]["direction"] == "note" and rows[0]["channel"] is None
    [attachment] = inbound["attachments"]
    assert (attachment["filename"], attachment["content_type"], attachment["size"]) == (
        "photo.jpg", "image/jpeg", 6)
    download = reader.get(attachment["url"], HTTP_ACCEPT="application/octet-stream")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\xff\xd8jpeg"
    assert download["Content-Disposition"].startswith("attachment")


def test_timeline_pages_go_back_in_time_and_after_keeps_only_the_new(reader, thread,
                                                                     agent):
    notes = [add_note(thread=thread, author=agent, text=f"note {n}") for n in range(4)]
    first_message = Message.objects.filter(thread=thread).order_by("id").first()

    first = reader.get(messages_url(thread), {"page_size": 3})
    second = reader.get(first.json()["next"])
    newer = reader.get(messages_url(thread), {"after": notes[1].pk})
    older = reader.get(messages_url(thread), {"before": notes[1].pk})

    assert ids(first) + ids(second) == [n.pk for n in reversed(notes)] + [first_message.pk]
    assert ids(newer) == [notes[3].pk, notes[2].pk]
    assert ids(older) == [notes[0].pk, first_message.pk]


@pytest.mark.parametrize("query", [{"before": "abc"}, {"after": "-1"}, {"before": "999999"},
                                   {"page_size": "201"}, {"cursor": "not-a-cursor"}])
def test_bad_timeline_cursors_are_a_400(reader, thread, query):
    assert reader.get(messages_url(thread), query).status_code == 400


def test_a_message_of_another_thread_is_not_a_cursor(reader, thread, other_thread):
    foreign = other_thread.messages.first()

    response = reader.get(messages_url(thread), {"after": foreign.pk})

    assert response.status_code == 400
    assert error_code(response) == "unknown_message"


def test_reading_the_timeline_takes_the_same_few_queries_for_many_messages(
        reader, thread, email_channel, agent, django_assert_max_num_queries):
    for number in range(10):
        send_reply(thread=thread, channel=email_channel, author=agent, text=f"reply {number}",
                   attachments=[NewAttachment(f"{number}.txt", b"x", "text/plain")])
    reader.get(messages_url(thread))  # the token's first use writes its last-used time

    # token, thread, messages (channel, author), their attachments
    with django_assert_max_num_queries(4):
        response = reader.get(messages_url(thread))

    assert len(ids(response)) == 11


def test_read_one_message(reader, thread):
    message = thread.messages.get()

    response = reader.get(f"/api/v1/messages/{message.pk}/")

    assert response.status_code == 200
    assert response.json()["text"] == "Where is my order?"
    assert response.json()["thread_id"] == thread.pk


def test_another_teams_messages_and_attachments_are_not_found(reader, other_thread):
    message = receive_message(channel=other_thread.messages.first().channel, address="5550001",
                              text="file", attachments=[NewAttachment("a.txt", b"a")]).message
    attachment = message.attachments.get()

    for path in (messages_url(other_thread), f"/api/v1/messages/{message.pk}/",
                 f"/api/v1/messages/{message.pk}/attachments/{attachment.pk}/",
                 "/api/v1/messages/99999999999999999999/", "/api/v1/messages/x/"):
        response = reader.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "not_found"


# --- replying -----------------------------------------------------------------------------

def test_a_reply_is_queued_on_the_chosen_channel(writer, thread, email_channel):
    since = last_event_id()

    response = writer.post(messages_url(thread),
                           {"channel": email_channel.pk, "text": "It left this morning."},
                           format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["direction"], body["delivery_status"], body["text"]) == (
        "outbound", "queued", "It left this morning.")
    assert body["author"]["id"] == writer.token.user_id
    assert [event.type for event in events_since(since)] == [ReplyQueued.type]


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_delivered_by_the_channels_adapter(api_client, make_channel, team,
                                                      celery_worker):
    # Telegram without a bot token: its stand-in adapter accepts every message.
    telegram = make_channel("telegram")
    thread = write(telegram, "1001")
    writer = api_client("write", teams=[team])

    response = writer.post(messages_url(thread), {"channel": telegram.pk, "text": "Hello!"},
                           format="json")

    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["id"])
    wait_for(lambda: Message.objects.get(pk=message.pk).delivery_status == "sent")
    assert writer.get(f"/api/v1/messages/{message.pk}/").json()["external_id"].startswith(
        "stub-")


def test_a_read_token_cannot_reply_note_or_log(reader, thread, email_channel):
    for what, body in (("messages", {"channel": email_channel.pk, "text": "Hi"}),
                       ("notes", {"text": "hi"}), ("calls", {"direction": "inbound"})):
        response = reader.post(messages_url(thread, what), body, format="json")
        assert response.status_code == 403, what
    assert thread.messages.count() == 1


def test_whatsapp_refuses_free_text_outside_its_window_with_the_actions_code(
        writer, make_channel):
    whatsapp = make_channel("whatsapp", settings={"templates": TEMPLATES})
    thread = write(whatsapp, "+34600111222", ago=timedelta(hours=25))

    refused = writer.post(messages_url(thread), {"channel": whatsapp.pk, "text": "Hi"},
                          format="json")
    template = writer.post(messages_url(thread), {"channel": whatsapp.pk, "template": {
        "name": "order_update", "language": "en_US", "parameters": ["Ana", "#1234"]}},
        format="json")

    assert refused.status_code == 400
    assert error_code(refused) == "outside_messaging_window"
    assert "only an approved template" in refused.json()["error"]["message"]
    assert template.status_code == 201
    assert template.json()["text"] == "Hello Ana, your order #1234 has shipped."
    assert template.json()["metadata"]["template"]["name"] == "order_update"


def test_a_template_that_does_not_fit_is_a_400_with_the_actions_code(writer, make_channel):
    whatsapp = make_channel("whatsapp", settings={"templates": TEMPLATES})
    thread = write(whatsapp, "+34600111222", ago=timedelta(hours=25))

    response = writer.post(messages_url(thread), {"channel": whatsapp.pk, "template": {
        "name": "order_update", "language": "en_US", "parameters": ["Ana"]}}, format="json")

    assert response.status_code == 400
    assert error_code(response) == "template_parameters"


def test_a_channel_of_another_team_or_one_the_customer_is_not_on_is_refused(
        writer, thread, make_channel, other_team):
    sales_mail = make_channel("email", name="Sales mail", channel_team=other_team)
    telegram = make_channel("telegram")  # Ana has no Telegram identity

    for channel_id in (sales_mail.pk, telegram.pk, 999999):
        response = writer.post(messages_url(thread), {"channel": channel_id, "text": "Hi"},
                               format="json")
        assert response.status_code == 400
        assert error_code(response) == "channel_not_available"
    assert thread.messages.count() == 1


@pytest.mark.parametrize("body", [
    {"text": "no channel"}, {"channel": "email", "text": "Hi"}, {"channel": 1, "text": ["Hi"]},
    {"channel": 1, "text": "Hi", "cc": "boss@example.com"}, {"channel": 1, "text": ""},
    {"channel": 1, "text": "x" * 70000}, {"channel": 1, "template": {"name": "x"}},
    {"channel": 1, "template": "order_update"}, {"channel": -1, "text": "Hi"},
])
def test_bad_reply_bodies_are_a_400(writer, thread, email_channel, body):
    if body.get("channel") == 1:
        body = {**body, "channel": email_channel.pk}

    response = writer.post(messages_url(thread), body, format="json")

    assert response.status_code == 400
    assert thread.messages.count() == 1


def test_a_reply_to_another_teams_thread_is_not_found(writer, other_thread, email_channel):
    response = writer.post(messages_url(other_thread),
                           {"channel": email_channel.pk, "text": "Hi"}, format="json")

    assert response.status_code == 404
    assert other_thread.messages.count() == 1


# --- notes and calls ------------------------------------------------------------------------

def test_a_note_joins_the_timeline_and_notifies_who_it_mentions(writer, thread, agent):
    since = last_event_id()

    response = writer.post(messages_url(thread, "notes"), {"text": "Over to you @ana."},
                           format="json")

    assert response.status_code == 201
    assert response.json()["direction"] == "note"
    assert response.json()["metadata"]["mentions"] == [agent.pk]
    assert [event.type for event in events_since(since)] == [NoteAdded.type]


@pytest.mark.parametrize("body", [{}, {"text": ""}, {"text": " \x85\n"}, {"text": ["a"]},
                                  {"text": "a", "private": 1},
                                  {"text": "x" * 70000}])
def test_bad_notes_are_a_400(writer, thread, body):
    assert writer.post(messages_url(thread, "notes"), body, format="json").status_code == 400


def test_a_call_is_logged_once_however_often_the_telephony_system_reports_it(
        writer, thread, make_channel):
    line = make_channel("phone")
    call = {"direction": "inbound", "number": "+34 600 111 222", "duration_seconds": 312,
            "outcome": "answered", "summary": "Wants a delivery date.", "channel": line.pk,
            "external_id": "call-77"}
    since = last_event_id()

    first = writer.post(messages_url(thread, "calls"), call, format="json")
    again = writer.post(messages_url(thread, "calls"), call, format="json")

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["direction"] == "call"
    assert first.json()["metadata"]["duration_seconds"] == 312
    assert first.json()["metadata"]["number"] == "+34600111222"
    assert [event.type for event in events_since(since)] == [InteractionLogged.type]


@pytest.mark.parametrize("body, code", [
    ({"direction": "sideways"}, "invalid_choice"),
    ({"direction": "inbound", "duration_seconds": -1}, "min_value"),
    ({"direction": "inbound", "duration_seconds": 10**12}, "max_value"),
    ({"direction": "inbound", "occurred_at": "2999-01-01T00:00:00Z"}, "in_future"),
    ({"direction": "inbound", "number": "not a number"}, None),
    ({"direction": "inbound", "channel": 999999}, "unknown_channel"),
    ({"direction": "inbound", "kind": "visit"}, "unknown_field"),
])
def test_bad_calls_are_a_400(writer, thread, body, code):
    response = writer.post(messages_url(thread, "calls"), body, format="json")

    assert response.status_code == 400
    if code in {"in_future"}:
        assert error_code(response) == code
    assert thread.messages.count() == 1


def test_a_phone_line_of_another_team_is_unknown(writer, thread, make_channel, other_team):
    line = make_channel("phone", channel_team=other_team)

    response = writer.post(messages_url(thread, "calls"),
                           {"direction": "outbound", "channel": line.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"channel": ["Unknown phone line."]}


def test_a_signed_in_agent_adds_a_note_with_the_csrf_token(session_client, thread):
    session_client.get("/inbox/")  # the inbox page sets the CSRF cookie
    token = session_client.cookies["csrftoken"].value

    response = session_client.post(messages_url(thread, "notes"), {"text": "Seen."},
                                   format="json", HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 201
    assert response.json()["author"]["name"] == "Ana"


def test_a_retried_reply_with_its_idempotency_key_sends_nothing_new(writer, thread,
                                                                   email_channel):
    body = {"channel": email_channel.pk, "text": "It left this morning."}
    key = {"HTTP_IDEMPOTENCY_KEY": "reply-order-1234"}

    first = writer.post(messages_url(thread), body, format="json", **key)
    retry = writer.post(messages_url(thread), body, format="json", **key)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert thread.messages.filter(direction="outbound").count() == 1
