"""What each rule of the list does, in words ("assign it to Emma Roux, tag refund"): the
dry run's own wording, computed for the whole list at once (its agents, teams and canned
responses read in one query each, not once per rule)."""

from ..dry_run import describe_actions
from ..models import Rule


def summarise(rules: list[Rule]) -> None:
    """Sets ``summary`` on each rule."""
    words = iter(describe_actions([action for rule in rules for action in rule.actions]))
    for rule in rules:
        rule.summary = ", ".join(next(words) for _action in rule.actions)
