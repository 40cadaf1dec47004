"""Sending one queued message through its channel's adapter, exactly once."""

import enum
import logging

from django.conf import settings
from django.db import transaction

from inbox.actions import message_mark_failed, message_mark_sent
from inbox.models import Message

from .adapters.base import DeliveryError
from .registry import adapter_for

logger = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SENT = "sent"
    FAILED = "failed"
    RETRY = "retry"
    SKIPPED = "skipped"


def deliver(message_id: int) -> Outcome:
    """Try to send a queued message once.

    The message row stays locked while the adapter sends, so a second task for the same
    message waits, then finds it no longer queued and does nothing: never sent twice.
    """
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("channel", "identity", "thread")
            .filter(pk=message_id).first()
        )
        if message is None or message.delivery_status != Message.DeliveryStatus.QUEUED:
            return Outcome.SKIPPED
        message.delivery_attempts += 1
        message.save(update_fields=["delivery_attempts"])
        try:
            external_id = adapter_for(message.channel).send(message)
        except DeliveryError as error:
            retries_left = message.delivery_attempts <= settings.THREADLINE_DELIVERY_MAX_RETRIES
            if error.transient and retries_left:
                logger.info("message %s: transient failure, will retry: %s", message_id, error)
                return Outcome.RETRY
            message_mark_failed(message=message, error=error.reason)
            return Outcome.FAILED
        except Exception as error:  # an adapter bug must not leave the message queued forever
            logger.exception("message %s: adapter error", message_id)
            message_mark_failed(message=message, error=f"{type(error).__name__}: {error}")
            return Outcome.FAILED
        message_mark_sent(message=message, external_id=external_id)
        return Outcome.SENT


def backoff_seconds(attempt: int) -> int:
    return settings.THREADLINE_DELIVERY_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0)
