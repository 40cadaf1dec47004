"""Writes on an outbound message's delivery: sent, delivered, read, failed, retried."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import DeliveryChanged
from ..models import Message, User
from ..publish import record_event

Status = Message.DeliveryStatus
# A provider's statuses only move forward; a late "delivered" never undoes a "read".
PROGRESS = {Status.QUEUED: 0, Status.SENT: 1, Status.DELIVERED: 2, Status.READ: 3}


def _record(message: Message, previous_status: str, actor=None) -> None:
    record_event(
        DeliveryChanged(message_id=message.pk, delivery_status=message.delivery_status,
                        previous_status=previous_status, error=message.delivery_error),
        thread=message.thread, actor=actor,
    )


def message_mark_sent(*, message: Message, external_id: str | None) -> Message:
    """The provider accepted the message. Call with the message locked."""
    previous_status = message.delivery_status
    message.delivery_status = Status.SENT
    message.external_id = external_id or None
    message.delivery_error = ""
    message.sent_at = timezone.now()
    message.save(update_fields=["delivery_status", "external_id", "delivery_error", "sent_at"])
    _record(message, previous_status)
    return message


def message_mark_failed(*, message: Message, error: str) -> Message:
    """The message could not be delivered; agents see why and may retry."""
    previous_status = message.delivery_status
    message.delivery_status = Status.FAILED
    message.delivery_error = (error or _("Unknown error"))[:2000]
    message.save(update_fields=["delivery_status", "delivery_error"])
    _record(message, previous_status)
    return message


@transaction.atomic
def message_update_delivery(*, message: Message | int, status: str, error: str = "") -> Message:
    """A provider's status callback: delivered, read or failed. Older news is ignored."""
    message_id = message.pk if isinstance(message, Message) else message
    message = (Message.objects.select_for_update(of=("self",)).select_related("thread")
               .get(pk=message_id))
    if status == Status.FAILED:
        if message.delivery_status in (Status.DELIVERED, Status.READ, Status.FAILED):
            return message  # the customer has it already; a late failure is old news
        return message_mark_failed(message=message, error=error)
    if status not in (Status.SENT, Status.DELIVERED, Status.READ):
        raise ValidationError(_("Unknown delivery status %(status)r.") % {"status": status},
                              code="invalid_status")
    if PROGRESS.get(message.delivery_status, -1) >= PROGRESS[status]:
        return message
    previous_status = message.delivery_status
    message.delivery_status = status
    message.save(update_fields=["delivery_status"])
    _record(message, previous_status)
    return message


@transaction.atomic
def retry_message(*, message: Message | int, by: User | None = None) -> Message:
    """Queue a failed message again; it is delivered after commit."""
    from channels_adapters.tasks import deliver_message

    message_id = message.pk if isinstance(message, Message) else message
    message = (Message.objects.select_for_update(of=("self",)).select_related("thread")
               .get(pk=message_id))
    if message.delivery_status != Status.FAILED:
        raise ValidationError(_("Only a failed message can be retried."), code="not_failed")
    previous_status = message.delivery_status
    message.delivery_status = Status.QUEUED
    message.delivery_error = ""
    message.delivery_attempts = 0
    message.save(update_fields=["delivery_status", "delivery_error", "delivery_attempts"])
    _record(message, previous_status, actor=by)
    transaction.on_commit(lambda: deliver_message.delay(message.pk))
    return message
