"""The Slack mirror's task: posts a batch of events, retried with back-off while Slack is
unavailable; never part of an inbox transaction."""

import random

from celery import shared_task

from .mirror import MirrorUnavailable, post_events

BACKOFF_SECONDS = 5
MAX_BACKOFF_SECONDS = 600
# The embedded mode has no broker to hold a delayed retry: a few attempts at once.
EAGER_ATTEMPTS = 3


@shared_task(bind=True, acks_late=True, max_retries=8)
def mirror_events(self, event_ids: list[int]) -> int:
    """Safe to run again: each mirror remembers the last event it posted."""
    attempt = 1
    while True:
        try:
            post_events(event_ids)
            return len(event_ids)
        except MirrorUnavailable as error:
            if not self.request.is_eager:
                delay = min(BACKOFF_SECONDS * 2 ** self.request.retries, MAX_BACKOFF_SECONDS)
                raise self.retry(exc=error,
                                 countdown=delay + random.uniform(0, delay / 2)) from error
            if attempt >= EAGER_ATTEMPTS:
                raise
            attempt += 1
