"""The bot answers a customer's question from an article on the channel they wrote on, at
most a few times per conversation, and only while no agent has replied.

These call ``bot_handle_message`` inside the test's transaction, as the task does;
test_listener.py goes through the real path (commit → listener → task)."""

import pytest

from bot.actions import bot_handle_message
from bot.models import Article, BotConversation
from inbox.actions import change_status, send_reply
from tests.bot.conftest import bot_replies, notes
from tests.helpers import events_since, last_event_id


@pytest.mark.django_db
def test_answers_a_known_question_on_the_telegram_and_the_web_chat_it_came_from(
        bot, articles, webchat, telegram, customer_writes):
    start = last_event_id()
    on_telegram = customer_writes(telegram, "What are your opening hours?")
    on_webchat = customer_writes(webchat, "I forgot my password, how can I reset it?",
                                 address="visitor-2")
    for message, article in ((on_telegram, articles["hours"]),
                             (on_webchat, articles["password"])):
        outcome = bot_handle_message(message=message)
        assert outcome.action == "answered"
        [reply] = bot_replies(message.thread)
        assert reply.channel == message.channel and reply.author is None
        assert reply.text == article.answer and reply.delivery_status == "queued"
        assert reply.metadata["automatic"] is True
        assert reply.metadata["bot"]["article_id"] == article.pk
        assert 0 < reply.metadata["bot"]["confidence"] <= 1
        assert notes(message.thread) == []
    answered = [e for e in events_since(start) if e.type == "bot.answered"]
    assert [e.payload["article_id"] for e in answered] == [articles["hours"].pk,
                                                           articles["password"].pk]


@pytest.mark.django_db
def test_the_follow_up_goes_under_the_answer(bot, articles, webchat, customer_writes):
    bot.follow_up_text = "Did that help? Reply 'agent' for a person."
    bot.save()
    message = customer_writes(webchat, "how long does delivery take")
    bot_handle_message(message=message)
    [reply] = bot_replies(message.thread)
    assert reply.text == (articles["delivery"].answer
                          + "\n\nDid that help? Reply 'agent' for a person.")


@pytest.mark.django_db
def test_unsure_hands_off_with_the_question_in_the_note(bot, webchat, customer_writes):
    start = last_event_id()
    message = customer_writes(webchat, "My lamp flickers when the dimmer is low")
    outcome = bot_handle_message(message=message)
    assert outcome.action == "handed_off"
    [note] = notes(message.thread)
    assert note.author is None
    assert note.text == ("Bot hand-off — no confident answer.\n"
                         "Asked: “My lamp flickers when the dimmer is low” "
                         "(no confident answer).")
    [hand_off] = bot_replies(message.thread)
    assert hand_off.text == "A person will take over." and hand_off.channel == webchat
    assert hand_off.metadata["bot"] == {"hand_off": True}
    [event] = [e for e in events_since(start) if e.type == "bot.handed_off"]
    assert event.payload == {"reason": "unsure", "note_id": note.pk}
    assert event.thread_id == message.thread_id
    conversation = BotConversation.objects.get(thread=message.thread)
    assert conversation.state == "handed_off" and conversation.reason == "unsure"
    assert conversation.handed_off_at is not None


@pytest.mark.django_db
def test_asking_for_a_person_hands_off_with_the_earlier_answers_in_the_note(
        bot, articles, telegram, customer_writes):
    first = customer_writes(telegram, "What is your refund policy?")
    bot_handle_message(message=first)
    second = customer_writes(telegram, "Je veux parler à un conseiller svp")
    outcome = bot_handle_message(message=second)
    assert outcome.action == "handed_off" and outcome.conversation.reason == "asked"
    [note] = notes(first.thread)
    assert note.text == (
        "Bot hand-off — customer asked for a person.\n"
        "Asked: “What is your refund policy?” Answered: “You can return any product within "
        "30 days for a full refund.” (article “What is your refund policy?”).\n"
        "Asked: “Je veux parler à un conseiller svp”")
    assert note.metadata["bot"] == {"reason": "asked", "article_ids": [articles["refund"].pk]}
    assert [reply.metadata["bot"].get("hand_off") for reply in bot_replies(first.thread)] \
        == [None, True]


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["I want to talk to a human", "AGENT", "real person please",
                                  "Can someone help?", "operator!"])
