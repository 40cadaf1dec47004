"""WhatsApp's 24-hour rule: free text only within 24 hours of the customer's last message on
the number, approved templates after that; in send_reply, the reply view and the composer.

Not transactional: the delivery scheduled on commit never runs, replies stay queued (what
the adapter does with ``metadata["template"]`` is the WhatsApp adapter's tests' business).
"""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from channels_adapters.models import Channel
from customers.actions import identity_resolve
from inbox.actions import receive_message, send_reply
from inbox.events import ReplyQueued, parse_payload
from inbox.messaging_window import reply_window
from inbox.models import Message, Thread
from inbox.snapshots import message_snapshot
from tests.helpers import events_since, last_event_id, row_counts

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
ANA = "+34 600 111 222"
TEMPLATES = [
    {"name": "order_update", "language": "en_US", "category": "UTILITY",
     "body": "Hello {{1}}, your order {{2}} has shipped."},
    {"name": "order_update", "language": "es", "category": "UTILITY",
     "body": "Hola {{1}}, tu pedido {{2}} ha salido."},
    {"name": "shipping_delay", "language": "en_US", "category": "UTILITY",
     "body": "Sorry {{1}}, your parcel is delayed."},
    {"name": "back_in_touch", "language": "en_US", "category": "MARKETING",
     "body": "We have news for you. Reply to talk to us."},
]
OUTSIDE = ("More than 24 hours have passed since Ana last wrote on WhatsApp: only an approved "
           "template can be sent. Choose one of: back_in_touch, order_update, shipping_delay.")


@pytest.fixture
def whatsapp(make_channel):
    return make_channel("whatsapp", name="Support line", settings={"templates": TEMPLATES})


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email")


def write(channel, address=ANA, text="Hello", ago=timedelta(0), **options) -> Thread:
    """The customer writes on ``channel``; ``ago`` dates the message back."""
    message = receive_message(channel=channel, address=address, text=text,
                              display_name="Ana Morel", verified=True, **options).message
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - ago)
    return Thread.objects.select_related("customer").get(pk=message.thread_id)


def order_update(*parameters, language="en_US"):
    return {"name": "order_update", "language": language, "parameters": list(parameters)}


# --- the rule ----------------------------------------------------------------------------

def test_the_window_is_open_23h59_after_the_customer_last_wrote(whatsapp):
    thread = write(whatsapp, ago=timedelta(hours=23, minutes=59))

    window = reply_window(thread, whatsapp)

    assert window.open
    assert window.closed_since is None
    assert timedelta(0) < window.closes_at - timezone.now() <= timedelta(minutes=1)
    assert [t.name for t in window.templates] == [t["name"] for t in TEMPLATES]


def test_the_window_is_closed_24h01_after_the_customer_last_wrote(whatsapp):
    thread = write(whatsapp, ago=timedelta(hours=24, minutes=1))

    window = reply_window(thread, whatsapp)

    assert not window.open
    assert window.closes_at is None
    assert timedelta(0) < timezone.now() - window.closed_since <= timedelta(minutes=1, seconds=5)


def test_the_window_is_closed_when_the_customer_never_wrote_on_the_channel(
    whatsapp, make_channel
):
    # Ana texted; her WhatsApp number joined her profile, but she never wrote there.
    thread = write(make_channel("sms"), text="Call me back")
    identity_resolve(kind="whatsapp", address=ANA, verified=True, verified_phones=[ANA])

    window = reply_window(thread, whatsapp)

    assert not window.open and window.last_inbound_at is None and window.closed_since is None


def test_a_message_on_another_channel_does_not_open_the_whatsapp_window(
    whatsapp, email_channel, make_channel
):
    thread = write(whatsapp, ago=timedelta(days=2))
    # Today she e-mailed, and wrote to the company's other WhatsApp number.
    receive_message(channel=email_channel, address="ana@example.com", text="Any news?",
                    verified=True, verified_phones=[ANA])
    write(make_channel("whatsapp", name="Sales line"), text="Hi sales")
    assert Message.objects.filter(thread=thread).count() == 3

    assert not reply_window(thread, whatsapp).open


