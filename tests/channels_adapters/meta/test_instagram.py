"""Instagram direct messages: the Messenger Platform's format under ``object: instagram``."""

import pytest

from channels_adapters.delivery import Outcome, deliver
from inbox.actions import NewAttachment, send_reply
from inbox.events import MessageReceived
from inbox.models import Event, Message
from tests.helpers import wait_for

from .conftest import IGSID, load, post_webhook, processed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def test_a_message_reaches_the_customers_thread_then_a_reply_goes_back(client, graph,
                                                                       instagram_channel):
    processed(post_webhook(client, instagram_channel, load("instagram_text")))

    message = Message.objects.get(channel=instagram_channel)
    assert message.text == "Do you ship to Lyon?"
    assert (message.identity.kind, message.identity.address) == ("instagram", IGSID)
    assert message.identity.display_name == "Léa Martin"
    assert Event.objects.filter(type=MessageReceived.type,
                                payload__message__id=message.pk).exists()

    reply = send_reply(thread=message.thread, channel=instagram_channel, author=None,
                       text="Yes, in two days.")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")
    [call] = graph.calls_to("/me/messages")
    assert call.json == {"recipient": {"id": IGSID}, "messaging_type": "RESPONSE",
                         "message": {"text": "Yes, in two days."}}


def test_the_same_webhook_twice_makes_one_message(client, instagram_channel):
    document = load("instagram_text")
    processed(post_webhook(client, instagram_channel, document))
    processed(post_webhook(client, instagram_channel, document))

    assert Message.objects.filter(channel=instagram_channel).count() == 1


def test_a_read_receipt_by_mid_marks_our_reply_read(client, instagram_channel, graph):
    processed(post_webhook(client, instagram_channel, load("instagram_text")))
    thread = Message.objects.get(channel=instagram_channel).thread
    reply = send_reply(thread=thread, channel=instagram_channel, author=None, text="Yes.")
    wait_for(lambda: Message.objects.get(pk=reply.pk).delivery_status == "sent")

    processed(post_webhook(client, instagram_channel, {"object": "instagram", "entry": [{
        "id": "17841405822304914", "time": 1569262486134, "messaging": [{
            "sender": {"id": IGSID}, "recipient": {"id": "17841405822304914"},
            "timestamp": 1569262485349, "read": {"mid": "m_out-1"}}]}]}))

    assert Message.objects.get(pk=reply.pk).delivery_status == "read"


def test_a_reply_with_a_file_fails_before_anything_is_sent(client, instagram_channel, graph):
    processed(post_webhook(client, instagram_channel, load("instagram_text")))
    thread = Message.objects.get(channel=instagram_channel).thread
    reply = send_reply(thread=thread, channel=instagram_channel, author=None, text="See this",
                       attachments=[NewAttachment("a.png", b"\x89PNG", "image/png")])

    failed = wait_for(lambda: Message.objects.filter(pk=reply.pk,
                                                     delivery_status="failed").first())
    assert failed.delivery_error.startswith("Instagram messages cannot carry files")
    assert not graph.calls_to("/me/messages")
    assert deliver(reply.pk) is Outcome.SKIPPED
