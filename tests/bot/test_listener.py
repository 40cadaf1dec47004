"""The real path: the customer's message commits, the listener hands it to the task (a
worker on the production stack, eager Celery on the embedded one), the bot answers or hands
off. A team without a bot costs the listener one query, and events without a customer's
message none."""

import pytest

from bot.listener import on_events
from bot.models import BotConversation
from inbox.models import Event, Message
from tests.bot.conftest import bot_replies, notes
from tests.helpers import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_customer_gets_an_answer_then_a_person_through_the_listener(
        celery_worker, bot, articles, telegram, customer_writes):
    first = customer_writes(telegram, "How long does delivery take?")
    [answer] = wait_for(lambda: bot_replies(first.thread) or None, timeout=60)
    assert answer.text == articles["delivery"].answer and answer.channel == telegram

    customer_writes(telegram, "That's not it, I want to speak to a human")
    [note] = wait_for(lambda: notes(first.thread) or None, timeout=60)
    assert note.text.startswith("Bot hand-off — customer asked for a person.\n"
                                "Asked: “How long does delivery take?” Answered: ")
    wait_for(lambda: BotConversation.objects.filter(state="handed_off").exists())
    assert Event.objects.filter(type="bot.handed_off", thread=first.thread).count() == 1


@pytest.mark.django_db
def test_the_listener_costs_one_query_when_the_team_has_no_bot(
        team, webchat, customer_writes, django_assert_num_queries):
    customer_writes(webchat, "What are your opening hours?")
    events = list(Event.objects.order_by("id"))
    assert "message.received" in {event.type for event in events}
    with django_assert_num_queries(1):
        on_events(events)
    assert not Message.objects.filter(direction="outbound").exists()
    with django_assert_num_queries(0):
        on_events([event for event in events if event.type != "message.received"])


@pytest.mark.django_db
def test_a_disabled_bot_costs_the_listener_one_query_and_sends_nothing(
        bot, webchat, customer_writes, django_assert_num_queries):
    bot.enabled = False
    bot.save()
    customer_writes(webchat, "What are your opening hours?")
    events = list(Event.objects.order_by("id"))
    with django_assert_num_queries(1):
        on_events(events)
    assert not Message.objects.filter(direction="outbound").exists()
    assert not BotConversation.objects.exists()
