"""Celery tasks of auto-assignment: thin, and safe to run twice (each re-checks the thread
under the team's lock)."""

from celery import shared_task
from django.db import OperationalError

from .assign import route_team, route_thread, routed_team_ids

RETRY = {"acks_late": True, "autoretry_for": (OperationalError,), "retry_backoff": 1,
         "retry_jitter": True, "max_retries": 5}


@shared_task(**RETRY)
def route_thread_task(thread_id: int) -> int | None:
    return route_thread(thread_id=thread_id)


@shared_task(**RETRY)
def route_team_task(team_id: int) -> int:
    return route_team(team_id=team_id)


@shared_task(**RETRY)
def routing_sweep_task() -> int:
    """Celery beat: agents who came online or went away since the last sweep (presence is
    not an event), and threads left waiting because nobody was free."""
    return sum(route_team(team_id=team_id) for team_id in routed_team_ids())
