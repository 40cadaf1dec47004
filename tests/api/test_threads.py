"""``/api/v1/threads/``: the list with its filters and search, one thread, and the actions
(assign, status, snooze, tags) — each scope, and a token never sees past its teams."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.actions import assign_thread, receive_message, tag_thread
from inbox.events import ThreadAssigned, ThreadStatusChanged, ThreadTagged
from inbox.models import Thread
from tests.helpers import events_since, last_event_id

pytestmark = pytest.mark.django_db

THREADS = "/api/v1/threads/"


def write(channel, address: str, text: str = "Hello", name: str = "") -> Thread:
    """A customer writes on ``channel``: their thread, in the channel's team."""
    received = receive_message(channel=channel, address=address, text=text,
                               display_name=name or address, verified=True)
    return Thread.objects.select_related("customer").get(pk=received.message.thread_id)


def ids(response) -> list[int]:
    return [thread["id"] for thread in response.json()["results"]]


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


@pytest.fixture
def thread(email_channel) -> Thread:
    """Ana wrote to Support by e-mail."""
    return write(email_channel, "ana@example.com", "Where is my order #1234?", "Ana Lima")


@pytest.fixture
def other_thread(make_channel, other_team) -> Thread:
    """Bo wrote to Sales on Telegram: not the default token's team."""
    return write(make_channel("telegram", channel_team=other_team), "5550001", "Hi", "Bo")


def url(thread_or_id, action: str = "") -> str:
    thread_id = getattr(thread_or_id, "pk", thread_or_id)
    return f"{THREADS}{thread_id}/" + (f"{action}/" if action else "")


# --- reading ------------------------------------------------------------------------------

def test_list_shows_the_tokens_teams_threads_with_their_last_message(
        reader, thread, other_thread, team):
    response = reader.get(THREADS)

    assert response.status_code == 200
    body = response.json()
    assert ids(response) == [thread.pk]
    row = body["results"][0]
    assert row["customer"] == {"id": thread.customer_id, "name": "Ana Lima"}
    assert row["team"] == {"id": team.pk, "name": "Support"}
    assert (row["status"], row["assignee"], row["tags"], row["priority"]) == (
        "open", None, [], 0)
    assert row["last_message"]["text"] == "Where is my order #1234?"
    assert row["last_message"]["direction"] == "inbound"
    assert row["last_message"]["channel_kind"] == "email"
    assert body["next"] is None


def test_a_token_for_all_teams_sees_every_thread(admin_client, thread, other_thread):
    response = admin_client.get(THREADS)

    assert sorted(ids(response)) == sorted([thread.pk, other_thread.pk])


def test_list_is_most_recent_activity_first_a_cursor_page_at_a_time(reader, email_channel):
    threads = [write(email_channel, f"c{number}@example.com") for number in range(5)]
    now = timezone.now()
    for age, thread in enumerate(threads):  # the first written is the most recent
        Thread.objects.filter(pk=thread.pk).update(
            last_activity_at=now - timedelta(minutes=age))

    first = reader.get(THREADS, {"page_size": 2})
    second = reader.get(first.json()["next"])
    third = reader.get(second.json()["next"])

    assert ids(first) + ids(second) + ids(third) == [thread.pk for thread in threads]
    assert third.json()["next"] is None


def test_list_filters_by_status_assignee_tag_and_team(reader, thread, email_channel, agent,
                                                      team):
    assigned = write(email_channel, "bea@example.com")
    assign_thread(thread=assigned, assignee=agent)
    tag_thread(thread=assigned, add=["vip"])
    Thread.objects.filter(pk=thread.pk).update(status=Thread.Status.PENDING)

    assert ids(reader.get(THREADS, {"status": "pending"})) == [thread.pk]
    assert ids(reader.get(THREADS, {"assignee": agent.pk})) == [assigned.pk]
    assert ids(reader.get(THREADS, {"assignee": "none"})) == [thread.pk]
    assert ids(reader.get(THREADS, {"assignee": "me"})) == []
    assert ids(reader.get(THREADS, {"tag": "vip"})) == [assigned.pk]
    assert sorted(ids(reader.get(THREADS, {"team": team.pk}))) == sorted(
        [thread.pk, assigned.pk])


