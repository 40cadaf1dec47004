"""WhatsApp's 24-hour window in the composer, in Chromium: outside it the agent can only send
an approved template (picked, filled, previewed); the composer follows the channel select
and a customer's new message without a reload.

The WhatsApp channel has no access token, so the stub adapter "sends" (see conftest.py for
the server, the browser and ``off_loop``).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from inbox.actions import receive_message
from inbox.models import Message, Thread

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = "/tmp/whatsapp-template.png"
ANA = "+34 600 111 222"
TEMPLATES = [
    {"name": "order_update", "language": "en_US", "category": "UTILITY",
     "body": "Hello {{1}}, your order {{2}} has shipped. Track it in the app."},
    {"name": "shipping_delay", "language": "en_US", "category": "UTILITY",
     "body": "Sorry {{1}}, your parcel is delayed by a day."},
]


@pytest.fixture
def whatsapp(make_channel):
    return make_channel("whatsapp", name="Support line", settings={"templates": TEMPLATES})


@pytest.fixture
def agent(make_user, team):
    return make_user("liam", teams=[team])


def customer_writes(channel, address, text, ago=timedelta(0), **options) -> Thread:
    """Ana writes on ``channel``; ``ago`` dates her message back."""
    message = receive_message(channel=channel, address=address, text=text,
                              display_name="Ana Morel", verified=True, **options).message
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)
    return message.thread


def open_thread(page: Page, thread) -> None:
    page.goto(f"/inbox/t/{thread.pk}/")
    expect(page.locator("#app")).to_have_attribute("data-connected", "true")


def test_outside_the_window_the_agent_sends_a_template(
    sign_in, off_loop, whatsapp, agent, celery_worker
):
    # Given Ana last wrote on WhatsApp two days ago
    thread = off_loop(customer_writes, whatsapp, ANA,
                      "Hi, when will my order 48213 ship?", ago=timedelta(days=2))
    page = sign_in(agent)

    # When the agent opens her thread
    open_thread(page, thread)

    # Then the composer says the window has closed, and only a template can be sent
    expect(page.locator("#reply-channel")).to_have_value(str(whatsapp.pk))
    expect(page.locator("#window-notice")).to_have_text(
        "Ana last wrote on WhatsApp 2\xa0days ago — outside WhatsApp's 24-hour window only "
        "an approved template can be sent.")
    expect(page.locator("#reply-text")).to_be_disabled()
    expect(page.locator("#template-picker")).to_be_visible()
    expect(page.locator("#template-toggle-label")).to_be_hidden()
    expect(page.locator("#template-choice option")).to_have_text([
        "order_update · en_US · utility", "shipping_delay · en_US · utility"])
    expect(page.locator("#template-preview")).to_have_text(
        "Hello {{1}}, your order {{2}} has shipped. Track it in the app.")

    # When they pick the template, fill its parameters and watch the preview
    page.locator("#template-choice").select_option(label="shipping_delay · en_US · utility")
    expect(page.locator("#template-parameters input")).to_have_count(1)
    page.locator("#template-choice").select_option(label="order_update · en_US · utility")
    parameters = page.locator("#template-parameters input")
    expect(parameters).to_have_count(2)
    parameters.nth(0).fill("Ana")
    expect(page.locator("#template-preview")).to_have_text(
        "Hello Ana, your order {{2}} has shipped. Track it in the app.")
    parameters.nth(1).fill("#48213")
    expect(page.locator("#template-preview")).to_have_text(
        "Hello Ana, your order #48213 has shipped. Track it in the app.")
    page.screenshot(path=SCREENSHOT)
    page.locator("#reply-form button[type=submit]").click()

    # Then the reply is in the timeline, as the customer gets it, and it is sent
    reply = page.locator("#timeline li.msg", has_text="Hello Ana, your order #48213 has shipped.")
    expect(reply).to_have_count(1)
    expect(reply).to_have_class(re.compile(r"\bdir-outbound\b"))
    expect(reply.locator(".delivery")).to_have_text("Sent", timeout=15_000)
    expect(parameters.nth(0)).to_have_value("")
    sent = off_loop(lambda: Message.objects.get(direction="outbound"))
    assert sent.metadata["template"] == {"name": "order_update", "language": "en_US",
                                         "parameters": ["Ana", "#48213"]}


def test_the_composer_follows_the_channel_and_the_customers_new_message(
    sign_in, off_loop, whatsapp, agent, make_channel
):
    # Given Ana wrote on Telegram three days ago and on WhatsApp two days ago
    telegram = make_channel("telegram", name="Support bot")
    thread = off_loop(customer_writes, whatsapp, ANA, "Hello from WhatsApp",
                      ago=timedelta(days=2))
    # (Telegram shared her verified number: one customer)
    off_loop(customer_writes, telegram, "581204773", "Hello from Telegram",
             ago=timedelta(days=3), verified_phones=[ANA])
    page = sign_in(agent)
    open_thread(page, thread)
    expect(page.locator("#reply-text")).to_be_disabled()

    # When the agent switches to Telegram, there is no window: free text again
    page.locator("#reply-channel").select_option(str(telegram.pk))
    expect(page.locator("#reply-window")).to_be_hidden()
    expect(page.locator("#reply-text")).to_be_enabled()

    # and back to WhatsApp: the notice and the picker are back
    page.locator("#reply-channel").select_option(str(whatsapp.pk))
    expect(page.locator("#window-notice")).to_contain_text("Ana last wrote on WhatsApp")
    expect(page.locator("#reply-text")).to_be_disabled()

    # When Ana writes on WhatsApp, the window opens without a reload
    off_loop(customer_writes, whatsapp, ANA, "Are you there?")
    expect(page.locator("#window-notice")).to_have_text(re.compile(
        r"^WhatsApp window closes in 2[34] h$"))
    expect(page.locator("#reply-text")).to_be_enabled()
    expect(page.locator("#template-picker")).to_be_hidden()

    # and the templates are still there, behind the toggle
    page.locator("#template-toggle").check()
    expect(page.locator("#template-picker")).to_be_visible()
    expect(page.locator("#reply-text")).to_be_disabled()
    page.locator("#template-toggle").uncheck()
    expect(page.locator("#reply-text")).to_be_enabled()


def test_without_templates_the_composer_says_where_they_come_from(
    sign_in, off_loop, agent, make_channel
):
    bare = make_channel("whatsapp", name="New number")
    thread = off_loop(customer_writes, bare, ANA, "Hi", ago=timedelta(days=2))
    page = sign_in(agent)

    open_thread(page, thread)

    expect(page.locator("#no-templates")).to_contain_text(
        f"manage.py whatsapp_templates --channel {bare.pk}")
    expect(page.locator("#reply-text")).to_be_disabled()
    expect(page.locator("#reply-form button[type=submit]")).to_be_disabled()
