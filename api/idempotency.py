"""``Idempotency-Key`` on POST: a retried request gets the first response, nothing new is
created.

The key is claimed (a row, unique per user and key) before the view runs, so a duplicate
sent while the first is still running gets 409 instead of running twice. The first
response (status and JSON body) is then kept with it; a retry with the same body and path
gets that response again with ``Idempotent-Replayed: true``. A 5xx is not kept: the claim
is released so the client can retry; a claim left without a response for five minutes (its
process died) is taken over by the next retry. Keys live 24 hours (purged as new ones are
claimed)."""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .errors import ERROR_REF
from .models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_LIFETIME = timedelta(hours=24)
# A claim still without a response after this long belongs to a process that died mid-way:
# the next retry takes it over rather than getting 409 for a day.
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyConflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_key_in_progress"
    default_detail = ("A request with this Idempotency-Key is still being processed: "
                      "retry in a moment.")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = ("This Idempotency-Key was used for a different request (another body "
                      "or path): use a new key for a new request.")


class _Replay(Exception):
    """Raised from ``initial`` to answer with a kept response instead of running the view."""

    def __init__(self, record: IdempotencyKey):
        self.record = record


def purge_expired_keys(*, user=None, key: str = "") -> int:
    """Delete keys older than their lifetime, and ``key`` of ``user`` if it was abandoned
    (one DELETE, on the created_at index)."""
    now = timezone.now()
    expired = Q(created_at__lt=now - KEY_LIFETIME)
    if user is not None:
        expired |= Q(user=user, key=key, status_code=None, created_at__lt=now - ABANDONED_AFTER)
    deleted, _ = IdempotencyKey.objects.filter(expired).delete()
    return deleted


def request_fingerprint(data) -> str:
    """SHA-256 of the parsed request body (JSON, or a form's fields and files).

    Parsed rather than raw: the raw body of a large request is never held in memory
    (Django refuses ``request.body`` past DATA_UPLOAD_MAX_MEMORY_SIZE), and the order of
    a JSON object's keys does not make it another request."""
    digest = hashlib.sha256()
    if hasattr(data, "lists"):  # a form: each field's values, files by their content
        for name, values in sorted(data.lists()):
            for value in values:
                digest.update(name.encode() + b"\0")
                if hasattr(value, "chunks"):
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                else:
                    digest.update(str(value).encode())
                digest.update(b"\0")
    else:
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def claim_key(*, user, key: str, method: str, path: str, fingerprint: str) -> IdempotencyKey:
    """This request's claim on ``key``; raises _Replay, 409 or 422 when it was seen."""
    purge_expired_keys(user=user, key=key)
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, method=method, path=path,
                                                 fingerprint=fingerprint)
    except IntegrityError:
        pass
    record = IdempotencyKey.objects.filter(user=user, key=key).first()
    if record is None or record.status_code is None:
        # Still running, or just released after a 5xx: either way, try again shortly.
        raise IdempotencyConflict()
    if (record.fingerprint, record.method, record.path) != (fingerprint, method, path):
        raise IdempotencyKeyReused()
    raise _Replay(record)


class IdempotentMixin:
    """Mixed into every API view (api.base.ApiViewSet): POSTs honour ``Idempotency-Key``."""

    _idempotency_claim: IdempotencyKey | None = None

    def initial(self, request, *args, **kwargs):
        # After authentication, scopes and rate limits: a refused request claims nothing.
        super().initial(request, *args, **kwargs)
        self._idempotency_claim = None
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return
        if not key or len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [f"Give a key of 1 to {MAX_KEY_LENGTH} characters "
                          "(a UUID is a good choice)."]}, code="invalid_idempotency_key")
        self._idempotency_claim = claim_key(user=request.user, key=key,
                                            method=request.method, path=request.path,
                                            fingerprint=request_fingerprint(request.data))

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(exc.record.response, status=exc.record.status_code,
                            headers={REPLAYED_HEADER: "true"})
        try:
            return super().handle_exception(exc)
        except Exception:
            self._release_claim()  # an unhandled error: a 500 the client may retry
            raise

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            if response.status_code >= 500:
                claim.delete()
            else:
                claim.status_code = response.status_code
                claim.response = _as_json(getattr(response, "data", None))
                claim.save(update_fields=["status_code", "response"])
        return response

    def _release_claim(self) -> None:
        claim, self._idempotency_claim = self._idempotency_claim, None
        if claim is not None:
            claim.delete()


def _as_json(data):
    """The body as the client received it (dates, decimals and UUIDs as strings)."""
    if data is None:
        return None
    return json.loads(JSONRenderer().render(data))


def document_idempotency_key(result, generator, request, public):
    """Schema postprocessing hook: every POST takes the optional ``Idempotency-Key`` header
    and may answer 409 (a duplicate still running) or 422 (the key reused)."""
    for path_item in result.get("paths", {}).values():
        operation = path_item.get("post")
        if operation is None:
            continue
        parameters = operation.setdefault("parameters", [])
        if not any(p.get("name") == HEADER and p.get("in") == "header" for p in parameters):
            parameters.append(IDEMPOTENCY_PARAMETER)
        responses = operation.setdefault("responses", {})
        for code, response in responses.items():
            if code.startswith(("2", "4")):
                response.setdefault("headers", {}).setdefault(REPLAYED_HEADER, REPLAYED_SCHEMA)
        for code, description in (("409", IdempotencyConflict.default_detail),
                                  ("422", IdempotencyKeyReused.default_detail)):
            responses.setdefault(code, {"description": description, "content": ERROR_REF})
    return result


REPLAYED_SCHEMA = {
    "description": "`true` when this is the kept response to an earlier request with the "
                   "same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}

IDEMPOTENCY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    "description": ("A unique key (a UUID) per operation: a retry with the same key and "
                    "body returns the first response (with `Idempotent-Replayed: true`) and "
                    "creates nothing new. Keys are kept 24 hours."),
    "example": "5f1c2a9e-8b1d-4b7e-9a57-0c6f0b2d6a11",
}

