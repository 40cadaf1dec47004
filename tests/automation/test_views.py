"""The rule pages: admins only, CSRF, and the no-code form's posts turned into rules (create,
edit, toggle, reorder, delete); the list page's queries do not grow with the rules."""

import pytest
from django.test import Client
from django.urls import reverse

from automation.models import Rule, RuleRun

pytestmark = pytest.mark.django_db

NEW = "/automation/new/"


@pytest.fixture
def admin(make_user):
    return make_user("ada", role="admin")


@pytest.fixture
def as_admin(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def emma(make_user, team):
    return make_user("emma", teams=[team])


def refund_rule_post(emma, **fields) -> dict:
    """The form as a browser posts it: text contains "refund" → assign to Emma, tag refund,
    priority High. Every value input of a row is posted; only the chosen one is read."""
    return {"name": "Refunds to Emma", "team": "", "trigger": "message_received",
            "match": "all", "is_active": "on",
            "condition-0-field": "text", "condition-0-operator": "contains_any",
            "condition-0-words": "refund, money back", "condition-0-tag": "ignored",
            "condition-1-field": "",  # the blank row the form always shows
            "action-0-action": "assign", "action-0-agent": str(emma.pk),
            "action-0-text": "ignored",
            "action-1-action": "tag", "action-1-add": "refund", "action-1-remove": "",
            "action-2-action": "priority", "action-2-priority": "3", **fields}


def rule_pages(rule) -> list[str]:
    return ["/automation/", NEW, f"/automation/{rule.pk}/", f"/automation/{rule.pk}/delete/",
            "/automation/log/"]


def test_anonymous_visitors_are_sent_to_log_in(client, make_rule):
    for url in rule_pages(make_rule()):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_agents_and_supervisors_are_refused(client, make_rule, agent, supervisor):
    rule = make_rule()
    for user in (agent, supervisor):
        client.force_login(user)
        for url in rule_pages(rule):
            assert client.get(url).status_code == 403, url
        for url in (f"/automation/{rule.pk}/toggle/", f"/automation/{rule.pk}/move/"):
            assert client.post(url, {"direction": "up"}).status_code == 403
        assert client.post(f"/automation/{rule.pk}/delete/").status_code == 403
    assert Rule.objects.filter(pk=rule.pk, is_active=True).exists()


def test_admins_and_superusers_reach_every_page(client, make_rule, admin, make_user):
    rule = make_rule()
    root = make_user("root")
    root.is_superuser = True
    root.save()
    for user in (admin, root):
        client.force_login(user)
        for url in rule_pages(rule):
            assert client.get(url).status_code == 200, url


def test_the_inbox_links_to_automation_for_admins_only(client, admin, supervisor):
    client.force_login(supervisor)
    assert "/automation/" not in client.get("/inbox/").content.decode()
    client.force_login(admin)
    assert 'href="/automation/"' in client.get("/inbox/").content.decode()


def test_posts_without_a_csrf_token_are_refused(admin, emma, make_rule):
    rule = make_rule()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin)
    assert browser.post(NEW, refund_rule_post(emma)).status_code == 403
    assert browser.post(f"/automation/{rule.pk}/toggle/").status_code == 403
    assert browser.post(f"/automation/{rule.pk}/delete/").status_code == 403
    assert list(Rule.objects.values_list("name", "is_active")) == [("Rule", True)]


def test_an_admin_creates_a_rule_through_the_form(as_admin, admin, emma, make_rule):
    make_rule("Earlier", position=4)

    response = as_admin.post(NEW, refund_rule_post(emma))

    assert response.status_code == 302 and response.url == "/automation/"
    rule = Rule.objects.get(name="Refunds to Emma")
    assert rule.conditions == [{"field": "text", "operator": "contains_any",
                                "value": ["refund", "money back"]}]
    assert rule.actions == [{"action": "assign", "assignee": emma.pk},
                            {"action": "tag", "add": ["refund"]},
                            {"action": "priority", "priority": 3}]
    assert (rule.team, rule.trigger, rule.match, rule.is_active, rule.stop_processing) == (
        None, "message_received", "all", True, False)
    assert rule.position == 5 and rule.created_by == admin
    assert "Rule “Refunds to Emma” saved." in as_admin.get("/automation/").content.decode()


