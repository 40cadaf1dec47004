"""Messenger's delivery and read receipts often carry no message ids, only a watermark:
"everything sent before this time". Applied to our messages to that person, in order."""

from dataclasses import dataclass
from datetime import UTC, datetime

from ..adapters.base import InboundAction

# A receipt moves at most this many messages: older ones were settled by earlier receipts.
MAX_MESSAGES = 100


@dataclass(frozen=True)
class SeenUpTo(InboundAction):
    recipient: str  # the customer's PSID / IGSID
    status: str  # "delivered" or "read"
    watermark_ms: int

    def apply(self, channel) -> None:
        from inbox.actions import message_update_delivery
        from inbox.models import Message

        Status = Message.DeliveryStatus
        earlier = [Status.SENT] + ([Status.DELIVERED] if self.status == Status.READ else [])
        until = datetime.fromtimestamp(self.watermark_ms / 1000, tz=UTC)
        messages = Message.objects.filter(
            channel=channel, direction=Message.Direction.OUTBOUND,
            identity__kind=channel.identity_kind, identity__address=self.recipient,
            delivery_status__in=earlier, created_at__lte=until,
        ).order_by("-created_at").values_list("pk", flat=True)[:MAX_MESSAGES]
        for message_id in sorted(messages):
            message_update_delivery(message=message_id, status=self.status)
