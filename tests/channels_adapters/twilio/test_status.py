"""Twilio's status callbacks move a sent reply along: delivered, read, or failed with why."""

import pytest

from channels_adapters.models import InboundPayload
from inbox.models import Message
from tests.helpers import wait_for

from .replies import fresh, given_reply, reaches
from .webhooks import post_twilio, status_callback

pytestmark = pytest.mark.django_db(transaction=True)
Status = Message.DeliveryStatus


def sent_reply(channel) -> Message:
    reply = given_reply(channel)
    wait_for(reaches(reply, Status.SENT))
    return fresh(reply)


def callback(client, channel, reply, status, **extra):
    response = post_twilio(client, channel, status_callback(reply.external_id, status,
                                                            **extra))
    assert response.status_code == 200 and response["Content-Type"] == "text/xml"
    payload = InboundPayload.objects.latest("pk")
    wait_for(lambda: InboundPayload.objects.get(pk=payload.pk).status == "processed")


def test_a_sent_reply_becomes_delivered_then_read(client, sms_channel, celery_worker):
    reply = sent_reply(sms_channel)

    callback(client, sms_channel, reply, "queued")
    callback(client, sms_channel, reply, "sent")
    assert fresh(reply).delivery_status == Status.SENT
    callback(client, sms_channel, reply, "delivered")
    assert fresh(reply).delivery_status == Status.DELIVERED
    callback(client, sms_channel, reply, "read")
    assert fresh(reply).delivery_status == Status.READ
    # a late, out-of-order callback is old news
    callback(client, sms_channel, reply, "delivered")
    assert fresh(reply).delivery_status == Status.READ


def test_an_undelivered_reply_fails_with_the_reason(client, sms_channel, celery_worker):
    reply = sent_reply(sms_channel)

    callback(client, sms_channel, reply, "undelivered", ErrorCode="30003")

    failed = fresh(reply)
    assert failed.delivery_status == Status.FAILED
    assert failed.delivery_error == (
        "The customer's phone is unreachable (switched off or out of coverage). "
        "(Twilio error 30003)")


def test_an_unknown_error_code_still_says_what_happened(client, sms_channel, celery_worker):
    reply = sent_reply(sms_channel)

    callback(client, sms_channel, reply, "failed", ErrorCode="30999")

    assert fresh(reply).delivery_error == (
        "Twilio reports the message failed. (Twilio error 30999)")


def test_news_of_a_message_not_ours_changes_nothing(client, sms_channel, celery_worker):
    reply = sent_reply(sms_channel)

    response = post_twilio(client, sms_channel, status_callback("SM" + "f" * 32, "delivered"))

    assert response.status_code == 200
    wait_for(lambda: InboundPayload.objects.filter(status="processed").exists())
    assert fresh(reply).delivery_status == Status.SENT
