"""Rebuilding the report tables from the Event table: after an upgrade that brings them to
existing data, or if they were ever edited by hand. The same fold as live recording."""

from django.db import transaction

from inbox.models import Event

from .compaction import compact_activity
from .models import DailyActivity, Episode, HourlyActivity
from .recording import COUNTED_TYPES, EPISODE_TYPES, record_for_reports


def rebuild_reports(*, chunk_size: int = 5000) -> int:
    """Empty the report tables and fold every event into them, in order; the events read."""
    types = EPISODE_TYPES | COUNTED_TYPES
    assignees: dict[int, int | None] = {}  # each thread's assignee as the events go by
    folded, after = 0, 0
    with transaction.atomic():
        Episode.objects.all().delete()
        HourlyActivity.objects.all().delete()
        DailyActivity.objects.all().delete()
    while True:
        chunk = list(Event.objects.filter(pk__gt=after, type__in=types).order_by("pk")
                     [:chunk_size])
        if not chunk:
            compact_activity(days=None)  # each chunk wrote rows of its own
            return folded
        entries = []
        for event in chunk:
            if event.type == "thread.assigned":
                assignees[event.thread_id] = event.payload.get("assignee_id")
            entries.append((event, assignees.get(event.thread_id)))
        with transaction.atomic():
            record_for_reports(entries)
        folded, after = folded + len(chunk), chunk[-1].pk
