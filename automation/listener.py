"""The event listener (THREADLINE_EVENT_LISTENERS) of automation rules: a customer wrote →
a task runs the rules on the message.

It runs after every commit: no query unless the events hold a customer's message (not an
automatic one: a rule's own reply is outbound, so rules never set rules off), then one to
learn whether any active rule concerns those threads' teams."""

from django.db.models import Q

from inbox.events import customers_own_messages
from inbox.models import Event

from .engine import MESSAGE_TRIGGERS
from .models import Rule
from .tasks import run_rules_task


def on_events(events: list[Event]) -> None:
    written = customers_own_messages(events)
    if not written:
        return
    teams = {event.team_id for event in written if event.team_id is not None}
    if not Rule.objects.filter(Q(team__isnull=True) | Q(team_id__in=teams), is_active=True,
                               trigger__in=MESSAGE_TRIGGERS).exists():
        return
    for event in written:
        run_rules_task.delay(event.payload["message"]["id"])
