"""Inbound payloads: store what a provider sent, then turn it into messages.

``store_payload`` is the only step before the provider gets its 2xx; ``process_payload``
runs in a Celery task, is idempotent (a processed payload is skipped, and every provider
message id is unique per channel), and leaves a payload that fails stored with its error,
to be processed again with ``reprocess_payload``.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inbox.actions import message_update_delivery, receive_message
from inbox.models import Message

from .adapters.base import DeliveryUpdate, InboundMessage
from .models import Channel, InboundPayload
from .registry import adapter_for

logger = logging.getLogger(__name__)

# Never stored: they carry credentials, not anything the provider said.
PRIVATE_HEADERS = {"authorization", "cookie", "proxy-authorization"}


def stored_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()
            if name.lower() not in PRIVATE_HEADERS}


def store_payload(*, channel: Channel, headers: dict[str, str], body: bytes) -> InboundPayload:
    """Keep the request durably; processing is scheduled once it is committed."""
    from .tasks import process_inbound

    with transaction.atomic():
        payload = InboundPayload.objects.create(
            channel=channel, headers=stored_headers(headers), body=body)
        transaction.on_commit(lambda: process_inbound.delay(payload.pk))
    return payload


def _apply(channel: Channel, item: InboundMessage | DeliveryUpdate) -> bool:
    """Hand one parsed item to its action; True when it was a message."""
    if isinstance(item, DeliveryUpdate):
        message = Message.objects.filter(channel=channel, external_id=item.external_id).first()
        if message is not None:  # news of a message not ours, or long gone: nothing to do
            message_update_delivery(message=message, status=item.status, error=item.error)
        return False
    receive_message(
        channel=channel, address=item.address, text=item.text, html=item.html,
        external_id=item.external_id, display_name=item.display_name, verified=item.verified,
        metadata=item.metadata, automatic=item.automatic, attachments=item.attachments,
    )
    return True


def process_payload(payload_id: int) -> InboundPayload | None:
    """Parse a stored payload and apply what it holds, all or nothing."""
    with transaction.atomic():
        payload = (InboundPayload.objects.select_for_update(of=("self",)).select_related("channel")
                   .filter(pk=payload_id).first())
        if payload is None or payload.status == InboundPayload.Status.PROCESSED:
            return payload
        payload.attempts += 1
        try:
            with transaction.atomic():
                items = adapter_for(payload.channel).parse(bytes(payload.body), payload.headers)
                count = sum(_apply(payload.channel, item) for item in items)
        except (ValueError, ValidationError) as error:
            reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            payload.status, payload.error = InboundPayload.Status.FAILED, reason[:2000]
            logger.warning("payload %s of channel %s failed: %s", payload.pk,
                           payload.channel_id, reason)
        else:
            payload.status, payload.error = InboundPayload.Status.PROCESSED, ""
            payload.message_count, payload.processed_at = count, timezone.now()
        payload.save(update_fields=["status", "error", "attempts", "message_count",
                                    "processed_at"])
    return payload


def reprocess_payload(*, payload: InboundPayload) -> None:
    """Process a failed payload again (after a fix), in the background."""
    from .tasks import process_inbound

    with transaction.atomic():
        updated = InboundPayload.objects.filter(
            pk=payload.pk, status=InboundPayload.Status.FAILED
        ).update(status=InboundPayload.Status.PENDING)
        if not updated:
            raise ValidationError("Only a failed payload can be processed again.")
        transaction.on_commit(lambda: process_inbound.delay(payload.pk))


def requeue_stuck(*, older_than_seconds: int = 120) -> dict[str, int]:
    """Tasks for the queued replies and pending payloads older than ``older_than_seconds``.
    Both tasks are idempotent, so one that was only slow does no harm when sent again."""
    from .tasks import deliver_message, process_inbound

    before = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    replies = list(Message.objects.filter(
        delivery_status=Message.DeliveryStatus.QUEUED, created_at__lt=before,
    ).values_list("id", flat=True)[:1000])
    payloads = list(InboundPayload.objects.filter(
        status=InboundPayload.Status.PENDING, received_at__lt=before,
    ).values_list("id", flat=True)[:1000])
    for message_id in replies:
        deliver_message.delay(message_id)
    for payload_id in payloads:
        process_inbound.delay(payload_id)
    return {"replies": len(replies), "payloads": len(payloads)}
