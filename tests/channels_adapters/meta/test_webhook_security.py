"""What reaches the Meta webhooks: the subscription handshake, signatures, and hostile,
malformed or oversized bodies — each refused clearly or kept failed, nothing valid lost."""

import json

import pytest
from django.urls import reverse

from channels_adapters.models import InboundPayload
from inbox.models import Message

from .conftest import VERIFY_TOKEN, load, post_webhook, processed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

KINDS = ["whatsapp_channel", "messenger_channel", "instagram_channel"]
EXAMPLES = {"whatsapp": "whatsapp_text", "messenger": "messenger_text",
            "instagram": "instagram_text"}


@pytest.fixture(params=KINDS)
def channel(request):
    return request.getfixturevalue(request.param)


def handshake(client, channel, **query):
    return client.get(reverse("webhook", args=[channel.kind, channel.pk]), query)


def test_the_handshake_echoes_the_challenge_for_our_token(client, channel):
    response = handshake(client, channel, **{"hub.mode": "subscribe",
                                             "hub.verify_token": VERIFY_TOKEN,
                                             "hub.challenge": "1158201444"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize("query", [
    {"hub.mode": "subscribe", "hub.verify_token": "not-ours", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
    {},
])
def test_the_handshake_refuses_anything_else(client, channel, query):
    assert handshake(client, channel, **query).status_code == 403


def test_a_channel_without_a_verify_token_refuses_every_handshake(client, channel):
    channel.secrets = {k: v for k, v in channel.secrets.items() if k != "verify_token"}
    channel.save()

    response = handshake(client, channel, **{"hub.mode": "subscribe", "hub.verify_token": "",
                                             "hub.challenge": "1"})
    assert response.status_code == 403


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc", "garbage"])
def test_a_missing_or_bad_signature_is_refused_and_nothing_stored(client, channel, signature):
    response = post_webhook(client, channel, load(EXAMPLES[channel.kind]), signature=signature)

    assert response.status_code == 403
    assert not InboundPayload.objects.exists()


def test_a_signature_with_another_secret_is_refused(client, channel):
    response = post_webhook(client, channel, load(EXAMPLES[channel.kind]), secret="other")

    assert response.status_code == 403


def test_a_channel_without_an_app_secret_refuses_everything(client, channel):
    channel.secrets = {k: v for k, v in channel.secrets.items() if k != "app_secret"}
    channel.save()

    response = post_webhook(client, channel, load(EXAMPLES[channel.kind]), secret="")

    assert response.status_code == 403
    assert not InboundPayload.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_read(client, channel):
    body = json.dumps({"object": "page", "padding": "x" * (1024 * 1024)}).encode()

    response = post_webhook(client, channel, body)

    assert response.status_code == 413
    assert not InboundPayload.objects.exists()


MALFORMED = [b"{not json", b"\xff\xfe\x00", b"[1, 2, 3]", b'"a string"', b"null"]
HOSTILE = {
    "whatsapp": [
        b'{"object": "whatsapp_business_account", "entry": "not a list"}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"messages": [{"from": "<script>", "id": "x", "type": "text"}]}}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": {"messages": [{"from": "1", "id": "x", "type": "text",'
        b' "text": {"body": "a number too short to be one"}}]}}]}]}',
        b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages",'
        b' "value": ["not", "an", "object"]}]}]}',
    ],
    "messenger": [
        b'{"object": "page", "entry": "not a list"}',
        b'{"object": "page", "entry": [{"messaging": [{"message": {"text": "no sender"}}]}]}',
        b'{"object": "page", "entry": [{"messaging": [{"sender": {"id": "<b>x</b>"},'
        b' "message": {"mid": "m_1", "text": "hi"}}]}]}',
    ],
    "instagram": [
        b'{"object": "instagram", "entry": [{"messaging": [{"sender": {"id": "1"},'
        b' "message": "not an object"}]}]}',
        b'{"object": "instagram", "entry": [{"messaging": [{"sender": {"id": "1"},'
        b' "message": {"mid": "' + b"m" * 300 + b'", "text": "an id too long"}}]}]}',
    ],
}


@pytest.mark.parametrize(("kind", "body"), [
    *((kind, body) for kind in EXAMPLES for body in MALFORMED),
    *((kind, body) for kind, bodies in HOSTILE.items() for body in bodies),
])
def test_malformed_or_hostile_bodies_are_kept_failed_with_a_reason(client, request, kind,
                                                                   body):
    channel = request.getfixturevalue(f"{kind}_channel")

    payload = processed(post_webhook(client, channel, body))

    assert payload.status == "failed" and payload.error
    assert not Message.objects.exists()


@pytest.mark.parametrize("document", [
    {"object": "user", "entry": [{"changes": [{"field": "email"}]}]},
    {"object": "whatsapp_business_account", "entry": [
        {"changes": [{"field": "message_template_status_update", "value": {"event": "x"}}]}]},
    {},
])
def test_other_webhooks_are_processed_as_nothing(client, channel, document):
    payload = processed(post_webhook(client, channel, document))

    assert (payload.status, payload.message_count) == ("processed", 0)


def test_a_text_over_our_length_limit_fails_the_payload_cleanly(client, channel, settings):
    # the limit is the worker's own setting: a text longer than its default
    document = json.loads(json.dumps(load(EXAMPLES[channel.kind]))
                          .replace("Does it come in another color?", "x" * 70_000)
                          .replace("hello, world!", "x" * 70_000)
                          .replace("Do you ship to Lyon?", "x" * 70_000))

    payload = processed(post_webhook(client, channel, document))

    assert payload.status == "failed"
    assert "the limit is 65536" in payload.error
    assert not Message.objects.exists()