def test_every_kind_of_row_is_read_from_its_own_input(as_admin, team, emma, make_channel):
    channel = make_channel("telegram")
    response = as_admin.post(NEW, {
        "name": "Everything", "team": str(team.pk), "trigger": "waiting", "match": "any",
        "stop_processing": "on",
        "condition-0-field": "channel_kind", "condition-0-operator": "not_in",
        "condition-0-channel_kinds": ["sms", "email"],
        "condition-1-field": "channel", "condition-1-operator": "in",
        "condition-1-channels": [str(channel.pk)],
        "condition-2-field": "customer_attribute", "condition-2-key": "plan",
        "condition-2-operator": "equals", "condition-2-text": "gold",
        "condition-3-field": "customer_attribute", "condition-3-key": "vip",
        "condition-3-operator": "is_set", "condition-3-text": "ignored",
        "condition-4-field": "customer_tag", "condition-4-operator": "has",
        "condition-4-tag": "vip",
        "condition-5-field": "business_hours", "condition-5-operator": "is",
        "condition-5-hours": "closed",
        "condition-6-field": "waiting_minutes", "condition-6-operator": "at_least",
        "condition-6-minutes": "30",
        "condition-7-field": "priority", "condition-7-operator": "at_least",
        "condition-7-priority": "2",
        "condition-8-field": "assignee", "condition-8-operator": "is_nobody",
        "action-0-action": "assign", "action-0-agent": "nobody",
        "action-1-action": "assign_team", "action-1-team": str(team.pk),
        "action-2-action": "reply", "action-2-text": "Hello {{ customer.first_name }}",
        "action-3-action": "note", "action-3-text": "Waited long",
        "action-4-action": "snooze", "action-4-minutes": "60",
        "action-5-action": "status", "action-5-status": "pending",
        "action-6-action": "tag", "action-6-remove": "new, fresh",
    })

    assert response.status_code == 302, response.content.decode()
    rule = Rule.objects.get(name="Everything")
    assert [c.get("value") for c in rule.conditions] == [
        ["sms", "email"], [channel.pk], "gold", None, "vip", "closed", 30, 2, None]
    assert rule.conditions[2]["key"] == "plan" and "value" not in rule.conditions[3]
    assert rule.actions == [
        {"action": "assign", "assignee": "nobody"}, {"action": "assign_team", "team": team.pk},
        {"action": "reply", "text": "Hello {{ customer.first_name }}"},
        {"action": "note", "text": "Waited long"}, {"action": "snooze", "minutes": 60},
        {"action": "status", "status": "pending"},
        {"action": "tag", "remove": ["new", "fresh"]}]
    assert (rule.team, rule.trigger, rule.match, rule.stop_processing, rule.is_active) == (
        team, "waiting", "any", True, False)


def test_the_edit_form_shows_the_rule_and_saves_changes(as_admin, emma, make_rule):
    rule = make_rule("Refunds", conditions=[
        {"field": "text", "operator": "contains_any", "value": ["refund", "money back"]}],
        actions=[{"action": "assign", "assignee": emma.pk}])
    page = as_admin.get(f"/automation/{rule.pk}/").content.decode()
    assert 'value="refund, money back"' in page
    assert f'<option value="{emma.pk}" selected>' in page

    response = as_admin.post(f"/automation/{rule.pk}/", refund_rule_post(
        emma, name="Refunds, renamed", **{"condition-0-operator": "contains_none"}))

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Refunds, renamed" and rule.conditions[0]["operator"] == "contains_none"
    assert len(rule.actions) == 3 and Rule.objects.count() == 1


def test_a_rule_of_twenty_conditions_is_saved_again_with_the_forms_blank_row(
        as_admin, make_rule):
    rule = make_rule("Full", conditions=[{"field": "assignee", "operator": "is_nobody"}] * 20)
    form = as_admin.get(f"/automation/{rule.pk}/").context["form"]
    assert len(form.condition_rows) == 21 and form.condition_rows[-1].blank

    posted = {"name": "Full, renamed", "trigger": "message_received", "match": "all",
              "action-0-action": "note", "action-0-text": "seen",
              **{f"condition-{i}-field": "assignee" for i in range(20)},
              **{f"condition-{i}-operator": "is_nobody" for i in range(20)},
              "condition-20-field": ""}
    assert as_admin.post(f"/automation/{rule.pk}/", posted).status_code == 302
    rule.refresh_from_db()
    assert rule.name == "Full, renamed" and len(rule.conditions) == 20


def test_a_canned_response_is_chosen_over_the_text(as_admin, emma):
    from inbox.models import CannedResponse

    canned = CannedResponse.objects.create(shortcut="hi", title="Hi", body="Hello!")
    response = as_admin.post(NEW, refund_rule_post(emma, **{
        "action-3-action": "reply", "action-3-canned_response": str(canned.pk),
        "action-3-text": "not this"}))
    assert response.status_code == 302
    assert Rule.objects.get().actions[3] == {"action": "reply", "canned_response": canned.pk}


def test_the_switch_turns_a_rule_off_and_on(as_admin, make_rule):
    rule = make_rule()
    as_admin.post(f"/automation/{rule.pk}/toggle/", {"active": "0"})
    rule.refresh_from_db()
    assert rule.is_active is False
    page = as_admin.get("/automation/").content.decode()
    assert 'aria-checked="false"' in page and 'name="active" value="1"' in page
    as_admin.post(f"/automation/{rule.pk}/toggle/", {"active": "1"})
    rule.refresh_from_db()
    assert rule.is_active is True
    assert as_admin.get(f"/automation/{rule.pk}/toggle/").status_code == 405


