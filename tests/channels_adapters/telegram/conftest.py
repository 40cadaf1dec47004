"""A fake Bot API per test, a Telegram channel pointed at it, and posting updates to the
webhook the way Telegram does (JSON body, the secret in its header)."""

import json

import pytest
from django.urls import reverse

from channels_adapters.models import InboundPayload
from tests.helpers import wait_for

from .fake_bot_api import FakeBotApi

# Shaped like a real token ("<bot id>:<35 characters>"), so the redaction is tested for real.
TOKEN = "7000001:AAH-test_TOKEN-never-in-logs-abcdef12"
SECRET = "whsec_3xAmple-Secret_value"


@pytest.fixture
def bot_api():
    api = FakeBotApi(TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def channel(make_channel, bot_api, celery_worker, settings, tmp_path):
    """On the production stack the worker saves attachments under its own MEDIA_ROOT (the
    default), where the test reads them; they are removed afterwards."""
    from inbox.models import Attachment

    if celery_worker is None:
        settings.MEDIA_ROOT = tmp_path
    channel = make_channel("telegram", name="Support bot", address="@tl_bot",
                           settings={"api_base_url": bot_api.base_url},
                           secrets={"bot_token": TOKEN, "webhook_secret": SECRET})
    yield channel
    for attachment in Attachment.objects.filter(message__channel=channel):
        attachment.file.delete(save=False)


def post_update(client, channel, update, *, secret=SECRET):
    """POST an Update (a dict, or raw bytes) to the channel's webhook; None = no header."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post(reverse("webhook", args=["telegram", channel.pk]), data=body,
                       content_type="application/json", headers=headers)


def stored_payload(response) -> InboundPayload:
    assert response.status_code == 200, response.content
    return InboundPayload.objects.get(pk=response.json()["payload"])


def settled(response) -> InboundPayload:
    """The payload a webhook stored, once the worker (or eager Celery) has processed it."""
    payload_id = stored_payload(response).pk
    return wait_for(lambda: InboundPayload.objects.exclude(status="pending")
                    .filter(pk=payload_id).first())
