"""The agents' inbox pages: who sees what, the list's views and pages, the thread pane, and
the commands agents send from it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbox.actions import add_note, assign_thread, receive_message, send_reply
from inbox.models import CannedResponse, Message, Thread, ThreadRead

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def channel(make_channel):
    return make_channel("telegram")


@pytest.fixture
def foreign_channel(make_channel, other_team):
    return make_channel("email", name="Sales mailbox", channel_team=other_team)


def write(channel, address, text="Hello", **options):
    return receive_message(channel=channel, address=address, text=text, **options).message.thread


@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent)
    return client


def test_the_inbox_asks_for_a_login(client):
    response = client.get(reverse("inbox:inbox"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_agent_signs_in_and_lands_on_the_inbox(client, agent):
    response = client.post(reverse("login"), {"username": "ana", "password": "pw"})
    assert response.status_code == 302 and response["Location"] == reverse("inbox:inbox")


def test_an_agent_sees_their_teams_threads_and_never_another_teams(
    logged_in, channel, foreign_channel
):
    ours = write(channel, "111", "ours")
    theirs = write(foreign_channel, "bob@example.com", "theirs")

    page = logged_in.get(reverse("inbox:inbox")).content.decode()

    assert f'id="row-{ours.pk}"' in page
    assert f'id="row-{theirs.pk}"' not in page
    for name in ("pane", "header", "row", "thread"):
        assert logged_in.get(reverse(f"inbox:{name}", args=[theirs.pk])).status_code in {404, 204}
    message = theirs.messages.first()
    assert logged_in.get(reverse("inbox:message", args=[theirs.pk, message.pk])).status_code == 404
    response = logged_in.post(reverse("inbox:note", args=[theirs.pk]), {"text": "x"}, **FETCH)
    assert response.status_code == 404
    assert not theirs.messages.filter(direction="note").exists()


def test_a_supervisor_sees_every_team(client, supervisor, channel, foreign_channel):
    write(channel, "111")
    theirs = write(foreign_channel, "bob@example.com")
    client.force_login(supervisor)

    assert f'id="row-{theirs.pk}"' in client.get(reverse("inbox:inbox")).content.decode()


def test_views_filter_and_count_threads(logged_in, agent, channel):
    mine = write(channel, "1")
    write(channel, "2")
    assign_thread(thread=mine, assignee=agent)

    counts = logged_in.get(reverse("inbox:counts")).json()["views"]
    assert counts["mine"] == 1 and counts["unassigned"] == 1 and counts["open"] == 2
    page = logged_in.get(reverse("inbox:list") + "?view=mine").content.decode()
    assert page.count('class="row') == 1 and f'id="row-{mine.pk}"' in page


def test_the_list_comes_in_keyset_pages_newest_first(logged_in, channel):
    threads = [write(channel, str(n), f"message {n}") for n in range(35)]

    first = logged_in.get(reverse("inbox:list"))
    second_cursor = first.context["page"].next_cursor
    second = logged_in.get(reverse("inbox:list"), {"before": second_cursor})

    first_ids = [t.pk for t in first.context["page"].threads]
    second_ids = [t.pk for t in second.context["page"].threads]
    assert first_ids == [t.pk for t in reversed(threads)][:30]
    assert second_ids == [t.pk for t in reversed(threads)][30:]
    assert second.context["page"].next_cursor == ""


def test_the_list_query_count_does_not_grow_with_threads(logged_in, channel):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(reverse("inbox:inbox")).status_code == 200
        return len(captured)

    for n in range(3):
        write(channel, f"a{n}")
    few = queries()
    for n in range(30):
        write(channel, f"b{n}")
    assert queries() == few


def test_the_thread_page_query_count_does_not_grow_with_messages(logged_in, channel, agent):
    thread = write(channel, "42")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(reverse("inbox:thread", args=[thread.pk])).status_code == 200
        return len(captured)

    for n in range(3):
        send_reply(thread=thread, channel=channel, author=agent, text=f"reply {n}")
    queries()  # the first visit also records the agent's first read of the thread
    few = queries()
    for n in range(40):
        add_note(thread=thread, author=agent, text=f"note {n}")
    assert queries() == few


def test_the_timeline_shows_the_newest_page_and_loads_older_on_demand(logged_in, channel, agent):
    thread = write(channel, "7", "first")
    for n in range(40):
        add_note(thread=thread, author=agent, text=f"note {n}")

    page = logged_in.get(reverse("inbox:thread", args=[thread.pk]))
    shown = page.context["timeline"].messages
    assert len(shown) == 30 and page.context["timeline"].has_older
    older = logged_in.get(reverse("inbox:older", args=[thread.pk]), {"before": shown[0].pk})
    older_ids = [m.pk for m in older.context["timeline"].messages]
    assert len(older_ids) == 11 and not older.context["timeline"].has_older
    assert max(older_ids) < shown[0].pk


def test_hostile_customer_text_is_shown_as_text_and_html_sanitised(logged_in, channel):
    thread = write(channel, "666", "<img src=x onerror=alert(1)><script>alert(2)</script>",
                   html='<p>Hi<img src=x onerror="alert(3)"><script>alert(4)</script></p>')
    write(channel, "666", "<script>alert(5)</script>")

    page = logged_in.get(reverse("inbox:thread", args=[thread.pk])).content.decode()

    assert "<script>alert" not in page
    assert "onerror" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in page


def test_reply_from_the_page_queues_and_answers_json(logged_in, channel):
    thread = write(channel, "9")

    response = logged_in.post(reverse("inbox:reply", args=[thread.pk]),
                              {"channel": channel.pk, "text": "On it!"}, **FETCH)

    assert response.status_code == 200
    message = Message.objects.get(pk=response.json()["message_id"])
    assert message.direction == "outbound" and message.text == "On it!"


def test_a_refused_command_says_why_and_changes_nothing(logged_in, channel):
    thread = write(channel, "9")

    empty = logged_in.post(reverse("inbox:reply", args=[thread.pk]),
                           {"channel": channel.pk, "text": "   "}, **FETCH)
    past = logged_in.post(reverse("inbox:snooze", args=[thread.pk]),
                          {"until": "2001-01-01T00:00"}, **FETCH)

    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    assert past.status_code == 400 and "in the past" in past.json()["error"]
    assert thread.messages.count() == 1
    thread.refresh_from_db()
    assert thread.status == Thread.Status.OPEN


def test_commands_work_without_javascript_and_come_back_to_the_thread(logged_in, channel):
    thread = write(channel, "9")

    response = logged_in.post(reverse("inbox:status", args=[thread.pk]), {"status": "resolved"})

    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:thread", args=[thread.pk])
    thread.refresh_from_db()
    assert thread.status == Thread.Status.RESOLVED


def test_every_command_needs_a_csrf_token(agent, channel):
    thread = write(channel, "9")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)

    response = client.post(reverse("inbox:note", args=[thread.pk]), {"text": "x"})

    assert response.status_code == 403


def test_assign_snooze_tag_and_log_a_call_from_the_page(logged_in, agent, channel):
    thread = write(channel, "9")
    url = lambda name: reverse(f"inbox:{name}", args=[thread.pk])  # noqa: E731

    assert logged_in.post(url("assign"), {"assignee": "me"}, **FETCH).status_code == 200
    assert logged_in.post(url("tags"), {"add": ["vip", "refund"]}, **FETCH).status_code == 200
    assert logged_in.post(url("tags"), {"remove": "refund"}, **FETCH).status_code == 200
    assert logged_in.post(url("snooze"), {"until": "1d"}, **FETCH).status_code == 200
    call = logged_in.post(url("interaction"), {
        "kind": "call", "direction": "outbound", "number": "06 12 34 56 78",
        "duration_minutes": "3", "outcome": "answered", "text": "Called back"}, **FETCH)

    thread.refresh_from_db()
    assert thread.assignee == agent
    assert list(thread.tags.values_list("name", flat=True)) == ["vip"]
    assert thread.status == Thread.Status.SNOOZED
    logged = Message.objects.get(pk=call.json()["message_id"])
    assert logged.metadata["number"] == "+33612345678"
    assert logged.metadata["duration_seconds"] == 180


def test_opening_a_thread_marks_it_read(logged_in, agent, channel):
    thread = write(channel, "9")
    assign_thread(thread=thread, assignee=agent)
    assert logged_in.get(reverse("inbox:counts")).json()["unread"] == 1

    logged_in.get(reverse("inbox:pane", args=[thread.pk]))

    assert ThreadRead.objects.filter(user=agent, thread=thread).exists()
    assert logged_in.get(reverse("inbox:counts")).json()["unread"] == 0
    write(channel, "9", "one more thing")
    assert logged_in.get(reverse("inbox:counts")).json()["unread"] == 1


def test_canned_responses_come_filled_for_the_thread(logged_in, channel):
    thread = write(channel, "9", display_name="Ana Lima")
    CannedResponse.objects.create(shortcut="hello", title="Greeting",
                                  body="Hi {{ customer.first_name }}, {{ agent.first_name }} here.")

    page = logged_in.get(reverse("inbox:pane", args=[thread.pk]))

    assert page.context["canned_filled"] == [
        {"shortcut": "hello", "title": "Greeting", "body": "Hi Ana, Ana here."}]


def test_the_composer_offers_only_channels_the_customer_can_be_reached_on(
    logged_in, channel, make_channel
):
    make_channel("email", name="Mailbox")
    sms = make_channel("sms", name="Texts")
    thread = write(channel, "9")
    receive_message(channel=sms, address="+33612345678", text="also me",
                    verified_phones=[], verified=True)

    page = logged_in.get(reverse("inbox:pane", args=[thread.pk]))

    offered = {c.kind for c in page.context["channels"]}
    assert offered == {"telegram"}  # the SMS number is another (unverified-match) customer
    assert page.context["default_channel"] == channel


def test_search_from_the_list_finds_by_name_address_and_text(logged_in, channel, make_channel):
    ana = write(channel, "1", "my lamp flickers", display_name="Ana Lima")
    sms = make_channel("sms")
    bob = write(sms, "06 12 34 56 78", "parcel never came", display_name="Bob")

    def found(query):
        page = logged_in.get(reverse("inbox:list"), {"q": query})
        return {thread.pk for thread in page.context["page"].threads}

    assert found("ana lima") == {ana.pk}
    assert found("0612345678") == {bob.pk}
    assert found("flickers") == {ana.pk}
    assert found("an") == {ana.pk, bob.pk}  # too short to search: the whole view


def test_the_composer_never_offers_another_teams_channel(logged_in, channel, foreign_channel):
    from customers.actions import merge_customers

    # given a customer who also wrote to another team's mailbox (merged into one profile)
    thread = write(channel, "9")
    other = write(foreign_channel, "nine@example.com", "me again")
    merge_customers(source=other.customer, target=thread.customer)

    page = logged_in.get(reverse("inbox:pane", args=[thread.pk]))

    assert foreign_channel not in page.context["channels"]
    assert channel in page.context["channels"]


def test_a_mail_shows_its_new_part_with_the_quoted_history_and_html_folded(
        logged_in, make_channel, settings, tmp_path):
    from pathlib import Path

    from channels_adapters.inbound import process_payload, store_payload

    settings.MEDIA_ROOT = tmp_path
    mailbox = make_channel("email", name="Support mailbox", address="support@example.com")
    raw = (Path(__file__).parent.parent / "channels_adapters/email/fixtures/gmail_reply.eml")
    payload = store_payload(channel=mailbox, headers={}, body=raw.read_bytes())
    process_payload(payload.pk)
    message = Message.objects.get(channel=mailbox)

    page = logged_in.get(reverse("inbox:thread", args=[message.thread_id])).content.decode()

    assert "The parcel is still not here." in message.text
    assert page.index("The parcel is still not here.") < page.index("Show quoted")
    assert "Show as sent (HTML)" in page
