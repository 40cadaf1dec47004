"""Sending one reply through Twilio's Messages API: RCS first when the channel has an RCS
sender, SMS otherwise or when the customer's phone cannot take RCS."""

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..adapters.base import DeliveryError
from .redaction import redact, redacting_logger

DEFAULT_API_BASE_URL = "https://api.twilio.com"
TIMEOUT_SECONDS = 20
# Twilio's answer when the handset cannot receive RCS: the same text goes out as SMS.
RCS_UNSUPPORTED_CODES = {63106}

# What Twilio's refusals mean, for the agent reading why a reply failed.
REFUSALS = {
    20003: "Twilio refused the channel's credentials (check the account SID and auth token).",
    21211: "The customer's number is not a valid phone number.",
    21408: "The Twilio account may not send to this country (Geo Permissions).",
    21606: "The channel's number cannot send SMS.",
    21610: "The customer has unsubscribed (replied STOP); they must text START first.",
    21612: "Twilio cannot send from this number to the customer's number.",
    21614: "The customer's number cannot receive SMS (not a mobile number).",
    21617: "The message is longer than 1600 characters.",
}

_logger = redacting_logger("channels_adapters.twilio.http")
redacting_logger("urllib3.connectionpool")  # requests' DEBUG lines name the URL too


def twilio_client(channel) -> Client:
    secrets, options = channel.secrets or {}, channel.settings or {}
    client = Client(secrets["account_sid"], secrets["auth_token"],
                    http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS, logger=_logger))
    client.api.base_url = (options.get("api_base_url") or DEFAULT_API_BASE_URL).rstrip("/")
    return client


def send_text(channel, *, to: str, body: str) -> tuple[str, dict]:
    """Send ``body`` to ``to`` (E.164); the Message SID and what to note on the message."""
    options = channel.settings or {}
    client = twilio_client(channel)
    extra = {}
    if options.get("status_callback_url"):
        extra["status_callback"] = options["status_callback_url"]
    rcs_sender = options.get("rcs_sender", "")
    if rcs_sender:
        sender = rcs_sender if rcs_sender.startswith("rcs:") else f"rcs:{rcs_sender}"
        try:
            return _create(client, to=f"rcs:{to}", from_=sender, body=body,
                           **extra), {"sent_via": "rcs"}
        except TwilioRestException as error:
            if error.code not in RCS_UNSUPPORTED_CODES:
                raise _delivery_error(error) from None
            fallback = {"sent_via": "sms", "rcs_refused": _reason(error)}
        except (TwilioException, requests.RequestException) as error:
            raise _delivery_error(error) from None
    else:
        fallback = {"sent_via": "sms"}
    try:
        return _create(client, to=to, body=body, **_sms_sender(channel), **extra), fallback
    except (TwilioException, requests.RequestException) as error:
        raise _delivery_error(error) from None


def _create(client: Client, **fields) -> str:
    return client.messages.create(**fields).sid


def _sms_sender(channel) -> dict:
    service = (channel.settings or {}).get("messaging_service_sid", "")
    if service:
        return {"messaging_service_sid": service}
    if not channel.address:
        raise DeliveryError("The SMS channel has no number to send from: set its address "
                            "or a messaging_service_sid.", transient=False)
    return {"from_": channel.address}


def _delivery_error(error: Exception) -> DeliveryError:
    if isinstance(error, TwilioRestException):
        if error.status >= 500 or error.status == 429:
            return DeliveryError(redact(f"Twilio is unavailable or busy (HTTP {error.status}, "
                                        f"error {error.code})."), transient=True)
        return DeliveryError(_reason(error), transient=False)
    status = getattr(error, "status", None)  # TwilioServiceException (RFC 9457 errors)
    if isinstance(status, int) and 400 <= status < 500 and status != 429:
        return DeliveryError(_reason(error), transient=False)
    # Unreachable, timed out, an unreadable answer: worth another try.
    return DeliveryError(redact(f"Cannot reach Twilio: {type(error).__name__}"),
                         transient=True)


def _reason(error: Exception) -> str:
    code = getattr(error, "code", None)
    said = getattr(error, "msg", "") or getattr(error, "detail", "") or getattr(
        error, "title", "")
    said = str(said).removeprefix("Unable to create record: ")
    readable = REFUSALS.get(code) or said or "Twilio refused the message."
    if said and said != readable:
        readable = f"{readable} Twilio says: {said}"
    status = getattr(error, "status", "")
    return redact(f"{readable} (Twilio error {code}, HTTP {status})")
