"""The rules in Chromium: an admin writes a rule through the no-code form, a customer writes,
and the agent the rule picks sees it act live, the rule named in the timeline."""

import pytest
from playwright.sync_api import expect

from inbox.actions import receive_message

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = "/tmp/shots"


def choose_action(page, index: int, action: str):
    row = page.locator("#action-rows .rule-row").nth(index)
    row.locator(".rule-choice").select_option(action)
    return row


def test_an_admin_writes_a_rule_and_the_agent_sees_it_act_live(
        sign_in, off_loop, make_channel, make_user, team, celery_worker):
    admin = make_user("alice", role="admin")
    emma = make_user("emma", teams=[team])
    emma.last_name = "Roux"
    emma.save(update_fields=["last_name"])
    channel = make_channel("telegram", name="Support bot")
    earlier = off_loop(receive_message, channel=channel, address="1717",
                       text="Could I get a refund?").message.thread

    # An admin opens Automation from the inbox and writes the rule.
    page = sign_in(admin)
    page.get_by_role("link", name="Automation").click()
    expect(page.get_by_role("heading", name="Rules")).to_be_visible()
    page.get_by_role("link", name="New rule").click()
    page.fill("input[name=name]", "Refunds to Emma")
    condition = page.locator("#condition-rows .rule-row").first
    condition.locator(".rule-choice").select_option("text")
    condition.locator(".rule-operator").select_option("contains_any")
    condition.locator("input[name$='-words']").fill("refund")
    choose_action(page, 0, "assign").locator("select[name$='-agent']").select_option(
        label="Emma Roux")
    page.get_by_role("button", name="+ Add an action").click()
    choose_action(page, 1, "tag").locator("input[name$='-add']").fill("refund")
    page.get_by_role("button", name="+ Add an action").click()
    choose_action(page, 2, "priority").locator("select[name$='-priority']").select_option(
        label="High")
    # Only the inputs of each row's choice are shown.
    expect(condition.locator("input[name$='-tag']")).to_be_hidden()
    page.screenshot(path=f"{SHOTS}/rule_form.png", full_page=True)

    # Tried on past threads first: last week's refund request would have matched.
    page.get_by_role("button", name="Test on past threads").click()
    expect(page.locator("#dry-run-matched")).to_have_text("1")
    expect(page.locator("#dry-run tbody tr")).to_contain_text(
        "assign it to Emma Roux, tag refund, set priority High")
    expect(page.locator("#action-rows .rule-row .rule-choice >> nth=2")).to_have_value(
        "priority")
    page.screenshot(path=f"{SHOTS}/rule_dry_run.png", full_page=True)
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator(".rule-messages")).to_contain_text("Rule “Refunds to Emma” saved.")
    expect(page.locator(".rule-table tbody tr")).to_have_count(1)
    page.screenshot(path=f"{SHOTS}/rule_list.png", full_page=True)

    # Emma has the inbox open when a customer asks for a refund.
    inbox = sign_in(emma)
    thread = off_loop(receive_message, channel=channel, address="4242",
                      text="I want a refund").message.thread

    row = inbox.locator(f"#row-{thread.pk}")
    expect(row).to_contain_text("I want a refund")
    expect(row.locator(".assignee")).to_have_text("Emma Roux")
    expect(row.locator(".tag")).to_have_text("refund")
    expect(row.locator(".priority")).to_have_text("High")
    # The rule acts on what arrives from now on, not on the thread it was tried on.
    expect(inbox.locator(f"#row-{earlier.pk} .assignee")).to_have_count(0)
    row.locator("a").click()
    expect(inbox.locator("#timeline li.msg-rule")).to_contain_text(
        "Rule “Refunds to Emma” assigned this to Emma Roux")
    inbox.screenshot(path=f"{SHOTS}/rule_in_timeline.png", full_page=True)
