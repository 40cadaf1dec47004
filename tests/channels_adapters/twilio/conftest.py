"""An SMS channel on the fake Twilio API (requests and payloads: ``webhooks``)."""

import pytest

from .fake_twilio import FakeTwilio
from .webhooks import ACCOUNT_SID, AUTH_TOKEN, CHANNEL_NUMBER


@pytest.fixture
def fake_twilio():
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def sms_channel(make_channel, fake_twilio, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return make_channel("sms", address=CHANNEL_NUMBER,
                        secrets={"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN},
                        settings={"api_base_url": fake_twilio.url})