def test_a_later_message_reopens_the_window(whatsapp):
    thread = write(whatsapp, ago=timedelta(days=3))
    assert not reply_window(thread, whatsapp).open

    write(whatsapp, text="Still waiting")

    window = reply_window(thread, whatsapp)
    assert window.open
    assert window.closes_at > timezone.now() + timedelta(hours=23, minutes=59)


def test_our_own_replies_do_not_open_the_window(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(hours=23))
    send_reply(thread=thread, channel=whatsapp, author=agent, text="Looking into it")
    Message.objects.filter(thread=thread, direction="inbound").update(
        created_at=timezone.now() - timedelta(hours=25))

    assert not reply_window(thread, whatsapp).open


def test_kinds_without_the_rule_have_no_window(email_channel):
    thread = write(email_channel, address="ana@example.com", ago=timedelta(days=30))

    assert reply_window(thread, email_channel) is None


def test_the_window_is_one_query(whatsapp, django_assert_num_queries):
    thread = write(whatsapp, ago=timedelta(days=2))

    with django_assert_num_queries(1):
        reply_window(thread, whatsapp)


def test_malformed_template_settings_are_skipped(make_channel):
    channel = make_channel("whatsapp", settings={"templates": [
        "order_update", {"name": "x"}, {"name": "", "language": "en", "body": "b"},
        {"name": "ok", "language": "en", "body": "Fine {{1}}", "category": None}]})
    thread = write(channel, ago=timedelta(days=2))

    assert [(t.name, t.placeholders) for t in reply_window(thread, channel).templates] == [
        ("ok", 1)]


# --- send_reply ----------------------------------------------------------------------------

def test_free_text_outside_the_window_is_refused_with_what_to_do(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=whatsapp, author=agent, text="Your order shipped")

    assert refused.value.code == "outside_messaging_window"
    assert refused.value.messages == [OUTSIDE]
    assert row_counts() == before


def test_free_text_inside_the_window_is_queued(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(hours=23, minutes=59))

    reply = send_reply(thread=thread, channel=whatsapp, author=agent, text="On its way")

    assert reply.text == "On its way" and "template" not in reply.metadata


def test_free_text_to_someone_who_never_wrote_on_the_number_is_refused(whatsapp, agent,
                                                                       make_channel):
    thread = write(make_channel("sms"), text="Call me back")
    identity_resolve(kind="whatsapp", address=ANA, verified=True, verified_phones=[ANA])

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=whatsapp, author=agent, text="Hi Ana")

    assert refused.value.messages == [
        "Ana has not written to Support line on WhatsApp yet: only an approved template can "
        "be sent. Choose one of: back_in_touch, order_update, shipping_delay."]


def test_without_templates_the_refusal_says_how_to_get_them(make_channel, agent):
    bare = make_channel("whatsapp", name="New number")
    thread = write(bare, ago=timedelta(days=3))

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=bare, author=agent, text="Hi")

    assert "manage.py whatsapp_templates" in refused.value.messages[0]
    assert "channel's settings" in refused.value.messages[0]


def test_a_template_reply_sends_the_filled_body_and_names_the_template(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))
    since = last_event_id()

    reply = send_reply(thread=thread, channel=whatsapp, author=agent,
                       template=order_update(" Ana ", "#48213"),
                       metadata={"composer": "inbox"})

    reply = Message.objects.get(pk=reply.pk)
    assert reply.text == "Hello Ana, your order #48213 has shipped."
    assert reply.metadata == {"composer": "inbox", "template": {
        "name": "order_update", "language": "en_US", "parameters": ["Ana", "#48213"]}}
    assert reply.delivery_status == Message.DeliveryStatus.QUEUED
    assert reply.identity.address == "+34600111222"
    [event] = events_since(since)
    assert parse_payload(event.type, json.loads(json.dumps(event.payload))) == ReplyQueued(
        message=message_snapshot(reply))


def test_the_template_language_picks_the_body(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))

    reply = send_reply(thread=thread, channel=whatsapp, author=agent,
                       template=order_update("Ana", "48213", language="es"))

    assert reply.text == "Hola Ana, tu pedido 48213 ha salido."


def test_a_template_without_parameters_takes_none(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))

    reply = send_reply(thread=thread, channel=whatsapp, author=agent, template={
        "name": "back_in_touch", "language": "en_US"})

    assert reply.text == "We have news for you. Reply to talk to us."
    assert reply.metadata["template"]["parameters"] == []


