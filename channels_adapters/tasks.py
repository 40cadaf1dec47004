"""Celery tasks of the channels: thin, idempotent, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from inbox.models import Message
from inbox.publish import flush_publications

from .delivery import Outcome, backoff_seconds, deliver
from .inbound import drain, process_payload, process_payloads, requeue_stuck


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_message(self, message_id: int) -> str:
    outcome = deliver(message_id)
    # The embedded mode has no broker to hold a delayed retry: try again at once.
    while outcome is Outcome.RETRY and self.request.is_eager:
        outcome = deliver(message_id)
    if outcome is Outcome.RETRY:
        attempts = Message.objects.filter(pk=message_id).values_list(
            "delivery_attempts", flat=True).first() or 1
        raise self.retry(countdown=backoff_seconds(attempts))
    return outcome.value


# A deadlock or a lost connection rolls the whole transaction back: nothing was written,
# so trying again is safe (the payloads are still pending; the sweep would find them too).
RETRY_ON_DATABASE_ERRORS = {"autoretry_for": (OperationalError,), "retry_backoff": 1,
                            "retry_jitter": True, "max_retries": 10}


@shared_task(acks_late=True, **RETRY_ON_DATABASE_ERRORS)
def process_inbound(payload_id: int) -> str:
    """One payload (the sweep's, or one processed again)."""
    payload = process_payload(payload_id)
    flush_publications(timeout=1.0)
    return payload.status if payload else "missing"


@shared_task(acks_late=True, **RETRY_ON_DATABASE_ERRORS)
def drain_channel(channel_id: int) -> int:
    """What providers posted to a channel, batch by batch, until nothing is pending."""
    done = drain(channel_id)
    # Ring the agents' sockets before taking the next task: the publisher thread would
    # otherwise wait for the interpreter lock while this process works on.
    flush_publications(timeout=1.0)
    return done


@shared_task(acks_late=True, **RETRY_ON_DATABASE_ERRORS)
def process_inbound_batch(payload_ids: list[int]) -> dict[str, int]:
    """A mailbox poll's batch: processed together, by whichever worker is free."""
    payloads = process_payloads(payload_ids)
    flush_publications(timeout=1.0)
    processed = sum(p.status == "processed" for p in payloads.values())
    return {"processed": processed, "failed": len(payloads) - processed}


@shared_task
def sweep_stuck() -> dict[str, int]:
    """Re-queue what a lost broker message left behind: replies still queued and payloads
    still pending a while after they were written (Celery beat runs this every minute)."""
    return requeue_stuck()


@shared_task(ignore_result=True)
def poll_mailboxes() -> int:
    """Celery beat's round: one polling task per e-mail channel with an IMAP mailbox."""
    from .email.imap_poller import pollable_channels

    channels = pollable_channels()
    for channel in channels:
        poll_mailbox.apply_async((channel.pk,), expires=300)
    return len(channels)


@shared_task
def poll_mailbox(channel_id: int) -> dict[str, int]:
    """Take a mailbox's new mail. An error is kept on the mailbox (see channel_health) and
    the next round tries again; two rounds at once never take the same message."""
    from .email.imap_poller import MailboxError, poll_channel
    from .models import Channel

    channel = Channel.objects.filter(pk=channel_id, is_active=True).first()
    if channel is None:
        return {}
    try:
        # Each batch stored becomes a task: the workers parse them side by side.
        result = poll_channel(channel, process=False)
    except MailboxError:
        return {"error": 1}
    return {"fetched": result.fetched, "oversized": result.oversized}
