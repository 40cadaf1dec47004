"""The live report in Chromium: a supervisor watches customers start and stop waiting and
agents change presence, without reloading; the page survives a server restart; agents are
refused.

Transactional, like every browser test: the Daphne server is another process. Actions run
through ``off_loop`` (see conftest.py).
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from inbox.actions import (
    Incoming,
    assign_thread,
    change_status,
    receive_message,
    receive_messages,
    send_reply,
    snooze_thread,
)
from inbox.actions.agents import presence_connect, presence_set

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = Path("/tmp/threadline-report-screens/live.png")


@pytest.fixture
def channel(make_channel):
    return make_channel("telegram", name="Support bot")


@pytest.fixture
def ana(make_user, team):
    return make_user("ana", teams=[team])


@pytest.fixture
def ben(make_user, team):
    return make_user("ben", teams=[team])


def write(off_loop, channel, address, text, **options):
    """A customer writes; returns the thread (committed and published when this returns)."""
    return off_loop(receive_message, channel=channel, address=address, text=text,
                    **options).message.thread


def open_live(page: Page) -> None:
    page.goto("/reports/live/")
    expect(page.locator("#live")).to_have_attribute("data-connected", "true")
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected")


def test_waiting_customers_and_presence_change_without_a_reload(
    sign_in, off_loop, channel, supervisor, ana, ben, celery_worker
):
    off_loop(presence_connect, user=ana)
    page = sign_in(supervisor)
    open_live(page)
    page.evaluate("window.notReloaded = true")
    ana_row = page.locator(f"#agent-{ana.pk}")
    expect(ana_row).to_have_attribute("data-presence", "online")
    expect(page.locator(f"#agent-{ben.pk}")).to_have_attribute("data-presence", "offline")
    expect(page.locator("#live-waiting")).to_contain_text("Nobody is waiting for a reply.")

    # When a customer writes
    thread = write(off_loop, channel, "4242", "Where is my parcel?", display_name="Chloé B.")

    # Then they are waiting, and the wait ticks
    waiting = page.locator(f"#waiting-{thread.pk}")
    expect(waiting).to_contain_text("Chloé B.")
    expect(waiting).to_contain_text("Support bot")
    expect(waiting).to_contain_text("nobody")
    wait = waiting.locator(".wait")
    expect(wait).to_have_text(re.compile(r"^\d+ s$"))
    expect(wait).not_to_have_text(wait.text_content())
    expect(page.locator("[data-total=waiting]")).to_have_text("1")
    expect(page.locator("[data-total=unassigned]")).to_have_text("1")

    # When it is given to ana, she has it in her load
    off_loop(assign_thread, thread=thread, assignee=ana, by=supervisor)
    expect(ana_row.locator("td.num").nth(0)).to_have_text("1")
    expect(waiting).to_contain_text("Ana")

    # When ana answers, nobody waits any more
    off_loop(send_reply, thread=thread, channel=channel, author=ana, text="It is on its way.")
    expect(waiting).to_have_count(0)
    expect(page.locator("[data-total=waiting]")).to_have_text("0")

    # When ana goes away, then ben comes online
    off_loop(presence_set, user=ana, status="away")
    expect(ana_row).to_have_attribute("data-presence", "away")
    expect(ana_row.locator(".presence")).to_have_text("Away")
    off_loop(presence_connect, user=ben)
    expect(page.locator(f"#agent-{ben.pk}")).to_have_attribute("data-presence", "online")

    # all without a reload
    assert page.evaluate("window.notReloaded") is True


def test_a_burst_of_messages_is_one_refresh_of_the_panel(sign_in, off_loop, channel,
                                                         supervisor):
    page = sign_in(supervisor)
    open_live(page)
    page.wait_for_load_state("networkidle")
    fetches = []
    page.on("request", lambda request: "/reports/live/panel/" in request.url and
            fetches.append(request.url))

    # When twenty customers write in one webhook call (one commit, one doorbell)
    off_loop(receive_messages, channel=channel,
             items=[Incoming(address=f"40{n:02}", text=f"Question {n}") for n in range(20)])

    # Then all of them wait, fetched once (or twice, had a fallback refresh fallen due)
    expect(page.locator(".live-waiting-row")).to_have_count(20)
    page.wait_for_load_state("networkidle")
    assert 1 <= len(fetches) <= 2


def test_the_page_catches_up_after_a_server_restart(
    sign_in, off_loop, daphne_server, channel, supervisor
):
    page = sign_in(supervisor)
    open_live(page)

    # When the server stops and a customer writes while it is down
    daphne_server.stop()
    expect(page.locator("#live-state")).to_have_attribute("data-state", "reconnecting")
    thread = write(off_loop, channel, "4242", "Hello? Anyone?")
    daphne_server.start()

    # Then, reconnected, the page shows them waiting
    expect(page.locator("#live-state")).to_have_attribute("data-state", "connected",
                                                          timeout=15_000)
    expect(page.locator(f"#waiting-{thread.pk}")).to_be_visible()


def _at(when, function, /, **arguments):
    with time_machine.travel(when, tick=True):
        return function(**arguments)


def test_screenshot_of_the_live_view(
    sign_in, off_loop, make_channel, make_user, team, other_team, supervisor, celery_worker
):
    webchat = make_channel("webchat", name="Site chat", channel_team=other_team)
    mail = make_channel("email", name="Support mail")
    ana = make_user("ana", teams=[team])
    ben = make_user("ben", teams=[team, other_team])
    cleo = make_user("cleo", teams=[other_team])
    make_user("dan", teams=[team])
    for agent in (ana, ben, cleo):
        off_loop(presence_connect, user=agent)
    off_loop(presence_set, user=ben, status="away")
    now = timezone.now()
    customers = [(mail, "chloe@example.com", "Chloé Bernard", ana, 47),
                 (webchat, "visitor-1", "Léa Martin", cleo, 12),
                 (mail, "omar@example.com", "Omar Haddad", None, 8),
                 (webchat, "visitor-2", "Visitor from Lyon", None, 1),
                 (mail, "kenji@example.com", "Kenji Sato", ben, 30),
                 (mail, "ines@example.com", "Inès Duval", ana, 90)]
    threads = []
    for channel, address, name, assignee, minutes_ago in customers:
        thread = off_loop(_at, now - timedelta(minutes=minutes_ago), receive_message,
                          channel=channel, address=address, text="Hello",
                          display_name=name).message.thread
        if assignee is not None:
            off_loop(assign_thread, thread=thread, assignee=assignee, by=supervisor)
        threads.append(thread)
    off_loop(send_reply, thread=threads[4], channel=mail, author=ben, text="Looking into it")
    off_loop(change_status, thread=threads[4], status="pending", by=ben)
    off_loop(snooze_thread, thread=threads[5], until=now + timedelta(hours=2), by=ana)

    page = sign_in(supervisor)
    open_live(page)
    expect(page.locator(".live-waiting-row")).to_have_count(4)
    expect(page.locator(f"#agent-{ben.pk}")).to_have_attribute("data-presence", "away")
    expect(page.locator(f"#waiting-{threads[0].pk} .wait")).to_contain_text("47 min")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_an_agent_is_refused(sign_in, agent):
    page = sign_in(agent)

    response = page.goto("/reports/live/")

    assert response.status == 403
    expect(page.locator("#live")).to_have_count(0)
