"""The writes of SLAs: a conversation's clock when it starts, and the warnings and breaches
announced as its due times pass. Nothing else writes the SlaClock table.

Each announcement is a conditional UPDATE of its clock's column and the Event in one
transaction: two sweeps at once (or one run twice) announce each target once.
"""

import logging
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inbox.actions.threads import lock_thread
from inbox.events import SlaBreached, SlaDueTimesSet, SlaWarning
from inbox.publish import record_event
from reports.models import Episode

from .episodes import episode_of_clock
from .models import SlaClock, SlaPolicy, Target
from .policies import due_times, matching_policy

logger = logging.getLogger(__name__)


def start_clock(*, thread_id: int, reconsider: bool = False) -> SlaClock | None:
    """Give the thread's open conversation its due times, from the policy that matches its
    priority and the channel the customer wrote on. With ``reconsider`` (the priority
    changed), a conversation that has its clock already takes the times of the policy that
    matches now, if that is another one: still counted from the conversation's start, and
    a target whose new warning time is still ahead may be announced again.

    Safe to run twice: None, and nothing written, without policies, without an open
    conversation, or when its clock is already as it should be."""
    if not SlaPolicy.objects.exists():
        return None
    try:
        with transaction.atomic():
            thread = lock_thread(thread_id)
            episode = (Episode.objects.select_related("channel")
                       .filter(thread=thread, resolved_at=None).first())
            if episode is None:
                return None
            clock = SlaClock.objects.filter(thread=thread, started_at=episode.started_at).first()
            if clock is not None and not reconsider:
                return None
            policy = matching_policy(priority=thread.priority,
                                     channel_kind=episode.channel.kind if episode.channel else "")
            if policy is None or (clock is not None and clock.policy_id == policy.pk):
                return None
            clock = _set_due_times(clock or SlaClock(
                thread=thread, team_id=episode.team_id,
                channel_id=episode.channel_id, started_at=episode.started_at), policy)
            record_event(SlaDueTimesSet(
                clock_id=clock.pk, policy_id=policy.pk,
                first_response_due_at=clock.first_response_due_at.isoformat(),
                resolution_due_at=clock.resolution_due_at.isoformat()), thread=thread)
            return clock
    except ValidationError:
        return None  # the thread is gone (its customer was erased since)
    except IntegrityError:  # another run's clock committed first
        return None


def _set_due_times(clock: SlaClock, policy: SlaPolicy) -> SlaClock:
    now = timezone.now()
    due = due_times(policy, team_id=clock.team_id, start=clock.started_at)
    clock.policy = policy
    for target in Target.values:
        warning_at = getattr(due, f"{target}_warning_at")
        setattr(clock, f"{target}_due_at", getattr(due, f"{target}_due_at"))
        setattr(clock, f"{target}_warning_at", warning_at)
        if warning_at > now:  # not yet reached under the new policy: to announce in time
            setattr(clock, f"{target}_warned_at", None)
            setattr(clock, f"{target}_breached_at", None)
    clock.save()
    return clock


def _pending(target: str, now: datetime):
    """The clocks whose ``target`` is unmet in an open conversation and has a warning or a
    breach to announce."""
    clocks = SlaClock.objects.filter(
        Q(**{f"{target}_warned_at": None}) | Q(**{f"{target}_due_at__lte": now}),
        **{f"{target}_breached_at": None, f"{target}_warning_at__lte": now},
        thread__isnull=False)
    unmet = episode_of_clock().filter(resolved_at=None)
    if target == Target.FIRST_RESPONSE:
        unmet = unmet.filter(first_response_at=None)
    return (clocks.filter(Exists(unmet)).select_related("thread")
            .order_by(f"{target}_warning_at"))


def announce_due(*, now: datetime | None = None) -> list:
    """Announce the warnings and breaches that are due (the Celery beat's sweep, every
    minute): a breach past the due time, else a warning past the warning time. A target
    breached before its warning went out gets the breach only. Returns the Events."""
    now = now or timezone.now()
    events = []
    for target in Target.values:
        for clock in _pending(target, now):
            event = _announce(clock, target, now)
            if event is not None:
                events.append(event)
    return events


def _announce(clock: SlaClock, target: str, now: datetime):
    warned, breached = f"{target}_warned_at", f"{target}_breached_at"
    due_at = getattr(clock, f"{target}_due_at")
    with transaction.atomic():
        if due_at <= now:
            taken = SlaClock.objects.filter(pk=clock.pk, **{breached: None}).update(
                **{breached: now, warned: Coalesce(F(warned), Value(now))})
            payload = SlaBreached
        else:
            taken = SlaClock.objects.filter(pk=clock.pk, **{warned: None, breached: None}
                                            ).update(**{warned: now})
            payload = SlaWarning
        if not taken:
            return None
        return record_event(payload(clock_id=clock.pk, policy_id=clock.policy_id, target=target,
                                    due_at=due_at.isoformat()), thread=clock.thread)
