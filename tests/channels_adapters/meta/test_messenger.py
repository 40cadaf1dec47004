"""Messenger: webhooks → the customer's thread (names from the Graph API), echoes skipped,
receipts moving our replies; replies through the Send API."""

import time

import pytest

from channels_adapters.delivery import Outcome, deliver
from inbox.actions import NewAttachment, receive_message, send_reply
from inbox.events import MessageReceived
from inbox.models import Event, Message
from tests.helpers import wait_for

from .conftest import PSID, load, post_webhook, processed

MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"
# Webhook tests go through the Celery task (eager, or the real worker); send tests that call
# deliver() themselves run in the test's transaction, where no task is queued.


def given_reply(channel, *, text="Your parcel left this morning.", **fields) -> Message:
    received = receive_message(channel=channel, address=PSID, text="Where is my parcel?",
                               external_id="m_in-0")
    return send_reply(thread=received.message.thread, channel=channel, author=None, text=text,
                      **fields)


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


@pytest.mark.django_db(transaction=True)
def test_a_text_reaches_the_customers_thread_with_their_name(client, messenger_channel, graph,
                                                             celery_worker):
    processed(post_webhook(client, messenger_channel, load("messenger_text")))

    message = Message.objects.get(channel=messenger_channel, external_id=MID)
    assert message.text == "hello, world!"
    assert (message.identity.kind, message.identity.address) == ("messenger", PSID)
    assert message.identity.display_name == "Peter Chang"
    assert message.metadata["quick_reply"] == "DEVELOPER_DEFINED_PAYLOAD"
    assert Event.objects.filter(type=MessageReceived.type,
                                payload__message__id=message.pk).exists()
    [profile] = graph.calls_to(f"/v21.0/{PSID}", "GET")
    assert profile.query == {"fields": ["first_name,last_name"]}


@pytest.mark.usefixtures("celery_worker")
@pytest.mark.django_db(transaction=True)
def test_the_same_webhook_twice_makes_one_message_and_one_name_lookup(client,
                                                                      messenger_channel, graph):
    document = load("messenger_text")
    processed(post_webhook(client, messenger_channel, document))
    processed(post_webhook(client, messenger_channel, document))

    assert Message.objects.filter(channel=messenger_channel, external_id=MID).count() == 1
    assert len(graph.calls_to(f"/v21.0/{PSID}", "GET")) == 1  # cached for a day


@pytest.mark.usefixtures("celery_worker")
@pytest.mark.django_db(transaction=True)
def test_a_name_meta_will_not_give_leaves_the_name_empty(client, messenger_channel, graph):
    del graph.profiles[PSID]

    payload = processed(post_webhook(client, messenger_channel, load("messenger_text")))

    assert payload.status == "processed"
    assert Message.objects.get(external_id=MID).identity.display_name == ""


@pytest.mark.usefixtures("celery_worker")
@pytest.mark.django_db(transaction=True)
def test_an_attachment_is_downloaded_without_our_token(client, messenger_channel, graph):
    graph.public_files["photo.jpg"] = (b"\xff\xd8 a photo", "image/jpeg")
    document = load("messenger_attachment", ATTACHMENT_URL=f"{graph.base_url}/cdn/photo.jpg")

    payload = processed(post_webhook(client, messenger_channel, document))

    assert payload.status == "processed", payload.error
    attachment = Message.objects.get(channel=messenger_channel).attachments.get()
    assert (attachment.content_type, attachment.size) == ("image/jpeg", 10)
    [download] = graph.calls_to("/cdn/photo.jpg", "GET")
    assert "authorization" not in download.headers


@pytest.mark.usefixtures("celery_worker")
@pytest.mark.django_db(transaction=True)
def test_our_own_echoes_are_skipped(client, messenger_channel):
    payload = processed(post_webhook(client, messenger_channel, load("messenger_echo")))

    assert (payload.status, payload.message_count) == ("processed", 0)
    assert not Message.objects.exists()


