"""Celery task of the bot: thin, and safe to run twice (see bot.actions)."""

from celery import shared_task
from django.db import OperationalError

from .actions import bot_handle_message


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=1,
             retry_jitter=True, max_retries=10)
def bot_reply_task(message_id: int) -> str | None:
    outcome = bot_handle_message(message=message_id)
    return outcome.action if outcome else None
