"""A stand-in adapter for kinds whose real adapter is not written yet.

It accepts every message and invents a provider id. Channel settings let a demo or a test
make it fail, the way a provider would: ``{"stub_fail": "permanent"}`` refuses every
message; ``{"stub_transient_failures": 2}`` fails the first two attempts of each message.
"""

import uuid

from .base import ChannelAdapter, DeliveryError


class StubAdapter(ChannelAdapter):
    def send(self, message) -> str:
        settings = self.channel.settings or {}
        if settings.get("stub_fail") == "permanent":
            raise DeliveryError("The provider refused the message (stub).", transient=False)
        if message.delivery_attempts <= int(settings.get("stub_transient_failures", 0)):
            raise DeliveryError("The provider is unavailable (stub).", transient=True)
        return f"stub-{uuid.uuid4()}"

    def verify(self, headers, body) -> bool:
        return False
