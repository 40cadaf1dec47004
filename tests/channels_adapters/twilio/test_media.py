"""MMS: the pictures a customer sends are fetched from Twilio with the account's credentials
and kept on the message; what cannot be fetched is said in the text, and the text kept.

The signed request is verified and stored as the webhook does, then processed here, in the
test's transaction (where the task scheduled on commit never runs): the files land in the
test's MEDIA_ROOT on both stacks, not in a worker's."""

import base64
from urllib.parse import urlencode

import pytest

from channels_adapters.adapters.base import REQUEST_URL_HEADER
from channels_adapters.inbound import process_payload, store_payload
from channels_adapters.models import InboundPayload
from channels_adapters.registry import adapter_for
from inbox.models import Message

from .fake_twilio import FakeTwilio
from .webhooks import ACCOUNT_SID, AUTH_TOKEN, hook_url, inbound_sms, signature

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"picture" * 1000
SID = "MM" + "d" * 32


def mms(fake, names: list[str], body: str = "", **extra) -> dict:
    params = inbound_sms(SID, body, NumMedia=str(len(names)), **extra)
    for n, name in enumerate(names):
        params[f"MediaUrl{n}"] = name if name.startswith("http") else fake.media_url(name)
        params[f"MediaContentType{n}"] = "image/jpeg"
    return params


def received(channel, params) -> InboundPayload:
    body = urlencode(params).encode()
    headers = {"x-twilio-signature": signature(hook_url(channel), params),
               REQUEST_URL_HEADER: hook_url(channel)}
    assert adapter_for(channel).verify(headers, body)
    payload = store_payload(channel=channel, headers=headers, body=body)
    process_payload(payload.pk)
    return InboundPayload.objects.get(pk=payload.pk)


def test_a_picture_is_fetched_and_kept_on_the_message(sms_channel, fake_twilio):
    fake_twilio.media["ME1"] = ("image/jpeg", JPEG)

    payload = received(sms_channel, mms(fake_twilio, ["ME1"], "The box is broken"))

    assert payload.status == "processed"
    message = Message.objects.get(external_id=SID)
    assert message.text == "The box is broken"
    assert message.metadata["channel"] == "mms"
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "media-1.jpg", "image/jpeg", len(JPEG))
    assert attachment.file.read() == JPEG
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    media_get = next(r for r in fake_twilio.requests if "/Media/" in r.path)
    assert media_get.headers["authorization"] == f"Basic {credentials}"


def test_media_that_cannot_be_fetched_is_named_in_the_text(sms_channel, fake_twilio):
    fake_twilio.media["ME1"] = ("image/jpeg", JPEG)
    fake_twilio.media["BIG"] = ("image/jpeg", b"\xff" * (5 * 1024 * 1024 + 1))

    payload = received(sms_channel,
                       mms(fake_twilio, ["ME1", "BIG", "GONE"], "Three pictures"))

    assert payload.status == "processed"
    message = Message.objects.get(external_id=SID)
    assert message.text == (
        "Three pictures\n\n"
        "[Media 2 (image/jpeg) could not be fetched: larger than 5 MB]\n\n"
        "[Media 3 (image/jpeg) could not be fetched: Twilio answered HTTP 404]")
    assert [a.filename for a in message.attachments.all()] == ["media-1.jpg"]
    assert len(message.metadata["media_problems"]) == 2


def test_a_picture_alone_that_cannot_be_fetched_still_makes_a_message(sms_channel,
                                                                     fake_twilio):
    payload = received(sms_channel, mms(fake_twilio, ["GONE"]))

    assert payload.status == "processed"
    message = Message.objects.get(external_id=SID)
    assert message.text.startswith("[Media 1 (image/jpeg) could not be fetched")
    assert not message.attachments.exists()


def test_credentials_go_to_twilio_only(sms_channel, fake_twilio):
    elsewhere = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    try:
        elsewhere.media["ME1"] = ("image/jpeg", JPEG)
        payload = received(sms_channel,
                           mms(fake_twilio, [elsewhere.media_url("ME1")], "Look"))
    finally:
        elsewhere.stop()

    assert payload.status == "processed"
    [request] = elsewhere.requests
    assert "authorization" not in request.headers
    assert "could not be fetched: Twilio answered HTTP 401" in Message.objects.get(
        external_id=SID).text


def test_a_malformed_media_count_is_flagged(sms_channel, fake_twilio):
    payload = received(sms_channel, inbound_sms(SID, "Hi", NumMedia="lots"))

    assert payload.status == "failed" and "NumMedia" in payload.error
    assert not Message.objects.exists()
