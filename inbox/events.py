"""The Event types: one small class each, with exactly the fields its payload holds.

An action builds one of these and hands it to ``inbox.publish.record_event``; the payload is
stored as JSON in the Event row and published unchanged. ``parse_payload`` reads a stored
payload back into its class and refuses unknown or missing fields, which is how the tests
check every emitted event against its declaration.
"""

import dataclasses
from typing import Any, ClassVar

# The payload key of an event written by an automation rule's action: {"id", "name"}.
RULE_KEY = "rule"


@dataclasses.dataclass(frozen=True, kw_only=True)
class EventPayload:
    type: ClassVar[str]

    def as_json(self) -> dict[str, Any]:
        # Shallow: the values are already JSON (snapshots are built for the event), and
        # dataclasses.asdict's deep copy was a sixth of a batch's event recording.
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomerCreated(EventPayload):
    type: ClassVar[str] = "customer.created"
    customer_id: int
    name: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class IdentityAdded(EventPayload):
    type: ClassVar[str] = "identity.added"
    identity_id: int
    kind: str
    address: str
    verified: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomerUpdated(EventPayload):
    """An agent or an integrator changed the profile by hand; ``changed`` names the fields."""

    type: ClassVar[str] = "customer.updated"
    customer_id: int
    name: str
    changed: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomerDeleted(EventPayload):
    """The profile, its thread and messages were deleted; the events stay as the record."""

    type: ClassVar[str] = "customer.deleted"
    customer_id: int
    message_count: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class IdentityRemoved(EventPayload):
    type: ClassVar[str] = "identity.removed"
    identity_id: int
    kind: str
    address: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ContactLeft(EventPayload):
    """The customer typed a name or an e-mail (web chat's pre-chat form): unverified, kept
    in the profile's attributes, where similar-customer suggestions read it."""

    type: ClassVar[str] = "customer.contact_left"
    customer_id: int
    name: str
    email: str
    channel_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessageReceived(EventPayload):
    """A customer wrote. ``reopened`` tells whether it re-opened a resolved thread."""

    type: ClassVar[str] = "message.received"
    message: dict[str, Any]
    reopened: bool


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReplyQueued(EventPayload):
    type: ClassVar[str] = "reply.queued"
    message: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class DeliveryChanged(EventPayload):
    type: ClassVar[str] = "message.delivery_changed"
    message_id: int
    delivery_status: str
    previous_status: str
    error: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class NoteAdded(EventPayload):
    type: ClassVar[str] = "note.added"
    message: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class InteractionLogged(EventPayload):
    """A phone call or a visit an agent recorded."""

    type: ClassVar[str] = "interaction.logged"
    message: dict[str, Any]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreadAssigned(EventPayload):
    type: ClassVar[str] = "thread.assigned"
    assignee_id: int | None
    team_id: int | None
    previous_assignee_id: int | None
    previous_team_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreadStatusChanged(EventPayload):
    type: ClassVar[str] = "thread.status_changed"
    status: str
    previous_status: str
    snoozed_until: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreadTagged(EventPayload):
    type: ClassVar[str] = "thread.tagged"
    added: list[str]
    removed: list[str]
    tags: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class ThreadPriorityChanged(EventPayload):
    """0 none … 4 urgent (Thread.Priority)."""

    type: ClassVar[str] = "thread.priority_changed"
    priority: int
    previous_priority: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class MacroApplied(EventPayload):
    """An agent applied a macro (macros/); each of its steps wrote its own event before."""

    type: ClassVar[str] = "macro.applied"
    macro_id: int
    name: str
    steps: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class RuleApplied(EventPayload):
    """An automation rule matched (automation/); each of its actions wrote its own event
    before, attributed to it (see ``inbox.publish.attributed_to_rule``). ``done`` says what
    they did, in words."""

    type: ClassVar[str] = "rule.applied"
    rule_id: int
    name: str
    trigger: str
    done: list[str]


