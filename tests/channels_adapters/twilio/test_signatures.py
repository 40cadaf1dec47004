"""Only Twilio may post to the number's webhook: its signature over the URL it called,
under the account's auth token. Refused requests leave nothing stored."""

from urllib.parse import urlencode

import pytest

from channels_adapters.models import InboundPayload
from inbox.models import Message
from tests.helpers import wait_for

from .webhooks import hook_url, inbound_sms, post_twilio

pytestmark = pytest.mark.django_db(transaction=True)

SID = "SM" + "b" * 32


def refused(response) -> bool:
    return (response.status_code == 403 and response.json()["error"]["code"] == "bad_signature"
            and not InboundPayload.objects.exists())


def test_a_wrong_token_is_refused(client, sms_channel):
    assert refused(post_twilio(client, sms_channel, inbound_sms(SID, "Hi"),
                               token="not-the-token"))


def test_a_missing_signature_is_refused(client, sms_channel):
    assert refused(post_twilio(client, sms_channel, inbound_sms(SID, "Hi"), sign=False))


def test_a_signature_for_another_url_is_refused(client, sms_channel, make_channel):
    other = make_channel("sms", name="other number", secrets=sms_channel.secrets)

    assert refused(post_twilio(client, sms_channel, inbound_sms(SID, "Hi"),
                               signed_url=hook_url(other)))


def test_a_changed_body_is_refused(client, sms_channel):
    params = inbound_sms(SID, "Hi")
    forged = urlencode({**params, "Body": "Send me a refund"})

    assert refused(post_twilio(client, sms_channel, params, body=forged))


def test_a_body_that_is_not_form_data_is_refused(client, sms_channel):
    assert refused(post_twilio(client, sms_channel, {}, body=b"\xff\xfe<not utf-8>"))


def test_a_flood_of_form_fields_is_refused(client, sms_channel):
    params = {f"Field{n}": "x" for n in range(5000)}

    assert refused(post_twilio(client, sms_channel, params))


def test_an_oversized_body_is_refused_before_it_is_read(client, sms_channel):
    params = inbound_sms(SID, "x" * 70_000)

    response = post_twilio(client, sms_channel, params)

    assert response.status_code == 413
    assert not InboundPayload.objects.exists()


def test_a_channel_without_credentials_is_never_taken_for_twilio(client, make_channel):
    # no auth token: the stub serves the channel, and a Twilio-signed request proves nothing
    channel = make_channel("sms", name="demo number")

    assert refused(post_twilio(client, channel, inbound_sms(SID, "Hi")))


def test_behind_a_proxy_the_public_url_is_what_twilio_signed(client, sms_channel,
                                                            celery_worker):
    # given a channel reached at a public https URL that a proxy forwards as http
    public = f"https://support.example.com/hooks/sms/{sms_channel.pk}/"
    sms_channel.settings = {**sms_channel.settings, "webhook_url": public}
    sms_channel.save()

    # a request signed over the public URL is taken; one signed over ours is not
    assert post_twilio(client, sms_channel, inbound_sms(SID, "Hi"),
                       signed_url=public).status_code == 200
    assert post_twilio(client, sms_channel, inbound_sms(SID, "Hi")).status_code == 403
    wait_for(lambda: Message.objects.filter(external_id=SID).exists())


def test_status_callbacks_signed_over_their_own_url_are_taken(client, sms_channel,
                                                             celery_worker):
    callback = f"https://support.example.com/hooks/sms/{sms_channel.pk}/?status=1"
    sms_channel.settings = {**sms_channel.settings, "status_callback_url": callback}
    sms_channel.save()
    params = {"MessageSid": SID, "MessageStatus": "delivered"}

    response = post_twilio(client, sms_channel, params, signed_url=callback)

    assert response.status_code == 200
    wait_for(lambda: InboundPayload.objects.filter(status="processed").exists())
