"""Celery tasks of automation rules: thin, and safe to run twice (a rule runs once per
thread and trigger: RuleRun's unique key)."""

from celery import shared_task
from django.db import OperationalError

from .engine import run_rules_for_message, run_waiting_rules

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": 1,
         "retry_jitter": True, "max_retries": 5}


@shared_task(**RETRY)
def run_rules_task(message_id: int) -> int:
    return len(run_rules_for_message(message=message_id))


@shared_task(**RETRY)
def run_waiting_rules_task() -> int:
    """Celery beat, every minute: the rules on customers still waiting."""
    return len(run_waiting_rules())
