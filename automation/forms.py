"""The rule form: the rule's own fields, and its condition and action rows as plain posted
fields (``condition-<n>-field``, ``action-<n>-action``, …) turned into the JSON lists that
``schema.py`` checks. Plain fields keep the form usable without its script: every value input
of a row is posted, and only the one suited to the chosen field or action is read."""

import re
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbox.models import Team

from .models import Rule
from .schema import (
    ACTION_KINDS,
    CONDITION_FIELDS,
    MAX_ACTIONS,
    MAX_CONDITIONS,
    VALUELESS_OPERATORS,
    RowError,
    validate_actions,
    validate_conditions,
    validate_rule,
)

# The most rows a form posts: the schema's most conditions or actions, and the blank row the
# form always shows. More is not a form a person filled in.
MAX_ROWS = max(MAX_CONDITIONS, MAX_ACTIONS) + 1
ROW_NAMES = {"condition": re.compile(r"^condition-(\d{1,3})-field$"),
             "action": re.compile(r"^action-(\d{1,3})-action$")}
NUMBER = re.compile(r"\d{1,9}", re.ASCII)
# The inputs a row posts, per kind of value.
CONDITION_INPUTS = ["channel_kinds", "channels", "words", "text", "tag", "hours", "minutes",
                    "priority"]
ACTION_INPUTS = ["agent", "team", "add", "remove", "priority", "text", "canned_response",
                 "minutes", "status"]
MULTIPLE_INPUTS = {"channel_kinds", "channels"}


@dataclass
class Row:
    """One condition or action row as the form shows it: what was chosen, the raw inputs, and
    the row's error."""

    index: int
    choice: str = ""  # the condition's field or the action's kind; "" for a blank row
    operator: str = ""
    key: str = ""
    inputs: dict = field(default_factory=dict)
    error: str = ""

    @property
    def blank(self) -> bool:
        return not self.choice


def _number(raw: str):
    """An int when the text is one; else the text itself, which the schema then refuses with
    its own message."""
    raw = raw.strip()
    return int(raw) if NUMBER.fullmatch(raw) else raw


def _words(raw: str) -> list[str]:
    return [word.strip() for word in re.split(r"[,\n]", raw) if word.strip()]


def _read_rows(data, kind: str, inputs: list[str]) -> list[Row]:
    indexes = sorted({int(match[1]) for name in data if (match := ROW_NAMES[kind].match(name))})
    if len(indexes) > MAX_ROWS:
        raise ValidationError(_("The form posted more than %(max)d %(kind)s rows.")
                              % {"max": MAX_ROWS, "kind": kind})
    choice_name = "field" if kind == "condition" else "action"
    rows = []
    for index in indexes:
        prefix = f"{kind}-{index}-"
        rows.append(Row(
            index=index, choice=data.get(prefix + choice_name, "").strip(),
            operator=data.get(prefix + "operator", "").strip(),
            key=data.get(prefix + "key", "").strip(),
            inputs={name: (data.getlist(prefix + name) if name in MULTIPLE_INPUTS
                           else data.get(prefix + name, "")) for name in inputs}))
    return rows


def _condition_of(row: Row) -> dict:
    condition = {"field": row.choice, "operator": row.operator}
    spec = CONDITION_FIELDS.get(row.choice)
    kind = spec["value"] if spec else "none"
    if row.choice == "customer_attribute":
        condition["key"] = row.key
    if kind == "none" or row.operator in VALUELESS_OPERATORS:
        return condition
    raw = row.inputs.get(kind, "")
    if kind == "channel_kinds":
        condition["value"] = list(raw)
    elif kind == "channels":
        condition["value"] = [_number(value) for value in raw]
    elif kind == "words":
        condition["value"] = _words(raw)
    elif kind in ("minutes", "priority"):
        condition["value"] = _number(raw)
    else:  # text, tag, hours
        condition["value"] = raw.strip()
    return condition


def _action_of(row: Row) -> dict:
    action = {"action": row.choice}
    spec = ACTION_KINDS.get(row.choice)
    kind = spec["value"] if spec else None
    inputs = row.inputs
    if kind == "agent":
        action["assignee"] = ("nobody" if inputs["agent"] == "nobody"
                              else _number(inputs["agent"]))
    elif kind == "team":
        action["team"] = _number(inputs["team"])
    elif kind == "tags":
        for name in ("add", "remove"):
            if _words(inputs[name]):
                action[name] = _words(inputs[name])
    elif kind == "priority":
        action["priority"] = _number(inputs["priority"])
    elif kind == "reply" and inputs["canned_response"].strip():
        action["canned_response"] = _number(inputs["canned_response"])
    elif kind in ("reply", "text"):
        action["text"] = inputs["text"].strip()
    elif kind == "minutes":
        action["minutes"] = _number(inputs["minutes"])
    elif kind == "status":
        action["status"] = inputs["status"]
    return action


