"""The webhook endpoint: verify, store raw, answer fast, process in a task; nothing lost."""

import json

import pytest
from django.urls import reverse

from channels_adapters.adapters.stub import sign
from channels_adapters.inbound import process_payload, reprocess_payload
from channels_adapters.models import InboundPayload
from inbox.actions import send_reply
from inbox.models import Message
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-webhook-key"


@pytest.fixture
def channel(make_channel):
    return make_channel("whatsapp", secrets={"webhook_secret": SECRET})


def post(client, channel, document, *, secret=SECRET, kind=None, headers=None):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(
        reverse("webhook", args=[kind or channel.kind, channel.pk]), data=body,
        content_type="application/json",
        headers={"X-Threadline-Signature": sign(body, secret), **(headers or {})},
    )


def payload_status(payload_id):
    return InboundPayload.objects.get(pk=payload_id).status


def test_a_signed_payload_is_stored_then_becomes_a_message(client, channel, celery_worker):
    response = post(client, channel, {"messages": [
        {"id": "wamid.1", "from": "+33612345678", "name": "Ana", "text": "Hello!"}]})

    assert response.status_code == 200
    payload_id = response.json()["payload"]
    wait_for(lambda: payload_status(payload_id) == "processed")
    message = Message.objects.get(channel=channel, external_id="wamid.1")
    assert message.text == "Hello!" and message.identity.address == "+33612345678"
    assert InboundPayload.objects.get(pk=payload_id).message_count == 1


def test_the_same_webhook_twice_makes_one_message(client, channel, celery_worker):
    document = {"messages": [{"id": "wamid.2", "from": "+33612345678", "text": "Hi"}]}
    first, second = post(client, channel, document), post(client, channel, document)

    for response in (first, second):
        wait_for(lambda r=response: payload_status(r.json()["payload"]) == "processed")
    assert Message.objects.filter(external_id="wamid.2").count() == 1
    assert InboundPayload.objects.count() == 2  # both requests kept, as received


@pytest.mark.parametrize("secret", ["wrong-secret", ""])
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, channel, secret):
    response = post(client, channel, {"messages": []}, secret=secret or "x")
    if not secret:
        response = client.post(reverse("webhook", args=[channel.kind, channel.pk]),
                               data=b"{}", content_type="application/json")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "bad_signature"
    assert not InboundPayload.objects.exists()


def test_unknown_inactive_or_mismatched_channels_are_404(client, channel, make_channel):
    disabled = make_channel("sms", is_active=False, secrets={"webhook_secret": SECRET})

    assert post(client, channel, {}, kind="telegram").status_code == 404
    assert post(client, disabled, {}).status_code == 404
    assert client.post("/hooks/whatsapp/999999/", data=b"{}",
                       content_type="application/json").status_code == 404
    assert not InboundPayload.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_stored(client, channel):
    response = post(client, channel, b"x" * (1024 * 1024 + 1))

    assert response.status_code == 413
    assert not InboundPayload.objects.exists()


def test_get_without_a_handshake_is_not_allowed(client, channel):
    assert client.get(reverse("webhook", args=[channel.kind, channel.pk])).status_code == 405


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "not JSON"),
    (b"[1, 2]", "expected a JSON object"),
    (json.dumps({"messages": "nope"}).encode(), "messages must be a list of objects"),
    (json.dumps({"messages": [{"from": "", "text": "hi"}]}).encode(), "address is empty"),
    (json.dumps({"messages": [{"from": "+336", "text": "x" * 70000}]}).encode(), "limit is"),
])
def test_a_payload_that_cannot_be_read_stays_stored_with_its_error(
    client, channel, celery_worker, body, reason
):
    response = post(client, channel, body)

    assert response.status_code == 200  # acknowledged: the provider must not retry forever
    payload_id = response.json()["payload"]
    wait_for(lambda: payload_status(payload_id) == "failed")
    payload = InboundPayload.objects.get(pk=payload_id)
    assert reason in payload.error and bytes(payload.body) == body
    assert not Message.objects.exists()


def test_a_failed_payload_is_processed_again_once_the_cause_is_fixed(channel, celery_worker):
    # given a payload that failed while its channel was disabled
    payload = InboundPayload.objects.create(channel=channel, headers={}, body=json.dumps(
        {"messages": [{"id": "wamid.4", "from": "+33612345678", "text": "Later"}]}).encode())
    type(channel).objects.filter(pk=channel.pk).update(is_active=False)
    assert process_payload(payload.pk).status == "failed"
    assert "disabled" in InboundPayload.objects.get(pk=payload.pk).error

    # when the channel is enabled again and the payload re-processed
    type(channel).objects.filter(pk=channel.pk).update(is_active=True)
    reprocess_payload(payload=payload)

    wait_for(lambda: payload_status(payload.pk) == "processed")
    assert Message.objects.filter(external_id="wamid.4").exists()


def test_hostile_html_is_sanitised_and_credentials_are_not_stored(client, channel,
                                                                  celery_worker):
    response = post(client, channel, {"messages": [{
        "id": "wamid.5", "from": "+33612345678", "text": "hi",
        "html": '<p onclick="steal()">hi<script>alert(1)</script><img src=x onerror=alert(2)></p>',
    }]}, headers={"Authorization": "Bearer provider-token", "Cookie": "sessionid=abc"})

    payload_id = response.json()["payload"]
    wait_for(lambda: payload_status(payload_id) == "processed")
    html = Message.objects.get(external_id="wamid.5").html
    assert "script" not in html and "onerror" not in html and "onclick" not in html
    headers = InboundPayload.objects.get(pk=payload_id).headers
    assert "authorization" not in headers and "cookie" not in headers
    assert headers["x-threadline-signature"].startswith("sha256=")


def test_a_delivery_status_callback_updates_the_reply(client, channel, celery_worker):
    post(client, channel, {"messages": [{"id": "wamid.6", "from": "+33612345678",
                                         "text": "hi"}]})
    wait_for(lambda: Message.objects.filter(external_id="wamid.6").exists())
    thread = Message.objects.get(external_id="wamid.6").thread
    reply = send_reply(thread=thread, channel=channel, author=None, text="Hello back")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")
    provider_id = Message.objects.get(pk=reply.pk).external_id

    response = post(client, channel, {"statuses": [{"id": provider_id, "status": "read"},
                                                   {"id": "not-ours", "status": "read"}]})

    wait_for(lambda: payload_status(response.json()["payload"]) == "processed")
    assert Message.objects.get(pk=reply.pk).delivery_status == "read"
