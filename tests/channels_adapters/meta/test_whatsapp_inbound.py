"""WhatsApp webhooks → the right customer's thread: text, media, location, statuses."""

import pytest

from customers.actions import identity_resolve
from customers.models import Identity
from inbox.actions import receive_message, send_reply
from inbox.events import MessageReceived
from inbox.models import Event, Message
from tests.helpers import wait_for

from .conftest import load, post_webhook, processed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]

WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="


def test_a_text_reaches_the_customers_thread_live(client, whatsapp_channel):
    response = post_webhook(client, whatsapp_channel, load("whatsapp_text"))

    assert response.status_code == 200
    message = wait_for(lambda: Message.objects.filter(external_id=WAMID).first())
    assert message.text == "Does it come in another color?"
    assert message.direction == Message.Direction.INBOUND
    assert (message.identity.kind, message.identity.address) == ("whatsapp", "+16505551234")
    assert message.identity.verified and message.identity.display_name == "Sheena Nelson"
    assert message.thread.customer.name == "Sheena Nelson"
    event = Event.objects.get(type=MessageReceived.type, payload__message__id=message.pk)
    assert event.thread_id == message.thread_id


def test_the_same_webhook_twice_makes_one_message(client, whatsapp_channel):
    document = load("whatsapp_text")

    first = processed(post_webhook(client, whatsapp_channel, document))
    second = processed(post_webhook(client, whatsapp_channel, document))

    assert (first.status, second.status) == ("processed", "processed")
    assert Message.objects.filter(channel=whatsapp_channel, external_id=WAMID).count() == 1
    assert Event.objects.filter(type=MessageReceived.type).count() == 1


def test_a_whatsapp_number_is_the_same_customer_as_their_sms_number(client, whatsapp_channel):
    # given a customer known by their (verified) phone number, e.g. from SMS
    known = identity_resolve(kind="phone", address="+33612345678", verified=True,
                             display_name="Ana")

    # when the same number writes on WhatsApp (wa_id: digits, no "+")
    document = load("whatsapp_text")
    document["entry"][0]["changes"][0]["value"]["contacts"][0]["wa_id"] = "33612345678"
    document["entry"][0]["changes"][0]["value"]["messages"][0]["from"] = "33612345678"
    processed(post_webhook(client, whatsapp_channel, document))

    # then it lands on that customer's one thread
    message = Message.objects.get(external_id=WAMID)
    assert message.thread.customer == known.customer
    assert message.identity.address == "+33612345678"
    assert set(Identity.objects.filter(customer=known.customer)
               .values_list("kind", flat=True)) == {"phone", "whatsapp"}


def test_an_image_is_fetched_with_the_token_and_attached(client, whatsapp_channel, graph):
    graph.media["1003383421387256"] = (b"\xff\xd8\xff\xe0 a jpeg", "image/jpeg")

    payload = processed(post_webhook(client, whatsapp_channel, load("whatsapp_image")))

    assert payload.status == "processed"
    message = Message.objects.get(channel=whatsapp_channel)
    assert message.text == "Black jacket"
    attachment = message.attachments.get()
    assert attachment.content_type == "image/jpeg" and attachment.filename.endswith(".jpg")
    assert attachment.size == len(b"\xff\xd8\xff\xe0 a jpeg")
    assert [c.path for c in graph.calls] == ["/v21.0/1003383421387256",
                                            "/download/1003383421387256"]
    assert all(c.headers["authorization"] == f"Bearer {graph.token}" for c in graph.calls)


def test_a_file_over_our_limit_is_noted_and_the_text_kept(client, whatsapp_channel, graph):
    graph.media["1003383421387256"] = (b"tiny", "image/jpeg")
    graph.declared_sizes["1003383421387256"] = 120 * 2**20

    payload = processed(post_webhook(client, whatsapp_channel, load("whatsapp_image")))

    assert payload.status == "processed"
    message = Message.objects.get(channel=whatsapp_channel)
    assert message.text.startswith("Black jacket\n[The image (120.0 MB) is larger than")
    assert not message.attachments.exists()
    assert not graph.calls_to("/download/1003383421387256", "GET")  # never downloaded


