"""Evaluating a rule's conditions against the facts of one thread at one moment.

The facts are read once (``facts_for_message``, ``facts_for_waiting``; ``dry_run`` builds
them for past moments) and every condition is a pure function of them, so the live engine
and the dry run agree by construction. A team's calendar is loaded at most once per
evaluation batch (``Calendars``), and only when a rule asks about business hours.
"""

import dataclasses
import functools
import re
from datetime import datetime, timedelta

from hours.calendar import calendar_for, is_open
from inbox.folding import fold
from inbox.models import Message, Thread
from reports.models import Episode


class Calendars:
    """The teams' business-hours calendars, each read once when first asked for."""

    def __init__(self):
        self._calendars = {}

    def is_open(self, team_id: int | None, at: datetime) -> bool:
        if team_id not in self._calendars:
            self._calendars[team_id] = calendar_for(team_id)
        return is_open(self._calendars[team_id], at)  # None (no hours): always open


@dataclasses.dataclass
class Facts:
    """What the conditions read: a thread and the customer's message, as of ``at``."""

    at: datetime
    thread_id: int
    team_id: int | None
    text: str
    channel_id: int | None
    channel_kind: str | None
    attributes: dict
    customer_tags: set[str]
    thread_tags: set[str]
    priority: int
    assignee_id: int | None
    awaiting_since: datetime | None
    calendars: Calendars = dataclasses.field(default_factory=Calendars, repr=False)


def _thread_facts(thread: Thread, message: Message | None, *, at: datetime,
                  calendars: Calendars | None) -> Facts:
    customer = thread.customer
    episode = Episode.objects.filter(thread=thread, resolved_at=None).only(
        "awaiting_since").first()
    return Facts(
        at=at, thread_id=thread.pk, team_id=thread.team_id,
        text=message.text if message else "",
        channel_id=message.channel_id if message else None,
        channel_kind=message.channel.kind if message and message.channel else None,
        attributes=customer.attributes if isinstance(customer.attributes, dict) else {},
        customer_tags=set(customer.tags.values_list("name", flat=True)),
        thread_tags=set(thread.tags.values_list("name", flat=True)),
        priority=thread.priority, assignee_id=thread.assignee_id,
        awaiting_since=episode.awaiting_since if episode else None,
        calendars=calendars or Calendars(),
    )


def facts_for_message(message: Message, *, calendars: Calendars | None = None) -> Facts:
    """The thread as it is now, and the customer's message as of its arrival."""
    thread = Thread.objects.select_related("customer").get(pk=message.thread_id)
    return _thread_facts(thread, message, at=message.created_at, calendars=calendars)


def facts_for_waiting(thread: Thread, *, at: datetime,
                      calendars: Calendars | None = None) -> Facts:
    """The thread at ``at``, with the customer's last message (the one they wait on)."""
    message = (Message.objects.select_related("channel")
               .filter(thread=thread, direction=Message.Direction.INBOUND)
               .exclude(metadata__has_key="automatic").order_by("-created_at", "-id").first())
    return _thread_facts(thread, message, at=at, calendars=calendars)


@functools.lru_cache(maxsize=512)
def _phrase(phrase: str) -> re.Pattern:
    """A whole word or phrase, the spaces in it matching any run of spaces."""
    words = [re.escape(word) for word in fold(phrase).split()]
    if not words:  # nothing left once the accents are gone: it finds nothing
        return re.compile(r"(?!)")
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def text_contains_any(text: str, phrases: list[str]) -> bool:
    normalised = fold(text)
    return any(_phrase(phrase).search(normalised) for phrase in phrases)


def _attribute_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return fold(str(value)).strip()


def _customer_attribute(condition: dict, facts: Facts) -> bool:
    value = facts.attributes.get(condition["key"])
    present = value not in (None, "", [], {})
    operator = condition["operator"]
    if operator == "is_set":
        return present
    if operator == "is_not_set":
        return not present
    wanted = fold(condition["value"]).strip()
    if operator == "equals":
        return present and _attribute_text(value) == wanted
    if operator == "not_equals":
        return not (present and _attribute_text(value) == wanted)
    return present and wanted in _attribute_text(value)  # contains


def _waited_minutes(facts: Facts) -> float:
    if facts.awaiting_since is None:
        return -1
    return (facts.at - facts.awaiting_since) / timedelta(minutes=1)


def _holds(condition: dict, facts: Facts) -> bool:
    field, operator, value = condition["field"], condition["operator"], condition.get("value")
    if field == "channel_kind":
        return (facts.channel_kind in value) == (operator == "in")
    if field == "channel":
        return (facts.channel_id in value) == (operator == "in")
    if field == "text":
        return text_contains_any(facts.text, value) == (operator == "contains_any")
    if field == "customer_attribute":
        return _customer_attribute(condition, facts)
    if field in ("customer_tag", "thread_tag"):
        tags = facts.customer_tags if field == "customer_tag" else facts.thread_tags
        wanted = fold(value.strip())
        return any(fold(tag) == wanted for tag in tags) == (operator == "has")
    if field == "business_hours":
        return facts.calendars.is_open(facts.team_id, facts.at) == (value == "open")
    if field == "waiting_minutes":
        return _waited_minutes(facts) >= value
    if field == "priority":
        return facts.priority == value if operator == "is" else facts.priority >= value
    if field == "assignee":
        return (facts.assignee_id is None) == (operator == "is_nobody")
    raise ValueError(f"unknown condition field {field!r}")


def conditions_hold(*, conditions: list[dict], match: str, facts: Facts) -> bool:
    """Whether the rule matches; no condition means always. The conditions must have been
    validated (``schema.validate_conditions``)."""
    if not conditions:
        return True
    results = (_holds(condition, facts) for condition in conditions)
    return any(results) if match == "any" else all(results)
