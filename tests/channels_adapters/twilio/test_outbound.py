"""Agents' replies go out through Twilio's Messages API: one call each, RCS first when the
channel has an RCS sender, and Twilio's refusals shown to the agent in plain words."""

import base64
import logging

import pytest
from django.core.files.base import ContentFile

from channels_adapters.delivery import Outcome, deliver
from inbox.models import Attachment, Message
from tests.helpers import wait_for

from .replies import fresh, given_reply, reaches
from .webhooks import ACCOUNT_SID, AUTH_TOKEN, CHANNEL_NUMBER, CUSTOMER

Status = Message.DeliveryStatus


def configure(channel, **options):
    channel.settings = {**channel.settings, **options}
    channel.save()
    return channel


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_one_api_call_from_the_number(sms_channel, fake_twilio, agent,
                                                 celery_worker):
    reply = given_reply(sms_channel, author=agent)

    wait_for(reaches(reply, Status.SENT))
    [call] = fake_twilio.creates
    assert call.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert call.form == {"To": [CUSTOMER], "From": [CHANNEL_NUMBER],
                         "Body": ["Your parcel left this morning."]}
    credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert call.headers["authorization"] == f"Basic {credentials}"
    sent = fresh(reply)
    assert sent.external_id.startswith("SM") and len(sent.external_id) == 34
    assert sent.metadata["sent_via"] == "sms"
    assert sent.delivery_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_messaging_service_sends_with_the_status_callback(sms_channel, fake_twilio,
                                                          celery_worker):
    configure(sms_channel, messaging_service_sid="MG" + "c" * 32,
              status_callback_url="https://support.example.com/hooks/sms/1/")

    reply = given_reply(sms_channel)

    wait_for(reaches(reply, Status.SENT))
    [call] = fake_twilio.creates
    assert call.value("MessagingServiceSid") == "MG" + "c" * 32
    assert call.value("From") is None
    assert call.value("StatusCallback") == "https://support.example.com/hooks/sms/1/"


@pytest.mark.django_db(transaction=True)
def test_rcs_goes_first_when_the_phone_takes_it(sms_channel, fake_twilio, celery_worker):
    configure(sms_channel, rcs_sender="lumen_agent")
    fake_twilio.rcs_capable = True

    reply = given_reply(sms_channel)

    wait_for(reaches(reply, Status.SENT))
    [call] = fake_twilio.creates
    assert (call.value("From"), call.value("To")) == ("rcs:lumen_agent", f"rcs:{CUSTOMER}")
    assert fresh(reply).metadata["sent_via"] == "rcs"


@pytest.mark.django_db(transaction=True)
def test_a_phone_without_rcs_gets_the_same_text_by_sms(sms_channel, fake_twilio,
                                                       celery_worker):
    configure(sms_channel, rcs_sender="rcs:lumen_agent")

    reply = given_reply(sms_channel)

    wait_for(reaches(reply, Status.SENT))
    rcs, sms = fake_twilio.creates
    assert (rcs.value("From"), rcs.value("To")) == ("rcs:lumen_agent", f"rcs:{CUSTOMER}")
    assert (sms.value("From"), sms.value("To")) == (CHANNEL_NUMBER, CUSTOMER)
    assert rcs.value("Body") == sms.value("Body") == "Your parcel left this morning."
    sent = fresh(reply)
    assert sent.metadata["sent_via"] == "sms"
    assert "63106" in sent.metadata["rcs_refused"]
    assert sent.delivery_attempts == 1


@pytest.mark.django_db
def test_attachments_are_named_in_the_text(sms_channel, fake_twilio):
    # (inside the test's transaction the delivery task never runs: deliver() is called)
    reply = given_reply(sms_channel, text="Here is your invoice.")
    attachment = Attachment(message=reply, filename="invoice.pdf",
                            content_type="application/pdf", size=8)
    attachment.file.save("invoice.pdf", ContentFile(b"%PDF-1.4"), save=False)
    attachment.save()

    assert deliver(reply.pk) is Outcome.SENT

    [call] = fake_twilio.creates
    assert call.value("Body") == (
        "Here is your invoice.\n\n(Attachments not sent by SMS: invoice.pdf)")


# --- refusals: deliver() one attempt at a time ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("code", [20500, 20429])
def test_twilio_unavailable_is_retried_then_failed_visibly(sms_channel, fake_twilio,
                                                           settings, code):
    settings.THREADLINE_DELIVERY_MAX_RETRIES = 2
    fake_twilio.refuse_next(code, code, code)
    reply = given_reply(sms_channel)

    outcomes = [deliver(reply.pk) for _ in range(3)]

    assert outcomes == [Outcome.RETRY, Outcome.RETRY, Outcome.FAILED]
    assert len(fake_twilio.creates) == 3
    failed = fresh(reply)
    assert failed.delivery_status == Status.FAILED
    assert failed.delivery_error.startswith("Twilio is unavailable or busy")
    assert AUTH_TOKEN not in failed.delivery_error and ACCOUNT_SID not in failed.delivery_error


@pytest.mark.django_db
def test_a_passing_outage_is_retried_and_sent_once(sms_channel, fake_twilio):
    fake_twilio.refuse_next(20500)
    reply = given_reply(sms_channel)

    assert [deliver(reply.pk), deliver(reply.pk)] == [Outcome.RETRY, Outcome.SENT]
    assert len(fake_twilio.creates) == 2
    assert fresh(reply).delivery_status == Status.SENT


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "reason"), [
    (21610, "The customer has unsubscribed (replied STOP); they must text START first."),
    (21211, "The customer's number is not a valid phone number."),
])
def test_a_refusal_fails_at_once_with_a_readable_reason(sms_channel, fake_twilio, code,
                                                        reason):
    fake_twilio.refuse_next(code)
    reply = given_reply(sms_channel)

    assert deliver(reply.pk) is Outcome.FAILED

    failed = fresh(reply)
    assert failed.delivery_error.startswith(reason)
    assert f"Twilio error {code}, HTTP 400" in failed.delivery_error
    assert len(fake_twilio.creates) == 1


@pytest.mark.django_db
def test_wrong_credentials_fail_without_showing_them(sms_channel, fake_twilio, caplog):
    sms_channel.secrets = {"account_sid": ACCOUNT_SID, "auth_token": "wrong-token-123456"}
    sms_channel.save()
    reply = given_reply(sms_channel)

    with caplog.at_level(logging.DEBUG):
        assert deliver(reply.pk) is Outcome.FAILED

    error = fresh(reply).delivery_error
    assert error.startswith("Twilio refused the channel's credentials")
    for secret in ("wrong-token-123456", ACCOUNT_SID):
        assert secret not in error and secret not in caplog.text


@pytest.mark.django_db
def test_an_unreachable_twilio_is_retried(sms_channel, fake_twilio):
    fake_twilio.stop()
    reply = given_reply(sms_channel)

    assert deliver(reply.pk) is Outcome.RETRY
    assert ACCOUNT_SID not in fresh(reply).delivery_error


@pytest.mark.django_db
def test_a_channel_without_a_number_or_service_cannot_send(sms_channel, fake_twilio):
    sms_channel.address = ""
    sms_channel.save()
    reply = given_reply(sms_channel)

    assert deliver(reply.pk) is Outcome.FAILED
    assert "no number to send from" in fresh(reply).delivery_error
    assert fake_twilio.creates == []
