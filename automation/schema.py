"""What a rule's conditions and actions may hold, for the editing form and for validation.

A condition is ``{"field": ..., "operator": ..., "value": ...}`` (plus ``"key"`` for a
customer attribute); an action is a macro step (``macros.steps``) run by the system, plus
``assign_team`` and a ``reply`` that may name a canned response. ``CONDITION_FIELDS`` and
``ACTION_KINDS`` tell the form which input each needs (the ``value`` kind). Validation names
the row that is wrong ("Condition 2: ...") and carries its index, so a form can show the
error next to it. See docs/automation.md.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channels_adapters.models import Channel, ChannelKind
from inbox.models import CannedResponse, Team, Thread, User
from macros.steps import STEP_KINDS

MAX_CONDITIONS = 20
MAX_ACTIONS = 20
MAX_WORDS = 50
MAX_WORD_LENGTH = 100
MAX_VALUE_LENGTH = 200
MAX_REPLY_LENGTH = 5000
MAX_WAITING_MINUTES = 60 * 24 * 30
HOURS_VALUES = ("open", "closed")

CONDITION_FIELDS = {
    "channel_kind": {"label": gettext_lazy("Channel kind"), "value": "channel_kinds",
                     "operators": {"in": gettext_lazy("is one of"),
                                   "not_in": gettext_lazy("is none of")}},
    "channel": {"label": gettext_lazy("Channel"), "value": "channels",
                "operators": {"in": gettext_lazy("is one of"),
                              "not_in": gettext_lazy("is none of")}},
    "text": {"label": gettext_lazy("Message text"), "value": "words",
             "operators": {"contains_any": gettext_lazy("contains any of"),
                           "contains_none": gettext_lazy("contains none of")}},
    "customer_attribute": {"label": gettext_lazy("Customer attribute"), "value": "text",
                           "operators": {"equals": gettext_lazy("equals"),
                                         "not_equals": gettext_lazy("does not equal"),
                                         "contains": gettext_lazy("contains"),
                                         "is_set": gettext_lazy("is set"),
                                         "is_not_set": gettext_lazy("is not set")}},
    "customer_tag": {"label": gettext_lazy("Customer tag"), "value": "tag",
                     "operators": {"has": gettext_lazy("has"),
                                   "has_not": gettext_lazy("has not")}},
    "thread_tag": {"label": gettext_lazy("Conversation tag"), "value": "tag",
                   "operators": {"has": gettext_lazy("has"),
                                 "has_not": gettext_lazy("has not")}},
    "business_hours": {"label": gettext_lazy("Business hours"), "value": "hours",
                       "operators": {"is": gettext_lazy("is")}},
    "waiting_minutes": {"label": gettext_lazy("Customer waiting (minutes)"), "value": "minutes",
                        "operators": {"at_least": gettext_lazy("at least")}},
    "priority": {"label": gettext_lazy("Priority"), "value": "priority",
                 "operators": {"is": gettext_lazy("is"), "at_least": gettext_lazy("at least")}},
    "assignee": {"label": gettext_lazy("Assignee"), "value": "none",
                 "operators": {"is_nobody": gettext_lazy("is nobody"),
                               "is_somebody": gettext_lazy("is somebody")}},
}
# Operators that take no value (the attribute's presence, the assignee).
VALUELESS_OPERATORS = {"is_set", "is_not_set", "is_nobody", "is_somebody"}

ACTION_KINDS = {
    "assign": {"label": gettext_lazy("Assign to"), "value": "agent"},
    "assign_team": {"label": gettext_lazy("Move to team"), "value": "team"},
    "tag": {"label": gettext_lazy("Tag"), "value": "tags"},
    "priority": {"label": gettext_lazy("Set priority"), "value": "priority"},
    "reply": {"label": gettext_lazy("Send a reply"), "value": "reply"},
    "note": {"label": gettext_lazy("Add a note"), "value": "text"},
    "snooze": {"label": gettext_lazy("Snooze (minutes)"), "value": "minutes"},
    "status": {"label": gettext_lazy("Set status"), "value": "status"},
}


class RowError(ValidationError):
    """A ValidationError about one condition or action: ``kind`` ("condition" or "action")
    and ``row`` (0-based) say which, for a form to show it next to that row."""

    def __init__(self, kind: str, row: int, text: str):
        label = _("Condition %(n)d: %(text)s") if kind == "condition" else _(
            "Action %(n)d: %(text)s")
        super().__init__(label % {"n": row + 1, "text": text}, code=f"invalid_{kind}")
        self.kind, self.row = kind, row


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _short_string(value, limit: int) -> bool:
    return isinstance(value, str) and bool(value.strip()) and len(value) <= limit


def _check_condition_value(condition: dict, kind: str) -> str | None:
    """What is wrong with the condition's value, or None."""
    value = condition.get("value")
    if kind == "channel_kinds":
        if (not isinstance(value, list) or not value
                or not all(item in ChannelKind.values for item in value)):
            return _("value is a list of channel kinds (%(kinds)s).") % {
                "kinds": ", ".join(ChannelKind.values)}
    elif kind == "channels":
        if not isinstance(value, list) or not value or not all(_is_int(i) for i in value):
            return _("value is a list of channel ids.")
        if Channel.objects.filter(pk__in=value).count() != len(set(value)):
            return _("a channel of the list does not exist.")
    elif kind == "words":
        if (not isinstance(value, list) or not value or len(value) > MAX_WORDS
                or not all(_short_string(word, MAX_WORD_LENGTH) for word in value)):
            return _("value is a list of 1 to %(max)d words or phrases (%(length)d characters "
                     "at most each).") % {"max": MAX_WORDS, "length": MAX_WORD_LENGTH}
    elif kind == "text":
        if condition.get("operator") in VALUELESS_OPERATORS:
            return _("this operator takes no value.") if "value" in condition else None
        if not _short_string(value, MAX_VALUE_LENGTH):
            return _("value is a text of %(max)d characters at most.") % {
                "max": MAX_VALUE_LENGTH}
    elif kind == "tag":
        if not _short_string(value, 50):
            return _("value is a tag name (50 characters at most).")
    elif kind == "hours":
        if value not in HOURS_VALUES:
            return _('value is "open" or "closed".')
    elif kind == "minutes":
        if not _is_int(value) or not 1 <= value <= MAX_WAITING_MINUTES:
            return _("value is a whole number of minutes from 1 to %(max)d.") % {
                "max": MAX_WAITING_MINUTES}
    elif kind == "priority":
        if not _is_int(value) or value not in Thread.Priority.values:
            return _("value is a priority from 0 (none) to 4 (urgent).")
    elif kind == "none" and "value" in condition:
        return _("this condition takes no value.")
    return None


