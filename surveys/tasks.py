"""Celery tasks of CSAT: thin, and safe to run twice (``send_survey`` sends one survey per
thread a day at most)."""

from celery import shared_task
from django.db import OperationalError

from .actions import send_survey


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1,
             retry_jitter=True, max_retries=10)
def send_survey_task(thread_id: int, resolved_by_id: int | None = None) -> int | None:
    survey = send_survey(thread=thread_id, resolved_by_id=resolved_by_id)
    return survey.pk if survey else None