def test_list_filters_by_channel_customer_and_last_activity(reader, thread, make_channel):
    telegram = make_channel("telegram")
    on_telegram = write(telegram, "777")
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=timezone.now() - timedelta(days=2))
    yesterday = (timezone.now() - timedelta(days=1)).isoformat()

    assert ids(reader.get(THREADS, {"channel": telegram.pk})) == [on_telegram.pk]
    assert ids(reader.get(THREADS, {"channel_kind": "email"})) == [thread.pk]
    assert ids(reader.get(THREADS, {"customer": thread.customer_id})) == [thread.pk]
    assert ids(reader.get(THREADS, {"updated_after": yesterday})) == [on_telegram.pk]
    assert ids(reader.get(THREADS, {"updated_before": yesterday})) == [thread.pk]


def test_search_finds_a_thread_by_message_text_name_or_address(reader, thread, email_channel,
                                                               other_thread):
    write(email_channel, "carl@example.com", "Invoice question", "Carl")

    assert ids(reader.get(THREADS, {"q": "order #1234"})) == [thread.pk]
    assert ids(reader.get(THREADS, {"q": "Ana Lima"})) == [thread.pk]
    assert ids(reader.get(THREADS, {"q": "ana@example"})) == [thread.pk]
    # another team's customer is not found, even by name
    assert ids(reader.get(THREADS, {"q": "5550001"})) == []


@pytest.mark.parametrize("query", [
    {"status": "closed"}, {"assignee": "someone"}, {"assignee": "-3"}, {"team": "abc"},
    {"team": "99999999999999999999"}, {"customer": "0"}, {"channel_kind": "fax"},
    {"updated_after": "yesterday"}, {"q": "ab"}, {"q": "x" * 201}, {"page_size": "500"},
    {"page_size": "0"}, {"cursor": "not-a-cursor"}, {"status": ""}, {"team": ""},
])
def test_bad_filters_and_pages_are_a_400_with_the_error_body(reader, thread, query):
    response = reader.get(THREADS, query)

    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_listing_threads_takes_the_same_few_queries_for_many_threads(
        reader, email_channel, agent, django_assert_max_num_queries):
    for number in range(12):
        thread = write(email_channel, f"c{number}@example.com")
        assign_thread(thread=thread, assignee=agent)
        tag_thread(thread=thread, add=["vip", f"t{number}"])
    reader.get(THREADS)  # the token's first use writes its last-used time

    # token, threads (with their previews), their tags
    with django_assert_max_num_queries(3):
        response = reader.get(THREADS)

    assert len(ids(response)) == 12
    assert all(row["assignee"]["id"] == agent.pk and len(row["tags"]) == 2
               for row in response.json()["results"])


def test_read_one_thread(reader, thread):
    response = reader.get(url(thread))

    assert response.status_code == 200
    assert response.json()["id"] == thread.pk
    assert response.json()["last_message"]["text"] == "Where is my order #1234?"


@pytest.mark.parametrize("action", ["", "assign", "status", "snooze", "tags"])
def test_another_teams_thread_is_not_found_like_a_missing_one(writer, other_thread, action):
    method = writer.post if action else writer.get

    other = method(url(other_thread, action), {}, format="json")
    missing = method(url(other_thread.pk + 1000, action), {}, format="json")

    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {
        "error": {"code": "not_found", "message": "Not found.", "fields": {}}}


@pytest.mark.parametrize("thread_id", ["abc", "0", "99999999999999999999", "1.5"])
def test_a_thread_id_that_is_not_one_is_not_found(reader, thread_id):
    assert reader.get(f"{THREADS}{thread_id}/").status_code == 404


