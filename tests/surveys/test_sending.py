"""When a thread is resolved, one survey goes out on the channel the customer last wrote
on: a link by e-mail, a digit prompt and the link on a chat channel; never twice a day,
never when CSAT is off, never on a channel that refuses.

The tests with ``transaction=True`` go through the real path: the resolution commits, the
listener hands the thread to the task (the worker on the production stack, eager Celery on
the embedded one), the survey's message is delivered by the channel's adapter. The others
call ``send_survey`` inside the test's transaction."""

import re
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.utils import timezone

from customers.profile_actions import customer_delete
from inbox.actions import change_status, receive_message
from inbox.models import Event, Message, Thread
from surveys.actions import ASK_WITHIN, RESEND_AFTER, hash_token, record_answer, send_survey
from surveys.models import Survey
from tests.helpers import events_since, last_event_id, wait_for

LINK = re.compile(r"http://127\.0\.0\.1:8000/survey/([A-Za-z0-9_-]{40,})/")


def delivered(survey: Survey) -> Message:
    return wait_for(lambda: Message.objects.filter(
        pk=survey.message_id, delivery_status="sent").first(), timeout=60)


@pytest.mark.django_db(transaction=True)
def test_resolving_an_email_thread_mails_a_survey_link(celery_worker, email_channel, story,
                                                        agent, supervisor):
    thread = story.mail(email_channel).thread
    since = last_event_id()

    story.resolve(thread, by=supervisor, assignee=agent)

    survey = wait_for(lambda: Survey.objects.filter(thread=thread).first())
    question = delivered(survey)
    assert (survey.channel_id, survey.channel_kind) == (email_channel.pk, "email")
    assert (survey.agent_id, survey.team_id) == (agent.pk, thread.team_id)
    assert survey.customer_id == thread.customer_id
    assert survey.expires_at - survey.sent_at == timedelta(days=7)
    assert survey.score is None and survey.answered_at is None
    assert question.author is None and question.direction == "outbound"
    # automatic: the reports do not count it as an agent's reply
    assert (question.metadata["automatic"], question.metadata["survey_id"]) == (True, survey.pk)
    [token] = LINK.findall(question.text)
    assert hash_token(token) == survey.token_hash
    assert token not in str(Survey.objects.filter(pk=survey.pk).values().first())
    assert "Reply with a number" not in question.text
    url = f"http://127.0.0.1:8000/survey/{token}/"
    for score in range(1, 6):  # the HTML part: each score a link to the page
        assert f'<a href="{url}?score={score}" rel="noopener noreferrer nofollow">{score}</a>' \
            in question.html
    if celery_worker is None:  # the worker's mail backend is its own
        [sent] = django_mail.outbox
        assert sent.to == ["ana@example.com"] and token in sent.body
    assert Thread.objects.get(pk=thread.pk).status == "resolved"
    sent_events = [e for e in events_since(since) if e.type == "survey.sent"]
    assert [e.payload for e in sent_events] == [{
        "survey_id": survey.pk, "message_id": question.pk, "channel_id": email_channel.pk,
        "agent_id": agent.pk}]


@pytest.mark.django_db(transaction=True)
def test_resolving_a_telegram_thread_asks_for_a_digit_on_telegram(
        celery_worker, email_channel, telegram_channel, bot_api, story, agent):
    story.mail(email_channel)
    thread = story.chat(telegram_channel).thread  # the customer moved to Telegram

    story.resolve(thread, by=agent)

    survey = wait_for(lambda: Survey.objects.filter(thread=thread).first())
    delivered(survey)
    assert survey.channel_id == telegram_channel.pk
    assert survey.agent_id == agent.pk  # nobody assigned: who resolved it
    [call] = bot_api.calls_of("sendMessage")
    assert call.params["chat_id"] == "424242"
    assert "Reply with a number from 1 (bad) to 5 (great)" in call.params["text"]
    assert Message.objects.get(pk=survey.message_id).html == ""
    [token] = LINK.findall(call.params["text"])
    assert hash_token(token) == survey.token_hash