def test_a_template_is_allowed_inside_the_window_too(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(hours=1))

    reply = send_reply(thread=thread, channel=whatsapp, author=agent,
                       template=order_update("Ana", "1"))

    assert reply.metadata["template"]["name"] == "order_update"


def test_a_parameter_of_exactly_1024_characters_is_accepted(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))

    reply = send_reply(thread=thread, channel=whatsapp, author=agent,
                       template=order_update("A" * 1024, "1"))

    assert reply.metadata["template"]["parameters"][0] == "A" * 1024


@pytest.mark.parametrize(("template", "expected"), [
    ({"name": "refund_done", "language": "en_US", "parameters": []},
     "Support line has no approved template refund_done (en_US). Choose one of: "
     "back_in_touch, order_update, shipping_delay."),
    (order_update("Ana", "1", language="fr"), "no approved template order_update (fr)"),
    (order_update("Ana"), "The template order_update takes 2 parameters; 1 given."),
    (order_update("Ana", "1", "2"), "takes 2 parameters; 3 given."),
    (order_update("Ana", "   "), "Fill in parameter {{2}} of order_update."),
    (order_update("Ana\nMorel", "1"), "Parameter {{1}} of order_update may not contain line "
                                      "breaks, tabs or more than four spaces in a row"),
    (order_update("Ana", "48\t213"), "may not contain line breaks, tabs"),
    (order_update("Ana     Morel", "1"), "more than four spaces in a row"),
    (order_update("A" * 1025, "1"), "Parameter {{1}} of order_update is 1025 characters long; "
                                    "WhatsApp's limit is 1024."),
    ({"name": "order_update", "language": "en_US", "parameters": "Ana,1"},
     "Template parameters are a list of texts."),
    ({"name": "order_update", "language": "en_US", "parameters": ["Ana", 1]},
     "Template parameters are a list of texts."),
    ("order_update", "Choose a template."),
])
def test_a_template_whatsapp_would_refuse_is_refused_first(whatsapp, agent, template,
                                                            expected):
    thread = write(whatsapp, ago=timedelta(days=3))
    before = row_counts()

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=whatsapp, author=agent, template=template)

    assert expected in refused.value.messages[0]
    assert row_counts() == before


def test_a_template_comes_alone(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=whatsapp, author=agent, text="And also…",
                   template=order_update("Ana", "1"))

    assert refused.value.code == "template_with_text"


def test_templates_are_only_for_whatsapp(email_channel, agent):
    thread = write(email_channel, address="ana@example.com")

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=email_channel, author=agent,
                   template=order_update("Ana", "1"))

    assert refused.value.messages == ["Templates are only for WhatsApp."]


def test_a_template_cannot_be_smuggled_in_the_metadata(whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(hours=1))

    with pytest.raises(ValidationError) as refused:
        send_reply(thread=thread, channel=whatsapp, author=agent, text="Hi",
                   metadata={"template": {"name": "anything", "language": "en"}})

    assert refused.value.code == "invalid_template"


# --- the reply view ------------------------------------------------------------------------

@pytest.fixture
def logged_in(client, agent):
    client.force_login(agent)
    return client


def post_reply(client, thread, channel, **fields):
    return client.post(reverse("inbox:reply", args=[thread.pk]),
                       {"channel": channel.pk, **fields}, **FETCH)


def test_the_reply_view_answers_free_text_outside_the_window_with_the_reason(
    logged_in, whatsapp
):
    thread = write(whatsapp, ago=timedelta(days=3))

    response = post_reply(logged_in, thread, whatsapp, text="Your order shipped")

    assert response.status_code == 400
    assert response.json() == {"error": OUTSIDE}
    assert not Message.objects.filter(direction="outbound").exists()


def test_the_reply_view_sends_a_template(logged_in, whatsapp, agent):
    thread = write(whatsapp, ago=timedelta(days=3))

    response = post_reply(logged_in, thread, whatsapp, template_name="order_update",
                          template_language="en_US",
                          template_parameters=["Ana", "#48213"])

    assert response.status_code == 200
    reply = Message.objects.get(pk=response.json()["message_id"])
    assert reply.text == "Hello Ana, your order #48213 has shipped."
    assert reply.author == agent
    assert reply.metadata["template"] == {"name": "order_update", "language": "en_US",
                                          "parameters": ["Ana", "#48213"]}


