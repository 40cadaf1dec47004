"""Celery tasks of the outgoing webhooks: thin, idempotent, safe to run twice."""

import time

from celery import shared_task
from django.conf import settings

from .selectors import due_delivery_ids
from .sending import Outcome, attempt_delivery

# The sweep leaves alone what a retry task (with its countdown) is about to take.
SWEEP_GRACE_SECONDS = 120


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_webhook(self, delivery_id: int) -> str:
    """One delivery, then, once it is done with, the next of its thread."""
    result = attempt_delivery(delivery_id)
    while True:
        if result.outcome is Outcome.RETRY:
            if not self.request.is_eager:
                raise self.retry(countdown=result.retry_in)
            # The embedded mode has no broker to hold a countdown: a short wait is waited
            # here, a longer one is left to the next sweep (see listener.on_events).
            if result.retry_in > settings.THREADLINE_WEBHOOK_EAGER_MAX_WAIT_SECONDS:
                return result.outcome.value
            time.sleep(result.retry_in)
            result = attempt_delivery(delivery_id)
        elif result.hand_over_to is not None:
            if not self.request.is_eager:
                deliver_webhook.delay(result.hand_over_to)
                return result.outcome.value
            delivery_id = result.hand_over_to  # a loop, not a recursion, for long queues
            result = attempt_delivery(delivery_id)
        else:
            return result.outcome.value


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        deliver_webhook.delay(delivery_id)


@shared_task
def sweep_webhooks() -> int:
    """Hand the workers the deliveries that are due and were not taken (a broker message
    lost, a worker killed); Celery beat runs it every minute."""
    delivery_ids = due_delivery_ids(grace_seconds=SWEEP_GRACE_SECONDS)
    enqueue_deliveries(delivery_ids)
    return len(delivery_ids)
