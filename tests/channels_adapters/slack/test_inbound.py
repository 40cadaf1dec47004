"""Slack's Events API into the inbox: signed, stored, parsed; retries never duplicate."""

import hashlib
import hmac
import json
import time

import pytest

from channels_adapters.models import InboundPayload
from customers.models import Identity
from inbox.actions import receive_message
from inbox.models import Event, Message

from .conftest import SIGNING_SECRET, envelope, message_event, post, processed, signed_headers

pytestmark = pytest.mark.django_db(transaction=True)


def test_url_verification_is_answered_and_not_stored(client, slack_channel):
    document = {"token": "unused", "type": "url_verification",
                "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}

    response = post(client, slack_channel, document)

    assert response.status_code == 200
    assert response.json() == {"challenge": document["challenge"]}
    assert not InboundPayload.objects.exists()


def test_url_verification_with_a_bad_signature_is_refused(client, slack_channel):
    response = post(client, slack_channel, {"challenge": "x", "type": "url_verification"},
                    secret="not-the-signing-secret")

    assert response.status_code == 403
    assert not InboundPayload.objects.exists()


def test_a_direct_message_lands_in_the_customers_thread(client, slack_channel, slack,
                                                        workspace, celery_worker):
    # given Ana writes to the app in a DM
    event = message_event(text="Where is my order &lt;#42&gt;?", ts="1700000100.000100")

    # when Slack delivers the event
    payload = processed(post(client, slack_channel, envelope(event, workspace)))

    # then it is Ana's message, in her thread, live in the inbox
    assert payload.status == "processed" and payload.message_count == 1
    message = Message.objects.select_related("identity", "thread__customer").get(
        channel=slack_channel)
    assert message.external_id == "D0ANA:1700000100.000100"
    assert message.text == "Where is my order <#42>?"
    assert (message.identity.kind, message.identity.address, message.identity.verified) == (
        "slack", "U0ANA", True)
    assert message.thread.customer.name == "Ana Costa"
    assert message.metadata == {"slack_channel": "D0ANA", "ts": "1700000100.000100",
                                "channel_type": "im", "team_id": workspace}
    assert Event.objects.filter(type="message.received", thread=message.thread).count() == 1
    assert [call.args["user"] for call in slack.calls_of("users.info")] == ["U0ANA"]


def test_a_slack_connect_channel_message_is_a_customer_message(client, slack_channel,
                                                               workspace, celery_worker):
    event = message_event(user="U0BEN", channel="C0SHARED", channel_type="channel",
                          text="Our team cannot log in", ts="1700000200.000200",
                          thread_ts="1700000150.000100")
    document = {**envelope(event, workspace), "enterprise_id": "E0ACME"}

    processed(post(client, slack_channel, document))

    message = Message.objects.get(channel=slack_channel)
    assert message.identity.address == "U0BEN"
    assert message.thread.customer.name == "Ben Okafor"
    assert message.metadata["slack_channel"] == "C0SHARED"
    assert message.metadata["thread_ts"] == "1700000150.000100"
    assert message.metadata["enterprise_id"] == "E0ACME"


def test_a_retry_of_the_same_event_makes_one_message(client, slack_channel, workspace,
                                                     celery_worker):
    document = envelope(message_event(ts="1700000300.000300"), workspace, event_id="Ev01")

    first = processed(post(client, slack_channel, document))
    retry = processed(post(client, slack_channel, document, headers=None))
    body = json.dumps(document).encode()
    again = processed(post(client, slack_channel, body, headers=signed_headers(
        body, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_timeout"})))

    assert {first.status, retry.status, again.status} == {"processed"}
    assert again.headers["x-slack-retry-num"] == "2"
    assert Message.objects.filter(channel=slack_channel).count() == 1
    assert InboundPayload.objects.count() == 3


@pytest.mark.parametrize("event", [
    message_event(bot_id="B0OTHER", subtype="bot_message"),
    message_event(bot_id="B0OURS"),
    message_event(subtype="message_changed", message={"text": "edited"}),
    message_event(subtype="message_deleted", deleted_ts="1700000100.000100"),
    message_event(subtype="channel_join", channel_type="channel"),
    {"type": "reaction_added", "user": "U0ANA", "reaction": "thumbsup",
     "item": {"type": "message", "channel": "D0ANA", "ts": "1700000100.000100"}},
    {"type": "app_home_opened", "user": "U0ANA", "channel": "D0ANA"},
])
def test_what_is_not_a_customers_message_is_ignored(client, slack_channel, workspace, event,
                                                    celery_worker):
    payload = processed(post(client, slack_channel, envelope(event, workspace)))

    assert payload.status == "processed" and payload.message_count == 0
    assert not Message.objects.exists()


def test_an_unknown_envelope_type_is_stored_and_ignored(client, slack_channel, celery_worker):
    payload = processed(post(client, slack_channel, {"type": "app_rate_limited",
                                                     "team_id": "T1", "minute_rate_limited": 1}))

    assert payload.status == "processed" and not Message.objects.exists()


@pytest.mark.parametrize("how", ["wrong secret", "no signature", "garbled timestamp",
                                 "stale", "future"])
def test_a_request_slack_did_not_sign_is_refused(client, slack_channel, how):
    body = json.dumps(envelope(message_event())).encode()
    now = int(time.time())
    headers = {
        "wrong secret": signed_headers(body, secret="guess"),
        "no signature": {},
        "garbled timestamp": {**signed_headers(body), "X-Slack-Request-Timestamp": "soon"},
        "stale": signed_headers(body, timestamp=now - 6 * 60),
        "future": signed_headers(body, timestamp=now + 6 * 60),
    }[how]

    response = post(client, slack_channel, body, headers=headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    assert not InboundPayload.objects.exists()


def test_a_tampered_body_is_refused(client, slack_channel):
    body = json.dumps(envelope(message_event(text="Hi"))).encode()
    headers = signed_headers(body)

    response = post(client, slack_channel, body.replace(b"Hi", b"Pay me"), headers=headers)

    assert response.status_code == 403


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b'"text"'])
def test_a_signed_body_that_is_not_a_json_object_is_a_400(client, slack_channel, body):
    response = post(client, slack_channel, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"
    assert not InboundPayload.objects.exists()


def test_a_body_that_is_not_utf8_is_refused(client, slack_channel):
    # Slack signs text; bytes that are not UTF-8 never come from Slack.
    body, timestamp = b"\xff\xfe{}", str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), b"v0:" + timestamp.encode() + b":" + body,
                      hashlib.sha256).hexdigest()

    response = post(client, slack_channel, body, headers={
        "X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"})

    assert response.status_code == 403
    assert not InboundPayload.objects.exists()


def test_an_oversized_body_is_refused_before_verification(client, slack_channel):
    event = message_event(text="x" * (600 * 1024))

    response = post(client, slack_channel, envelope(event))

    assert response.status_code == 413
    assert not InboundPayload.objects.exists()


@pytest.mark.parametrize("event", [
    message_event(user=["U0ANA"]),
    message_event(ts=None),
    message_event(text={"rich": "text"}),
    message_event(channel=""),
])
def test_a_hostile_event_fails_alone_and_stays_stored(client, slack_channel, workspace,
                                                      event, celery_worker):
    payload = processed(post(client, slack_channel, envelope(event, workspace)))

    assert payload.status == "failed" and payload.error
    assert not Message.objects.exists()


def test_users_info_is_asked_once_for_two_messages(client, slack_channel, slack, workspace,
                                                   celery_worker):
    for ts in ("1700000400.000001", "1700000400.000002"):
        processed(post(client, slack_channel, envelope(message_event(ts=ts), workspace)))

    assert Message.objects.filter(channel=slack_channel).count() == 2
    assert len(slack.calls_of("users.info")) == 1


def test_a_failing_users_info_loses_only_the_name(client, slack_channel, slack, workspace,
                                                  celery_worker):
    slack.fail("users.info", status=500, times=-1)

    payload = processed(post(client, slack_channel, envelope(message_event(), workspace)))

    assert payload.status == "processed"
    message = Message.objects.get(channel=slack_channel)
    assert message.identity.address == "U0ANA" and message.thread.customer.name == ""


def test_the_same_email_in_slack_and_by_mail_is_one_customer(client, make_channel,
                                                             slack_channel, workspace,
                                                             celery_worker):
    # given Ana wrote by e-mail first, from a verified address (DKIM passed)
    mail = receive_message(channel=make_channel("email"), address="Ana.Costa@lumen.example",
                           text="Hello by mail", external_id="<m1@lumen.example>",
                           display_name="Ana Costa", verified=True)

    # when she writes in Slack, whose workspace vouches for the same e-mail
    processed(post(client, slack_channel, envelope(message_event(), workspace)))

    # then it is the same customer, in the same thread
    slack_message = Message.objects.get(channel=slack_channel)
    assert slack_message.thread_id == mail.message.thread_id
    assert set(Identity.objects.filter(customer=slack_message.thread.customer).values_list(
        "kind", "address")) == {("email", "ana.costa@lumen.example"), ("slack", "U0ANA")}


def test_shared_files_are_downloaded_with_the_bot_token(client, slack_channel, slack,
                                                        workspace, celery_worker):
    slack.files["F1/invoice.pdf"] = b"%PDF-1.4 invoice"
    event = message_event(subtype="file_share", text="Here it is", files=[
        {"id": "F1", "name": "invoice.pdf", "mimetype": "application/pdf", "size": 16,
         "url_private": slack.file_url("F1/invoice.pdf")},
        {"id": "F2", "name": "huge.mov", "mimetype": "video/quicktime", "size": 10**10,
         "url_private": slack.file_url("F2/huge.mov")},
        {"id": "F3", "name": "elsewhere.txt", "size": 3,
         "url_private": "http://attacker.example/steal"},
    ])

    processed(post(client, slack_channel, envelope(event, workspace)))

    message = Message.objects.get(channel=slack_channel)
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type) == ("invoice.pdf", "application/pdf")
    assert attachment.file.read() == b"%PDF-1.4 invoice"
    assert message.metadata["skipped_files"] == ["huge.mov", "elsewhere.txt"]
    [download] = slack.calls_of("file-download")
    assert download.headers["Authorization"] == f"Bearer {slack.token}"
