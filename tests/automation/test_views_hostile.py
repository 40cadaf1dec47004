"""The rule form under malformed, hostile and oversized posts: each row that is wrong shows
its own error, nothing is saved, and whatever an admin typed is shown escaped."""

import pytest

from automation.models import Rule

pytestmark = pytest.mark.django_db

NEW = "/automation/new/"
SCRIPT = '<script>alert("x")</script>'


@pytest.fixture
def as_admin(client, make_user):
    client.force_login(make_user("ada", role="admin"))
    return client


def post(client, **fields):
    return client.post(NEW, {"name": "A rule", "team": "", "trigger": "message_received",
                             "match": "all", "is_active": "on", **fields})


NOTE = {"action-0-action": "note", "action-0-text": "Seen"}


def row_errors(response, kind: str) -> list[str]:
    rows = getattr(response.context["form"], f"{kind}_rows")
    return [row.error for row in rows]


def test_each_wrong_row_shows_its_own_error_and_nothing_is_saved(as_admin):
    response = post(as_admin, **{
        "condition-0-field": "text", "condition-0-operator": "contains_any",
        "condition-0-words": "refund",
        "condition-1-field": "waiting_minutes", "condition-1-operator": "at_least",
        "condition-1-minutes": "soon",
        "condition-2-field": "business_hours", "condition-2-operator": "is",
        "condition-2-hours": "lunch",
        "action-0-action": "assign", "action-0-agent": "999999",
        "action-1-action": "note", "action-1-text": "   "})

    assert response.status_code == 400 and Rule.objects.count() == 0
    conditions = row_errors(response, "condition")
    assert conditions[0] == "" and "whole number of minutes" in conditions[1]
    assert '"open" or "closed"' in conditions[2]
    assert not conditions[1].startswith("Condition")  # the row it stands beside says which
    actions = row_errors(response, "action")
    assert "no active agent" in actions[0] and "a text is needed" in actions[1]
    page = response.content.decode()
    assert page.count('class="rule-row-error"') == 4
    assert "Some rows need fixing" in page


@pytest.mark.parametrize("fields, message", [
    ({"condition-0-field": "__class__", "condition-0-operator": "in"}, "field is one of"),
    ({"condition-0-field": "text", "condition-0-operator": "eval",
      "condition-0-words": "x"}, "operator is one of"),
    ({"condition-0-field": "text", "condition-0-operator": "in",
      "condition-0-words": "x"}, "operator is one of"),  # another field's operator
    ({"condition-0-field": "channel_kind", "condition-0-operator": "in",
      "condition-0-channel_kinds": ["pigeon"]}, "channel kinds"),
    ({"condition-0-field": "channel", "condition-0-operator": "in",
      "condition-0-channels": ["1; DROP TABLE"]}, "list of channel ids"),
    ({"condition-0-field": "priority", "condition-0-operator": "is",
      "condition-0-priority": "²"}, "priority from 0"),
    ({"condition-0-field": "customer_attribute", "condition-0-operator": "equals",
      "condition-0-text": "gold"}, "key is"),
])
def test_unknown_fields_operators_and_values_are_refused(as_admin, fields, message):
    response = post(as_admin, **NOTE, **fields)
    assert response.status_code == 400 and Rule.objects.count() == 0
    assert message in row_errors(response, "condition")[0]


@pytest.mark.parametrize("fields, message", [
    ({"action-0-action": "delete_everything"}, "action is one of"),
    ({"action-0-action": "assign", "action-0-agent": "me"}, "assignee is"),
    ({"action-0-action": "assign_team", "action-0-team": "0"}, "team is the id"),
    ({"action-0-action": "priority", "action-0-priority": "9"}, "priority is a number"),
    ({"action-0-action": "status", "action-0-status": "snoozed"}, "status is one of"),
    ({"action-0-action": "snooze", "action-0-minutes": "-5"}, "minutes is a whole number"),
    ({"action-0-action": "tag"}, "at least one tag"),
    ({"action-0-action": "tag", "action-0-add": "x" * 51}, "50 characters"),
    ({"action-0-action": "reply", "action-0-text": "x" * 5001}, "5000 characters"),
    ({"action-0-action": "reply", "action-0-canned_response": "424242"},
     "no canned response"),
])
def test_malformed_and_oversized_actions_are_refused(as_admin, fields, message):
    response = post(as_admin, **fields)
    assert response.status_code == 400 and Rule.objects.count() == 0
    assert message in row_errors(response, "action")[0]


def test_too_many_rows_and_too_many_words_are_refused(as_admin):
    def conditions(count):
        return {**{f"condition-{i}-field": "assignee" for i in range(count)},
                **{f"condition-{i}-operator": "is_nobody" for i in range(count)}}

    response = post(as_admin, **NOTE, **conditions(21))
    assert response.status_code == 400 and "20 conditions at most" in (
        response.content.decode())
    response = post(as_admin, **NOTE, **conditions(100))
    assert response.status_code == 400 and "more than 21 condition rows" in (
        response.content.decode())
    words = ", ".join(f"word{i}" for i in range(51))
    response = post(as_admin, **NOTE, **{"condition-0-field": "text",
                                         "condition-0-operator": "contains_any",
                                         "condition-0-words": words})
    assert response.status_code == 400 and "list of 1 to 50" in row_errors(
        response, "condition")[0]
    assert Rule.objects.count() == 0


def test_a_rule_needs_a_name_an_action_and_for_waiting_a_waiting_time(as_admin):
    assert "This field is required" in post(as_admin, name="", **NOTE).content.decode()
    assert "at least one action" in post(as_admin).content.decode()
    response = post(as_admin, trigger="waiting", **NOTE)
    assert response.status_code == 400 and "condition on the waiting time" in (
        response.content.decode())
    too_long = post(as_admin, name="x" * 121, **NOTE)
    assert too_long.status_code == 400 and "at most 120 characters" in too_long.content.decode()
    assert post(as_admin, team="999999", **NOTE).status_code == 400
    assert post(as_admin, trigger="always", **NOTE).status_code == 400
    assert Rule.objects.count() == 0


def test_an_agent_outside_the_rules_team_is_refused(as_admin, team, other_team, make_user):
    outsider = make_user("olga", teams=[other_team])
    response = post(as_admin, team=str(team.pk), **{
        "action-0-action": "assign", "action-0-agent": str(outsider.pk)})
    assert response.status_code == 400 and "not a member of the team" in row_errors(
        response, "action")[0]


def test_html_in_names_and_texts_is_shown_escaped(as_admin):
    response = post(as_admin, name=SCRIPT, **{
        "condition-0-field": "text", "condition-0-operator": "contains_any",
        "condition-0-words": SCRIPT,
        "action-0-action": "note", "action-0-text": SCRIPT})
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.name == SCRIPT and rule.actions[0]["text"] == SCRIPT

    for url in ("/automation/", f"/automation/{rule.pk}/", f"/automation/{rule.pk}/delete/",
                "/automation/log/"):
        page = as_admin.get(url).content.decode()
        assert SCRIPT not in page, url
    edit = as_admin.get(f"/automation/{rule.pk}/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in edit
    # An invalid post shows back what was typed, escaped too.
    invalid = post(as_admin, name=SCRIPT, **{"action-0-action": SCRIPT})
    assert invalid.status_code == 400 and SCRIPT not in invalid.content.decode()
