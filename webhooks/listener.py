"""The event listener (THREADLINE_EVENT_LISTENERS) of the outgoing webhooks: after each
commit, the events' deliveries are written in one INSERT and handed to the workers.

One task per (endpoint, thread) starts the queue: a thread's later deliveries are handed
over one after the other as each is done with (see sending.attempt_delivery)."""

from django.conf import settings

from inbox.models import Event

from .actions import deliveries_create
from .selectors import due_delivery_ids, endpoint_routes
from .tasks import enqueue_deliveries


def on_events(events: list[Event]) -> None:
    if not endpoint_routes():  # no active endpoint: nothing to do (and no query, mostly)
        return
    deliveries = deliveries_create(events=events)
    firsts: dict[tuple[int, int | None], int] = {}
    for delivery in deliveries:
        key = (delivery.endpoint_id, delivery.thread_id)
        if delivery.thread_id is None:
            key = (delivery.endpoint_id, -delivery.pk)  # no order to keep: each on its own
        firsts.setdefault(key, delivery.pk)
    delivery_ids = list(firsts.values())
    if settings.CELERY_TASK_ALWAYS_EAGER:
        # No worker, no beat: retries that came due are taken at the next commit.
        delivery_ids += [pk for pk in due_delivery_ids() if pk not in delivery_ids]
    enqueue_deliveries(delivery_ids)
