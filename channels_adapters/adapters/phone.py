"""A phone line: calls reported by the company's telephony system (Aircall, Ringover, a PBX
script…) land in the customer's timeline, next to their messages.

The telephony system POSTs to the line's webhook, ``/hooks/phone/<channel id>/``, a JSON
object ``{"calls": [{...}, ...]}`` signed like our other JSON webhooks:
``X-Threadline-Signature: sha256=<hex>``, the HMAC-SHA256 of the body under the channel
secret ``webhook_secret``. Each call:

    id                the system's call id (required; a call reported twice is logged once)
    direction         "inbound" (the customer called) or "outbound" (we called)
    from, to          the numbers, as the system writes them; the customer's is ``from`` of
                      an inbound call and ``to`` of an outbound one
    started_at        ISO 8601 with a time zone (default: when it is processed)
    duration_seconds  whole seconds
    outcome           answered, missed, voicemail, busy… (free text, 100 characters)
    summary           what was said (free text)
    agent_email       the Threadline user who took or made the call, if any
    caller_name       the name the system knows (used only for a new customer)
    recording_url     kept on the call for agents to open

National numbers are read in the line's own country (taken from the channel's address,
``+33 1 84 80 00 00`` → France, or the ``region`` setting), so a call from 06 12 34 56 78
lands on the customer who texted from +33 6 12 34 56 78. A phone line carries no written
replies: agents log their own calls in the composer, and answer in writing on other
channels.
"""

from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime

from customers.actions import identity_resolve
from customers.addresses import IdentityKind, normalise_phone

from ..payloads import load_document
from .base import DeliveryError, InboundAction
from .stub import StubAdapter

DIRECTIONS = ("inbound", "outbound")
MAX_CALLS_PER_REQUEST = 500


@dataclass(frozen=True)
class ReportedCall(InboundAction):
    """One call, as the telephony system reported it."""

    call_id: str
    direction: str
    number: str
    started_at: datetime | None = None
    duration_seconds: int | None = None
    outcome: str = ""
    summary: str = ""
    agent_email: str = ""
    caller_name: str = ""
    extra: dict = field(default_factory=dict)

    def apply(self, channel) -> None:
        from inbox.actions import log_interaction
        from inbox.models import User

        resolved = identity_resolve(
            kind=IdentityKind.PHONE, address=self.number, display_name=self.caller_name,
            # The network presents the caller's number; a number we dialled proves nothing.
            verified=self.direction == "inbound", team=channel.team)
        agent = None
        if self.agent_email:
            agent = User.objects.filter(email__iexact=self.agent_email, is_active=True).first()
        log_interaction(
            thread=resolved.customer.thread, author=agent, kind="call",
            direction=self.direction, summary=self.summary, number=self.number,
            duration_seconds=self.duration_seconds, outcome=self.outcome,
            occurred_at=self.started_at, channel=channel, external_id=self.call_id,
            metadata=self.extra)


class PhoneAdapter(StubAdapter):
    """Verifies like the stub (the same signed JSON); reads calls, sends nothing."""

    def parse(self, body, headers):
        calls = load_document(body, what='{"calls": [call objects]}').get("calls")
        if not isinstance(calls, list) or not all(isinstance(call, dict) for call in calls):
            raise ValueError('expected {"calls": [call objects]}')
        if len(calls) > MAX_CALLS_PER_REQUEST:
            raise ValueError(f"at most {MAX_CALLS_PER_REQUEST} calls per request")
        return [self._call(index, call) for index, call in enumerate(calls)]

    def send(self, message) -> str:
        raise DeliveryError("A phone line cannot carry written replies: log the call, or "
                            "answer on another channel.", transient=False)

    def region(self) -> str | None:
        configured = (self.channel.settings or {}).get("region")
        if configured:
            return str(configured).upper()
        try:
            line = phonenumbers.parse(self.channel.address or "", None)
        except phonenumbers.NumberParseException:
            return None
        return phonenumbers.region_code_for_number(line)

    def _call(self, index: int, call: dict) -> ReportedCall:
        def text(name: str, limit: int | None) -> str:
            value = call.get(name)
            if value is None:
                return ""
            if not isinstance(value, str):
                raise ValueError(f"call {index}: {name} must be a string")
            return value.strip()[:limit] if limit else value.strip()

        call_id = call.get("id")
        if not isinstance(call_id, str | int) or isinstance(call_id, bool) or not str(call_id):
            raise ValueError(f"call {index}: id is required (the telephony system's call id)")
        direction = call.get("direction")
        if direction not in DIRECTIONS:
            raise ValueError(f"call {index}: direction must be inbound or outbound")
        raw_number = text("from" if direction == "inbound" else "to", 64)
        try:
            number = normalise_phone(raw_number, self.region())
        except ValidationError as error:
            raise ValueError(f"call {index}: {'; '.join(error.messages)}") from None
        started_at = None
        if call.get("started_at") is not None:
            started_at = parse_datetime(text("started_at", 64))
            if started_at is None or started_at.tzinfo is None:
                raise ValueError(f"call {index}: started_at must be ISO 8601 with a time zone")
        duration = call.get("duration_seconds")
        if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool)):
            raise ValueError(f"call {index}: duration_seconds must be a whole number")
        recording = text("recording_url", 2000)
        if recording and not recording.startswith(("https://", "http://")):
            raise ValueError(f"call {index}: recording_url must be an http(s) URL")
        return ReportedCall(
            call_id=str(call_id), direction=direction, number=number, started_at=started_at,
            duration_seconds=duration, outcome=text("outcome", 100),
            summary=text("summary", None), agent_email=text("agent_email", 254),
            caller_name=text("caller_name", 200),
            extra={"recording_url": recording} if recording else {})
