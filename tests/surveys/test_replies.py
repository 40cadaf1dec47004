"""A customer answers a chat survey by replying with a digit: the reply joins the timeline
as an automatic message and does not re-open the resolved thread; anything else is an
ordinary message and re-opens it (surveys/replies.py has the rule)."""

from datetime import timedelta

import pytest

from inbox.actions import change_status
from inbox.models import Message, Thread
from surveys.actions import send_survey
from surveys.models import Survey
from surveys.replies import reply_score
from tests.helpers import events_since, last_event_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveyed(telegram_channel, story):
    """A Telegram customer whose thread was resolved and surveyed."""
    thread = story.chat(telegram_channel).thread
    change_status(thread=thread, status="resolved")
    return send_survey(thread=thread)


@pytest.mark.parametrize(("text", "score"), [
    ("5", 5), ("1", 1), (" 4 ", 4), ("5!", 5), ("3.", 3), ("4/5", 4), ("2 / 5", 2),
    ("\n3/5.\n", 3),
])
def test_a_digit_alone_is_a_score(text, score):
    assert reply_score(text) == score


@pytest.mark.parametrize("text", [
    "0", "6", "10", "55", "5 stars", "1 more question", "five", "5/10", "4,5", "5!!", "-3",
    "", "٣", "５", "⭐⭐⭐⭐⭐", "Score: 5",
])
def test_anything_else_is_not_a_score(text):
    assert reply_score(text) is None


def test_a_digit_reply_is_the_answer_and_leaves_the_thread_resolved(
        surveyed, telegram_channel, story):
    since = last_event_id()

    reply = story.chat(telegram_channel, text="4/5")

    survey = Survey.objects.get(pk=surveyed.pk)
    assert (survey.score, survey.comment, survey.answered_via) == (4, "", "reply")
    assert survey.answered_at is not None
    assert Thread.objects.get(pk=surveyed.thread_id).status == "resolved"
    assert reply.thread_id == surveyed.thread_id and reply.text == "4/5"
    assert reply.metadata["automatic"] is True and reply.metadata["survey_id"] == survey.pk
    events = events_since(since)
    assert [event.type for event in events] == ["message.received", "survey.answered"]
    assert events[0].payload["reopened"] is False
    assert events[1].payload == {"survey_id": survey.pk, "score": 4, "has_comment": False,
                                 "via": "reply", "agent_id": None}


def test_a_sentence_re_opens_the_thread_and_answers_nothing(surveyed, telegram_channel, story):
    story.chat(telegram_channel, text="5 stars, but the box was wet")

    assert Survey.objects.get(pk=surveyed.pk).score is None
    assert Thread.objects.get(pk=surveyed.thread_id).status == "open"


def test_a_second_digit_is_an_ordinary_message(surveyed, telegram_channel, story):
    story.chat(telegram_channel, text="5")
    story.chat(telegram_channel, text="2")

    assert Survey.objects.get(pk=surveyed.pk).score == 5
    assert Thread.objects.get(pk=surveyed.thread_id).status == "open"


def test_a_digit_after_the_survey_expired_re_opens_the_thread(surveyed, telegram_channel,
                                                              story):
    Survey.objects.filter(pk=surveyed.pk).update(expires_at=surveyed.sent_at)

    story.chat(telegram_channel, text="5")

    assert Survey.objects.get(pk=surveyed.pk).score is None
    assert Thread.objects.get(pk=surveyed.thread_id).status == "open"


def test_a_digit_on_a_thread_that_was_re_opened_is_an_ordinary_message(
        surveyed, telegram_channel, story):
    change_status(thread=surveyed.thread_id, status="open")

    story.chat(telegram_channel, text="3")

    assert Survey.objects.get(pk=surveyed.pk).score is None
    assert not Message.objects.filter(metadata__automatic=True, direction="inbound").exists()


def test_a_digit_on_another_channel_is_an_ordinary_message(surveyed, make_channel, story):
    other_bot = make_channel("telegram", name="Sales bot", address="@sales_bot")

    story.chat(other_bot, text="5")

    assert Survey.objects.get(pk=surveyed.pk).score is None
    assert Thread.objects.get(pk=surveyed.thread_id).status == "open"


def test_an_emailed_digit_does_not_answer_the_link_survey(email_channel, story):
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="resolved")
    survey = send_survey(thread=thread)

    story.mail(email_channel, text="5")

    assert Survey.objects.get(pk=survey.pk).score is None
    assert Thread.objects.get(pk=thread.pk).status == "open"


def test_a_digit_with_no_survey_at_all_re_opens_the_thread(telegram_channel, story):
    thread = story.chat(telegram_channel).thread
    change_status(thread=thread, status="resolved")

    story.chat(telegram_channel, text="5")

    assert Thread.objects.get(pk=thread.pk).status == "open"


def test_an_ordinary_message_costs_no_survey_query(telegram_channel, story):
    """The hook is on every inbound batch: text that is not a digit never reaches the
    Survey table."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    thread = story.chat(telegram_channel).thread
    change_status(thread=thread, status="resolved")
    with CaptureQueriesContext(connection) as queries:
        story.chat(telegram_channel, text="Thanks a lot!")
    assert not [q for q in queries.captured_queries if "surveys_survey" in q["sql"]]


def test_the_newest_open_survey_is_the_one_answered(surveyed, telegram_channel, story):
    Survey.objects.filter(pk=surveyed.pk).update(
        sent_at=surveyed.sent_at - timedelta(days=2))
    story.chat(telegram_channel, text="Still there?")
    change_status(thread=surveyed.thread_id, status="resolved")
    newer = send_survey(thread=surveyed.thread_id)

    story.chat(telegram_channel, text="5")

    assert Survey.objects.get(pk=newer.pk).score == 5
    assert Survey.objects.get(pk=surveyed.pk).score is None
