"""The macro picker in Chromium: "m", a few letters, Enter — and the thread shows every
step's result live."""

import pytest
from playwright.sync_api import expect

from inbox.actions import receive_message
from macros.models import Macro

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_applies_a_macro_in_one_keystroke(sign_in, off_loop, make_channel, team,
                                                   make_user, celery_worker):
    ana = make_user("ana", teams=[team])
    Macro.objects.create(name="Refund issued", team=team, steps=[
        {"action": "tag", "add": ["refund"]},
        {"action": "note", "text": "Refund issued by {{ agent.first_name }}"},
        {"action": "status", "status": "resolved"},
    ])
    Macro.objects.create(name="Escalate", steps=[{"action": "priority", "priority": 4}])
    channel = make_channel("telegram", name="Support bot")
    thread = off_loop(receive_message, channel=channel, address="4242",
                      text="I want my money back").message.thread
    page = sign_in(ana)
    page.goto(f"/inbox/t/{thread.pk}/")
    expect(page.locator("#app")).to_have_attribute("data-connected", "true")

    page.locator("#timeline").click()
    page.keyboard.press("m")
    expect(page.locator("#macro-dialog")).to_be_visible()
    page.keyboard.type("refu")
    expect(page.locator("#macro-options li:not([hidden])")).to_have_count(1)
    page.keyboard.press("Enter")

    expect(page.locator("#thread-header .status-pill")).to_have_text("Resolved")
    expect(page.locator("#thread-header .tag", has_text="refund")).to_be_visible()
    expect(page.locator("#timeline li.msg", has_text="Refund issued by Ana")).to_be_visible()