def _checked(rows: list[Row], kind: str, to_item, validate) -> tuple[list[dict], bool]:
    """The rows' items, each checked alone so that every row's error shows beside it (the
    schema's "Condition 1: " prefix left out: the row is the one it is shown next to)."""
    prefix = RowError(kind, 0, "").messages[0]
    items, valid = [], True
    for row in rows:
        if row.blank:
            continue
        item = to_item(row)
        try:
            validate([item])
        except ValidationError as error:
            row.error = " ".join(message.removeprefix(prefix) for message in error.messages)
            valid = False
        items.append(item)
    return items, valid


def rows_of_rule(rule: Rule) -> tuple[list[Row], list[Row]]:
    """A saved rule's lists as rows of the form (the reverse of the parsing above)."""
    conditions = []
    for index, condition in enumerate(rule.conditions or []):
        spec = CONDITION_FIELDS.get(condition.get("field"), {"value": "none"})
        value = condition.get("value", "")
        if isinstance(value, list):
            value = (value if spec["value"] in MULTIPLE_INPUTS
                     else ", ".join(str(word) for word in value))
        if spec["value"] in MULTIPLE_INPUTS:
            value = [str(item) for item in value]
        conditions.append(Row(index=index, choice=condition.get("field", ""),
                              operator=condition.get("operator", ""),
                              key=condition.get("key", ""),
                              inputs={spec["value"]: value if value is not None else ""}))
    actions = []
    for index, action in enumerate(rule.actions or []):
        inputs = {name: str(action[key]) for name, key in (
            ("agent", "assignee"), ("team", "team"), ("priority", "priority"),
            ("text", "text"), ("canned_response", "canned_response"), ("minutes", "minutes"),
            ("status", "status")) if key in action}
        inputs["add"] = ", ".join(action.get("add", []))
        inputs["remove"] = ", ".join(action.get("remove", []))
        actions.append(Row(index=index, choice=action.get("action", ""), inputs=inputs))
    return conditions, actions


class RuleForm(forms.ModelForm):
    """The rule's fields, and its rows read from the same POST; ``clean`` puts the checked
    lists on the instance, so an unsaved rule can be dry-run and a valid one saved."""

    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False,
                                  empty_label=gettext_lazy("All teams"))

    class Meta:
        model = Rule
        fields = ["name", "team", "trigger", "match", "stop_processing", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_errors: list[str] = []
        if self.is_bound:
            try:
                self.condition_rows = _read_rows(self.data, "condition", CONDITION_INPUTS)
                self.action_rows = _read_rows(self.data, "action", ACTION_INPUTS)
            except ValidationError as error:
                self.condition_rows, self.action_rows = [], []
                self.row_errors = error.messages
        else:
            self.condition_rows, self.action_rows = rows_of_rule(self.instance)
        for rows in (self.condition_rows, self.action_rows):
            if not any(row.blank for row in rows):
                rows.append(Row(index=max((row.index for row in rows), default=-1) + 1))

    def clean(self):
        cleaned = super().clean()
        if self.row_errors:
            raise ValidationError(self.row_errors)
        team = cleaned.get("team")
        conditions, conditions_valid = _checked(self.condition_rows, "condition",
                                                _condition_of, validate_conditions)
        actions, actions_valid = _checked(
            self.action_rows, "action", _action_of,
            lambda items: validate_actions(items, team=team))
        if not actions:
            raise ValidationError(_("A rule needs at least one action."))
        if not (conditions_valid and actions_valid):
            raise ValidationError(_("Some rows need fixing (see below)."))
        # The rule as a whole: how many rows, and what one row alone cannot show.
        validate_rule(trigger=cleaned.get("trigger"), conditions=conditions, actions=actions,
                      team=team)
        self.instance.conditions, self.instance.actions = conditions, actions
        return cleaned

    def add_row(self, kind: str) -> None:
        rows = self.condition_rows if kind == "condition" else self.action_rows
        if len(rows) < MAX_ROWS:
            rows.append(Row(index=max((row.index for row in rows), default=-1) + 1))

    def remove_row(self, kind: str, index: str) -> None:
        if kind == "condition":
            self.condition_rows = [row for row in self.condition_rows
                                   if str(row.index) != index]
        else:
            self.action_rows = [row for row in self.action_rows if str(row.index) != index]