@pytest.mark.usefixtures("celery_worker")
@pytest.mark.django_db(transaction=True)
def test_a_postback_is_the_buttons_title(client, messenger_channel):
    processed(post_webhook(client, messenger_channel, load("messenger_postback")))

    message = Message.objects.get(channel=messenger_channel)
    assert (message.text, message.external_id) == ("Track my order", "m_MESSAGE-ID")
    assert message.metadata["postback_payload"] == "TRACK_ORDER"


@pytest.fixture
def sent_reply(messenger_channel, graph, celery_worker):
    reply = given_reply(messenger_channel)
    return wait_for(lambda: Message.objects.filter(pk=reply.pk, delivery_status="sent").first())


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_one_send_api_call(sent_reply, graph):
    assert sent_reply.external_id == "m_out-1"
    [call] = graph.calls_to("/me/messages")
    assert call.path == "/v21.0/me/messages"
    assert call.headers["authorization"] == f"Bearer {graph.token}"
    assert call.json == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                         "message": {"text": "Your parcel left this morning."}}


@pytest.mark.django_db(transaction=True)
def test_a_delivery_receipt_names_our_reply(client, messenger_channel, sent_reply):
    processed(post_webhook(client, messenger_channel, load("messenger_delivery", MID="m_out-1")))

    assert fresh(sent_reply).delivery_status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_a_read_watermark_marks_our_earlier_replies_read(client, messenger_channel,
                                                         sent_reply):
    document = load("messenger_read")
    document["entry"][0]["messaging"][0]["read"]["watermark"] = int(time.time() * 1000) + 1000

    processed(post_webhook(client, messenger_channel, document))

    assert fresh(sent_reply).delivery_status == "read"


@pytest.mark.django_db(transaction=True)
def test_an_old_read_watermark_leaves_later_replies_alone(client, messenger_channel,
                                                          sent_reply):
    processed(post_webhook(client, messenger_channel, load("messenger_read")))  # 2016

    assert fresh(sent_reply).delivery_status == "sent"


@pytest.mark.django_db
def test_the_human_agent_tag_is_used_when_the_channel_says_so(messenger_channel, graph):
    messenger_channel.settings = {**messenger_channel.settings, "human_agent_tag": True}
    messenger_channel.save()
    reply = given_reply(messenger_channel)

    assert deliver(reply.pk) is Outcome.SENT
    [call] = graph.calls
    assert (call.json["messaging_type"], call.json["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


@pytest.mark.django_db
def test_outside_the_window_the_reply_fails_at_once_with_the_reason(messenger_channel, graph):
    graph.failures = ["messenger_window"]
    reply = given_reply(messenger_channel)

    assert deliver(reply.pk) is Outcome.FAILED
    assert fresh(reply).delivery_error.startswith(
        "More than 24 hours have passed since the customer last wrote: Messenger")


@pytest.mark.django_db
def test_provider_5xx_is_retried_then_failed_with_a_reason(messenger_channel, graph,
                                                           settings):
    settings.THREADLINE_DELIVERY_MAX_RETRIES = 1
    graph.failures = ["500", "500"]
    reply = given_reply(messenger_channel)

    assert [deliver(reply.pk), deliver(reply.pk)] == [Outcome.RETRY, Outcome.FAILED]
    assert len(graph.calls) == 2
    assert fresh(reply).delivery_error.startswith("Meta is unavailable or busy")


@pytest.mark.django_db
def test_a_file_goes_up_with_its_own_message_after_the_text(messenger_channel, graph):
    reply = given_reply(messenger_channel, attachments=[
        NewAttachment("map.png", b"\x89PNG map", "image/png")])

    assert deliver(reply.pk) is Outcome.SENT

    text, upload = graph.calls
    assert text.json["message"] == {"text": "Your parcel left this morning."}
    assert upload.form["filedata"] == ("map.png", b"\x89PNG map")
    assert upload.form["message"][1] == (
        b'{"attachment": {"type": "image", "payload": {"is_reusable": false}}}')
    assert upload.form["recipient"][1] == b'{"id": "%s"}' % PSID.encode()
    assert fresh(reply).external_id == "m_out-1"
