"""A Support team with a bot and a small knowledge base, channels of two kinds, and a
customer who writes on them."""

import itertools

import pytest

from bot.models import Article, BotSettings
from inbox.actions import receive_message
from inbox.models import Message

ARTICLES = {
    "hours": ("What are your opening hours?", "open times\nwhen are you open",
              "We are open Monday to Friday, 8:00 to 20:00, and Saturday 10:00 to 16:00."),
    "refund": ("What is your refund policy?", "money back\nreturn a product",
               "You can return any product within 30 days for a full refund."),
    "password": ("How do I reset my password?", "forgot password\nlog in problem",
                 "Click “Forgot password” on the sign-in page; we e-mail you a link."),
    "delivery": ("How long does delivery take?", "shipping time\nwhen will my parcel arrive",
                 "Orders arrive within 2 to 4 working days."),
    "cancel": ("How do I cancel my subscription?", "stop subscription\nunsubscribe",
               "Open Account → Subscription and choose Cancel; it ends at the period's end."),
}
_ids = itertools.count(1)


@pytest.fixture
def articles(team):
    return {key: Article.objects.create(team=team, question=question, keywords=keywords,
                                        answer=answer)
            for key, (question, keywords, answer) in ARTICLES.items()}


@pytest.fixture
def bot(team, articles):
    return BotSettings.objects.create(team=team, enabled=True, follow_up_text="",
                                      hand_off_text="A person will take over.",
                                      greeting_text="Hello! Ask me anything.")


@pytest.fixture
def webchat(make_channel):
    return make_channel("webchat", name="Website chat")


@pytest.fixture
def telegram(make_channel):
    return make_channel("telegram", name="Telegram bot")


@pytest.fixture
def mailbox(make_channel):
    return make_channel("email", name="Support mailbox", address="support@shop.example")


ADDRESSES = {"webchat": "visitor-1", "telegram": "100200300", "email": "ana@example.com"}


@pytest.fixture
def customer_writes():
    """customer_writes(channel, text, **fields) → the inbound Message."""

    def write(channel, text, *, address=None, **fields) -> Message:
        return receive_message(channel=channel, address=address or ADDRESSES[channel.kind],
                               text=text, external_id=f"bot-test-{next(_ids)}",
                               **fields).message

    return write


def bot_replies(thread) -> list[Message]:
    return list(Message.objects.filter(thread=thread, direction="outbound",
                                       metadata__has_key="bot").order_by("id"))


def notes(thread) -> list[Message]:
    return list(Message.objects.filter(thread=thread, direction="note").order_by("id"))
