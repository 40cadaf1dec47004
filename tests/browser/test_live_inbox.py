"""The agents' live inbox in Chromium: what colleagues see of each other, replies and their
delivery, a server restart, the keyboard, hostile customer text, and team boundaries.

Every test is transactional: the Daphne server and the Celery worker are other processes and
see only committed rows. Actions run through ``off_loop`` (see conftest.py).
"""

import re
import time

import pytest
from playwright.sync_api import Page, expect

from inbox.actions import add_note, receive_message, send_reply

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = "/tmp/threadline-inbox.png"


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


def wait_connected(page: Page, timeout: float = 10_000) -> None:
    expect(page.locator("#app")).to_have_attribute("data-connected", "true", timeout=timeout)


def open_thread(page: Page, thread) -> None:
    page.goto(f"/inbox/t/{thread.pk}/")
    wait_connected(page)


def message_items(page: Page, text: str):
    return page.locator("#timeline li.msg", has_text=text)


def test_a_new_message_appears_in_both_agents_lists_within_a_second(
    sign_in, off_loop, channel, ana, ben
):
    # Given two agents of the team on the inbox
    pages = [sign_in(ana), sign_in(ben)]

    # When a customer writes
    thread = write(off_loop, channel, "4242", "Where is my parcel?")

    # Then the thread is in both lists within a second
    deadline = time.monotonic() + 1.0
    for page in pages:
        remaining_ms = max((deadline - time.monotonic()) * 1000, 1)
        expect(page.locator(f"#row-{thread.pk}")).to_contain_text("Where is my parcel?",
                                                                  timeout=remaining_ms)
    for page in pages:
        expect(page.locator("#threads li.row")).to_have_count(1)


def test_colleagues_see_who_is_viewing_and_who_is_typing(sign_in, off_loop, channel, ana, ben):
    thread = write(off_loop, channel, "4242", "Can I change my address?")
    page_a, page_b = sign_in(ana), sign_in(ben)

    # Given agent A opens the thread from the list, and agent B has it open too
    page_a.click(f"#row-{thread.pk} a")
    expect(page_a.locator("#thread")).to_have_attribute("data-thread", str(thread.pk))
    open_thread(page_b, thread)

    # Then each sees the other viewing it
    expect(page_b.locator("#activity")).to_contain_text("Ana is viewing")
    expect(page_a.locator("#activity")).to_contain_text("Ben is viewing")

    # When A types a reply, B is told within a second
    page_a.locator("#reply-text").press_sequentially("Sure, which")
    expect(page_b.locator("#activity")).to_contain_text("Ana is typing a reply", timeout=1000)


def test_a_reply_appears_for_a_colleague_and_turns_sent(
    sign_in, off_loop, channel, ana, ben, celery_worker
):
    thread = write(off_loop, channel, "4242", "Is the shop open on Sunday?")
    page_a, page_b = sign_in(ana), sign_in(ben)
    open_thread(page_a, thread)
    open_thread(page_b, thread)

    # When A answers on the preselected channel with Ctrl+Enter
    expect(page_a.locator("#reply-channel")).to_have_value(str(channel.pk))
    page_a.locator("#reply-text").fill("Yes, from 10 to 16.")
    page_a.locator("#reply-text").press("Control+Enter")

    # Then B sees the reply, and the stub provider's acceptance turns it to Sent
    reply_b = message_items(page_b, "Yes, from 10 to 16.")
    expect(reply_b).to_have_count(1, timeout=2000)
    expect(reply_b).to_have_class(re.compile(r"\bdir-outbound\b"))
    expect(reply_b.locator(".delivery")).to_have_text("Sent", timeout=15_000)
    expect(reply_b.locator(".delivery")).to_have_attribute("data-delivery", "sent")
    # and A has it once, with the same status, and an empty reply box
    reply_a = message_items(page_a, "Yes, from 10 to 16.")
    expect(reply_a.locator(".delivery")).to_have_text("Sent", timeout=5000)
    expect(reply_a).to_have_count(1)
    expect(page_a.locator("#reply-text")).to_have_value("")


def test_messages_that_arrive_while_the_server_restarts_appear_once(
    sign_in, off_loop, daphne_server, channel, ana
):
    thread = write(off_loop, channel, "4242", "First message")
    page = sign_in(ana)
    open_thread(page, thread)
    page.wait_for_load_state("networkidle")

    # When the server stops (SIGTERM) and three messages arrive while it is down
    daphne_server.stop()
    expect(page.locator("#app")).to_have_attribute("data-connected", "false")
    expect(page.locator("#connection")).to_be_visible()
    texts = ["Missed one", "Missed two", "Missed three"]
    for text in texts:
        write(off_loop, channel, "4242", text)
    daphne_server.start()

    # Then the page reconnects by itself and catches up: each message once, the thread once
    wait_connected(page, timeout=20_000)
    for text in texts:
        expect(message_items(page, text)).to_have_count(1)
    expect(page.locator("#connection")).to_be_hidden()
    page.wait_for_timeout(500)  # anything arriving twice would arrive by now
    for text in texts:
        expect(message_items(page, text)).to_have_count(1)
    expect(page.locator("#timeline li.msg")).to_have_count(4)
    expect(page.locator(f"#threads li.row[data-thread='{thread.pk}']")).to_have_count(1)
    expect(page.locator(f"#row-{thread.pk}")).to_contain_text("Missed three")


