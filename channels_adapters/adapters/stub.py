"""A stand-in adapter for kinds whose real adapter is not written yet.

Outbound, it accepts every message and invents a provider id. Channel settings let a demo or
a test make it fail, the way a provider would: ``{"stub_fail": "permanent"}`` refuses every
message; ``{"stub_transient_failures": 2}`` fails the first two attempts of each message.

Inbound, it reads a small signed JSON format, so that the webhook endpoint, raw storage and
processing can be used before a provider's own format is: the body is
``{"messages": [{"id", "from", "name", "text", "html"}], "statuses": [{"id", "status",
"error"}]}`` and ``X-Threadline-Signature: sha256=<hex>`` is the HMAC-SHA256 of the body
under the channel secret ``webhook_secret``.
"""

import hashlib
import hmac
import uuid

from ..payloads import load_document, objects
from .base import ChannelAdapter, DeliveryError, DeliveryUpdate, InboundMessage

SIGNATURE_HEADER = "x-threadline-signature"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class StubAdapter(ChannelAdapter):
    def send(self, message) -> str:
        settings = self.channel.settings or {}
        if settings.get("stub_fail") == "permanent":
            raise DeliveryError("The provider refused the message (stub).", transient=False)
        if message.delivery_attempts <= int(settings.get("stub_transient_failures", 0)):
            raise DeliveryError("The provider is unavailable (stub).", transient=True)
        return f"stub-{uuid.uuid4()}"

    def verify(self, headers, body) -> bool:
        secret = (self.channel.secrets or {}).get("webhook_secret")
        given = headers.get(SIGNATURE_HEADER, "")
        return bool(secret) and hmac.compare_digest(sign(body, secret), given)

    def parse(self, body, headers):
        document = load_document(body)
        items = []
        for entry in objects(document, "messages"):
            items.append(InboundMessage(
                address=str(entry.get("from", "")), text=str(entry.get("text", "")),
                html=str(entry.get("html", "")), external_id=_text_or_none(entry.get("id")),
                display_name=str(entry.get("name", "")),
            ))
        for entry in objects(document, "statuses"):
            items.append(DeliveryUpdate(external_id=str(entry.get("id", "")),
                                        status=str(entry.get("status", "")),
                                        error=str(entry.get("error", ""))))
        return items



def _text_or_none(value) -> str | None:
    return None if value in (None, "") else str(value)
