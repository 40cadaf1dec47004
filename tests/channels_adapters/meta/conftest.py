"""Meta's channels against a fake Graph API on loopback, with webhooks built from Meta's
documented example payloads (``fixtures/``) and signed with the app secret."""

import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from channels_adapters.meta.signature import sign
from channels_adapters.models import InboundPayload
from tests.helpers import wait_for

from .fake_graph import FakeGraph

FIXTURES = Path(__file__).parent / "fixtures"
APP_SECRET = "9f1c-app-secret-0d2e"
VERIFY_TOKEN = "threadline-verify-42"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
PSID = "6543219876543210"
IGSID = "1234567890123456"


def load(name: str, **replacements: str) -> dict:
    """A fixture payload, with its placeholders (WAMID, STATUS, MID…) filled in."""
    text = (FIXTURES / f"{name}.json").read_text()
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def post_webhook(client, channel, document, *, secret=APP_SECRET, signature=None):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    headers = {} if signature == "" else {
        "X-Hub-Signature-256": signature or sign(body, secret)}
    return client.post(reverse("webhook", args=[channel.kind, channel.pk]), data=body,
                       content_type="application/json", headers=headers)


def processed(response) -> InboundPayload:
    """The stored payload once the Celery task (eager, or the real worker) processed it."""
    assert response.status_code == 200, response.content
    payload_id = response.json()["payload"]
    return wait_for(lambda: InboundPayload.objects.filter(
        pk=payload_id).exclude(status=InboundPayload.Status.PENDING).first())


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Files saved here (on the production stack the worker saves inbound files in its own
    # MEDIA_ROOT: tests there look at the attachment's row, not its file).
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def graph():
    server = FakeGraph().start()
    yield server
    server.stop()


def _meta_channel(make_channel, graph, kind, settings):
    channel = make_channel(kind, settings={"graph_base_url": graph.base_url, **settings},
                           secrets={"access_token": graph.token, "app_secret": APP_SECRET,
                                    "verify_token": VERIFY_TOKEN})
    # The name cache outlives a test run on Redis; a channel id may come back in another.
    cache.delete_many([f"meta-profile:{channel.pk}:{user}" for user in (PSID, IGSID)])
    return channel


@pytest.fixture
def whatsapp_channel(make_channel, graph):
    return _meta_channel(make_channel, graph, "whatsapp", {
        "phone_number_id": PHONE_NUMBER_ID, "business_account_id": WABA_ID})


@pytest.fixture
def messenger_channel(make_channel, graph):
    graph.profiles[PSID] = {"first_name": "Peter", "last_name": "Chang"}
    return _meta_channel(make_channel, graph, "messenger", {"page_id": "109876543210987"})


@pytest.fixture
def instagram_channel(make_channel, graph):
    graph.profiles[IGSID] = {"name": "Léa Martin", "username": "lea.martin"}
    return _meta_channel(make_channel, graph, "instagram",
                         {"instagram_account_id": "17841405822304914"})