def test_keyboard_shortcuts_drive_the_inbox(sign_in, off_loop, channel, ana):
    older = write(off_loop, channel, "1001", "Older question")
    newer = write(off_loop, channel, "1002", "Newer question")
    page = sign_in(ana)
    rows = page.locator("#threads li.row")
    expect(rows).to_have_count(2)
    selected = re.compile(r"\bselected\b")

    # j / k move the selection
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(selected)
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(selected)
    expect(rows.nth(0)).not_to_have_class(selected)
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(selected)
    expect(rows.nth(0)).to_have_attribute("data-thread", str(newer.pk))

    # Enter opens the selected thread
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#thread")).to_have_attribute("data-thread", str(older.pk))
    expect(page).to_have_url(re.compile(rf"/inbox/t/{older.pk}/"))

    # r focuses the reply box; Esc leaves it
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#reply-text")).not_to_be_focused()

    # n switches to the private note
    page.keyboard.press("n")
    expect(page.locator("#note-text")).to_be_focused()
    expect(page.locator("#note-form")).to_be_visible()
    expect(page.locator("#reply-form")).to_be_hidden()
    expect(page.locator("#composer [data-tab=note]")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")

    # e resolves: the status pill changes
    expect(page.locator(".status-pill")).to_have_text("Open")
    page.keyboard.press("e")
    expect(page.locator(".status-pill")).to_have_text("Resolved")

    # ? opens the help, Esc closes it
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    # / focuses the search
    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()


def test_hostile_customer_text_and_html_never_run(sign_in, off_loop, channel, ana):
    dialogs = []
    page = sign_in(ana)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    hostile_name = '<img src=x onerror="window.__xss=1">'
    hostile_text = "<img src=x onerror=alert(1)> and <script>alert(2)</script>"

    # A customer with a hostile name writes hostile text; it arrives live in the list
    thread = write(off_loop, channel, "666", hostile_text, display_name=hostile_name)
    expect(page.locator(f"#row-{thread.pk}")).to_contain_text("<script>alert(2)</script>")

    # The page's script opens it; hostile HTML arrives live while it is open
    page.click(f"#row-{thread.pk} a")
    expect(page.locator("#thread")).to_have_attribute("data-thread", str(thread.pk))
    write(off_loop, channel, "666", "see the HTML part", html=(
        '<p>Hello</p><img src=x onerror="window.__xss=2;alert(3)">'
        '<a href="javascript:window.__xss=3">link</a><script>window.__xss=4</script>'
        '<svg onload="window.__xss=5"></svg>'))
    expect(message_items(page, "Hello")).to_have_count(1)

    # and the server renders it all on a reload
    page.reload()
    wait_connected(page)
    expect(message_items(page, "<script>alert(2)</script>")).to_have_count(1)
    expect(message_items(page, "Hello")).to_have_count(1)
    expect(page.locator("#thread-header h1")).to_have_text(hostile_name)

    # Then the text is shown as text, and nothing ran
    link = page.locator("#timeline a", has_text="link")
    assert not (link.get_attribute("href") or "").lower().startswith("javascript")
    assert page.locator("#timeline [onerror], #timeline [onload], #timeline script").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    assert page.evaluate("window.__xss") is None


def test_an_agent_of_another_team_never_sees_the_message_live(
    sign_in, off_loop, make_user, make_channel, channel, other_team
):
    bea = make_user("bea", teams=[other_team])
    sales = make_channel("email", name="Sales mailbox", channel_team=other_team)
    page = sign_in(bea)

    # When a customer writes to team A, then another to team B
    theirs = write(off_loop, channel, "4242", "Private to support")
    ours = write(off_loop, sales, "buyer@example.com", "A quote, please")

    # Then B's agent sees B's thread live, and never A's
    expect(page.locator(f"#row-{ours.pk}")).to_contain_text("A quote, please")
    page.wait_for_timeout(300)
    expect(page.locator(f"#row-{theirs.pk}")).to_have_count(0)
    expect(page.locator("#threads")).not_to_contain_text("Private to support")
    expect(page.locator("#threads li.row")).to_have_count(1)


def test_screenshot_of_the_inbox_with_a_thread_open(
    sign_in, off_loop, channel, ana, ben, celery_worker
):
    other = write(off_loop, channel, "5151", "Is the blue jacket back in stock?",
                  display_name="Léa M.")
    thread = write(off_loop, channel, "4242", "Hello, my parcel has not arrived.",
                   display_name="Chloé Bernard")
    write(off_loop, channel, "4242", "Order 1182, sent last Monday.")
    off_loop(add_note, thread=thread, author=ben, text="@ana she called yesterday too.")
    reply = off_loop(send_reply, thread=thread, channel=channel, author=ana,
                     text="Sorry about that! I am checking with the carrier.")
    page = sign_in(ana)
    sign_in(ben).goto(f"/inbox/t/{thread.pk}/")
    open_thread(page, thread)
    expect(page.locator(f"#msg-{reply.pk} .delivery")).to_have_text("Sent", timeout=15_000)
    expect(page.locator("#activity")).to_contain_text("Ben is viewing")
    # the open thread is read; the other one is not
    unread = re.compile(r"\bunread\b")
    expect(page.locator(f"#row-{thread.pk}")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator(f"#row-{thread.pk}")).not_to_have_class(unread)
    expect(page.locator(f"#row-{other.pk}")).to_have_class(unread)
    page.locator("#reply-text").fill("It left the depot this morning")

    page.screenshot(path=SCREENSHOT)
