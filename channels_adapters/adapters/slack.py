"""Slack: our app installed in a company's workspace. Customers write to it in a DM or in a
Slack Connect channel; a channel with ``mirror_channel`` also mirrors its team's threads
into that Slack channel (see channels_adapters.slack)."""

import json

from django.http import JsonResponse
from slack_sdk.signature import SignatureVerifier

from ..slack import tasks as _tasks  # noqa: F401 - registers the mirror task in workers
from ..slack.events import parse_events
from ..slack.outbound import send_message
from .base import ChannelAdapter


class SlackAdapter(ChannelAdapter):
    kind = "slack"
    # Event payloads are small; a message holds at most 40,000 characters.
    max_body_bytes = 512 * 1024

    @classmethod
    def connected(cls, channel) -> bool:
        secrets = channel.secrets or {}
        return bool(secrets.get("bot_token") and secrets.get("signing_secret"))

    def verify(self, headers, body) -> bool:
        # The SDK refuses timestamps more than five minutes away (replays).
        try:
            return SignatureVerifier(self.channel.secrets["signing_secret"]).is_valid(
                body, headers.get("x-slack-request-timestamp"),
                headers.get("x-slack-signature"))
        except (KeyError, ValueError, UnicodeDecodeError):
            return False

    def answer_at_once(self, headers, body):
        try:
            document = json.loads(body)
        except (UnicodeDecodeError, ValueError):
            return JsonResponse({"error": {"code": "malformed",
                                           "message": "The body is not JSON."}}, status=400)
        if not isinstance(document, dict):
            return JsonResponse({"error": {"code": "malformed",
                                           "message": "Expected a JSON object."}}, status=400)
        if document.get("type") == "url_verification":
            return JsonResponse({"challenge": str(document.get("challenge", ""))[:500]})
        return None

    def parse(self, body, headers):
        return parse_events(self.channel, body)

    def send(self, message) -> str:
        return send_message(message)
