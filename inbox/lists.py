"""The inbox list: its views (Mine, Unassigned…), filters, counts and keyset pages.

Every query starts from ``threads_visible_to``: the one rule of who sees what.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlencode

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from channels_adapters.models import Channel
from sla.selectors import due_annotations

from .models import Message, Tag, Team, Thread, ThreadRead
from .search import search_threads
from .selectors import threads_visible_to

PAGE_SIZE = 30
# Shorter searches match nearly everyone and no index can serve them.
MIN_SEARCH_LENGTH = 3
ACTIVE = (Thread.Status.OPEN, Thread.Status.PENDING)

VIEW_LABELS = {
    "mine": _("Mine"),
    "unassigned": _("Unassigned"),
    "open": _("All open"),
    "snoozed": _("Snoozed"),
    "resolved": _("Resolved"),
}


def view_scope(view: str, user) -> Q:
    """Whose threads a view holds, whatever their status."""
    if view == "mine":
        return Q(assignee=user)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view.startswith("team-") and view[5:].isdigit():
        return Q(team_id=int(view[5:]))
    return Q()


def view_statuses(view: str) -> tuple[str, ...]:
    if view == "snoozed":
        return (Thread.Status.SNOOZED,)
    if view == "resolved":
        return (Thread.Status.RESOLVED,)
    return ACTIVE


def view_condition(view: str, user, status: str = "") -> Q:
    """The filter of one inbox view; an explicit ``status`` replaces the view's own."""
    statuses = (status,) if status in Thread.Status.values else view_statuses(view)
    return view_scope(view, user) & Q(status__in=statuses)


@dataclass(frozen=True)
class ListFilters:
    """What the agent chose: a view, filters, a search, and where the page starts."""

    view: str = "open"
    channel: str = ""
    tag: str = ""
    status: str = ""
    assignee: str = ""
    q: str = ""
    before: str = ""

    @classmethod
    def from_query(cls, query) -> "ListFilters":
        def get(name: str, limit: int = 100) -> str:
            return (query.get(name) or "").strip()[:limit]

        view = get("view") or "open"
        if view not in VIEW_LABELS and not (view.startswith("team-") and view[5:].isdigit()):
            view = "open"
        return cls(view=view, channel=get("channel"), tag=get("tag"), status=get("status"),
                   assignee=get("assignee"), q=get("q", 200), before=get("before"))

    def as_query(self, **changes) -> dict[str, str]:
        values = {**self.__dict__, **changes}
        return {name: value for name, value in values.items() if value}

    @property
    def query_string(self) -> str:
        """The filters as a URL query, without the page cursor (links open page one)."""
        return urlencode(self.as_query(before=""))


@dataclass
class ThreadPage:
    threads: list[Thread]
    next_cursor: str = ""
    unread_ids: set[int] = field(default_factory=set)


def _last_message(field_name: str):
    return Subquery(
        Message.objects.filter(thread=OuterRef("pk"))
        .exclude(direction=Message.Direction.NOTE)
        .order_by("-created_at", "-id")
        .values(field_name)[:1]
    )


def list_threads(user, filters: ListFilters) -> QuerySet[Thread]:
    """The threads of the chosen view and filters, newest activity first, rows ready to show."""
    threads = threads_visible_to(user).filter(
        view_condition(filters.view, user, filters.status))
    if filters.channel:
        channel_ids = list(Channel.objects.filter(kind=filters.channel).values_list("id",
                                                                                    flat=True))
        threads = threads.filter(Exists(Message.objects.filter(
            thread=OuterRef("pk"), channel_id__in=channel_ids)))
    if filters.tag:
        threads = threads.filter(Exists(Tag.threads.through.objects.filter(
            thread_id=OuterRef("pk"), tag__name=filters.tag)))
    if filters.assignee == "none":
        threads = threads.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        threads = threads.filter(assignee_id=int(filters.assignee))
    if len(filters.q) >= MIN_SEARCH_LENGTH:
        threads = search_threads(threads, filters.q)
    return (
        threads.annotate(
            preview=_last_message("text"),
            preview_direction=_last_message("direction"),
            preview_channel=_last_message("channel__kind"),
            **due_annotations(),
        )
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-last_activity_at", "-id")
    )


def _cursor(thread: Thread) -> str:
    return f"{thread.last_activity_at.isoformat()}_{thread.pk}"


def _after_cursor(threads: QuerySet[Thread], cursor: str) -> QuerySet[Thread]:
    """Keyset pagination: the threads after the cursor in (last activity, id) order."""
    moment, _sep, thread_id = cursor.rpartition("_")
    when = parse_datetime(moment) if moment else None
    if when is None or not thread_id.isdigit():
        return threads
    return threads.filter(
        Q(last_activity_at__lt=when) | Q(last_activity_at=when, id__lt=int(thread_id))
    )


def prepare_rows(threads: list[Thread]) -> list[Thread]:
    """What every row shows, computed once in Python rather than in the template."""
    for thread in threads:
        thread.activity_iso = thread.last_activity_at.isoformat()
        thread.sort_key = f"{thread.activity_iso}|{thread.pk:012d}"
    return threads


def thread_page(user, filters: ListFilters, *, size: int = PAGE_SIZE) -> ThreadPage:
    threads = list(_after_cursor(list_threads(user, filters), filters.before)[: size + 1])
    page = ThreadPage(threads=prepare_rows(threads[:size]))
    if len(threads) > size:
        page.next_cursor = _cursor(threads[size - 1])
    page.unread_ids = unread_thread_ids(user, page.threads)
    return page


def unread_thread_ids(user, threads: list[Thread]) -> set[int]:
    """Which of these threads have a customer message newer than this agent's last read."""
    read_at: dict[int, datetime] = dict(
        ThreadRead.objects.filter(user=user, thread__in=[t.pk for t in threads])
        .values_list("thread_id", "read_at")
    )
    return {
        thread.pk for thread in threads
        if thread.last_inbound_at and (thread.pk not in read_at
                                        or thread.last_inbound_at > read_at[thread.pk])
    }


# Counting stops here: a view of 10,000 threads shows "1000+", like most inboxes, and
# the counts cost the same whatever the size of the inbox.
COUNT_CAP = 1000


def view_counts(user, views: list[tuple[str, str]] | None = None) -> dict[str, int]:
    """How many threads each view holds (up to COUNT_CAP + 1), one small query per view."""
    visible = threads_visible_to(user).order_by()
    return {
        key: visible.filter(view_condition(key, user)).values("id")[: COUNT_CAP + 1].count()
        for key, _label in (views if views is not None else views_for(user))
    }


def views_for(user) -> list[tuple[str, str]]:
    """The views offered in the sidebar: the fixed ones, then one per team the user sees."""
    teams = Team.objects.all() if user.sees_all_teams else user.teams.all()
    return [*VIEW_LABELS.items(), *((f"team-{team.pk}", team.name) for team in teams)]


def unread_count(user) -> int:
    """Threads assigned to the user with a customer message they have not read."""
    reads = ThreadRead.objects.filter(user=user, thread=OuterRef("pk"))
    return (
        Thread.objects.filter(assignee=user, status__in=ACTIVE, last_inbound_at__isnull=False)
        .exclude(Exists(reads.filter(read_at__gte=OuterRef("last_inbound_at"))))
        .count()
    )
