"""Messages customers text to the number: verified, stored, and on the customer's thread."""

import pytest
from django.urls import reverse

from channels_adapters.models import InboundPayload
from inbox.events import MessageReceived
from inbox.models import Event, Message
from tests.helpers import wait_for

from .webhooks import CHANNEL_NUMBER, CUSTOMER, inbound_sms, post_twilio

pytestmark = pytest.mark.django_db(transaction=True)

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response />'


def processed(response) -> InboundPayload:
    payload = InboundPayload.objects.latest("pk")
    wait_for(lambda: InboundPayload.objects.get(pk=payload.pk).status != "pending")
    return InboundPayload.objects.get(pk=payload.pk)


def test_an_sms_lands_on_the_customers_thread_live(client, sms_channel, celery_worker):
    # given Twilio posting a customer's text
    response = post_twilio(client, sms_channel, inbound_sms("SM" + "a" * 32, "Where is my order?"))

    # then Twilio gets an empty TwiML document (no automatic answer)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content == EMPTY_TWIML
    # and the text is on the customer's thread, announced to the inbox
    assert processed(response).status == "processed"
    message = Message.objects.get(channel=sms_channel, external_id="SM" + "a" * 32)
    assert message.text == "Where is my order?"
    assert message.direction == Message.Direction.INBOUND
    assert message.identity.kind == "phone" and message.identity.address == CUSTOMER
    assert message.identity.verified
    assert message.metadata == {"channel": "sms", "to": CHANNEL_NUMBER, "num_segments": "1",
                                "from_city": "PARIS", "from_country": "FR"}
    event = Event.objects.get(type=MessageReceived.type)
    assert event.payload["message"]["id"] == message.pk


def test_a_number_written_with_spaces_is_the_same_customer(client, sms_channel, celery_worker):
    # given a customer who texted once
    post_twilio(client, sms_channel, inbound_sms("SM" + "1" * 32, "Hello"))
    first = wait_for(lambda: Message.objects.filter(external_id="SM" + "1" * 32).first())

    # when a second text's From is written with spaces
    post_twilio(client, sms_channel, inbound_sms("SM" + "2" * 32, "Again",
                                                 sender="+33 6 12 34 56 78"))
    second = wait_for(lambda: Message.objects.filter(external_id="SM" + "2" * 32).first())

    # then it is the same identity, customer and thread
    assert second.identity_id == first.identity_id
    assert second.thread_id == first.thread_id
    assert second.identity.address == CUSTOMER


@pytest.mark.parametrize(("sender", "channel_name"),
                         [("whatsapp:+33612345678", "whatsapp"), ("rcs:+33612345678", "rcs")])
def test_a_channel_prefix_is_kept_apart_from_the_number(client, sms_channel, celery_worker,
                                                        sender, channel_name):
    post_twilio(client, sms_channel, inbound_sms("SM" + "3" * 32, "Hi", sender=sender,
                                                 To=f"{channel_name}:{CHANNEL_NUMBER}"))

    message = wait_for(lambda: Message.objects.filter(external_id="SM" + "3" * 32).first())
    assert message.identity.address == CUSTOMER
    assert message.metadata["channel"] == channel_name
    assert message.metadata["to"] == CHANNEL_NUMBER


def test_twilio_retrying_the_same_webhook_makes_one_message(client, sms_channel,
                                                           celery_worker):
    params = inbound_sms("SM" + "4" * 32, "Only once")

    first, second = post_twilio(client, sms_channel, params), post_twilio(client, sms_channel,
                                                                          params)

    assert first.status_code == second.status_code == 200
    wait_for(lambda: InboundPayload.objects.filter(status="processed").count() == 2)
    assert Message.objects.filter(external_id="SM" + "4" * 32).count() == 1
    assert Event.objects.filter(type=MessageReceived.type).count() == 1


def test_hostile_text_is_kept_as_text_and_escaped_in_the_page(client, sms_channel, agent,
                                                             celery_worker):
    hostile = '<script>alert("sms")</script><img src=x onerror=alert(1)>'
    post_twilio(client, sms_channel, inbound_sms("SM" + "5" * 32, hostile))
    message = wait_for(lambda: Message.objects.filter(external_id="SM" + "5" * 32).first())

    assert message.text == hostile and message.html == ""
    client.force_login(agent)
    page = client.get(reverse("inbox:thread", args=[message.thread_id])).content.decode()
    assert "<script>alert(\"sms\")" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;sms&quot;)&lt;/script&gt;" in page


def test_a_signed_request_that_is_not_a_message_is_stored_and_flagged(client, sms_channel,
                                                                     celery_worker):
    # Twilio would retry a 4xx: a verified request we cannot read is kept, and failed
    response = post_twilio(client, sms_channel, {"AccountSid": "AC1", "Hello": "world"})

    assert response.status_code == 200
    payload = processed(response)
    assert payload.status == "failed"
    assert "MessageSid" in payload.error
    assert not Message.objects.exists()


def test_an_sms_without_from_is_flagged_not_lost(client, sms_channel, celery_worker):
    params = inbound_sms("SM" + "6" * 32, "Who am I?")
    del params["From"]

    payload = processed(post_twilio(client, sms_channel, params))

    assert payload.status == "failed" and "From" in payload.error
    assert bytes(payload.body)  # kept as received, to process again after a fix