def test_the_reply_view_reports_a_template_error(logged_in, whatsapp):
    thread = write(whatsapp, ago=timedelta(days=3))

    response = post_reply(logged_in, thread, whatsapp, template_name="order_update",
                          template_language="en_US", template_parameters=["Ana", ""])

    assert response.status_code == 400
    assert response.json() == {"error": "Fill in parameter {{2}} of order_update."}


def test_without_javascript_the_refusal_is_a_flash_message(logged_in, whatsapp):
    thread = write(whatsapp, ago=timedelta(days=3))

    response = logged_in.post(reverse("inbox:reply", args=[thread.pk]),
                              {"channel": whatsapp.pk, "text": "Hi"}, follow=True)

    assert "only an approved template can be sent" in response.content.decode()


# --- the composer --------------------------------------------------------------------------

def composer_windows_of(client, thread) -> dict:
    response = client.get(reverse("inbox:pane", args=[thread.pk]), **FETCH)
    assert response.status_code == 200
    return response.context["reply_windows"]


def test_the_pane_tells_the_composer_the_window_is_closed(logged_in, whatsapp, email_channel):
    thread = write(whatsapp, ago=timedelta(days=3, hours=2))
    receive_message(channel=email_channel, address="ana@example.com", text="Hello?",
                    verified=True, verified_phones=[ANA])

    windows = composer_windows_of(logged_in, thread)

    assert list(windows) == [str(whatsapp.pk)]  # e-mail has no window
    window = windows[str(whatsapp.pk)]
    assert window["open"] is False and window["closes_at"] is None
    assert window["closed_notice"] == (
        "Ana last wrote on WhatsApp 3\xa0days ago — outside WhatsApp's 24-hour window only an "
        "approved template can be sent.")
    assert window["templates"][0] == {**TEMPLATES[0], "placeholders": 2}
    assert window["hours"] == 24


def test_the_pane_tells_the_composer_when_an_open_window_closes(logged_in, whatsapp):
    thread = write(whatsapp, ago=timedelta(hours=19))

    window = composer_windows_of(logged_in, thread)[str(whatsapp.pk)]

    assert window["open"] is True
    closes_at = timezone.datetime.fromisoformat(window["closes_at"])
    assert timedelta(hours=4, minutes=59) < closes_at - timezone.now() <= timedelta(hours=5)
    assert window["closes_in_label"] == "WhatsApp window closes in"
    # What it will say once closed, without a reload
    assert window["closed_notice"].startswith("Ana last wrote on WhatsApp 1\xa0day ago")


def test_the_page_embeds_the_windows_as_inert_json(logged_in, make_channel):
    hostile = make_channel("whatsapp", settings={"templates": [
        {"name": "x</script><script>alert(1)</script>", "language": "en",
         "body": "<img src=x onerror=alert(2)> {{1}}"}]})
    thread = write(hostile, ago=timedelta(days=2))

    page = logged_in.get(reverse("inbox:thread", args=[thread.pk])).content.decode()

    assert "<script>alert(1)" not in page and "<img src=x" not in page
    start = page.index('id="reply-windows"')
    embedded = page[page.index(">", start) + 1:page.index("</script>", start)]
    assert json.loads(embedded)[str(hostile.pk)]["templates"][0]["name"].startswith("x</script>")


def test_the_window_costs_the_pane_one_query_whatever_the_number_of_numbers(
    logged_in, whatsapp, make_channel
):
    thread = write(whatsapp, ago=timedelta(days=2))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert logged_in.get(reverse("inbox:pane", args=[thread.pk]), **FETCH).status_code \
                == 200
        return len(captured)

    queries()  # the first visit also records the agent's first read
    with_window = queries()
    make_channel("whatsapp", name="Sales line")
    make_channel("whatsapp", name="Returns line")
    assert queries() == with_window
    # No WhatsApp number to answer on: no window, one query less.
    Channel.objects.filter(kind="whatsapp").update(is_active=False)
    assert queries() == with_window - 1
