"""The one interface every channel kind implements.

An adapter knows its provider's wire format and nothing about threads: it verifies an
inbound request, parses a raw payload into normalised messages, and sends one outbound
message, returning the provider's id for it.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from inbox.actions.messages import Incoming

if TYPE_CHECKING:
    from django.http import HttpResponse

    from inbox.models import Message

    from ..models import Channel


# Added by the webhook view to an inbound request's headers: the absolute URL it was sent to.
REQUEST_URL_HEADER = "x-threadline-request-url"


class DeliveryError(Exception):
    """Sending failed. ``transient`` errors are retried with back-off; others fail at once."""

    def __init__(self, reason: str, *, transient: bool):
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


# What an adapter makes of one provider message: the inbox's own ``Incoming``, ready for
# ``receive_messages``.
InboundMessage = Incoming


@dataclass(frozen=True)
class DeliveryUpdate:
    """A provider's news about a message we sent: delivered, read or failed."""

    external_id: str
    status: str
    error: str = ""


class InboundAction:
    """Something a provider's payload asks for that is neither a customer's message nor a
    delivery update: a call a telephony system reports, an agent's reply written in Slack.
    ``apply`` runs in the payload's transaction and calls actions; it must be idempotent
    (a provider retry, or a payload processed again, applies it a second time)."""

    def apply(self, channel: "Channel") -> None:
        raise NotImplementedError


class ChannelAdapter:
    kind: str = ""
    # The largest request body a provider sends this kind of channel.
    max_body_bytes: int = 1024 * 1024
    # Whether the provider signs the URL it called (Twilio): the webhook view then adds it
    # to the headers (REQUEST_URL_HEADER), as seen here.
    signs_request_url: bool = False

    def __init__(self, channel: "Channel"):
        self.channel = channel

    @classmethod
    def connected(cls, channel: "Channel") -> bool:
        """Whether ``channel`` holds what this adapter needs to reach its provider (a token,
        an account). A channel that does not is served by the stub adapter: the demo and a
        half-configured channel work without calling a provider they cannot reach."""
        return True

    def answer_at_once(self, headers: dict[str, str], body: bytes) -> "HttpResponse | None":
        """A verified request the provider wants answered in the response itself, not
        stored (Slack's url_verification challenge); ``None`` for everything else."""
        return None

    def acknowledgement(self) -> "HttpResponse | None":
        """The 2xx a provider expects once its request is stored, if not our JSON
        (Twilio reads an empty TwiML document)."""
        return None

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        """Whether an inbound request really comes from the provider."""
        raise NotImplementedError

    def parse(self, body: bytes,
              headers: dict[str, str]) -> list[InboundMessage | DeliveryUpdate | InboundAction]:
        """What a stored payload holds; raise ValueError if it cannot be read."""
        raise NotImplementedError

    def send(self, message: "Message") -> str:
        """Send ``message`` to its identity; return the provider's id or raise DeliveryError."""
        raise NotImplementedError
