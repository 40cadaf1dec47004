"""Which rules run when, in order: on a customer's message (the listener's task), and on a
customer still waiting (Celery beat every minute).

Rules of the thread's team and of every team run in ``position`` order; a rule whose
conditions hold is applied (``actions.apply_rule``), and one marked ``stop_processing``
ends the run for that trigger. A rule whose stored JSON is not well formed (a row edited by
hand) is skipped with a logged error.
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from inbox.models import Message, Thread
from reports.models import Episode

from .actions import apply_rule
from .conditions import Calendars, Facts, conditions_hold, facts_for_message, facts_for_waiting
from .models import Rule, RuleRun
from .schema import validate_conditions, waiting_threshold

logger = logging.getLogger(__name__)

MESSAGE_TRIGGERS = (Rule.Trigger.MESSAGE_RECEIVED, Rule.Trigger.CONVERSATION_STARTED)


def active_rules(*, triggers, team_id: int | None = None, any_team: bool = False) -> list[Rule]:
    """The active rules of these triggers for the team's threads (those of every team
    included), in order; with ``any_team``, every team's."""
    rules = Rule.objects.filter(is_active=True, trigger__in=triggers).select_related("team")
    if not any_team:
        rules = rules.filter(Q(team__isnull=True) | Q(team_id=team_id))
    return list(rules.order_by("position", "id"))


def well_formed(rule: Rule) -> bool:
    """Whether the rule's conditions can be evaluated; if not, the error is logged."""
    try:
        validate_conditions(rule.conditions)
    except ValidationError as error:
        logger.error("rule %s (%s) skipped: its conditions are not well formed: %s", rule.pk,
                     rule.name, "; ".join(error.messages))
        return False
    return True


def began_conversation(message: Message) -> bool:
    """Whether the message is the customer's first of its conversation (episode): no other
    of theirs since the thread was last resolved."""
    last_resolved = (Episode.objects.filter(thread_id=message.thread_id,
                                            resolved_at__lte=message.created_at)
                     .order_by("-resolved_at").values_list("resolved_at", flat=True).first())
    earlier = (Message.objects.filter(thread_id=message.thread_id,
                                      direction=Message.Direction.INBOUND,
                                      created_at__lte=message.created_at)
               .filter(Q(created_at__lt=message.created_at) | Q(pk__lt=message.pk))
               .exclude(metadata__has_key="automatic"))
    if last_resolved is not None:
        earlier = earlier.filter(created_at__gt=last_resolved)
    return not earlier.exists()


def _run(rules: list[Rule], facts: Facts, refresh, *, trigger_key: str,
         message: Message | None) -> list[RuleRun]:
    """Apply, in order, the rules whose conditions hold; after one applied, the facts are
    read again (its tags or priority may decide the next)."""
    runs = []
    for rule in rules:
        if not well_formed(rule):
            continue
        if not conditions_hold(conditions=rule.conditions, match=rule.match, facts=facts):
            continue
        run = apply_rule(rule=rule, thread=facts.thread_id, trigger_key=trigger_key,
                         message=message)
        if run is not None:
            runs.append(run)
            if not run.error:
                facts = refresh()
        if rule.stop_processing:
            break
    return runs


def run_rules_for_message(*, message: Message | int) -> list[RuleRun]:
    """The rules on a customer's message (not an automatic one). Safe to run twice: each
    rule runs once per message (``RuleRun``'s unique key)."""
    message_id = getattr(message, "pk", message)
    message = (Message.objects.select_related("thread", "channel")
               .filter(pk=message_id, direction=Message.Direction.INBOUND).first())
    if message is None or message.metadata.get("automatic"):
        return []
    triggers = [Rule.Trigger.MESSAGE_RECEIVED]
    rules = active_rules(triggers=MESSAGE_TRIGGERS, team_id=message.thread.team_id)
    if not rules:
        return []
    if any(rule.trigger == Rule.Trigger.CONVERSATION_STARTED for rule in rules) and (
            began_conversation(message)):
        triggers.append(Rule.Trigger.CONVERSATION_STARTED)
    calendars = Calendars()
    runs = []
    for trigger in triggers:  # each trigger's rules in order, stop processing per trigger
        runs += _run([rule for rule in rules if rule.trigger == trigger],
                     facts_for_message(message, calendars=calendars),
                     lambda: facts_for_message(message, calendars=calendars),
                     trigger_key=f"message:{message.pk}", message=message)
    return runs


def waiting_candidates(rule: Rule, *, now: datetime):
    """The open conversations whose customer has waited at least the rule's shortest waiting
    time, not yet handled by the rule in this waiting stretch, oldest wait first."""
    threshold = waiting_threshold(rule.conditions)
    episodes = (Episode.objects.filter(
        resolved_at=None, awaiting_since__lte=now - timedelta(minutes=threshold),
        thread__status=Thread.Status.OPEN)
        .exclude(Exists(RuleRun.objects.filter(rule=rule, thread=OuterRef("thread_id"),
                                               ran_at__gte=OuterRef("awaiting_since")))))
    if rule.team_id is not None:
        episodes = episodes.filter(thread__team_id=rule.team_id)
    return episodes.order_by("awaiting_since", "id")


def run_waiting_rules(*, now: datetime | None = None, batch_size: int = 200) -> list[RuleRun]:
    """The rules on customers still waiting: each runs once per waiting stretch of a thread
    (trigger key ``waiting:<awaiting_since>``), in order; after a ``stop_processing`` rule ran
    on a stretch, later rules leave it alone. One query when there is no such rule."""
    now = now or timezone.now()
    runs, stoppers = [], []
    calendars = Calendars()
    for rule in active_rules(triggers=[Rule.Trigger.WAITING], any_team=True):
        if not well_formed(rule):
            continue
        if waiting_threshold(rule.conditions) is None:
            logger.error("rule %s (%s) skipped: it has no waiting time", rule.pk, rule.name)
            continue
        runs += _run_waiting_rule(rule, now=now, batch_size=batch_size, calendars=calendars,
                                  stoppers=stoppers)
        if rule.stop_processing:
            stoppers.append(rule)
    return runs


def _run_waiting_rule(rule: Rule, *, now, batch_size, calendars, stoppers) -> list[RuleRun]:
    runs, after = [], None
    while True:
        episodes = waiting_candidates(rule, now=now)
        if after is not None:
            episodes = episodes.filter(Q(awaiting_since__gt=after[0])
                                       | Q(awaiting_since=after[0], id__gt=after[1]))
        batch = list(episodes.select_related("thread__customer")[:batch_size])
        for episode in batch:
            trigger_key = f"waiting:{episode.awaiting_since.isoformat()}"
            if stoppers and RuleRun.objects.filter(
                    rule__in=stoppers, thread=episode.thread_id, trigger_key=trigger_key,
                    error="").exists():
                continue
            facts = facts_for_waiting(episode.thread, at=now, calendars=calendars)
            if conditions_hold(conditions=rule.conditions, match=rule.match, facts=facts):
                run = apply_rule(rule=rule, thread=episode.thread_id, trigger_key=trigger_key)
                if run is not None:
                    runs.append(run)
        if len(batch) < batch_size:
            return runs
        after = (batch[-1].awaiting_since, batch[-1].pk)
