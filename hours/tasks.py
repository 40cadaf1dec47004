"""Celery task of business hours: thin, and safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .actions import send_out_of_hours_reply, send_out_of_hours_reply_after_hand_off


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1,
             retry_jitter=True, max_retries=10)
def out_of_hours_reply_task(message_id: int) -> int | None:
    reply = send_out_of_hours_reply(message=message_id)
    return reply.pk if reply else None


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1,
             retry_jitter=True, max_retries=10)
def out_of_hours_reply_after_hand_off_task(thread_id: int) -> int | None:
    reply = send_out_of_hours_reply_after_hand_off(thread_id=thread_id)
    return reply.pk if reply else None
