"""Sending one delivery: sign the event's JSON, POST it, log the attempt, and decide what
comes next (delivered, retry later, failed, or wait for an earlier delivery of the thread)."""

import dataclasses
import enum
import json
import logging
import os
import threading
import time
from datetime import timedelta

import httpx
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inbox.models import Event
from inbox.publish import serialize_event

from .actions import endpoint_disable_if_failing, endpoint_record_result
from .backoff import retry_deadline, retry_delay
from .models import WebhookAttempt, WebhookDelivery
from .selectors import earlier_open_delivery, next_open_delivery_id
from .signing import SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status
SNIPPET_CHARS = 1000
USER_AGENT = "Threadline-Webhooks/1.0"


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    WAITING = "waiting"  # an earlier delivery of the same thread goes first
    SKIPPED = "skipped"  # gone, or no longer open


@dataclasses.dataclass(frozen=True)
class Result:
    outcome: Outcome
    retry_in: float = 0.0
    # The thread's next delivery, once this one is done with.
    hand_over_to: int | None = None


def delivery_body(event: Event) -> bytes:
    """What the endpoint receives, always the same bytes for the same event."""
    serialized = serialize_event(event)
    body = {key: serialized[key]
            for key in ("id", "type", "created_at", "thread_id", "customer_id", "team_id")}
    body["data"] = serialized["payload"]
    return json.dumps(body, cls=DjangoJSONEncoder, separators=(",", ":"),
                      ensure_ascii=False).encode()


def attempt_delivery(delivery_id: int) -> Result:
    """Try a delivery once, if its turn has come.

    Its row stays locked while the request runs: a second task for it waits, then finds it
    done. A later delivery of the same thread sees this one still open and waits for the
    hand-over, so a thread's events reach an endpoint in order whatever the workers do."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(of=("self",))
                    .select_related("endpoint", "event").filter(pk=delivery_id).first())
        if delivery is None or delivery.status not in WebhookDelivery.OPEN:
            return Result(Outcome.SKIPPED)
        if not delivery.endpoint.is_active:
            _finish(delivery, Status.FAILED, error=_("The endpoint is disabled."))
            return Result(Outcome.FAILED, hand_over_to=next_open_delivery_id(delivery))
        if earlier_open_delivery(delivery).exists():
            return Result(Outcome.WAITING)
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return Result(Outcome.RETRY, (delivery.next_attempt_at - now).total_seconds())
        attempt = _send(delivery)
        outcome, retry_in = _record(delivery, attempt)
    if not attempt.succeeded and endpoint_disable_if_failing(endpoint_id=delivery.endpoint_id):
        return Result(Outcome.FAILED)  # and so are the endpoint's other open deliveries
    if outcome is Outcome.RETRY:
        return Result(outcome, retry_in)
    return Result(outcome, hand_over_to=next_open_delivery_id(delivery))


def _send(delivery: WebhookDelivery) -> WebhookAttempt:
    endpoint = delivery.endpoint
    body = delivery_body(delivery.event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(endpoint.secret, body),
        "Threadline-Event-Id": str(delivery.event_id),
        "Threadline-Delivery-Id": str(delivery.pk),
    }
    attempt = WebhookAttempt(delivery=delivery, number=delivery.attempts + 1)
    timeout = settings.THREADLINE_WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()
    try:
        with _client().stream("POST", endpoint.url, content=body, headers=headers,
                              timeout=timeout) as response:
            attempt.status_code = response.status_code
            attempt.response_snippet = _snippet(response)
    except httpx.TimeoutException:
        attempt.error = _("No answer within %(seconds)s s.") % {"seconds": timeout}
    except (httpx.HTTPError, httpx.InvalidURL, UnicodeError, OSError) as error:
        # InvalidURL: a host name that passed validation but cannot be encoded (IDNA).
        attempt.error = f"{type(error).__name__}: {error}"[:500]
    attempt.latency_ms = round((time.monotonic() - started) * 1000)
    return attempt


_client_lock = threading.Lock()
_clients: dict[int, httpx.Client] = {}


def _client() -> httpx.Client:
    """One client per process (a forked worker makes its own): it keeps connections to the
    endpoints open, and building one costs a tenth of a second. No redirects are followed:
    the endpoint is the URL the admin registered, nowhere else."""
    pid = os.getpid()
    with _client_lock:
        if pid not in _clients:
            _clients[pid] = httpx.Client(follow_redirects=False)
        return _clients[pid]


def _snippet(response: httpx.Response) -> str:
    """The start of the answer; the rest is never read."""
    read = b""
    try:
        for chunk in response.iter_bytes():
            read += chunk
            if len(read) >= SNIPPET_CHARS * 4:
                break
    except httpx.HTTPError:
        pass
    return read.decode("utf-8", errors="replace")[:SNIPPET_CHARS]


def _record(delivery: WebhookDelivery, attempt: WebhookAttempt) -> tuple[Outcome, float]:
    attempt.save()
    now = timezone.now()
    delivery.attempts = attempt.number
    delivery.first_attempt_at = delivery.first_attempt_at or now
    delivery.last_status_code = attempt.status_code
    endpoint_record_result(endpoint_id=delivery.endpoint_id, succeeded=attempt.succeeded)
    if attempt.succeeded:
        _finish(delivery, Status.DELIVERED, error="")
        return Outcome.DELIVERED, 0.0
    error = attempt.error or _("The endpoint answered %(status)s.") % {
        "status": attempt.status_code}
    retry_in = retry_delay(attempt.number)
    next_attempt_at = now + timedelta(seconds=retry_in)
    if next_attempt_at > retry_deadline(delivery.first_attempt_at):
        _finish(delivery, Status.FAILED, error=error)
        return Outcome.FAILED, 0.0
    delivery.status = Status.RETRYING
    delivery.next_attempt_at = next_attempt_at
    delivery.last_error = error[:500]
    delivery.save(update_fields=["status", "attempts", "first_attempt_at", "next_attempt_at",
                                 "last_status_code", "last_error"])
    logger.info("webhook delivery %s: %s; retry in %.1f s", delivery.pk, error, retry_in)
    return Outcome.RETRY, retry_in


def _finish(delivery: WebhookDelivery, status: str, *, error: str) -> None:
    delivery.status = status
    delivery.next_attempt_at = None
    delivery.last_error = error[:500]
    if status == Status.DELIVERED:
        delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "first_attempt_at", "next_attempt_at",
                                 "delivered_at", "last_status_code", "last_error"])