def test_the_built_in_hand_off_phrases(bot, webchat, customer_writes, text):
    outcome = bot_handle_message(message=customer_writes(webchat, text))
    assert outcome.conversation.reason == "asked"


@pytest.mark.django_db
def test_a_phrase_the_team_added_hands_off(bot, webchat, customer_writes):
    bot.hand_off_phrases = "manager\n\n  Complaint desk "
    bot.save()
    outcome = bot_handle_message(message=customer_writes(webchat, "the complaint desk now"))
    assert outcome.conversation.reason == "asked"


@pytest.mark.django_db
def test_silent_after_the_hand_off_until_the_conversation_ends(
        bot, articles, webchat, customer_writes, agent):
    first = customer_writes(webchat, "I need a human")
    bot_handle_message(message=first)
    later = customer_writes(webchat, "What are your opening hours?")
    assert bot_handle_message(message=later) is None
    assert len(bot_replies(first.thread)) == 1  # the hand-off message only

    change_status(thread=first.thread, status="resolved", by=agent)
    again = customer_writes(webchat, "What are your opening hours?")
    outcome = bot_handle_message(message=again)
    assert outcome.action == "answered"
    assert BotConversation.objects.filter(thread=first.thread).count() == 2


@pytest.mark.django_db
def test_silent_once_an_agent_replied(bot, articles, webchat, customer_writes, agent):
    first = customer_writes(webchat, "Hello, a question about my order")
    send_reply(thread=first.thread, channel=webchat, author=agent, text="Hi, Ana here.")
    second = customer_writes(webchat, "What are your opening hours?")
    assert bot_handle_message(message=second) is None
    assert bot_replies(first.thread) == [] and notes(first.thread) == []


@pytest.mark.django_db
def test_hands_off_once_the_answers_per_conversation_are_given(
        bot, articles, webchat, customer_writes):
    bot.max_answers = 2
    bot.save()
    questions = ["opening hours?", "refund policy?", "how long does delivery take?"]
    outcomes = []
    for question in questions:
        outcomes.append(bot_handle_message(message=customer_writes(webchat, question)))
    assert [outcome.action for outcome in outcomes] == ["answered", "answered", "handed_off"]
    assert outcomes[-1].conversation.reason == "max_answers"
    note = outcomes[-1].note.text
    assert note.startswith("Bot hand-off — answers per conversation reached.\n")
    assert note.count("Answered:") == 2 and note.endswith("Asked: “how long does delivery take?”")


@pytest.mark.django_db
def test_a_task_run_twice_answers_once(bot, articles, webchat, customer_writes):
    message = customer_writes(webchat, "What are your opening hours?")
    assert bot_handle_message(message=message).action == "answered"
    assert bot_handle_message(message=message) is None
    assert len(bot_replies(message.thread)) == 1
    assert BotConversation.objects.get().answers == 1


@pytest.mark.django_db
def test_only_the_latest_of_a_burst_is_answered(bot, articles, webchat, customer_writes):
    """"hi" then the question: the question's task answers, the greeting's does nothing."""
    hello = customer_writes(webchat, "hi")
    question = customer_writes(webchat, "how do I reset my password")
    assert bot_handle_message(message=hello) is None
    assert bot_handle_message(message=question).action == "answered"


@pytest.mark.django_db
def test_small_talk_gets_the_greeting_once_then_nothing(bot, articles, webchat,
                                                        customer_writes):
    hello = customer_writes(webchat, "Hello!")
    assert bot_handle_message(message=hello).action == "greeted"
    assert bot_handle_message(message=customer_writes(webchat, "hi?")).action == "silent"
    answered = bot_handle_message(message=customer_writes(webchat, "refund policy"))
    assert answered.action == "answered"
    assert bot_handle_message(message=customer_writes(webchat, "thanks!")).action == "silent"
    assert [r.text for r in bot_replies(hello.thread)] == ["Hello! Ask me anything.",
                                                           answered.reply.text]
    assert answered.conversation.state == "answering"


