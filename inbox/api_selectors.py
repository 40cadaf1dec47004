"""Read paths of the REST API: threads with their filters, one customer's timeline, one
message, the channels and teams a user may act on. Each starts from ``threads_visible_to``
(the one rule of who sees what) and does its joins once, so a page costs the same few
queries whatever its size."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from channels_adapters.models import Channel

from .models import Attachment, Message, Tag, Team, Thread, User
from .search import search_threads
from .selectors import threads_visible_to


@dataclass(frozen=True)
class ThreadFilters:
    """What an integrator may narrow the thread list by; empty values filter nothing.

    ``assignee`` is a user id, ``"me"`` or ``"none"``."""

    status: str = ""
    team: int | None = None
    assignee: int | str | None = None
    channel: int | None = None
    channel_kind: str = ""
    tag: str = ""
    customer: int | None = None
    active_after: datetime | None = None
    active_before: datetime | None = None
    q: str = ""


def _last_message(field_name: str):
    """The thread's last message that the customer saw or wrote (notes are internal)."""
    return Subquery(
        Message.objects.filter(thread=OuterRef("pk"))
        .exclude(direction=Message.Direction.NOTE)
        .order_by("-created_at", "-id")
        .values(field_name)[:1]
    )


def api_threads(user, filters: ThreadFilters = ThreadFilters()) -> QuerySet[Thread]:
    """The threads ``user`` may see, filtered, with the last message's preview annotated and
    the tags prefetched. Unordered: the caller's pagination orders them."""
    threads = threads_visible_to(user)
    if filters.status:
        threads = threads.filter(status=filters.status)
    if filters.team is not None:
        threads = threads.filter(team_id=filters.team)
    if filters.assignee == "me":
        threads = threads.filter(assignee=user)
    elif filters.assignee == "none":
        threads = threads.filter(assignee__isnull=True)
    elif filters.assignee is not None:
        threads = threads.filter(assignee_id=filters.assignee)
    if filters.channel is not None:
        threads = threads.filter(Exists(Message.objects.filter(
            thread=OuterRef("pk"), channel_id=filters.channel)))
    if filters.channel_kind:
        threads = threads.filter(Exists(Message.objects.filter(
            thread=OuterRef("pk"), channel__kind=filters.channel_kind)))
    if filters.tag:
        threads = threads.filter(Exists(Tag.threads.through.objects.filter(
            thread_id=OuterRef("pk"), tag__name=filters.tag)))
    if filters.customer is not None:
        threads = threads.filter(customer_id=filters.customer)
    if filters.active_after is not None:
        threads = threads.filter(last_activity_at__gt=filters.active_after)
    if filters.active_before is not None:
        threads = threads.filter(last_activity_at__lt=filters.active_before)
    if filters.q:
        threads = search_threads(threads, filters.q)
    return threads.annotate(
        preview_id=_last_message("id"),
        preview_text=_last_message("text"),
        preview_direction=_last_message("direction"),
        preview_channel_kind=_last_message("channel__kind"),
        preview_created_at=_last_message("created_at"),
    ).prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))


def api_thread(user, thread_id: int) -> Thread | None:
    """One thread as the list shows it; None when it does not exist or ``user`` may not
    see it (the two are the same to the caller)."""
    return api_threads(user).filter(pk=thread_id).first()


def visible_thread(user, thread_id: int) -> Thread | None:
    return threads_visible_to(user).filter(pk=thread_id).first()


def _with_details(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.select_related("channel", "author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id")))


def timeline(thread: Thread) -> QuerySet[Message]:
    """Every item of the thread's timeline, channel, author and attachments joined once.
    Unordered: the caller's pagination orders them."""
    return _with_details(Message.objects.filter(thread=thread))


def around_message(messages: QuerySet[Message], thread: Thread, *, before: int | None = None,
                   after: int | None = None) -> QuerySet[Message] | None:
    """``messages`` older than message ``before`` and newer than message ``after``, in
    timeline order (time, then id); None when either is not a message of the thread."""
    for anchor_id, older in ((before, True), (after, False)):
        if anchor_id is None:
            continue
        anchor = (Message.objects.filter(thread=thread, pk=anchor_id)
                  .values_list("created_at", flat=True).first())
        if anchor is None:
            return None
        if older:
            messages = messages.filter(
                Q(created_at__lt=anchor) | Q(created_at=anchor, id__lt=anchor_id))
        else:
            messages = messages.filter(
                Q(created_at__gt=anchor) | Q(created_at=anchor, id__gt=anchor_id))
    return messages


def visible_message(user, message_id: int) -> Message | None:
    """One message of a thread ``user`` may see, with its details; None otherwise."""
    return _with_details(Message.objects.filter(
        pk=message_id, thread__in=threads_visible_to(user).values("pk"))).first()


def visible_attachment(user, message_id: int, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(
        pk=attachment_id, message_id=message_id,
        message__thread__in=threads_visible_to(user).values("pk")).first()


def teams_for(user) -> QuerySet[Team]:
    """The teams ``user`` may give a thread to: their own (supervisors and admins: all)."""
    return Team.objects.all() if user.sees_all_teams else user.teams.all()


def assignable_agent(agent_id: int) -> User | None:
    """An agent by id; whether they may take the thread is the action's rule."""
    return User.objects.filter(pk=agent_id).first()


def phone_line_for(user, thread: Thread, channel_id: int) -> Channel | None:
    """A phone channel that logged calls may name: one of the thread's team or of
    ``user``'s teams (supervisors and admins: any)."""
    channels = Channel.objects.filter(pk=channel_id, kind="phone")
    if not user.sees_all_teams:
        channels = channels.filter(Q(team=thread.team_id) | Q(team__in=user.teams.all()))
    return channels.first()
