"""Read paths: which threads and events a user may see, with their joins done once."""

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet

from .models import Event, Thread


def threads_visible_to(user) -> QuerySet[Thread]:
    """The one permission rule: agents see their teams' threads; supervisors and admins all."""
    threads = Thread.objects.select_related("customer", "assignee", "team")
    if user.sees_all_teams:
        return threads
    return threads.filter(team__members=user)


def replay_start(after: int) -> int:
    """Where a catch-up from the cursor ``after`` must start so that nothing is missed.

    Event ids are taken at insert, not at commit: an event with a smaller id than one the
    client saw may commit after it. Such an event was inserted at most the longest write
    transaction (``THREADLINE_EVENT_SETTLE_SECONDS``) before the cursor's event, so the
    replay starts that long before it; the client skips the ids it already has.
    """
    anchor = Event.objects.filter(pk=after).values_list("created_at", flat=True).first()
    if anchor is None:
        return after
    settle = timedelta(seconds=settings.THREADLINE_EVENT_SETTLE_SECONDS)
    before_window = (
        Event.objects.filter(id__lte=after, created_at__lt=anchor - settle)
        .order_by("-id").values_list("id", flat=True).first()
    )
    return before_window or 0


def events_visible_to(user, *, after: int, replay: bool = True,
                      limit: int | None = None) -> list[Event]:
    """Events after the cursor ``after`` that ``user`` may see, oldest first. With ``replay``
    they start at the cursor's replay start: the first few may be ones the client already
    has, and it skips them by id. Without, they follow ``after`` exactly (the next page).
    At most ``limit`` of them (by default, and at most, a catch-up page)."""
    start = replay_start(after) if replay else after
    events = Event.objects.filter(id__gt=start).order_by("id")
    if not user.sees_all_teams:
        events = events.filter(team__members=user)
    page = settings.THREADLINE_CATCH_UP_PAGE
    return list(events[: min(limit, page) if limit else page])
