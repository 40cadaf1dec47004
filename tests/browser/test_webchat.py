"""The web chat widget in Chromium, on a shop's page of another origin: a visitor and an
agent chat both ways, live; a reload keeps the conversation; a visitor the shop verified sees
their earlier e-mail exchange in the widget.

The shop is a tiny http.server on a port of its own (another origin than Daphne's) serving a
page with the one script tag. The agent is signed in to the inbox in a second context.
"""

import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from channels_adapters.webchat.tokens import identity_hash
from inbox.actions import receive_message, send_reply
from inbox.models import Message
from tests.helpers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "shop-identity-secret-0123456789"
SCREENSHOTS = "/tmp/threadline-webchat-{}.png"


class Shop:
    """Pages of the company's website, on their own origin."""

    def __init__(self):
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, path: str, script_tag: str) -> str:
        self.pages[path] = (
            "<!doctype html><html><head><meta charset='utf-8'><title>Lumen Home</title>"
            "<style>body{font-family:Georgia,serif;background:#fdf6e3;margin:40px}</style>"
            "</head><body><h1>Lumen Home</h1><p>Lamps and smart lighting.</p>"
            f"{script_tag}</body></html>")
        return self.origin + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop():
    shop = Shop()
    yield shop
    shop.close()


@pytest.fixture
def webchat(make_channel, shop):
    return make_channel("webchat", name="Website chat",
                        settings={"allowed_origins": [shop.origin], "title": "Lumen Home"},
                        secrets={"identity_secret": SECRET})


@pytest.fixture
def ana(make_user, team):
    return make_user("ana", teams=[team])


def script_tag(server_url: str, channel, **attributes) -> str:
    extra = "".join(f' data-{name.replace("_", "-")}="{html.escape(value)}"'
                    for name, value in attributes.items())
    return (f'<script src="{server_url}/static/widget.js" data-channel="{channel.pk}"'
            f"{extra} async></script>")


@pytest.fixture
def visitor_page(browser):
    contexts, errors = [], []

    def open_page(url: str):
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, errors


def widget(page):
    return page.locator("#threadline-webchat")


def test_a_visitor_and_an_agent_chat_live_and_a_reload_keeps_the_conversation(
        sign_in, daphne_server, shop, webchat, ana, visitor_page, celery_worker):
    # Given an agent in the inbox, and a visitor on the shop's page with the script tag
    agent = sign_in(ana)
    url = shop.page("/", script_tag(daphne_server.url, webchat))
    visitor = visitor_page(url)
    chat = widget(visitor)
    expect(chat.locator(".bubble")).to_be_visible()

    # When the visitor opens the bubble and writes
    chat.locator(".bubble").click()
    expect(chat.locator("header")).to_contain_text("We're online")
    chat.locator("textarea").fill("Hello! Is the Aurora lamp dimmable? <b>thanks</b>")
    chat.locator("textarea").press("Enter")
    expect(chat).to_have_attribute("data-connected", "true")

    # Then the agent sees the new thread live, and opens it
    row = agent.locator("#threads li.row", has_text="Is the Aurora lamp dimmable?")
    expect(row).to_have_count(1, timeout=5000)
    row.locator("a").first.click()
    expect(agent.locator("#timeline")).to_contain_text("<b>thanks</b>")
    # and the visitor's widget shows the message as seen
    expect(chat.locator("li.inbound .status").last).to_have_text("Seen", timeout=5000)

    # When the agent types, the visitor sees it; then the reply arrives, with the agent's name
    expect(agent.locator("#reply-channel")).to_have_value(str(webchat.pk))
    agent.locator("#reply-text").press_sequentially("Yes, with any")
    expect(chat.locator(".typing")).to_have_text("Ana is typing…", timeout=3000)
    agent.locator("#reply-text").fill("Yes, with any standard dimmer.")
    agent.locator("#reply-text").press("Control+Enter")
    reply = chat.locator("li.outbound", has_text="Yes, with any standard dimmer.")
    expect(reply).to_have_count(1, timeout=5000)
    expect(reply.locator(".author")).to_have_text("Ana")
    expect(reply.locator(".avatar")).to_have_text("A")

    # And the open widget marks it read, which the agent sees
    reply_id = wait_for(lambda: Message.objects.filter(
        direction="outbound", text="Yes, with any standard dimmer.").values_list(
        "id", flat=True).first())
    wait_for(lambda: Message.objects.get(pk=reply_id).delivery_status == "read", timeout=10)
    expect(agent.locator(f"#msg-{reply_id} .delivery")).to_have_text("Read", timeout=5000)

    # When the visitor writes again, the agent sees it in the open thread live
    chat.locator("textarea").fill("Great, I'll order two.")
    chat.locator("textarea").press("Enter")
    expect(agent.locator("#timeline")).to_contain_text("Great, I'll order two.", timeout=5000)
    visitor.screenshot(path=SCREENSHOTS.format("visitor"))
    agent.screenshot(path=SCREENSHOTS.format("agent"))

    # When the visitor reloads the page, the conversation is still there, once
    visitor.reload()
    chat = widget(visitor)
    chat.locator(".bubble").click()
    visitor.screenshot(path=SCREENSHOTS.format("reload"))
    # (the history loads over HTTP after the reload: slower on a loaded machine)
    for text in ("Is the Aurora lamp dimmable?", "Yes, with any standard dimmer.",
                 "Great, I'll order two."):
        expect(chat.locator("li", has_text=text)).to_have_count(1, timeout=15000)
    # and the hostile-looking text is shown as text, not markup
    expect(chat.locator("li.inbound .text").first).to_contain_text("<b>thanks</b>")
    assert Message.objects.filter(direction="inbound").count() == 2