def test_without_a_token_the_api_answers_401(client, thread):
    response = client.get(THREADS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


# --- acting -------------------------------------------------------------------------------

@pytest.mark.parametrize("action, body", [
    ("assign", {"assignee": None}), ("status", {"status": "resolved"}),
    ("snooze", {"until": "2099-01-01T00:00:00Z"}), ("tags", {"add": ["vip"]}),
])
def test_a_read_token_cannot_act(reader, thread, action, body):
    response = reader.post(url(thread, action), body, format="json")

    assert response.status_code == 403
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_assign_gives_the_thread_to_an_agent_as_the_integration(writer, thread, agent, team):
    since = last_event_id()

    response = writer.post(url(thread, "assign"), {"assignee": agent.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["assignee"] == {"id": agent.pk, "name": "Ana"}
    assert response.json()["team"]["id"] == team.pk
    [event] = events_since(since)
    assert event.type == ThreadAssigned.type
    assert event.actor_id == writer.token.user_id


def test_assign_to_another_team_and_unassign(api_client, thread, other_team, make_user):
    writer = api_client("write", teams=[thread.team, other_team])
    seller = make_user("sol", teams=[other_team])

    moved = writer.post(url(thread, "assign"), {"assignee": seller.pk, "team": other_team.pk},
                        format="json")
    unassigned = writer.post(url(thread, "assign"), {"assignee": None}, format="json")

    assert moved.json()["team"]["id"] == other_team.pk
    assert moved.json()["assignee"]["id"] == seller.pk
    assert unassigned.json()["assignee"] is None


def test_assigning_an_agent_outside_the_team_is_refused_as_the_action_says(
        writer, thread, make_user, other_team):
    seller = make_user("sol", teams=[other_team])

    response = writer.post(url(thread, "assign"), {"assignee": seller.pk}, format="json")

    assert response.status_code == 400
    assert error_code(response) == "not_in_team"
    assert Thread.objects.get(pk=thread.pk).assignee is None


def test_a_thread_cannot_be_given_to_a_team_the_token_is_not_in(writer, thread, other_team):
    response = writer.post(url(thread, "assign"), {"team": other_team.pk}, format="json")
    missing = writer.post(url(thread, "assign"), {"team": other_team.pk + 99}, format="json")

    assert response.status_code == missing.status_code == 400
    assert response.json() == missing.json()
    assert response.json()["error"]["fields"] == {"team": ["Unknown team."]}


@pytest.mark.parametrize("body", [
    {}, {"assignee": "ana"}, {"assignee": 99999999}, {"assignee": 2**70},
    {"agent": 1}, {"team": True}, ["assignee"],
])
def test_bad_assign_bodies_are_a_400(writer, thread, body):
    response = writer.post(url(thread, "assign"), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_unknown_fields_are_named_in_the_error(writer, thread):
    response = writer.post(url(thread, "status"), {"status": "resolved", "colour": "red"},
                           format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"colour": ["Unknown or read-only field."]}
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_status_resolves_the_thread(writer, thread):
    since = last_event_id()

    response = writer.post(url(thread, "status"), {"status": "resolved"}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert [event.type for event in events_since(since)] == [ThreadStatusChanged.type]


@pytest.mark.parametrize("status, code", [("snoozed", "snooze_needs_time"),
                                          ("closed", "validation_error")])
def test_status_refusals_carry_their_code(writer, thread, status, code):
    response = writer.post(url(thread, "status"), {"status": status}, format="json")

    assert response.status_code == 400
    assert error_code(response) == code


def test_snooze_hides_the_thread_until_a_time(writer, thread):
    until = timezone.now() + timedelta(hours=4)

    response = writer.post(url(thread, "snooze"), {"until": until.isoformat()}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "snoozed"
    thread.refresh_from_db()
    assert thread.snoozed_until == until


@pytest.mark.parametrize("until, code", [("2001-01-01T00:00:00Z", "in_past"),
                                         ("tomorrow", "validation_error"),
                                         (None, "validation_error")])
def test_snooze_refusals(writer, thread, until, code):
    response = writer.post(url(thread, "snooze"), {"until": until}, format="json")

    assert response.status_code == 400
    assert error_code(response) == code
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.OPEN


def test_tags_are_added_and_removed_by_name(writer, thread):
    tag_thread(thread=thread, add=["new"])
    since = last_event_id()

    response = writer.post(url(thread, "tags"), {"add": ["refund", "vip"], "remove": ["new"]},
                           format="json")

    assert response.status_code == 200
    assert response.json()["tags"] == ["refund", "vip"]
    assert [event.type for event in events_since(since)] == [ThreadTagged.type]


@pytest.mark.parametrize("body", [{"add": "vip"}, {"add": ["x" * 51]}, {"add": [""]},
                                  {"add": ["t"] * 51}, {"add": [{"name": "vip"}]}])
def test_bad_tags_are_a_400(writer, thread, body):
    response = writer.post(url(thread, "tags"), body, format="json")

    assert response.status_code == 400
    assert list(Thread.objects.get(pk=thread.pk).tags.all()) == []


# --- the browser's session ----------------------------------------------------------------

def test_a_signed_in_agent_reads_with_the_session_and_acts_with_the_csrf_token(
        session_client, thread):
    assert ids(session_client.get(THREADS)) == [thread.pk]

    refused = session_client.post(url(thread, "status"), {"status": "pending"}, format="json")
    session_client.get("/inbox/")  # the inbox page sets the CSRF cookie
    token = session_client.cookies["csrftoken"].value
    accepted = session_client.post(url(thread, "status"), {"status": "pending"},
                                   format="json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert Thread.objects.get(pk=thread.pk).status == Thread.Status.PENDING
