"""Celery tasks of the inbox itself: thin, and safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .actions import wake_snoozed_threads


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1,
             retry_jitter=True, max_retries=3)
def wake_snoozed_threads_task() -> int:
    """Celery beat, every minute: snoozed threads whose time has passed are open again."""
    return wake_snoozed_threads()
