"""Agents' replies to Slack customers: one chat.postMessage where the customer wrote;
Slack's failures retried or failed with a reason the agent can read."""

import socket

import pytest

from channels_adapters.delivery import Outcome, deliver
from channels_adapters.registry import adapter_for
from inbox.actions import NewAttachment, receive_message, send_reply
from inbox.models import Message
from tests.helpers import wait_for

from .conftest import TOKEN

Status = Message.DeliveryStatus


def customer_wrote(channel, *, slack_channel="D0ANA", thread_ts=None, ts="1700000100.000100"):
    metadata = {"slack_channel": slack_channel, "ts": ts, "channel_type": "im"}
    if thread_ts:
        metadata["thread_ts"] = thread_ts
    return receive_message(channel=channel, address="U0ANA", text="Hello", verified=True,
                           display_name="Ana Costa", external_id=f"{slack_channel}:{ts}",
                           metadata=metadata).message.thread


def fresh(message):
    return Message.objects.get(pk=message.pk)


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_one_post_in_the_customers_dm(slack_channel, slack, agent, celery_worker):
    thread = customer_wrote(slack_channel)

    reply = send_reply(thread=thread, channel=slack_channel, author=agent,
                       text="It ships today <3 & more")

    wait_for(lambda: fresh(reply).delivery_status == Status.SENT)
    [call] = slack.calls_of("chat.postMessage")
    assert call.args["channel"] == "D0ANA"
    assert call.args["text"] == "It ships today &lt;3 &amp; more"
    assert "thread_ts" not in call.args
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert fresh(reply).external_id == "D0ANA:1700000000.000001"
    assert [c.method for c in slack.calls] == ["chat.postMessage"]


@pytest.mark.django_db(transaction=True)
def test_a_reply_goes_into_the_slack_thread_the_customer_wrote_in(slack_channel, slack,
                                                                  celery_worker):
    thread = customer_wrote(slack_channel, slack_channel="C0SHARED",
                            thread_ts="1700000050.000001")

    reply = send_reply(thread=thread, channel=slack_channel, author=None, text="On it")

    wait_for(lambda: fresh(reply).delivery_status == Status.SENT)
    [call] = slack.calls_of("chat.postMessage")
    assert (call.args["channel"], call.args["thread_ts"]) == ("C0SHARED", "1700000050.000001")


@pytest.mark.django_db
def test_without_a_conversation_to_answer_in_a_dm_is_opened(slack_channel, slack):
    thread = receive_message(channel=slack_channel, address="U0BEN", text="Hi",
                             external_id="old").message.thread
    reply = send_reply(thread=thread, channel=slack_channel, author=None, text="Hello Ben")

    assert deliver(reply.pk) is Outcome.SENT

    assert [c.method for c in slack.calls] == ["conversations.open", "chat.postMessage"]
    assert slack.calls_of("conversations.open")[0].args["users"] == "U0BEN"
    assert slack.calls_of("chat.postMessage")[0].args["channel"] == "DU0BEN"


@pytest.mark.django_db
def test_files_are_uploaded_with_the_text_as_one_message(slack_channel, slack):
    thread = customer_wrote(slack_channel, slack_channel="C0SHARED", thread_ts="1700000050.1")
    reply = send_reply(thread=thread, channel=slack_channel, author=None, text="The label",
                       attachments=[NewAttachment("label.pdf", b"%PDF label", "application/pdf")])

    assert deliver(reply.pk) is Outcome.SENT

    assert [c.method for c in slack.calls] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    assert slack.uploads["F0001"] == {"filename": "label.pdf", "content": b"%PDF label"}
    complete = slack.calls_of("files.completeUploadExternal")[0].args
    assert (complete["channel_id"], complete["thread_ts"], complete["initial_comment"]) == (
        "C0SHARED", "1700000050.1", "The label")
    assert fresh(reply).external_id == "C0SHARED:file:F0001"


@pytest.mark.django_db
def test_slack_5xx_is_retried_then_fails_visibly(slack_channel, slack, settings):
    settings.THREADLINE_DELIVERY_MAX_RETRIES = 2
    slack.fail("chat.postMessage", status=500, times=-1)
    reply = send_reply(thread=customer_wrote(slack_channel), channel=slack_channel,
                       author=None, text="Hello")

    outcomes = [deliver(reply.pk) for _ in range(3)]

    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    failed = fresh(reply)
    assert failed.delivery_status == Status.FAILED
    assert failed.delivery_error == "Slack is unavailable (HTTP 500)."
    assert len(slack.calls_of("chat.postMessage")) == 3


@pytest.mark.django_db
def test_a_5xx_then_success_sends_once(slack_channel, slack):
    slack.fail("chat.postMessage", status=503, times=1)
    reply = send_reply(thread=customer_wrote(slack_channel), channel=slack_channel,
                       author=None, text="Hello")

    assert [deliver(reply.pk), deliver(reply.pk)] == [Outcome.RETRY, Outcome.SENT]
    assert fresh(reply).delivery_status == Status.SENT


@pytest.mark.django_db
def test_rate_limiting_is_transient_and_says_when(slack_channel, slack):
    slack.fail("chat.postMessage", status=429, retry_after=17)
    reply = send_reply(thread=customer_wrote(slack_channel), channel=slack_channel,
                       author=None, text="Hello")

    assert deliver(reply.pk) is Outcome.RETRY
    assert deliver(reply.pk) is Outcome.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "reason"), [
    ("channel_not_found", "The Slack conversation no longer exists, or the bot cannot see it."),
    ("not_in_channel", "The bot is not in the Slack channel any more."),
    ("is_archived", "The Slack channel is archived."),
    ("account_inactive", "The Slack app was uninstalled or its token revoked."),
    ("no_text", "Slack refused the message: no_text."),
])
def test_a_permanent_refusal_fails_at_once_with_a_readable_reason(slack_channel, slack, code,
                                                                 reason):
    slack.fail("chat.postMessage", error=code)
    reply = send_reply(thread=customer_wrote(slack_channel), channel=slack_channel,
                       author=None, text="Hello")

    assert deliver(reply.pk) is Outcome.FAILED

    failed = fresh(reply)
    assert (failed.delivery_error, failed.delivery_attempts) == (reason, 1)
    assert len(slack.calls_of("chat.postMessage")) == 1


@pytest.mark.django_db
def test_a_wrong_token_fails_without_showing_it(slack_channel, slack):
    slack_channel.secrets = {**slack_channel.secrets, "bot_token": "xoxb-revoked-token-9999"}
    slack_channel.save()
    reply = send_reply(thread=customer_wrote(slack_channel), channel=slack_channel,
                       author=None, text="Hello")

    assert deliver(reply.pk) is Outcome.FAILED

    error = fresh(reply).delivery_error
    assert error == "Slack refused the bot token: reinstall the app or update the token."
    assert "xoxb" not in error


@pytest.mark.django_db
def test_slack_unreachable_is_transient(slack_channel):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    slack_channel.settings = {"api_base_url": f"http://127.0.0.1:{closed_port}/api/"}
    slack_channel.save()
    reply = send_reply(thread=customer_wrote(slack_channel), channel=slack_channel,
                       author=None, text="Hello")

    assert deliver(reply.pk) is Outcome.RETRY
    assert fresh(reply).delivery_status == Status.QUEUED


@pytest.mark.django_db
def test_a_channel_without_credentials_uses_the_stub(make_channel):
    channel = make_channel("slack", name="demo slack", secrets={"bot_token": "xoxb-only"})

    assert type(adapter_for(channel)).__name__ == "StubAdapter"
