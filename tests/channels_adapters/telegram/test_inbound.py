"""Updates Telegram POSTs become messages in the sender's one thread: text, media fetched
through getFile, locations, contacts, edits; what we do not handle is stored and ignored.

Each update is processed by the worker (production stack) or by eager Celery when the
webhook stores it (embedded)."""

import pytest

from channels_adapters.models import InboundPayload
from customers.models import Identity
from inbox.actions import receive_message
from inbox.events import MessageReceived
from inbox.models import Event, Message, Thread
from tests.helpers import wait_for

from . import updates
from .conftest import post_update, settled, stored_payload

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("celery_worker")]


def processed(client, channel, update) -> Message | None:
    payload = settled(post_update(client, channel, update))
    assert payload.status == "processed", payload.error
    return Message.objects.filter(channel=channel).order_by("-id").first()


def test_a_text_message_joins_the_senders_thread_and_is_announced(client, channel):
    response = post_update(client, channel, updates.text(update_id=900_000_000))

    payload_id = stored_payload(response).pk
    message = wait_for(lambda: Message.objects.filter(channel=channel).first())
    assert message.text == "Hello, where is my parcel?"
    assert message.direction == "inbound" and message.external_id == "424242:51"
    assert (message.identity.kind, message.identity.address) == ("telegram", "424242")
    assert message.identity.verified
    assert message.thread.customer.name == "Ana Lima"
    assert message.metadata == {"chat_id": 424242, "chat_type": "private", "message_id": 51,
                                "update_id": 900_000_000, "username": "ana_lima"}
    assert Event.objects.filter(type=MessageReceived.type, thread=message.thread).count() == 1
    wait_for(lambda: InboundPayload.objects.get(pk=payload_id).status == "processed")


def test_telegram_retrying_the_same_update_creates_no_second_message(client, channel):
    update = updates.text()
    first, second = post_update(client, channel, update), post_update(client, channel, update)

    for response in (first, second):
        payload_id = stored_payload(response).pk
        wait_for(lambda pk=payload_id: InboundPayload.objects.get(pk=pk).status
                 == "processed")
    assert Message.objects.filter(channel=channel).count() == 1
    assert Event.objects.filter(type=MessageReceived.type).count() == 1



def test_a_photo_is_downloaded_largest_size_first_with_its_caption(client, channel, bot_api):
    bot_api.add_file("photo-big", b"\xff\xd8\xff jpeg bytes", "photos/file_7.jpg")

    message = processed(client, channel, updates.photo())

    assert message.text == "The box arrived like this"
    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type) == ("photo-pb.jpg", "image/jpeg")
    assert attachment.file.read() == b"\xff\xd8\xff jpeg bytes"
    assert [call.params["file_id"] for call in bot_api.calls_of("getFile")] == ["photo-big"]
    assert bot_api.downloads == ["photos/file_7.jpg"]


def test_a_document_keeps_its_name_and_type(client, channel, bot_api):
    bot_api.add_file("doc-1", b"%PDF-1.7 ...", "documents/file_3.pdf")

    message = processed(client, channel, updates.document())

    attachment = message.attachments.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "invoice.pdf", "application/pdf", 12)
    assert message.text == ""


def test_a_voice_message_is_an_ogg_attachment(client, channel, bot_api):
    bot_api.add_file("voice-1", b"OggS voice", "voice/file_9.oga")

    message = processed(client, channel, updates.voice())

    attachment = message.attachments.get()
    assert attachment.filename == "voice-vu.oga" and attachment.content_type == "audio/ogg"


def test_a_file_over_twenty_megabytes_becomes_a_note_not_an_error(client, channel, bot_api):
    # the message says nothing of the size; getFile reports 25 MB
    bot_api.add_file("audio-1", b"ID3", "music/file_1.mp3", reported_size=25_000_000)

    message = processed(client, channel, updates.audio())

    assert not message.attachments.exists()
    assert "larger than 20 MB" in message.text and "song.mp3" in message.text
    assert bot_api.downloads == []


def test_a_file_the_message_says_is_too_big_is_not_even_asked_for(client, channel, bot_api):
    message = processed(client, channel, updates.document(file_size=30_000_000))

    assert "larger than 20 MB" in message.text
    assert bot_api.calls_of("getFile") == []


def test_a_location_is_text_and_coordinates(client, channel):
    message = processed(client, channel, updates.location())

    assert message.text == "📍 Location 48.8584, 2.2945"
    assert (message.metadata["latitude"], message.metadata["longitude"]) == (48.8584, 2.2945)


def test_a_sticker_is_a_short_text(client, channel):
    assert processed(client, channel, updates.sticker()).text == "[Sticker 👍]"


def test_an_edit_is_a_new_message_pointing_at_the_original(client, channel):
    original = processed(client, channel, updates.text("Parcel 123"))
    edited_update = updates.text("Parcel 124", edited=True)
    edit = processed(client, channel, edited_update)

    edit_date = edited_update["edited_message"]["edit_date"]
    assert edit.external_id == f"424242:51:edit:{edit_date}"
    assert edit.text == "✏️ Edited message:\nParcel 124"
    assert edit.metadata["edited_of"] == original.external_id == "424242:51"
    assert edit.in_reply_to_id == original.pk
    assert edit.thread_id == original.thread_id


def test_a_contact_of_the_sender_vouches_for_their_phone_number(client, channel, make_channel):
    # given the same person already known by a phone number the carrier vouched for
    sms = make_channel("sms", name="SMS")
    known = receive_message(channel=sms, address="+33612345678", text="Hi by SMS",
                            verified=True).message

    message = processed(client, channel, updates.contact())

    assert message.text == "📇 Contact: Ana Lima, 33612345678"
    assert message.thread_id == known.thread_id  # one customer, one thread
    assert Identity.objects.filter(customer=known.thread.customer).count() == 2


def test_a_contact_of_someone_else_proves_nothing(client, channel, make_channel):
    sms = make_channel("sms", name="SMS")
    known = receive_message(channel=sms, address="+33612345678", text="Hi by SMS",
                            verified=True).message

    message = processed(client, channel, updates.contact(user_id=555))

    assert message.thread_id != known.thread_id


def test_in_a_group_the_sender_is_the_customer_and_the_group_is_the_chat(client, channel):
    message = processed(client, channel, updates.text(chat=updates.GROUP_CHAT))

    assert message.identity.address == "424242"
    assert message.external_id == "-100123456:51"
    assert message.metadata["chat_id"] == -100123456


def test_update_types_we_do_not_handle_are_stored_and_create_nothing(client, channel):
    payload = settled(post_update(client, channel, updates.callback_query()))

    assert (payload.status, payload.message_count) == ("processed", 0)
    assert not Message.objects.exists() and not Thread.objects.exists()