def _check_condition(condition, index: int) -> None:
    if not isinstance(condition, dict) or condition.get("field") not in CONDITION_FIELDS:
        raise RowError("condition", index, _("field is one of %(fields)s.")
                       % {"fields": ", ".join(CONDITION_FIELDS)})
    spec = CONDITION_FIELDS[condition["field"]]
    if condition.get("operator") not in spec["operators"]:
        raise RowError("condition", index, _("operator is one of %(operators)s.")
                       % {"operators": ", ".join(spec["operators"])})
    allowed = {"field", "operator", "value"}
    if condition["field"] == "customer_attribute":
        allowed.add("key")
        if not _short_string(condition.get("key"), 100):
            raise RowError("condition", index,
                           _("key is the attribute's name (100 characters at most)."))
    unknown = set(condition) - allowed
    if unknown:
        raise RowError("condition", index, _("unknown field(s) %(fields)s.")
                       % {"fields": ", ".join(sorted(map(str, unknown)))[:200]})
    problem = _check_condition_value(condition, spec["value"])
    if problem:
        raise RowError("condition", index, problem)


def validate_conditions(conditions) -> None:
    """A RowError (a ValidationError) naming the first condition that is not well formed."""
    if not isinstance(conditions, list):
        raise ValidationError(_("The conditions are a list."), code="invalid_conditions")
    if len(conditions) > MAX_CONDITIONS:
        raise ValidationError(_("A rule has %(max)d conditions at most.")
                              % {"max": MAX_CONDITIONS}, code="invalid_conditions")
    for index, condition in enumerate(conditions):
        _check_condition(condition, index)