def test_media_that_cannot_be_fetched_is_noted(client, whatsapp_channel, graph):
    # the media id is unknown to the Graph API (expired, or deleted)
    payload = processed(post_webhook(client, whatsapp_channel, load("whatsapp_image")))

    assert payload.status == "processed"
    message = Message.objects.get(channel=whatsapp_channel)
    assert "Black jacket\n[The image could not be downloaded" in message.text
    assert message.metadata["media_id"] == "1003383421387256"


def test_a_location_becomes_text_and_metadata(client, whatsapp_channel):
    processed(post_webhook(client, whatsapp_channel, load("whatsapp_location")))

    message = Message.objects.get(channel=whatsapp_channel)
    assert message.text == ("Location: Main Office, 1 Hacker Way, Menlo Park, CA 94025 "
                            "(37.4851745, -122.1473513)")
    assert message.metadata["location"]["latitude"] == 37.4851745


def _with_message(extra: dict) -> dict:
    document = load("whatsapp_text")
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message.update(extra)
    return document


@pytest.mark.parametrize(("extra", "text"), [
    ({"type": "interactive", "interactive": {
        "type": "button_reply", "button_reply": {"id": "yes-1", "title": "Yes, please"}}},
     "Yes, please"),
    ({"type": "interactive", "interactive": {
        "type": "list_reply", "list_reply": {"id": "r2", "title": "Lyon", "description": "x"}}},
     "Lyon"),
    ({"type": "button", "button": {"text": "Stop promotions", "payload": "STOP"}},
     "Stop promotions"),
    ({"type": "reaction", "reaction": {"message_id": "wamid.OLD", "emoji": "👍"}}, "Reacted 👍"),
    ({"type": "contacts", "contacts": [{"name": {"formatted_name": "John Smith"},
                                        "phones": [{"phone": "+1 650 555 1234"}],
                                        "emails": [{"email": "john@example.com"}]}]},
     "Contact: John Smith +1 650 555 1234, john@example.com"),
    ({"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown"}]},
     "[unsupported message type: unsupported]"),
])
def test_other_message_types_become_short_texts(client, whatsapp_channel, extra, text):
    payload = processed(post_webhook(client, whatsapp_channel, _with_message(extra)))

    assert payload.status == "processed", payload.error
    assert Message.objects.get(channel=whatsapp_channel).text == text


@pytest.fixture
def sent_reply(whatsapp_channel, graph):
    received = receive_message(channel=whatsapp_channel, address="+16505551234",
                               text="Do you have it in blue?", external_id="wamid.IN0")
    reply = send_reply(thread=received.message.thread, channel=whatsapp_channel, author=None,
                       text="We have it in blue.")
    return wait_for(lambda: Message.objects.filter(pk=reply.pk, delivery_status="sent",
                                                   external_id="wamid.OUT1").first())


@pytest.mark.parametrize("status", ["delivered", "read"])
def test_statuses_move_our_reply_forward(client, whatsapp_channel, sent_reply, status):
    processed(post_webhook(client, whatsapp_channel,
                           load("whatsapp_status", WAMID="wamid.OUT1", STATUS=status)))

    assert Message.objects.get(pk=sent_reply.pk).delivery_status == status


def test_a_failed_status_fails_our_reply_with_metas_reason(client, whatsapp_channel,
                                                           sent_reply):
    processed(post_webhook(client, whatsapp_channel,
                           load("whatsapp_status_failed", WAMID="wamid.OUT1")))

    failed = Message.objects.get(pk=sent_reply.pk)
    assert failed.delivery_status == "failed"
    assert failed.delivery_error == "Message undeliverable: Message Undeliverable."


def test_a_failed_status_outside_the_window_says_so(client, whatsapp_channel, sent_reply):
    document = load("whatsapp_status_failed", WAMID="wamid.OUT1")
    document["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]["code"] = 131047

    processed(post_webhook(client, whatsapp_channel, document))

    assert Message.objects.get(pk=sent_reply.pk).delivery_error.startswith(
        "More than 24 hours have passed since the customer last wrote")


def test_messages_for_another_number_of_the_app_are_not_this_channels(client,
                                                                      whatsapp_channel):
    document = load("whatsapp_text")
    document["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"

    payload = processed(post_webhook(client, whatsapp_channel, document))

    assert (payload.status, payload.message_count) == ("processed", 0)
    assert not Message.objects.exists()
