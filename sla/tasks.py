"""Celery tasks of SLAs: thin, and safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .actions import announce_due, start_clock


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1,
             retry_jitter=True, max_retries=10)
def start_clock_task(thread_id: int, reconsider: bool = False) -> int | None:
    clock = start_clock(thread_id=thread_id, reconsider=reconsider)
    return clock.pk if clock else None


@shared_task(acks_late=True)
def announce_due_task() -> int:
    """Celery beat, every minute: the warnings and breaches now due."""
    return len(announce_due())
