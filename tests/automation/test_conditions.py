"""Each condition field and operator, evaluated by the engine on a customer's message."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from automation.conditions import text_contains_any
from inbox.actions import assign_thread, send_reply, set_priority, tag_thread
from inbox.models import Tag
from tests.hours.conftest import OFFICE_WEEK, set_hours  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2026, 3, 2, 11, tzinfo=UTC)  # 12:00 in Paris
MONDAY_NIGHT = datetime(2026, 3, 2, 21, tzinfo=UTC)  # 22:00 in Paris


def cond(field, operator, value=None, **extra):
    condition = {"field": field, "operator": operator, **extra}
    if value is not None:
        condition["value"] = value
    return condition


def test_channel_kind_in_and_not_in(writes, applies):
    message = writes("Hello")
    assert applies(message, cond("channel_kind", "in", ["email", "sms"]))
    assert not applies(message, cond("channel_kind", "in", ["telegram"]))
    assert applies(message, cond("channel_kind", "not_in", ["telegram"]))
    assert not applies(message, cond("channel_kind", "not_in", ["email"]))


def test_channel_in_and_not_in(writes, applies, mailbox, make_channel):
    other = make_channel("email", name="Sales mailbox", address="sales@shop.example")
    message = writes("Hello")
    assert applies(message, cond("channel", "in", [mailbox.pk]))
    assert not applies(message, cond("channel", "in", [other.pk]))
    assert applies(message, cond("channel", "not_in", [other.pk]))
    assert not applies(message, cond("channel", "not_in", [mailbox.pk, other.pk]))


def test_text_contains_any_whole_words_whatever_the_case_and_accents(writes, applies):
    message = writes("Bonjour, je veux être REMBOURSÉ de ma commande. My money   back!")
    assert applies(message, cond("text", "contains_any", ["parcel", "rembourse"]))
    assert applies(message, cond("text", "contains_any", ["money back"]))
    assert applies(message, cond("text", "contains_any", ["etre"]))
    assert not applies(message, cond("text", "contains_any", ["command"]))  # not a whole word
    assert not applies(message, cond("text", "contains_any", ["back money"]))


def test_text_contains_none(writes, applies):
    message = writes("Where is my parcel?")
    assert applies(message, cond("text", "contains_none", ["refund", "invoice"]))
    assert not applies(message, cond("text", "contains_none", ["refund", "PARCEL"]))


def test_text_matching_takes_regex_characters_literally():
    assert text_contains_any("Is C++ supported? (v2.0)", ["c++", "(v2.0)"])
    assert not text_contains_any("cxx", ["c.."])
    assert text_contains_any("Price: 5$ only", ["5$"])
    assert not text_contains_any("anything at all", ["\u0301"])  # only an accent: nothing


def test_customer_attribute_operators(writes, applies):
    message = writes("Hello")
    customer = message.thread.customer
    customer.attributes = {"plan": "Gold Plus", "seats": 12, "trial": False, "empty": ""}
    customer.save()
    attr = "customer_attribute"
    assert applies(message, cond(attr, "equals", "gold plus", key="plan"))
    assert not applies(message, cond(attr, "equals", "gold", key="plan"))
    assert applies(message, cond(attr, "equals", "12", key="seats"))
    assert applies(message, cond(attr, "equals", "false", key="trial"))
    assert applies(message, cond(attr, "not_equals", "silver", key="plan"))
    assert applies(message, cond(attr, "not_equals", "silver", key="missing"))
    assert not applies(message, cond(attr, "not_equals", "Gold Plus", key="plan"))
    assert applies(message, cond(attr, "contains", "plus", key="plan"))
    assert not applies(message, cond(attr, "contains", "x", key="missing"))
    assert applies(message, cond(attr, "is_set", key="plan"))
    assert not applies(message, cond(attr, "is_set", key="empty"))
    assert applies(message, cond(attr, "is_not_set", key="empty"))
    assert applies(message, cond(attr, "is_not_set", key="missing"))
    assert not applies(message, cond(attr, "is_not_set", key="seats"))


def test_customer_tag_has_and_has_not(writes, applies):
    message = writes("Hello")
    message.thread.customer.tags.add(Tag.objects.create(name="VIP"))
    assert applies(message, cond("customer_tag", "has", "vip"))
    assert not applies(message, cond("customer_tag", "has", "churned"))
    assert applies(message, cond("customer_tag", "has_not", "churned"))
    assert not applies(message, cond("customer_tag", "has_not", "VIP"))


def test_thread_tag_has_and_has_not(writes, applies):
    message = writes("Hello")
    tag_thread(thread=message.thread, add=["billing"])
    assert applies(message, cond("thread_tag", "has", "billing"))
    assert not applies(message, cond("thread_tag", "has", "refund"))
    assert applies(message, cond("thread_tag", "has_not", "refund"))
    assert not applies(message, cond("thread_tag", "has_not", "billing"))


def test_business_hours_at_the_time_the_message_came(team, writes, applies, set_hours):  # noqa: F811
    set_hours(team, "Europe/Paris", OFFICE_WEEK)
    with time_machine.travel(MONDAY_NOON, tick=False):
        in_hours = writes("Hello")
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        late = writes("Hello again")
    assert applies(in_hours, cond("business_hours", "is", "open"))
    assert not applies(in_hours, cond("business_hours", "is", "closed"))
    assert applies(late, cond("business_hours", "is", "closed"))
    assert not applies(late, cond("business_hours", "is", "open"))


def test_a_team_without_business_hours_is_always_open(writes, applies):
    with time_machine.travel(MONDAY_NIGHT, tick=False):
        message = writes("Hello")
    assert applies(message, cond("business_hours", "is", "open"))


def test_waiting_minutes_since_the_customer_first_wrote_unanswered(writes, applies, agent):
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        writes("Hello?")
    with time_machine.travel(start + timedelta(minutes=40), tick=False):
        again = writes("Anyone there?")
    assert applies(again, cond("waiting_minutes", "at_least", 30))
    assert not applies(again, cond("waiting_minutes", "at_least", 45))
    with time_machine.travel(start + timedelta(minutes=41), tick=False):
        send_reply(thread=again.thread, channel=again.channel, author=agent, text="Here!")
    with time_machine.travel(start + timedelta(minutes=90), tick=False):
        answered = writes("Thanks")
    assert not applies(answered, cond("waiting_minutes", "at_least", 1))


def test_priority_is_and_at_least(writes, applies):
    message = writes("Hello")
    set_priority(thread=message.thread, priority=3)
    assert applies(message, cond("priority", "is", 3))
    assert not applies(message, cond("priority", "is", 4))
    assert applies(message, cond("priority", "at_least", 2))
    assert applies(message, cond("priority", "at_least", 3))
    assert not applies(message, cond("priority", "at_least", 4))


def test_assignee_is_nobody_and_is_somebody(writes, applies, agent):
    message = writes("Hello")
    assert applies(message, cond("assignee", "is_nobody"))
    assert not applies(message, cond("assignee", "is_somebody"))
    assign_thread(thread=message.thread, assignee=agent)
    assert applies(message, cond("assignee", "is_somebody"))
    assert not applies(message, cond("assignee", "is_nobody"))


def test_match_all_any_and_no_condition(writes, applies):
    message = writes("I want a refund")
    refund, parcel = (cond("text", "contains_any", ["refund"]),
                      cond("text", "contains_any", ["parcel"]))
    assert not applies(message, refund, parcel)
    assert applies(message, refund, parcel, match="any")
    assert not applies(message, parcel, match="any")
    assert applies(message)