def test_a_visitor_who_writes_before_the_chat_is_ready_stays_one_visitor(
        daphne_server, shop, webchat, visitor_page, celery_worker):
    # Given the visitor's creation held on its way (a slow network), as the chat opens
    url = shop.page("/", script_tag(daphne_server.url, webchat))
    visitor = visitor_page(url)
    held = []
    visitor.route("**/visitors/", lambda route: held.append(route))
    chat = widget(visitor)
    chat.locator(".bubble").click()
    wait_for(lambda: held)

    # When the visitor writes at once, before it is answered
    chat.locator("textarea").fill("Do you ship to Norway?")
    chat.locator("textarea").press("Enter")
    visitor.wait_for_timeout(300)
    for route in list(held):
        route.continue_()

    # Then one visitor was created, the message reached it, and a reload keeps it
    expect(chat).to_have_attribute("data-connected", "true")
    wait_for(lambda: Message.objects.filter(text="Do you ship to Norway?").exists())
    assert len(held) == 1
    visitor.reload()
    widget(visitor).locator(".bubble").click()
    expect(widget(visitor).locator("li", has_text="Do you ship to Norway?")).to_have_count(
        1, timeout=15000)


def test_a_verified_visitor_sees_their_earlier_e_mail_exchange(
        sign_in, off_loop, daphne_server, shop, webchat, make_channel, ana, visitor_page,
        celery_worker):
    # Given Ana wrote by e-mail and was answered
    mailbox = make_channel("email", name="Support mailbox")
    thread = off_loop(receive_message, channel=mailbox, address="ana.morel@example.com",
                      verified=True, display_name="Ana Morel",
                      text="My Aurora lamp arrived with a cracked base.").message.thread
    reply = off_loop(send_reply, thread=thread, channel=mailbox, author=ana,
                     text="So sorry! A new base leaves today.")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")

    # When she opens the shop signed in: the shop's page passes her e-mail and its HMAC
    url = shop.page("/account", script_tag(
        daphne_server.url, webchat, user_email="ana.morel@example.com",
        user_hash=identity_hash(SECRET, "ana.morel@example.com"), user_name="Ana Morel"))
    visitor = visitor_page(url)
    chat = widget(visitor)
    chat.locator(".bubble").click()

    # Then the widget shows her e-mail exchange, labelled as e-mail
    mine = chat.locator("li.inbound", has_text="cracked base")
    expect(mine).to_have_count(1, timeout=5000)
    expect(mine.locator(".meta")).to_contain_text("You wrote by e-mail on")
    ours = chat.locator("li.outbound", has_text="A new base leaves today.")
    expect(ours.locator(".meta")).to_contain_text("We replied by e-mail on")

    # And what she writes in the chat joins her one thread
    chat.locator("textarea").fill("It's me again, about the lamp base.")
    chat.locator("textarea").press("Enter")
    wait_for(lambda: Message.objects.filter(thread=thread, channel=webchat).exists())
    visitor.screenshot(path=SCREENSHOTS.format("verified"))

    # A page of the same shop passing a wrong hash gets an anonymous chat: none of her history
    url = shop.page("/forged", script_tag(
        daphne_server.url, webchat, user_email="ana.morel@example.com", user_hash="0" * 64))
    stranger = visitor_page(url)
    chat = widget(stranger)
    chat.locator(".bubble").click()
    chat.locator("textarea").fill("Show me Ana's messages")
    chat.locator("textarea").press("Enter")
    expect(chat.locator("li.inbound .status").last).to_have_text("Sent", timeout=5000)
    expect(chat.locator("li", has_text="cracked base")).to_have_count(0)


def test_a_page_of_an_origin_not_allowed_gets_no_widget(
        daphne_server, shop, make_channel, visitor_page):
    closed = make_channel("webchat", name="Elsewhere",
                          settings={"allowed_origins": ["https://other.example"]})
    page = visitor_page(shop.page("/", script_tag(daphne_server.url, closed)))
    page.wait_for_timeout(1000)
    expect(widget(page)).to_have_count(0)
