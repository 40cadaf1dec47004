"""A customer's thread on the SMS channel, and agents' replies to it."""

from inbox.actions import receive_message, send_reply
from inbox.models import Message, Thread

from .webhooks import CUSTOMER


def given_thread(channel) -> Thread:
    received = receive_message(channel=channel, address=CUSTOMER, text="Hello",
                               verified=True, external_id="SM" + "0" * 32)
    return Thread.objects.get(pk=received.message.thread_id)


def given_reply(channel, *, text="Your parcel left this morning.", author=None) -> Message:
    return send_reply(thread=given_thread(channel), channel=channel, author=author, text=text)


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def reaches(message: Message, status: str):
    return lambda: fresh(message).delivery_status == status