def test_a_double_submitted_switch_does_not_flip_the_rule_back(as_admin, make_rule):
    rule = make_rule()
    for _twice in range(2):
        as_admin.post(f"/automation/{rule.pk}/toggle/", {"active": "0"})
    rule.refresh_from_db()
    assert rule.is_active is False
    assert as_admin.post(f"/automation/{rule.pk}/toggle/", {"active": "maybe"}).status_code == 400
    rule.refresh_from_db()
    assert rule.is_active is False


def test_up_and_down_reorder_the_rules(as_admin, make_rule):
    first, second, third = (make_rule(name) for name in ("First", "Second", "Third"))

    as_admin.post(f"/automation/{third.pk}/move/", {"direction": "up"})
    assert list(Rule.objects.values_list("name", flat=True)) == ["First", "Third", "Second"]
    as_admin.post(f"/automation/{first.pk}/move/", {"direction": "down"})
    assert list(Rule.objects.values_list("name", flat=True)) == ["Third", "First", "Second"]
    as_admin.post(f"/automation/{third.pk}/move/", {"direction": "up"})  # already first
    assert list(Rule.objects.values_list("position", flat=True)) == [0, 1, 2]
    assert as_admin.post(f"/automation/{third.pk}/move/",
                         {"direction": "sideways"}).status_code == 400
    assert as_admin.post("/automation/999999/move/", {"direction": "up"}).status_code == 404


def test_delete_asks_first_then_deletes_and_keeps_the_log(as_admin, make_rule, writes):
    rule = make_rule("Old rule")
    thread = writes("Hello").thread
    RuleRun.objects.create(rule=rule, rule_name=rule.name, thread=thread, trigger_key="x")

    page = as_admin.get(f"/automation/{rule.pk}/delete/").content.decode()
    assert "Delete the rule “Old rule”?" in page and Rule.objects.filter(pk=rule.pk).exists()
    response = as_admin.post(f"/automation/{rule.pk}/delete/")

    assert response.status_code == 302 and not Rule.objects.filter(pk=rule.pk).exists()
    assert list(RuleRun.objects.filter(rule_name="Old rule").values_list("rule", flat=True)) \
        == [None]
    assert as_admin.post(f"/automation/{rule.pk}/delete/").status_code == 404


def test_the_buttons_that_add_and_remove_rows_save_nothing(as_admin, emma):
    added = as_admin.post(NEW, refund_rule_post(emma, add_condition="1"))
    assert added.status_code == 200 and Rule.objects.count() == 0
    assert [row.index for row in added.context["form"].condition_rows] == [0, 1, 2]

    removed = as_admin.post(NEW, refund_rule_post(emma, remove_action="1"))
    assert removed.status_code == 200 and Rule.objects.count() == 0
    assert [row.choice for row in removed.context["form"].action_rows] == [
        "assign", "priority", ""]
    assert 'role="alert"' not in removed.content.decode()


def test_the_list_page_costs_the_same_queries_with_more_rules(
        as_admin, make_rule, writes, team, emma, django_assert_num_queries):
    thread = writes("Hello").thread
    actions = [{"action": "assign", "assignee": emma.pk},
               {"action": "assign_team", "team": team.pk},
               {"action": "tag", "add": ["refund"], "remove": ["new"]},
               {"action": "priority", "priority": 3}]

    def add_rules(*names):
        for name in names:
            rule = make_rule(name, team=team, actions=actions)
            RuleRun.objects.create(rule=rule, rule_name=name, thread=thread, trigger_key="x")

    add_rules("One", "Two")
    # session, user, the rules with their team and run counts, the agents, the teams named
    with django_assert_num_queries(5):
        assert as_admin.get("/automation/").status_code == 200
    add_rules("Three", "Four", "Five")
    with django_assert_num_queries(5):
        response = as_admin.get("/automation/")
    assert [(rule.name, rule.recent_runs) for rule in response.context["rules"]][:2] == [
        ("One", 1), ("Two", 1)]
    assert ("Assign it to Emma, move it to the team Support, tag refund and remove the tag "
            "new, set priority High") in response.content.decode()


def test_the_run_log_lists_runs_by_rule_with_links_to_threads(as_admin, make_rule, writes):
    thread = writes("Hello").thread
    refunds, other = make_rule("Refunds"), make_rule("Other")
    RuleRun.objects.create(rule=refunds, rule_name="Refunds", thread=thread, trigger_key="a",
                           done=["tagged refund"])
    RuleRun.objects.create(rule=other, rule_name="Other", thread=thread, trigger_key="a",
                           error="The agent no longer exists.")

    page = as_admin.get("/automation/log/").content.decode()
    assert "tagged refund" in page and "Failed: The agent no longer exists." in page
    assert reverse("inbox:thread", args=[thread.pk]) in page
    only = as_admin.get(f"/automation/log/?rule={refunds.pk}")
    assert [run.rule_name for run in only.context["runs"]] == ["Refunds"]
    for hostile in ("1 OR 1=1", "-1", "9" * 40, "١"):
        assert as_admin.get("/automation/log/", {"rule": hostile}).status_code == 200
