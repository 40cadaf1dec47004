"""A fake Slack on loopback, a Slack channel pointed at it, and signed Events API posts."""

import json
import time
import uuid

import pytest
from django.urls import reverse
from slack_sdk.signature import SignatureVerifier

from channels_adapters.models import InboundPayload
from channels_adapters.slack.mirror import forget_mirrored_teams
from tests.helpers import wait_for

from .fake_slack import FakeSlack, FakeSlackServer, user

TOKEN = "xoxb-1111-2222-secretbottoken"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
ANA = user("U0ANA", "Ana Costa", "ana.costa@lumen.example")
BEN = user("U0BEN", "Ben Okafor", "ben@acme.example")
LIAM = user("U0LIAM", "Liam Agent", "liam@ourshop.example")
STRANGER = user("U0WHO", "Who Knows", "who@elsewhere.example")


@pytest.fixture(autouse=True)
def _fresh_mirror_cache():
    forget_mirrored_teams()
    yield
    forget_mirrored_teams()


@pytest.fixture
def slack():
    fake = FakeSlack(token=TOKEN, users={u["id"]: u for u in (ANA, BEN, LIAM, STRANGER)})
    with FakeSlackServer(fake) as running:
        yield running


@pytest.fixture
def workspace() -> str:
    """A workspace id of the test's own: users.info answers are cached per workspace."""
    return "T" + uuid.uuid4().hex[:10].upper()


@pytest.fixture
def slack_channel(make_channel, slack):
    return make_channel("slack", address="Lumen support app",
                        settings={"api_base_url": slack.base_url},
                        secrets={"bot_token": TOKEN, "signing_secret": SIGNING_SECRET})


def message_event(*, user: str = "U0ANA", text: str = "Hello", channel: str = "D0ANA",
                  channel_type: str = "im", ts: str = "1700000100.000100", **extra) -> dict:
    """A ``message`` event as Slack documents it."""
    return {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
            "event_ts": ts, "channel_type": channel_type, "team": extra.pop("team", "T0001"),
            **extra}


def envelope(event: dict, workspace: str = "T0001", event_id: str | None = None) -> dict:
    """The Events API's event_callback envelope."""
    return {"token": "verification-token-unused", "team_id": workspace,
            "api_app_id": "A0THREADLINE", "event": event, "type": "event_callback",
            "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
            "event_time": int(time.time()),
            "authorizations": [{"team_id": workspace, "user_id": "U0BOT", "is_bot": True}]}


def signed_headers(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None,
                   **extra) -> dict:
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature, **extra}


def post(client, channel, document, *, headers=None, **signing):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(reverse("webhook", args=["slack", channel.pk]), data=body,
                       content_type="application/json",
                       headers=headers if headers is not None else signed_headers(body,
                                                                                  **signing))


def processed(response) -> InboundPayload:
    assert response.status_code == 200, response.content
    payload_id = response.json()["payload"]
    wait_for(lambda: InboundPayload.objects.get(pk=payload_id).status != "pending")
    return InboundPayload.objects.get(pk=payload_id)
