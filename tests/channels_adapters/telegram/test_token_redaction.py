"""The bot token is in every Bot API URL: no log line and no error an agent sees may show
it, whatever python-telegram-bot and httpx log (httpx: each URL at INFO)."""

import json
import logging

import pytest

from channels_adapters.delivery import deliver
from channels_adapters.inbound import process_payload, store_payload
from inbox.actions import receive_message, send_reply
from inbox.models import Message

from . import updates
from .conftest import TOKEN

pytestmark = pytest.mark.django_db
SECRET_PART = TOKEN.split(":", 1)[1]


def test_the_token_never_appears_in_logs_or_errors(channel, bot_api, caplog):
    caplog.set_level(logging.DEBUG)
    thread = receive_message(channel=channel, address="424242", text="Hi",
                             metadata={"chat_id": 424242}).message.thread
    bot_api.add_file("photo-big", b"jpeg", "photos/file_1.jpg")

    # a reply sent, a photo downloaded, a reply refused, a reply with Telegram down
    sent = send_reply(thread=thread, channel=channel, author=None, text="One")
    deliver(sent.pk)
    payload = store_payload(channel=channel, headers={}, body=_json(updates.photo()))
    assert process_payload(payload.pk).status == "processed"
    bot_api.fail_next(403)
    refused = send_reply(thread=thread, channel=channel, author=None, text="Two")
    deliver(refused.pk)
    bot_api.stop()
    unreachable = send_reply(thread=thread, channel=channel, author=None, text="Three")
    deliver(unreachable.pk)

    assert "/bot<token>/sendMessage" in caplog.text  # httpx did log the URLs, redacted
    assert "/file/bot<token>/photos/file_1.jpg" in caplog.text
    assert SECRET_PART not in caplog.text
    # read again now: a record holding a dict Telegram's SDK changed after logging it
    assert all(SECRET_PART not in record.getMessage() for record in caplog.records)
    assert "will retry: Telegram is unavailable" in caplog.text
    assert Message.objects.get(pk=refused.pk).delivery_error == (
        "The customer has blocked the bot.")


def _json(update: dict) -> bytes:
    return json.dumps(update).encode()