@dataclasses.dataclass(frozen=True, kw_only=True)
class CustomersMerged(EventPayload):
    type: ClassVar[str] = "customers.merged"
    merge_id: int
    source_id: int
    target_id: int
    identity_ids: list[int]
    message_count: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class MergeUndone(EventPayload):
    type: ClassVar[str] = "customers.merge_undone"
    merge_id: int
    source_id: int
    target_id: int
    identity_ids: list[int]
    message_count: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class SurveySent(EventPayload):
    """A CSAT survey went out on a resolved thread (its question is the message)."""

    type: ClassVar[str] = "survey.sent"
    survey_id: int
    message_id: int
    channel_id: int
    agent_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SurveyAnswered(EventPayload):
    """The customer scored 1–5 (again, if they changed their answer); ``via`` is "link"
    or "reply"."""

    type: ClassVar[str] = "survey.answered"
    survey_id: int
    score: int
    has_comment: bool
    via: str
    agent_id: int | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaDueTimesSet(EventPayload):
    """A conversation's SLA due times: set when the customer's message started it, set anew
    when a change of priority brought another policy."""

    type: ClassVar[str] = "sla.due_times_set"
    clock_id: int
    policy_id: int
    first_response_due_at: str
    resolution_due_at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaWarning(EventPayload):
    """A target ("first_response" or "resolution") is close to its due time, not met yet."""

    type: ClassVar[str] = "sla.warning"
    clock_id: int
    policy_id: int | None
    target: str
    due_at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class SlaBreached(EventPayload):
    """A target passed its due time without being met."""

    type: ClassVar[str] = "sla.breached"
    clock_id: int
    policy_id: int | None
    target: str
    due_at: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class BotAnswered(EventPayload):
    """The first-line bot answered the customer's message with an article."""

    type: ClassVar[str] = "bot.answered"
    message_id: int
    article_id: int
    confidence: float


@dataclasses.dataclass(frozen=True, kw_only=True)
class BotHandedOff(EventPayload):
    """The bot handed the conversation to a person (reason: asked, unsure, max_answers,
    no_text); its note for the agent is ``note_id``."""

    type: ClassVar[str] = "bot.handed_off"
    reason: str
    note_id: int | None


def customers_own_messages(events) -> list:
    """Of a commit's Event rows, those of a message a customer wrote on a thread (not an
    automatic one: an out-of-hours reply, a rule's or the bot's answer): what the automation
    listeners react to, and never to their own writing."""
    return [event for event in events
            if event.type == MessageReceived.type and event.thread_id is not None
            and not (event.payload["message"].get("metadata") or {}).get("automatic")]


EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.type: cls
    for cls in (
        CustomerCreated,
        CustomerUpdated,
        CustomerDeleted,
        IdentityAdded,
        IdentityRemoved,
        ContactLeft,
        MessageReceived,
        ReplyQueued,
        DeliveryChanged,
        NoteAdded,
        InteractionLogged,
        ThreadAssigned,
        ThreadStatusChanged,
        ThreadTagged,
        ThreadPriorityChanged,
        MacroApplied,
        RuleApplied,
        CustomersMerged,
        MergeUndone,
        SurveySent,
        SurveyAnswered,
        SlaDueTimesSet,
        SlaWarning,
        SlaBreached,
        BotAnswered,
        BotHandedOff,
    )
}


def parse_payload(event_type: str, payload: dict[str, Any]) -> EventPayload:
    """Rebuild a stored payload; TypeError on an unknown type or a field too many or missing.
    The attribution of any event to an automation rule (``"rule"``, added by
    ``inbox.publish.attributed_to_rule``) is not part of its type: it is set aside."""
    try:
        cls = EVENT_TYPES[event_type]
    except KeyError:
        raise TypeError(f"unknown event type {event_type!r}") from None
    return cls(**{name: value for name, value in payload.items() if name != RULE_KEY})
