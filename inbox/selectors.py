"""Read paths: which threads and events a user may see, with their joins done once."""

from django.db.models import QuerySet

from .models import Event, Thread

CATCH_UP_LIMIT = 1000


def threads_visible_to(user) -> QuerySet[Thread]:
    """The one permission rule: agents see their teams' threads; supervisors and admins all."""
    threads = Thread.objects.select_related("customer", "assignee", "team")
    if user.sees_all_teams:
        return threads
    return threads.filter(team__members=user)


def events_visible_to(user, *, after: int, limit: int = CATCH_UP_LIMIT) -> list[Event]:
    """Events after the cursor ``after`` that ``user`` may see, oldest first."""
    events = Event.objects.filter(id__gt=after).order_by("id")
    if not user.sees_all_teams:
        events = events.filter(team__members=user)
    return list(events[:limit])
