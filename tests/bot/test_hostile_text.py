"""Whatever a customer types — a novel, markup, emoji, nothing, an @mention — the bot
neither crashes nor copies it unbounded into the agent's note."""

import pytest

from bot.actions import bot_handle_message
from bot.conversation import QUOTE_LENGTH
from inbox.actions import NewAttachment
from inbox.models import Notification
from tests.bot.conftest import bot_replies, notes


@pytest.mark.django_db
def test_ten_thousand_words_hand_off_with_a_bounded_note(bot, articles, webchat,
                                                         customer_writes):
    words = " ".join(("refund", "hours", "lamp", f"k{n % 500}")[n % 4] for n in range(10_000))
    message = customer_writes(webchat, words)
    outcome = bot_handle_message(message=message)
    assert outcome.action == "handed_off" and outcome.conversation.reason == "unsure"
    [note] = notes(message.thread)
    quoted = note.text.split("“", 1)[1].rsplit("”", 1)[0]
    assert len(quoted) == QUOTE_LENGTH and quoted.endswith("…")
    assert len(note.text) < 500


@pytest.mark.django_db
def test_markup_and_emoji_are_words_or_nothing(bot, articles, webchat, customer_writes):
    message = customer_writes(
        webchat, "<script>alert(1)</script><b>refund</b> policy?? 💸💸 ☕", address="v-html")
    outcome = bot_handle_message(message=message)
    assert outcome.action == "answered"
    assert outcome.reply.text == articles["refund"].answer

    emoji_only = customer_writes(webchat, "🙂🙂🙂 👍", address="v-emoji")
    assert bot_handle_message(message=emoji_only).action == "greeted"


@pytest.mark.django_db
def test_a_message_without_text_goes_to_a_person(bot, webchat, customer_writes):
    message = customer_writes(webchat, "", address="v-photo", attachments=[
        NewAttachment("photo.jpg", b"\xff\xd8\xff", "image/jpeg")])
    outcome = bot_handle_message(message=message)
    assert outcome.conversation.reason == "no_text"
    assert notes(message.thread)[0].text == ("Bot hand-off — a message without text.\n"
                                            "Asked: “—”")


@pytest.mark.django_db
def test_an_at_name_in_the_customer_text_notifies_nobody(bot, webchat, customer_writes,
                                                        agent):
    message = customer_writes(webchat, "@ana my lamp is broken, mail me at bob@example.com")
    bot_handle_message(message=message)
    [note] = notes(message.thread)
    assert "@ana my lamp" in note.text and "bob@example.com" in note.text
    assert note.metadata["mentions"] == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_the_team_text_settings_left_empty_send_nothing(bot, articles, webchat,
                                                       customer_writes):
    bot.hand_off_text = bot.greeting_text = bot.follow_up_text = "  "
    bot.save()
    hello = customer_writes(webchat, "hello")
    assert bot_handle_message(message=hello).action == "silent"
    assert bot_handle_message(message=customer_writes(webchat, "broken lamp")).reply is None
    assert bot_replies(hello.thread) == []
