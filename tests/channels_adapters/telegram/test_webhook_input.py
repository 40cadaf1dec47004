"""What Telegram's webhook must refuse or keep aside: a wrong or missing secret (403,
nothing stored), an oversized body (413), and payloads that cannot become messages (2xx,
so Telegram does not retry forever; stored as failed with the reason, to process again)."""

import json

import pytest

from channels_adapters.inbound import reprocess_payload
from channels_adapters.models import InboundPayload
from inbox.models import Message
from tests.helpers import wait_for

from . import updates
from .conftest import SECRET, post_update, settled

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


@pytest.mark.parametrize("secret", ["not-the-secret", "", SECRET + "x", None])
def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(client, channel, secret):
    response = post_update(client, channel, updates.text(), secret=secret)

    assert response.status_code == 403
    assert not InboundPayload.objects.exists()


def test_a_channel_without_a_webhook_secret_refuses_everything(client, channel):
    channel.secrets = {"bot_token": channel.secrets["bot_token"]}
    channel.save()

    for secret in ("", None, SECRET):
        assert post_update(client, channel, updates.text(), secret=secret).status_code == 403
    assert not InboundPayload.objects.exists()


def test_an_oversized_body_is_refused_before_it_is_stored(client, channel):
    response = post_update(client, channel, b"{" + b" " * (256 * 1024) + b"}")

    assert response.status_code == 413
    assert not InboundPayload.objects.exists()


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe\x00garbage", "not JSON"),
    (b"[1, 2]", "expected a Telegram update"),
    (b'"update"', "expected a Telegram update"),
    (json.dumps({"update_id": 1, "message": "nope"}).encode(), "not a Telegram update"),
    (json.dumps({"update_id": 1, "message": {"message_id": 1}}).encode(),
     "not a Telegram update"),
    # a sender id no Telegram user has: refused by the identity rules
    (json.dumps({**updates.text(), "message": {**updates.text()["message"], "from": {
        "id": "1; DROP TABLE", "is_bot": False, "first_name": "X"}}}).encode(), "id may only"),
])
def test_a_payload_that_is_not_an_update_is_kept_as_failed(client, channel, body, reason):
    payload = settled(post_update(client, channel, body))

    assert payload.status == "failed" and reason in payload.error
    assert bytes(payload.body) == body
    assert not Message.objects.exists()


def test_reprocessing_a_malformed_payload_fails_again_cleanly(client, channel):
    payload = settled(post_update(client, channel, b"{not json"))

    reprocess_payload(payload=payload)

    again = settled_again(payload)
    assert again.status == "failed" and "not JSON" in again.error and again.attempts == 2


def test_a_huge_text_is_refused_by_our_limits_not_a_crash(client, channel):
    # Telegram caps texts at 4,096 characters; a forged update may not
    huge = "x" * 70_000

    payload = settled(post_update(client, channel, updates.text(huge)))

    assert payload.status == "failed" and "limit is" in payload.error
    assert not Message.objects.exists()


def test_markup_in_a_text_stays_text(client, channel):
    payload = settled(post_update(client, channel, updates.text("<script>alert(1)</script>")))

    message = Message.objects.get(channel=channel)
    assert payload.status == "processed"
    assert message.text == "<script>alert(1)</script>" and message.html == ""


def test_media_telegram_cannot_serve_fails_the_payload_until_processed_again(client, channel,
                                                                            bot_api):
    # given Telegram unavailable when the photo is fetched
    bot_api.add_file("photo-big", b"jpeg", "photos/file_1.jpg")
    bot_api.fail_next(500, method="getFile")

    payload = settled(post_update(client, channel, updates.photo()))

    assert payload.status == "failed"
    assert payload.error == ("could not download the photo from Telegram: "
                             "Internal Server Error")
    assert not Message.objects.exists()

    # when it is processed again, Telegram being back: nothing was lost
    reprocess_payload(payload=payload)

    assert settled_again(payload).status == "processed"
    assert Message.objects.get(channel=channel).attachments.count() == 1


def settled_again(payload: InboundPayload) -> InboundPayload:
    return wait_for(lambda: InboundPayload.objects.filter(
        pk=payload.pk, attempts__gt=payload.attempts).exclude(status="pending").first())
