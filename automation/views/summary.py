"""What each rule of the list does, in a few words ("Assign to Emma Roux, tag refund"): the
agents and teams named are read in one query each for the whole list, not one per rule."""

from django.utils.translation import gettext as _

from inbox.models import Team, Thread, User

from ..models import Rule
from ..schema import ACTION_KINDS


def _names(model, ids: set[int], label) -> dict[int, str]:
    if not ids:
        return {}
    return {row.pk: label(row) for row in model.objects.filter(pk__in=ids)}


def summarise(rules: list[Rule]) -> None:
    """Sets ``summary`` on each rule."""
    actions = [action for rule in rules for action in rule.actions]
    agents = _names(User, {a["assignee"] for a in actions if a.get("action") == "assign"
                           and isinstance(a.get("assignee"), int)}, lambda u: u.display_name)
    teams = _names(Team, {a["team"] for a in actions if a.get("action") == "assign_team"
                          and isinstance(a.get("team"), int)}, lambda t: t.name)
    for rule in rules:
        rule.summary = ", ".join(_describe(action, agents, teams) for action in rule.actions
                                 if action.get("action") in ACTION_KINDS)


def _describe(action: dict, agents: dict, teams: dict) -> str:
    kind = action["action"]
    if kind == "assign":
        if action.get("assignee") == "nobody":
            return _("unassign")
        return _("assign to %(agent)s") % {"agent": agents.get(action.get("assignee"), "?")}
    if kind == "assign_team":
        return _("move to %(team)s") % {"team": teams.get(action.get("team"), "?")}
    if kind == "tag":
        words = [f"+{name}" for name in action.get("add", [])]
        words += [f"−{name}" for name in action.get("remove", [])]
        return _("tag %(tags)s") % {"tags": " ".join(words)}
    if kind == "priority" and action.get("priority") in Thread.Priority.values:
        return _("priority %(priority)s") % {
            "priority": Thread.Priority(action["priority"]).label}
    if kind == "status" and action.get("status") in Thread.Status.values:
        return _("status %(status)s") % {"status": Thread.Status(action["status"]).label}
    if kind == "snooze":
        return _("snooze %(minutes)s min") % {"minutes": action.get("minutes")}
    return str(ACTION_KINDS[kind]["label"]).lower()
