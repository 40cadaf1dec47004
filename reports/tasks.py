"""Celery tasks of the reports: thin, and safe to run twice or side by side."""

from celery import shared_task

from .compaction import compact_activity
from .warming import warm_percentiles


@shared_task(ignore_result=True)
def compact_activity_task() -> dict[str, int]:
    """Fold the last two days' count rows, one per key (Celery beat, every few minutes)."""
    return compact_activity(days=2)


@shared_task(ignore_result=True)
def warm_percentiles_task() -> int:
    """The preset ranges' medians and percentiles, computed again (Celery beat)."""
    return warm_percentiles()
