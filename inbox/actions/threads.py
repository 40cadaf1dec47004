"""Writes on a thread's inbox state: assignment, status, snooze, tags."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..events import ThreadAssigned, ThreadPriorityChanged, ThreadStatusChanged, ThreadTagged
from ..models import Tag, Team, Thread, User
from ..publish import record_event

UNCHANGED = object()


def lock_thread(thread: Thread | int) -> Thread:
    """The thread, re-read under a row lock: its changes are serialised. Only the thread's
    row (``of``): locking the joined customer too would block every insert that refers to
    it (identities, events) for as long as the transaction lasts."""
    thread_id = thread.pk if isinstance(thread, Thread) else thread
    try:
        return (Thread.objects.select_for_update(of=("self",)).select_related("customer")
                .get(pk=thread_id))
    except (Thread.DoesNotExist, ValueError, TypeError):
        raise ValidationError(_("Unknown thread %(thread)r.") % {"thread": thread_id},
                              code="unknown_thread") from None


def status_change(thread: Thread, *, previous_status: str) -> ThreadStatusChanged:
    return ThreadStatusChanged(
        status=thread.status,
        previous_status=previous_status,
        snoozed_until=thread.snoozed_until.isoformat() if thread.snoozed_until else None,
    )


def record_status_change(thread: Thread, *, previous_status: str, actor) -> None:
    record_event(status_change(thread, previous_status=previous_status), thread=thread,
                 actor=actor)


@transaction.atomic
def assign_thread(
    *, thread: Thread | int, assignee: User | None | object = UNCHANGED,
    team: Team | None | object = UNCHANGED, by: User | None = None,
) -> Thread:
    """Give the thread to an agent and/or a team. ``None`` unassigns."""
    thread = lock_thread(thread)
    new_team = thread.team if team is UNCHANGED else team
    new_assignee = thread.assignee if assignee is UNCHANGED else assignee
    if new_assignee is not None:
        if not new_assignee.is_active:
            raise ValidationError(_("%(agent)s is not an active agent.")
                                  % {"agent": new_assignee}, code="inactive_agent")
        if new_team is not None and not new_assignee.sees_all_teams and not (
            new_assignee.teams.filter(pk=new_team.pk).exists()
        ):
            raise ValidationError(
                _("%(agent)s is not a member of the team %(team)s.")
                % {"agent": new_assignee, "team": new_team},
                code="not_in_team",
            )
    previous_assignee_id, previous_team_id = thread.assignee_id, thread.team_id
    new_assignee_id = new_assignee.pk if new_assignee else None
    new_team_id = new_team.pk if new_team else None
    if (new_assignee_id, new_team_id) == (previous_assignee_id, previous_team_id):
        return thread
    thread.assignee, thread.team = new_assignee, new_team
    thread.save(update_fields=["assignee", "team"])
    record_event(
        ThreadAssigned(assignee_id=new_assignee_id, team_id=new_team_id,
                       previous_assignee_id=previous_assignee_id,
                       previous_team_id=previous_team_id),
        thread=thread, actor=by,
    )
    return thread


def _set_status(thread: Thread, status: str, snoozed_until: datetime | None, by) -> Thread:
    previous_status = thread.status
    if (status, snoozed_until) == (thread.status, thread.snoozed_until):
        return thread
    thread.status, thread.snoozed_until = status, snoozed_until
    thread.save(update_fields=["status", "snoozed_until"])
    record_status_change(thread, previous_status=previous_status, actor=by)
    return thread


@transaction.atomic
def change_status(*, thread: Thread | int, status: str, by: User | None = None) -> Thread:
    """Open, pending or resolved. Snoozing needs a time: use ``snooze_thread``."""
    if status == Thread.Status.SNOOZED:
        raise ValidationError(_("Snoozing needs a time to wake up: use snooze."),
                              code="snooze_needs_time")
    if status not in Thread.Status.values:
        raise ValidationError(_("Unknown status %(status)r.") % {"status": status},
                              code="invalid_status")
    return _set_status(lock_thread(thread), status, None, by)


@transaction.atomic
def snooze_thread(*, thread: Thread | int, until: datetime, by: User | None = None) -> Thread:
    """Hide the thread until ``until``; a new message from the customer wakes it earlier."""
    if not isinstance(until, datetime) or timezone.is_naive(until):
        raise ValidationError(_("The snooze time must be a date and time with a time zone."),
                              code="invalid_time")
    if until <= timezone.now():
        raise ValidationError(_("The snooze time %(until)s is in the past.")
                              % {"until": until.isoformat()}, code="in_past")
    return _set_status(lock_thread(thread), Thread.Status.SNOOZED, until, by)


def wake_snoozed_threads(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Re-open the snoozed threads whose time has come, a batch per transaction (read through
    ``thread_snooze_wakeup_idx``), each with its status event. Rows another transaction holds
    are skipped and taken at the next run; a thread already woken or snoozed again is left
    alone: running it twice, or in two workers, wakes each thread once. Returns how many."""
    now = now or timezone.now()
    woken = 0
    while True:
        with transaction.atomic():
            due = list(
                Thread.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(status=Thread.Status.SNOOZED, snoozed_until__lte=now)
                .order_by("snoozed_until")[:batch_size]
            )
            for thread in due:
                _set_status(thread, Thread.Status.OPEN, None, None)
        woken += len(due)
        if len(due) < batch_size:
            return woken


@transaction.atomic
def set_priority(*, thread: Thread | int, priority: int, by: User | None = None) -> Thread:
    """None, low, medium, high or urgent (0–4)."""
    if priority not in Thread.Priority.values:
        raise ValidationError(_("Unknown priority %(priority)r.") % {"priority": priority},
                              code="invalid_priority")
    thread = lock_thread(thread)
    previous = thread.priority
    if previous == priority:
        return thread
    thread.priority = priority
    thread.save(update_fields=["priority"])
    record_event(ThreadPriorityChanged(priority=priority, previous_priority=previous),
                 thread=thread, actor=by)
    return thread


def _clean_tag_names(names: Iterable[str]) -> list[str]:
    cleaned = []
    for name in names:
        name = (name or "").strip()
        if not name:
            raise ValidationError(_("A tag name is empty."), code="empty_tag")
        if len(name) > 50:
            raise ValidationError(_("The tag %(name)r is longer than 50 characters.")
                                  % {"name": name[:60]}, code="tag_too_long")
        cleaned.append(name)
    return cleaned


@transaction.atomic
def tag_thread(
    *, thread: Thread | int, add: Iterable[str] = (), remove: Iterable[str] = (),
    by: User | None = None,
) -> Thread:
    """Add and remove tags by name; unknown tags are created."""
    add, remove = _clean_tag_names(add), _clean_tag_names(remove)
    thread = lock_thread(thread)
    current = set(thread.tags.values_list("name", flat=True))
    to_add = [name for name in dict.fromkeys(add) if name not in current and name not in remove]
    to_remove = [name for name in dict.fromkeys(remove) if name in current]
    if not to_add and not to_remove:
        return thread
    thread.tags.add(*[Tag.objects.get_or_create(name=name)[0] for name in to_add])
    thread.tags.remove(*Tag.objects.filter(name__in=to_remove))
    record_event(
        ThreadTagged(added=to_add, removed=to_remove,
                     tags=sorted((current | set(to_add)) - set(to_remove))),
        thread=thread, actor=by,
    )
    return thread
