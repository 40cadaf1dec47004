"""Channels the surveys go out on (an e-mail channel through Django's mail backend, a
Telegram bot pointed at the fake Bot API), a customer who wrote on them, and the way to
resolve their thread as an agent does."""

import pytest

from inbox.actions import assign_thread, change_status, receive_message
from tests.channels_adapters.telegram.fake_bot_api import FakeBotApi

TOKEN = "7000002:AAH-survey_TOKEN-never-in-logs-abcdef1"
SECRET = "whsec_survey-Secret_value"
CHAT_ID = 424242


@pytest.fixture
def bot_api():
    api = FakeBotApi(TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def email_channel(make_channel):
    return make_channel("email", name="Support mailbox", address="support@shop.example")


@pytest.fixture
def telegram_channel(make_channel, bot_api):
    return make_channel("telegram", name="Support bot", address="@tl_bot",
                        settings={"api_base_url": bot_api.base_url},
                        secrets={"bot_token": TOKEN, "webhook_secret": SECRET})


class Story:
    """A customer's thread told through the actions, as live traffic would be."""

    def __init__(self):
        self._ids = 0

    def mail(self, channel, text="My parcel never arrived.", **fields):
        return self._receive(channel, "ana@example.com", text, display_name="Ana Lima",
                             verified=True, **fields)

    def chat(self, channel, text="Hello, where is my parcel?", **fields):
        return self._receive(channel, str(CHAT_ID), text, verified=True,
                             metadata={"chat_id": CHAT_ID}, **fields)

    def _receive(self, channel, address, text, **fields):
        self._ids += 1
        return receive_message(channel=channel, address=address, text=text,
                               external_id=f"story-{self._ids}", **fields).message

    @staticmethod
    def resolve(thread, by=None, assignee=None):
        if assignee is not None:
            assign_thread(thread=thread, assignee=assignee, by=by)
        return change_status(thread=thread, status="resolved", by=by)


@pytest.fixture
def story():
    return Story()