@pytest.mark.django_db
def test_automatic_messages_are_ignored(bot, articles, webchat, customer_writes):
    message = customer_writes(webchat, "What are your opening hours?", automatic=True)
    assert bot_handle_message(message=message) is None
    assert bot_replies(message.thread) == [] and not BotConversation.objects.exists()


@pytest.mark.django_db
def test_a_disabled_bot_does_nothing(bot, articles, webchat, customer_writes):
    bot.enabled = False
    bot.save()
    message = customer_writes(webchat, "What are your opening hours?")
    assert bot_handle_message(message=message) is None
    assert bot_replies(message.thread) == []


@pytest.mark.django_db
def test_only_on_the_channel_kinds_chosen(bot, articles, webchat, mailbox, customer_writes,
                                          agent):
    bot.channel_kinds = ["webchat"]
    bot.save()
    by_mail = customer_writes(mailbox, "What are your opening hours?", verified=True)
    assert bot_handle_message(message=by_mail) is None
    change_status(thread=by_mail.thread, status="resolved", by=agent)

    # the same customer (a proven address) starts a new conversation on the web chat
    on_chat = customer_writes(webchat, "What are your opening hours?",
                              verified_emails=("ana@example.com",))
    assert on_chat.thread_id == by_mail.thread_id
    assert bot_handle_message(message=on_chat).action == "answered"
    # and follows up by e-mail: a person takes it, nothing sent by e-mail
    also_mail = customer_writes(mailbox, "Also, the refund policy?", verified=True)
    outcome = bot_handle_message(message=also_mail)
    assert outcome.conversation.reason == "other_channel" and outcome.reply is None
    assert [r.channel.kind for r in bot_replies(on_chat.thread)] == ["webchat"]


@pytest.mark.django_db
def test_articles_of_another_team_are_never_used(bot, other_team, webchat, customer_writes):
    Article.objects.all().delete()
    Article.objects.create(team=other_team, question="What is the warranty?",
                           answer="Two years.")
    message = customer_writes(webchat, "What is the warranty?")
    outcome = bot_handle_message(message=message)
    assert outcome.action == "handed_off" and outcome.conversation.reason == "unsure"
    # an article of no team serves every team's bot
    Article.objects.create(team=None, question="What is the warranty?", answer="Two years.")
    later = customer_writes(webchat, "What is the warranty?", address="visitor-9")
    assert bot_handle_message(message=later).reply.text == "Two years."


@pytest.mark.django_db
def test_an_inactive_article_is_not_used(bot, articles, webchat, customer_writes):
    articles["hours"].is_active = False
    articles["hours"].save()
    outcome = bot_handle_message(message=customer_writes(webchat, "What are your opening hours?"))
    assert outcome.action == "handed_off"


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["No", "nope.", "Not really…", "No, it didn't help",
                                  "pas vraiment"])
def test_no_after_an_answer_goes_to_a_person(bot, articles, webchat, customer_writes, text):
    answered = bot_handle_message(message=customer_writes(webchat, "opening hours?"))
    outcome = bot_handle_message(message=customer_writes(webchat, text))
    assert outcome.conversation.reason == "not_helped"
    assert outcome.note.text.startswith("Bot hand-off — the answer did not help.\n"
                                        "Asked: “opening hours?” Answered: ")
    assert answered.action == "answered"


@pytest.mark.django_db
def test_great_thanks_after_an_answer_is_not_a_question(bot, articles, webchat,
                                                        customer_writes):
    bot_handle_message(message=customer_writes(webchat, "How long does delivery take?"))
    thanks = bot_handle_message(message=customer_writes(webchat, "Great, thanks! 👍"))
    assert thanks.action == "silent" and thanks.conversation.state == "answering"
