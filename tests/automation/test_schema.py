"""A rule's conditions and actions are checked when it is saved: one that could not run is
never stored, and the error names the row."""

import pytest
from django.core.exceptions import ValidationError

from automation.models import Rule
from automation.schema import (
    ACTION_KINDS,
    CONDITION_FIELDS,
    RowError,
    validate_actions,
    validate_conditions,
)
from inbox.models import CannedResponse

pytestmark = pytest.mark.django_db

NOTE = [{"action": "note", "text": "seen"}]


def test_every_condition_field_says_which_input_the_form_shows():
    kinds = {"channel_kinds", "channels", "words", "text", "tag", "hours", "minutes",
             "priority", "none"}
    for field, spec in CONDITION_FIELDS.items():
        assert spec["value"] in kinds, field
        assert spec["operators"] and str(spec["label"])
    assert {spec["value"] for spec in ACTION_KINDS.values()} == {
        "agent", "team", "tags", "priority", "reply", "text", "minutes", "status"}


@pytest.mark.parametrize("conditions, message", [
    ({"field": "text"}, "are a list"),
    (["text"], "Condition 1: field is one of"),
    ([{"field": "colour", "operator": "is", "value": "red"}], "field is one of"),
    ([{"field": "text", "operator": "equals", "value": ["a"]}], "operator is one of"),
    ([{"field": "text", "operator": "contains_any", "value": "refund"}], "list of 1 to 50"),
    ([{"field": "text", "operator": "contains_any", "value": []}], "list of 1 to 50"),
    ([{"field": "text", "operator": "contains_any", "value": [" "]}], "list of 1 to 50"),
    ([{"field": "text", "operator": "contains_any", "value": ["x" * 101]}], "list of 1 to 50"),
    ([{"field": "text", "operator": "contains_any", "value": ["a"] * 51}], "list of 1 to 50"),
    ([{"field": "channel_kind", "operator": "in", "value": ["pigeon"]}], "channel kinds"),
    ([{"field": "channel", "operator": "in", "value": [999999]}], "does not exist"),
    ([{"field": "channel", "operator": "in", "value": ["1"]}], "list of channel ids"),
    ([{"field": "customer_attribute", "operator": "equals", "value": "gold"}], "key is"),
    ([{"field": "customer_attribute", "key": "plan", "operator": "equals", "value": ""}],
     "a text of 200"),
    ([{"field": "customer_attribute", "key": "plan", "operator": "is_set", "value": "x"}],
     "takes no value"),
    ([{"field": "customer_tag", "operator": "has", "value": "x" * 51}], "tag name"),
    ([{"field": "thread_tag", "operator": "has_not", "value": 3}], "tag name"),
    ([{"field": "business_hours", "operator": "is", "value": "lunch"}], '"open" or "closed"'),
    ([{"field": "waiting_minutes", "operator": "at_least", "value": 0}], "whole number"),
    ([{"field": "waiting_minutes", "operator": "at_least", "value": "30"}], "whole number"),
    ([{"field": "priority", "operator": "is", "value": 5}], "priority from 0"),
    ([{"field": "priority", "operator": "at_least", "value": True}], "priority from 0"),
    ([{"field": "assignee", "operator": "is_nobody", "value": 1}], "takes no value"),
    ([{"field": "assignee", "operator": "is_nobody", "colour": 1}], "unknown field"),
    ([{"field": "assignee", "operator": "is_nobody"}] * 21, "20 conditions at most"),
    ([{"field": "assignee", "operator": "is_nobody"},
      {"field": "priority", "operator": "is", "value": -1}], "Condition 2:"),
])
def test_an_invalid_condition_is_refused_on_save(conditions, message):
    with pytest.raises(ValidationError, match=message):
        Rule.objects.create(name="Bad", conditions=conditions, actions=NOTE)
    assert not Rule.objects.exists()


@pytest.mark.parametrize("actions, message", [
    ([], "at least one action"),
    ({"action": "note"}, "at least one action"),
    ([{"action": "delete_everything"}], "Action 1: action is one of"),
    ([{"action": "assign", "assignee": "me"}], 'assignee is "nobody"'),
    ([{"action": "assign", "assignee": 999999}], "no active agent"),
    ([{"action": "assign_team", "team": 999999}], "id of a team"),
    ([{"action": "assign_team", "team": "Support"}], "id of a team"),
    ([{"action": "tag", "add": "vip"}], "lists of tag names"),
    ([{"action": "priority", "priority": 9}], "priority is a number"),
    ([{"action": "reply"}], "a text or a canned response"),
    ([{"action": "reply", "text": "x" * 5001}], "5000 characters"),
    ([{"action": "reply", "canned_response": 999999}], "no canned response"),
    ([{"action": "reply", "text": "hi", "canned_response": 1}], "a text or a canned"),
    ([{"action": "note", "text": " "}], "a text is needed"),
    ([{"action": "snooze", "minutes": 0}], "minutes is a whole number"),
    ([{"action": "status", "status": "snoozed"}], "status is one of"),
    ([{"action": "note", "text": "x", "colour": "red"}], "unknown field"),
    ([*NOTE, {"action": "status", "status": "gone"}], "Action 2: status is one of"),
    (NOTE * 21, "20 actions at most"),
])
def test_an_invalid_action_is_refused_on_save(actions, message):
    with pytest.raises(ValidationError, match=message):
        Rule.objects.create(name="Bad", actions=actions)
    assert not Rule.objects.exists()


