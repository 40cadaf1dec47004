"""Inbound payloads: store what a provider sent, then turn it into messages.

``store_payload`` is the only step before the provider gets its 2xx; ``process_payload``
runs in a Celery task, is idempotent (a processed payload is skipped, and every provider
message id is unique per channel), and leaves a payload that fails stored with its error,
to be processed again with ``reprocess_payload``.
"""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import RedisError

from config.process_cache import process_cache
from inbox.actions import message_update_delivery, receive_messages
from inbox.models import Message

from .adapters.base import DeliveryUpdate, InboundAction, InboundMessage
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
    return store_payloads([(channel, headers, body)])[0]


def store_payloads(requests: list[tuple[Channel, dict[str, str], bytes]]) -> list[InboundPayload]:
    """Keep requests that arrived together in one transaction (one commit, one fsync); a
    worker then drains each channel's pending payloads."""
    with transaction.atomic():
        payloads = InboundPayload.objects.bulk_create([
            InboundPayload(channel=channel, headers=stored_headers(headers), body=body)
            for channel, headers, body in requests])
        channel_ids = {payload.channel_id for payload in payloads}
        transaction.on_commit(lambda: request_drain(channel_ids))
    return payloads


def process_payload(payload_id: int) -> InboundPayload | None:
    """Parse a stored payload and apply what it holds, all or nothing."""
    return process_payloads([payload_id]).get(payload_id)


# At most this many payloads of a channel are processed in one transaction.
DRAIN_BATCH = 100
# A channel's drain is asked for once per this many seconds at most while one is queued; a
# drain task that was lost is asked for again after this (the sweep catches the rest).
DRAIN_REQUEST_SECONDS = 5


def _drain_key(channel_id: int) -> str:
    return f"inbound-drain:{connection.settings_dict['NAME']}:{channel_id}"


def request_drain(channel_ids: set[int]) -> None:
    """Ask a worker to process the channels' pending payloads, unless a drain of the channel
    is already queued: a burst of webhooks makes a few drain tasks, each taking the
    payloads waiting by then in batches, instead of a task per payload."""
    from .tasks import drain_channel

    try:
        for channel_id in sorted(channel_ids):
            if process_cache().add(_drain_key(channel_id), 1, timeout=DRAIN_REQUEST_SECONDS):
                drain_channel.delay(channel_id)
    except (RedisError, KombuOperationalError, OSError):
        # Redis down: the payloads are stored (this runs after commit) and the provider must
        # get its 2xx, or it sends them again; the beat's sweep finds them pending.
        logger.warning("no drain asked for channels %s: the sweep will take their payloads",
                       sorted(channel_ids), exc_info=True)


def drain(channel_id: int) -> int:
    """Process the channel's pending payloads, oldest first, a batch at a time, until none
    is left; payloads another worker is processing are left to it (skip locked)."""
    # Payloads committed from now on ask for a new drain: a batch smaller than a full one
    # took everything that was pending, and nothing is left to look for.
    process_cache().delete(_drain_key(channel_id))
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                InboundPayload.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("channel__team")
                .filter(channel_id=channel_id, status=InboundPayload.Status.PENDING)
                .order_by("pk")[:DRAIN_BATCH])
            if not batch:
                return done
            _process_locked(batch)
        done += len(batch)
        if len(batch) < DRAIN_BATCH:
            return done


def process_payloads(payload_ids: list[int]) -> dict[int, InboundPayload]:
    """Process stored payloads together (a mailbox poll's batch): one transaction, the
    messages of each channel received in one batch. If the batch is refused, each payload
    is taken on its own, so one bad payload fails alone with its reason."""
    with transaction.atomic():
        payloads = list(
            InboundPayload.objects.select_for_update(of=("self",))
            .select_related("channel__team").filter(pk__in=payload_ids).order_by("pk"))
        _process_locked(payloads)
    return {payload.pk: payload for payload in payloads}


def _process_locked(payloads: list[InboundPayload]) -> None:
    """``process_payloads`` on payload rows this transaction has locked."""
    todo = [payload for payload in payloads
            if payload.status != InboundPayload.Status.PROCESSED]
    parsed = []
    for payload in todo:
        payload.attempts += 1
        try:
            parsed.append((payload, adapter_for(payload.channel).parse(
                bytes(payload.body), payload.headers)))
        except ValueError as error:
            _failed(payload, error)
    by_channel: dict[int, list] = {}
    for payload, items in parsed:
        by_channel.setdefault(payload.channel_id, []).append((payload, items))
    for group in by_channel.values():
        try:
            with transaction.atomic():
                _apply(group)
        except (ValueError, ValidationError, IntegrityError):
            for payload, items in group:
                try:
                    with transaction.atomic():
                        _apply([(payload, items)])
                except (ValueError, ValidationError) as error:
                    _failed(payload, error)
    _save_outcomes(todo)


def _save_outcomes(payloads: list[InboundPayload]) -> None:
    """One UPDATE per distinct outcome (a batch of mails is nearly always one)."""
    outcomes: dict[tuple, list[int]] = {}
    for payload in payloads:
        key = (payload.status, payload.error, payload.attempts, payload.message_count,
               payload.processed_at)
        outcomes.setdefault(key, []).append(payload.pk)
    for (status, error, attempts, count, processed_at), ids in outcomes.items():
        InboundPayload.objects.filter(pk__in=ids).update(
            status=status, error=error, attempts=attempts, message_count=count,
            processed_at=processed_at)


def _apply(group: list[tuple[InboundPayload, list]]) -> None:
    """The messages of payloads from one channel, received together; then the delivery
    updates. Marks the payloads processed (saved by the caller)."""
    channel = group[0][0].channel
    messages = [item for _, items in group for item in items
                if isinstance(item, InboundMessage)]
    receive_messages(channel=channel, items=messages)
    for _, items in group:
        for item in items:
            if isinstance(item, DeliveryUpdate):
                _update_delivery(channel, item)
            elif isinstance(item, InboundAction):
                item.apply(channel)
    now = timezone.now()
    for payload, items in group:
        payload.status, payload.error, payload.processed_at = (
            InboundPayload.Status.PROCESSED, "", now)
        payload.message_count = sum(isinstance(item, InboundMessage | InboundAction)
                                    for item in items)


def _update_delivery(channel: Channel, update: DeliveryUpdate) -> None:
    message = Message.objects.filter(channel=channel, external_id=update.external_id).first()
    if message is not None:  # news of a message not ours, or long gone: nothing to do
        message_update_delivery(message=message, status=update.status, error=update.error)


def _failed(payload: InboundPayload, error: Exception) -> None:
    reason = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    payload.status, payload.error = InboundPayload.Status.FAILED, reason[:2000]
    logger.warning("payload %s of channel %s failed: %s", payload.pk, payload.channel_id,
                   reason)


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
