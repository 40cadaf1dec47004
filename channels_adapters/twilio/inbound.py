"""Twilio's webhook requests: a form post that is either a message a customer sent (it has a
``Body``) or a status callback about one we sent (``MessageStatus`` without a body)."""

import re

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import QueryDict

from ..adapters.base import DeliveryUpdate, InboundMessage
from .media import Fetched, MediaItem

MAX_MEDIA_ITEMS = 10  # Twilio's own limit per message
# "whatsapp:+33612345678", "rcs:+33612345678": the sender's channel, then its number.
CHANNEL_PREFIX = re.compile(r"^([a-z]+):(.*)$", re.IGNORECASE)

# Twilio's statuses of an outgoing message, as ours; the rest (queued, accepted, scheduled,
# sending) say nothing the inbox does not know once the message is sent.
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed",
            "undelivered": "failed", "canceled": "failed"}

# What the error codes of a status callback mean, for the agent reading why a reply failed.
DELIVERY_ERRORS = {
    "21610": "The customer has unsubscribed (replied STOP); they must text START first.",
    "30001": "Twilio's queue for this sender overflowed.",
    "30002": "The Twilio account is suspended.",
    "30003": "The customer's phone is unreachable (switched off or out of coverage).",
    "30004": "The message was blocked (the customer blocks this sender, or their carrier).",
    "30005": "The number is unknown or no longer in service.",
    "30006": "The number is a landline or its carrier cannot receive texts.",
    "30007": "The carrier filtered the message as spam.",
    "30008": "The carrier could not deliver the message (unknown error).",
    "63106": "The customer's phone cannot receive RCS messages.",
}


def read_form(body: bytes) -> QueryDict:
    """The posted form, repeated keys kept (as Twilio's signature counts them)."""
    try:
        return QueryDict(body.decode("utf-8"), encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8 form data") from None
    except SuspiciousOperation as error:  # more fields than Django accepts
        raise ValueError(f"the form is not acceptable: {error}") from None


def message_sid(form: QueryDict) -> str:
    sid = form.get("MessageSid") or form.get("SmsMessageSid") or form.get("SmsSid") or ""
    if not sid:
        raise ValueError("no MessageSid: not a Twilio messaging request")
    return sid


def is_message(form: QueryDict) -> bool:
    return "Body" in form or media_count(form) > 0


def media_count(form: QueryDict) -> int:
    raw = form.get("NumMedia", "0") or "0"
    if not raw.isdigit():
        raise ValueError(f"NumMedia is not a number: {raw[:20]!r}")
    return min(int(raw), MAX_MEDIA_ITEMS)


def media_items(form: QueryDict) -> list[MediaItem]:
    return [MediaItem(url=form[f"MediaUrl{n}"], content_type=form.get(f"MediaContentType{n}", ""))
            for n in range(media_count(form)) if form.get(f"MediaUrl{n}")]


def delivery_update(form: QueryDict) -> list[DeliveryUpdate]:
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not status:
        raise ValueError("neither a message (Body) nor a status callback (MessageStatus)")
    ours = STATUSES.get(status)
    if ours is None:
        return []
    error = delivery_error(form, status) if ours == "failed" else ""
    return [DeliveryUpdate(external_id=message_sid(form), status=ours, error=error)]


def delivery_error(form: QueryDict, status: str) -> str:
    code = form.get("ErrorCode", "")
    readable = (DELIVERY_ERRORS.get(code) or form.get("ErrorMessage", "")
                or f"Twilio reports the message {status}.")
    return f"{readable} (Twilio error {code})" if code else readable


def inbound_message(form: QueryDict, fetched: Fetched) -> InboundMessage:
    sender = form.get("From", "").strip()
    if not sender:
        raise ValueError("an inbound message without From")
    prefix, address = _split_channel(sender)
    text = "\n\n".join(part for part in (form.get("Body", ""), *fetched.problems) if part)
    limit = settings.THREADLINE_MAX_TEXT_LENGTH
    if len(text) > limit:
        text = text[: limit - 20] + "\n[…] (cut)"
    return InboundMessage(
        address=address, text=text, external_id=message_sid(form), verified=True,
        verified_phones=(address,), attachments=fetched.attachments,
        metadata=_metadata(form, prefix, fetched),
    )


def _split_channel(sender: str) -> tuple[str, str]:
    match = CHANNEL_PREFIX.match(sender)
    if match:
        return match.group(1).lower(), match.group(2).strip()
    return "", sender


def _metadata(form: QueryDict, prefix: str, fetched: Fetched) -> dict:
    _, to = _split_channel(form.get("To", ""))
    metadata = {"channel": prefix or ("mms" if media_count(form) else "sms"), "to": to}
    for field, key in (("NumSegments", "num_segments"), ("FromCity", "from_city"),
                       ("FromState", "from_state"), ("FromZip", "from_zip"),
                       ("FromCountry", "from_country"),
                       ("MessagingServiceSid", "messaging_service_sid")):
        if form.get(field):
            metadata[key] = form[field][:100]
    if fetched.problems:
        metadata["media_problems"] = list(fetched.problems)
    return metadata