def test_the_error_carries_the_row_for_the_form():
    with pytest.raises(RowError) as caught:
        validate_conditions([{"field": "assignee", "operator": "is_nobody"},
                             {"field": "priority", "operator": "is", "value": 9}])
    assert (caught.value.kind, caught.value.row) == ("condition", 1)
    with pytest.raises(RowError) as caught:
        validate_actions([*NOTE, *NOTE, {"action": "snooze", "minutes": -1}])
    assert (caught.value.kind, caught.value.row) == ("action", 2)


def test_hostile_values_are_refused_not_crashed_on():
    for value in (None, 1.5, {"$gt": ""}, [[["deep"]]], "%d%s%(x)s"):
        for field, spec in CONDITION_FIELDS.items():
            for operator in spec["operators"]:
                try:
                    validate_conditions([{"field": field, "operator": operator, "key": "k",
                                          "value": value}])
                except ValidationError:
                    pass
        for kind in ACTION_KINDS:
            with pytest.raises(ValidationError):
                validate_actions([{"action": kind, "text": value, "assignee": value,
                                   "team": value, "priority": value, "minutes": value,
                                   "status": value, "add": value, "canned_response": value}])


def test_a_waiting_rule_needs_a_waiting_time():
    with pytest.raises(ValidationError, match="waiting time"):
        Rule.objects.create(name="Late", trigger=Rule.Trigger.WAITING, actions=NOTE)
    rule = Rule.objects.create(name="Late", trigger=Rule.Trigger.WAITING, actions=NOTE,
                               conditions=[{"field": "waiting_minutes", "operator": "at_least",
                                            "value": 30}])
    assert rule.pk


def test_a_team_rule_assigns_only_to_its_team_and_replies_with_its_canned_responses(
        team, other_team, make_user):
    outsider = make_user("olga", teams=[other_team])
    with pytest.raises(ValidationError, match="not a member of the team"):
        Rule.objects.create(name="R", team=team,
                            actions=[{"action": "assign", "assignee": outsider.pk}])
    theirs = CannedResponse.objects.create(shortcut="theirs", title="T", body="B",
                                           team=other_team)
    with pytest.raises(ValidationError, match="no canned response"):
        Rule.objects.create(name="R", team=team,
                            actions=[{"action": "reply", "canned_response": theirs.pk}])
    assert Rule.objects.create(name="R", actions=[
        {"action": "assign", "assignee": outsider.pk},
        {"action": "reply", "canned_response": theirs.pk}]).pk


def test_a_valid_rule_is_stored(agent, team, make_channel):
    channel = make_channel("telegram")
    canned = CannedResponse.objects.create(shortcut="hi", title="Hi", body="Hello")
    conditions = [
        {"field": "channel_kind", "operator": "in", "value": ["email", "telegram"]},
        {"field": "channel", "operator": "not_in", "value": [channel.pk]},
        {"field": "text", "operator": "contains_any", "value": ["refund", "money back"]},
        {"field": "customer_attribute", "key": "plan", "operator": "equals", "value": "gold"},
        {"field": "customer_attribute", "key": "plan", "operator": "is_not_set"},
        {"field": "customer_tag", "operator": "has", "value": "vip"},
        {"field": "thread_tag", "operator": "has_not", "value": "spam"},
        {"field": "business_hours", "operator": "is", "value": "closed"},
        {"field": "waiting_minutes", "operator": "at_least", "value": 15},
        {"field": "priority", "operator": "at_least", "value": 0},
        {"field": "assignee", "operator": "is_somebody"},
    ]
    actions = [
        {"action": "assign", "assignee": agent.pk},
        {"action": "assign", "assignee": "nobody"},
        {"action": "assign_team", "team": team.pk},
        {"action": "tag", "add": ["refund"], "remove": ["new"]},
        {"action": "priority", "priority": 3},
        {"action": "reply", "text": "Hello {{ customer.first_name }}"},
        {"action": "reply", "canned_response": canned.pk},
        {"action": "note", "text": "n"},
        {"action": "snooze", "minutes": 30},
        {"action": "status", "status": "resolved"},
    ]
    rule = Rule.objects.create(name="All", team=team, conditions=conditions, actions=actions)
    rule.refresh_from_db()
    assert (rule.conditions, rule.actions) == (conditions, actions)


def test_toggling_a_rule_whose_agent_left_still_saves(agent):
    rule = Rule.objects.create(name="R", actions=[{"action": "assign", "assignee": agent.pk}])
    agent.is_active = False
    agent.save()
    rule.is_active = False
    rule.save(update_fields=["is_active"])
    rule.refresh_from_db()
    assert not rule.is_active


def test_the_admin_form_shows_the_row_error(admin_client):
    response = admin_client.post("/admin/automation/rule/add/", {
        "name": "Bad", "team": "", "trigger": "message_received", "match": "all",
        "conditions": "[]", "actions": '[{"action": "fly"}]', "position": "0",
        "is_active": "on"})
    assert response.status_code == 200
    assert "Action 1: action is one of" in response.content.decode()
    assert not Rule.objects.exists()


def test_the_admin_stores_a_valid_rule_with_its_author(admin_client):
    response = admin_client.post("/admin/automation/rule/add/", {
        "name": "Good", "team": "", "trigger": "message_received", "match": "all",
        "conditions": "[]", "actions": '[{"action": "priority", "priority": 2}]',
        "position": "0", "is_active": "on"})
    assert response.status_code == 302
    assert Rule.objects.get().created_by.username == "admin"
