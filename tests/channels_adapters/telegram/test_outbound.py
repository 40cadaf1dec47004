"""An agent's reply becomes exactly one correct Bot API call (or several, for a long text),
to the chat the customer wrote from; Telegram's errors are retried or shown to the agent.

Tests with ``transaction=True`` go through the real path (commit, task, worker or eager
Celery); the others call ``deliver`` one attempt at a time inside the test's transaction,
where the task scheduled on commit never runs."""

import pytest

from channels_adapters.delivery import Outcome, deliver
from inbox.actions import NewAttachment, receive_message, send_reply
from inbox.models import Message
from tests.helpers import wait_for

JPEG = b"\xff\xd8\xff\xe0 a small jpeg"


def customer_thread(channel, chat_id=424242):
    """The customer wrote to the bot (in their private chat, or in a group)."""
    return receive_message(channel=channel, address="424242", text="Hello", verified=True,
                           external_id=f"{chat_id}:1", metadata={"chat_id": chat_id}
                           ).message.thread


def reply(channel, text="Your parcel left this morning.", **fields) -> Message:
    return send_reply(thread=customer_thread(channel), channel=channel, author=None,
                      text=text, **fields)


def settled(message: Message) -> Message:
    return wait_for(lambda: Message.objects.exclude(delivery_status="queued")
                    .filter(pk=message.pk).first(), timeout=60)


# --- through the worker ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_text_reply_is_one_send_message_call(channel, bot_api):
    sent = settled(reply(channel))

    assert (sent.delivery_status, sent.delivery_attempts) == ("sent", 1), sent.delivery_error
    [call] = bot_api.calls
    assert call.method == "sendMessage"
    assert call.params == {"chat_id": "424242", "text": "Your parcel left this morning."}
    assert sent.external_id == "424242:101"


@pytest.mark.django_db(transaction=True)
def test_a_photo_goes_with_the_text_as_its_caption(channel, bot_api):
    sent = settled(reply(channel, text="Here is the label.", attachments=[
        NewAttachment("label.jpg", JPEG, "image/jpeg")]))

    assert sent.delivery_status == "sent", sent.delivery_error
    [call] = bot_api.calls
    assert call.method == "sendPhoto"
    assert call.params["caption"] == "Here is the label." and call.params["chat_id"] == "424242"
    assert call.files["photo"] == ("label.jpg", JPEG)


@pytest.mark.django_db(transaction=True)
def test_a_long_text_with_a_document_is_text_then_the_file(channel, bot_api):
    text = "Terms. " * 200  # longer than a caption may be

    sent = settled(reply(channel, text=text, attachments=[
        NewAttachment("terms.pdf", b"%PDF-1.7", "application/pdf")]))

    assert sent.delivery_status == "sent", sent.delivery_error
    assert [call.method for call in bot_api.calls] == ["sendMessage", "sendDocument"]
    assert bot_api.calls[0].params["text"] == text.strip()
    assert "caption" not in bot_api.calls[1].params
    assert bot_api.calls[1].files["document"] == ("terms.pdf", b"%PDF-1.7")
    assert sent.external_id == "424242:101"  # the first part's id


@pytest.mark.django_db(transaction=True)
def test_a_text_over_4096_characters_is_split_into_several_messages(channel, bot_api):
    paragraphs = [f"Paragraph {n}: " + "word " * 150 for n in range(20)]  # ~15,000 chars
    text = "\n".join(paragraphs)

    sent = settled(reply(channel, text=text))

    calls = bot_api.calls_of("sendMessage")
    assert sent.delivery_status == "sent" and len(calls) == 4
    assert all(len(call.params["text"]) <= 4096 for call in calls)
    assert " ".join(call.params["text"] for call in calls).split() == text.split()
    assert calls[1].params["text"].startswith("Paragraph")  # cut at a line break
    assert sent.external_id == "424242:101"


@pytest.mark.django_db(transaction=True)
def test_a_reply_goes_to_the_group_the_customer_wrote_from(channel, bot_api):
    thread = customer_thread(channel, chat_id=-100123456)

    sent = settled(send_reply(thread=thread, channel=channel, author=None, text="Noted."))

    assert bot_api.calls[0].params["chat_id"] == "-100123456"
    assert sent.external_id == "-100123456:101"


@pytest.mark.django_db(transaction=True)
def test_a_5xx_is_retried_then_sent(channel, bot_api):
    # (on the production stack the retry waits THREADLINE_DELIVERY_BACKOFF_SECONDS)
    bot_api.fail_next(500)

    sent = settled(reply(channel))

    assert (sent.delivery_status, sent.delivery_attempts) == ("sent", 2)
    assert len(bot_api.calls_of("sendMessage")) == 2


@pytest.mark.django_db(transaction=True)
def test_a_customer_who_blocked_the_bot_fails_at_once_with_the_reason(channel, bot_api):
    bot_api.fail_next(403)

    failed = settled(reply(channel))

    assert (failed.delivery_status, failed.delivery_attempts) == ("failed", 1)
    assert failed.delivery_error == "The customer has blocked the bot."
    assert len(bot_api.calls) == 1


# --- deliver(), one attempt at a time -------------------------------------------------


@pytest.mark.django_db
def test_a_5xx_that_lasts_fails_visibly_once_retries_are_spent(channel, bot_api, settings):
    settings.THREADLINE_DELIVERY_MAX_RETRIES = 2
    bot_api.fail_next(500, times=10)
    message = reply(channel)

    outcomes = [deliver(message.pk) for _ in range(3)]

    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    failed = Message.objects.get(pk=message.pk)
    assert failed.delivery_status == "failed" and failed.delivery_attempts == 3
    assert failed.delivery_error == "Telegram is unavailable: Internal Server Error"
    assert len(bot_api.calls_of("sendMessage")) == 3


@pytest.mark.django_db
def test_too_many_requests_is_retried(channel, bot_api):
    bot_api.fail_next(429)
    message = reply(channel)

    assert [deliver(message.pk) for _ in range(2)] == [Outcome.RETRY, Outcome.SENT]


@pytest.mark.django_db
def test_an_unknown_chat_fails_at_once(channel, bot_api):
    bot_api.fail_next(400)
    message = reply(channel)

    assert deliver(message.pk) is Outcome.FAILED
    assert Message.objects.get(pk=message.pk).delivery_error.startswith(
        "Telegram does not know this chat")


@pytest.mark.django_db
def test_a_reply_sent_in_part_fails_without_repeating_the_parts_sent(channel, bot_api):
    # given a reply in two parts, and Telegram refusing the second
    message = reply(channel, text="word " * 1000)
    bot_api.fail_next(500, method="sendMessage", after=1)

    outcome = deliver(message.pk)

    # then it is not retried (that would send the first part again): the agent sees why
    failed = Message.objects.get(pk=message.pk)
    assert outcome is Outcome.FAILED and len(bot_api.calls) == 2
    assert failed.delivery_error == ("Only 1 of the 2 parts were sent (sending again would "
                                     "repeat them): Telegram is unavailable: "
                                     "Internal Server Error")


@pytest.mark.django_db
def test_an_unreachable_api_is_a_transient_failure(channel, bot_api):
    bot_api.stop()
    message = reply(channel)

    assert deliver(message.pk) is Outcome.RETRY
