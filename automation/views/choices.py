"""What the rule form offers in its selects: agents, teams, channels, tags, canned responses,
and the schema's fields and actions (also given to rules.js, which shows the inputs that fit)."""

from channels_adapters.models import Channel, ChannelKind
from inbox.models import CannedResponse, Tag, Team, Thread, User

from ..schema import ACTION_KINDS, CONDITION_FIELDS, VALUELESS_OPERATORS

HOURS = [("open", "open (business hours)"), ("closed", "closed (out of hours)")]
STATUSES = [(Thread.Status.RESOLVED, Thread.Status.RESOLVED.label),
            (Thread.Status.PENDING, Thread.Status.PENDING.label),
            (Thread.Status.OPEN, Thread.Status.OPEN.label)]


def form_choices() -> dict:
    return {
        "condition_fields": CONDITION_FIELDS,
        "action_kinds": ACTION_KINDS,
        # For rules.js: which operators a field has, which input each field or action needs.
        "schema": {"conditions": {name: {"value": spec["value"], "operators": spec["operators"]}
                                  for name, spec in CONDITION_FIELDS.items()},
                   "actions": {name: {"value": spec["value"]}
                               for name, spec in ACTION_KINDS.items()},
                   "valueless": sorted(VALUELESS_OPERATORS)},
        "blank_row": {"index": "__index__", "inputs": {}},
        "channel_kinds": ChannelKind.choices,
        "channels": list(Channel.objects.select_related("team").only(
            "id", "kind", "name", "team__name")),
        "agents": list(User.objects.filter(is_active=True).order_by("first_name", "username")),
        "teams": list(Team.objects.all()),
        "tags": list(Tag.objects.values_list("name", flat=True)),
        "canned_responses": list(CannedResponse.objects.only("id", "shortcut", "title")),
        "priorities": Thread.Priority.choices,
        "hours": HOURS,
        "statuses": STATUSES,
    }
