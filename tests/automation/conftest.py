"""A mailbox, a customer who writes to it, and rules as an admin saves them."""

import itertools

import pytest

from automation.engine import run_rules_for_message
from automation.models import Rule, RuleRun
from inbox.actions import receive_message
from inbox.models import Message

NOTE = [{"action": "note", "text": "seen"}]
_external_ids = itertools.count()


@pytest.fixture
def mailbox(make_channel):
    return make_channel("email", name="Support mailbox", address="support@shop.example")


@pytest.fixture
def writes(mailbox):
    """writes("text", channel=..., address=..., automatic=...) → the customer's Message."""

    def write(text="Hello", *, channel=None, address="ana@example.com", **fields) -> Message:
        return receive_message(channel=channel or mailbox, address=address, text=text,
                               display_name="Ana Lima", verified=True,
                               external_id=f"rule-test-{next(_external_ids)}", **fields).message

    return write


@pytest.fixture
def make_rule(db):
    def make(name="Rule", *, actions=None, **fields) -> Rule:
        return Rule.objects.create(name=name, actions=actions or NOTE, **fields)

    return make


@pytest.fixture
def applies(db):
    """applies(message, *conditions, match="all"): whether a rule of these conditions runs
    on the message (the engine's own path; the probe rule is switched off afterwards)."""

    def probe(message, *conditions, match="all") -> bool:
        rule = Rule.objects.create(name="Probe", conditions=list(conditions), match=match,
                                   actions=NOTE)
        try:
            return any(run.rule_id == rule.pk
                       for run in run_rules_for_message(message=message))
        finally:
            Rule.objects.filter(pk=rule.pk).update(is_active=False)

    return probe


def runs_of(rule) -> list[RuleRun]:
    return list(RuleRun.objects.filter(rule=rule).order_by("id"))
