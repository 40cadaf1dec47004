"""Twilio's webhook requests as Twilio makes them: form posts signed over the URL called."""

from urllib.parse import urlencode

from django.urls import reverse
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-7f3e9a"
CHANNEL_NUMBER = "+33159000000"
CUSTOMER = "+33612345678"


def hook_url(channel) -> str:
    return f"http://testserver{reverse('webhook', args=['sms', channel.pk])}"


def signature(url: str, params: dict, token: str = AUTH_TOKEN) -> str:
    """X-Twilio-Signature, computed as Twilio does."""
    return RequestValidator(token).compute_signature(url, params)


def post_twilio(client, channel, params: dict, *, signed_url=None, token=AUTH_TOKEN,
                sign=True, body=None):
    """POST ``params`` as Twilio does: a form, signed over the URL it calls."""
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = signature(signed_url or hook_url(channel), params,
                                                  token)
    return client.post(reverse("webhook", args=["sms", channel.pk]),
                       data=body if body is not None else urlencode(params),
                       content_type="application/x-www-form-urlencoded", headers=headers)


def inbound_sms(sid: str, body: str, *, sender: str = CUSTOMER, **extra) -> dict:
    """An incoming message as Twilio posts it (the fields of its documented example)."""
    return {
        "ToCountry": "FR", "ToState": "", "SmsMessageSid": sid, "NumMedia": "0",
        "ToCity": "", "FromZip": "", "SmsSid": sid, "FromState": "", "SmsStatus": "received",
        "FromCity": "PARIS", "Body": body, "FromCountry": "FR", "To": CHANNEL_NUMBER,
        "ToZip": "", "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
        "AccountSid": ACCOUNT_SID, "From": sender, "ApiVersion": "2010-04-01", **extra,
    }


def status_callback(sid: str, status: str, *, to: str = CUSTOMER, **extra) -> dict:
    """A status callback as Twilio posts it for a message we sent."""
    return {
        "SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": to,
        "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": CHANNEL_NUMBER,
        "ApiVersion": "2010-04-01", **extra,
    }