@pytest.mark.django_db
def test_the_last_channel_the_customer_wrote_on_themselves_is_used(
        email_channel, telegram_channel, story):
    thread = story.chat(telegram_channel).thread
    story.mail(email_channel, text="Out of office until Monday.", automatic=True)
    change_status(thread=thread, status="resolved")

    survey = send_survey(thread=thread)

    assert survey.channel_id == telegram_channel.pk


@pytest.mark.django_db
def test_a_thread_resolved_twice_in_a_day_is_asked_once(email_channel, story):
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="resolved")
    first = send_survey(thread=thread)
    story.mail(email_channel, text="One more thing…")  # re-opens
    change_status(thread=thread, status="resolved")

    assert send_survey(thread=thread) is None
    assert send_survey(thread=thread) is None  # a task run twice
    assert list(Survey.objects.all()) == [first]

    Survey.objects.filter(pk=first.pk).update(sent_at=first.sent_at - RESEND_AFTER)
    assert send_survey(thread=thread) is not None


@pytest.mark.django_db
def test_nothing_is_sent_when_csat_is_off(email_channel, story, settings):
    settings.THREADLINE_CSAT_ENABLED = False
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="resolved")

    assert send_survey(thread=thread) is None
    assert not Survey.objects.exists()
    assert not Message.objects.filter(direction="outbound").exists()


@pytest.mark.django_db
def test_a_resolution_from_hours_ago_is_not_asked_about(email_channel, story):
    """A task that ran hours late, or history recorded afterwards (the demo's past)."""
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="resolved")
    Event.objects.filter(thread=thread).update(created_at=timezone.now() - ASK_WITHIN
                                               - timedelta(minutes=1))

    assert send_survey(thread=thread) is None
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_nothing_is_sent_once_the_thread_is_open_again(email_channel, story):
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="resolved")
    story.mail(email_channel, text="Actually it is not fixed.")

    assert send_survey(thread=thread) is None
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_a_customer_who_never_wrote_gets_no_survey(email_channel, story, agent):
    from inbox.actions import log_interaction

    thread = story.mail(email_channel).thread
    Message.objects.filter(thread=thread).delete()
    log_interaction(thread=thread, author=agent, kind="call", direction="inbound")
    change_status(thread=thread, status="resolved")

    assert send_survey(thread=thread) is None


@pytest.mark.django_db
def test_a_closed_whatsapp_window_sends_nothing_and_keeps_no_survey(make_channel, story):
    whatsapp = make_channel("whatsapp", name="WhatsApp line", address="+33123456789")
    message = receive_message(channel=whatsapp, address="+33612345678", text="Hi",
                              verified=True, external_id="wamid.1").message
    Message.objects.filter(pk=message.pk).update(
        created_at=message.created_at - timedelta(hours=25))
    change_status(thread=message.thread, status="resolved")
    counts = (Survey.objects.count(), Message.objects.count())

    assert send_survey(thread=message.thread) is None
    assert (Survey.objects.count(), Message.objects.count()) == counts


@pytest.mark.django_db
def test_an_erased_customer_leaves_the_score_without_the_comment(
        email_channel, story, django_capture_on_commit_callbacks):
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="resolved")
    survey = record_answer(survey=send_survey(thread=thread), score=2,
                           comment="Ana Lima, 12 rue X: too slow", via="link")

    with django_capture_on_commit_callbacks(execute=True):
        customer_delete(customer=thread.customer)

    survey.refresh_from_db()
    assert (survey.score, survey.comment, survey.thread_id) == (2, "", None)
    assert survey.customer_id is not None



@pytest.mark.django_db
def test_the_listener_costs_no_query_when_nothing_is_resolved(
        email_channel, story, django_assert_num_queries):
    from surveys.listener import on_events

    since = last_event_id()
    thread = story.mail(email_channel).thread
    change_status(thread=thread, status="pending")
    events = events_since(since)
    assert {event.type for event in events} >= {"message.received", "thread.status_changed"}

    with django_assert_num_queries(0):
        on_events(events)
    assert not Survey.objects.exists()

