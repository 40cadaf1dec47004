"""threads_held_by_bot: the threads routing leaves to the bot — its team's bot on, the
conversation begun on a channel it answers on, no hand-off and no agent reply yet."""

import pytest

from bot.actions import bot_handle_message
from bot.models import BotSettings
from bot.selectors import threads_held_by_bot
from inbox.actions import change_status, send_reply


@pytest.mark.django_db
def test_the_threads_the_bot_is_handling(bot, articles, webchat, telegram, make_channel,
                                         other_team, customer_writes, agent,
                                         django_assert_num_queries):
    answered = customer_writes(webchat, "What are your opening hours?", address="v1")
    bot_handle_message(message=answered)
    waiting = customer_writes(telegram, "hi there")  # not handled yet: the bot's all the same
    handed_off = customer_writes(webchat, "agent please", address="v2")
    bot_handle_message(message=handed_off)
    agent_replied = customer_writes(webchat, "What are your opening hours?", address="v3")
    send_reply(thread=agent_replied.thread, channel=webchat, author=agent, text="Hello")
    resolved = customer_writes(webchat, "refund policy", address="v4")
    change_status(thread=resolved.thread, status="resolved", by=agent)
    sales = make_channel("webchat", name="Sales chat", channel_team=other_team)
    other = customer_writes(sales, "What are your opening hours?", address="v5")

    ids = [m.thread_id for m in (answered, waiting, handed_off, agent_replied, resolved, other)]
    with django_assert_num_queries(1):
        held = threads_held_by_bot(ids)
    assert held == {answered.thread_id, waiting.thread_id}
    assert threads_held_by_bot([]) == set()

    bot.channel_kinds = ["telegram"]
    bot.save()
    assert threads_held_by_bot(ids) == {waiting.thread_id}
    BotSettings.objects.update(enabled=False)
    assert threads_held_by_bot(ids) == set()