def _check_assign_team(action, index, team):
    if set(action) - {"action", "team"}:
        raise RowError("action", index, _("unknown field(s) %(fields)s.") % {
            "fields": ", ".join(sorted(map(str, set(action) - {"action", "team"})))[:200]})
    if not _is_int(action.get("team")) or not Team.objects.filter(pk=action["team"]).exists():
        raise RowError("action", index, _("team is the id of a team."))


def _check_reply(action, index, team):
    fields = set(action) - {"action"}
    if fields == {"text"}:
        if not _short_string(action["text"], MAX_REPLY_LENGTH):
            raise RowError("action", index, _("a text of %(max)d characters at most is "
                                              "needed.") % {"max": MAX_REPLY_LENGTH})
        return
    if fields != {"canned_response"} or not _is_int(action["canned_response"]):
        raise RowError("action", index, _("a reply has a text or a canned response's id."))
    responses = CannedResponse.objects.filter(pk=action["canned_response"])
    if team is not None:
        responses = responses.filter(Q(team__isnull=True) | Q(team=team))
    if not responses.exists():
        raise RowError("action", index, _("no canned response of this rule's team has the "
                                          "id %(id)s.") % {"id": action["canned_response"]})


def _check_step(action, index, team):
    """The macro steps' own check (same shape), its message re-worded for an action."""
    if action["action"] == "assign" and action.get("assignee") == "me":
        raise RowError("action", index, _('assignee is "nobody" or an agent\'s id.'))
    try:
        check, _run, allowed = STEP_KINDS[action["action"]]
        unknown = set(action) - allowed - {"action"}
        if unknown:
            raise ValidationError(_("unknown field(s) %(fields)s.")
                                  % {"fields": ", ".join(sorted(map(str, unknown)))[:200]})
        check(action, index)
    except ValidationError as error:
        # macros.steps says "Step 2: <what>"; keep the <what>.
        raise RowError("action", index, error.messages[0].split(": ", 1)[-1]) from None
    if action["action"] == "assign" and _is_int(action["assignee"]) and team is not None:
        assignee = User.objects.get(pk=action["assignee"])
        if not assignee.sees_all_teams and not assignee.teams.filter(pk=team.pk).exists():
            raise RowError("action", index, _("%(agent)s is not a member of the team "
                                              "%(team)s.") % {"agent": assignee, "team": team})


ACTION_CHECKS = {"assign_team": _check_assign_team, "reply": _check_reply}


def validate_actions(actions, *, team: Team | None = None) -> None:
    """A RowError (a ValidationError) naming the first action that is not well formed. With
    the rule's ``team``, its agent and canned response must be that team's."""
    if not isinstance(actions, list) or not actions:
        raise ValidationError(_("A rule has at least one action."), code="invalid_actions")
    if len(actions) > MAX_ACTIONS:
        raise ValidationError(_("A rule has %(max)d actions at most.") % {"max": MAX_ACTIONS},
                              code="invalid_actions")
    for index, action in enumerate(actions):
        if not isinstance(action, dict) or action.get("action") not in ACTION_KINDS:
            raise RowError("action", index, _("action is one of %(kinds)s.")
                           % {"kinds": ", ".join(ACTION_KINDS)})
        ACTION_CHECKS.get(action["action"], _check_step)(action, index, team)


def validate_rule(*, trigger: str, conditions, actions, team: Team | None = None) -> None:
    """Everything a rule must be to be stored: its conditions, its actions, and a waiting
    time for a rule that runs on waiting (the beat needs a threshold)."""
    validate_conditions(conditions)
    validate_actions(actions, team=team)
    if trigger == "waiting" and not any(
            condition["field"] == "waiting_minutes" for condition in conditions):
        raise ValidationError(_("A rule that runs while a customer waits needs a condition on "
                                "the waiting time."), code="waiting_needs_minutes")


def waiting_threshold(conditions: list[dict]) -> int | None:
    """The fewest minutes of the rule's waiting conditions: below that, it cannot match."""
    minutes = [c["value"] for c in conditions if c.get("field") == "waiting_minutes"]
    return min(minutes) if minutes else None

