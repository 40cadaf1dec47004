"""The providers' webhooks, straight from the ASGI server to the webhook view.

Django's ASGI handler runs each request's middleware and signals on threads (a new thread
per request, and a hop for each sync middleware): about 8 ms of a 2-core machine per
request, which caps it near 125 requests a second. A provider's webhook needs none of it —
no session, no user, no CSRF, no cookies — so ``POST /hooks/<kind>/<id>/`` is routed here
and handed to the same view (``views.webhook``) without them, from a Django request built
from the ASGI scope. Every other request, and every other method on these paths (a GET
handshake), goes through Django as usual.
"""

import logging
import re
from io import BytesIO

from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse

from .views import refusal, webhook

logger = logging.getLogger(__name__)

PATH = re.compile(r"^/hooks/(?P<kind>[a-z]+)/(?P<channel_id>[0-9]{1,18})/$")
# No provider's body is larger than this (each adapter then applies its own limit).
MAX_BODY_BYTES = 16 * 1024 * 1024


def handles(scope) -> bool:
    return scope["type"] == "http" and scope["method"] == "POST" and bool(
        PATH.match(scope["path"]))


async def webhook_app(scope, receive, send) -> None:
    match = PATH.match(scope["path"])
    declared = dict(scope.get("headers") or []).get(b"content-length", b"")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        response = _too_large()
    else:
        body = await _read_body(receive)
        if body is None:
            response = _too_large()
        else:
            response = await _view(scope, body, match["kind"], int(match["channel_id"]))
    await send({"type": "http.response.start", "status": response.status_code,
                "headers": [(name.encode("latin-1"), value.encode("latin-1"))
                            for name, value in response.items()]})
    await send({"type": "http.response.body", "body": response.content})


async def _view(scope, body: bytes, kind: str, channel_id: int) -> HttpResponse:
    request = ASGIRequest(scope, BytesIO(body))
    request._body = body  # already read: the view reads request.body
    try:
        return await webhook(request, kind=kind, channel_id=channel_id)
    except DisallowedHost:
        return refusal(400, "bad_host", "This host is not served here (ALLOWED_HOSTS).")
    except Exception:
        # Nothing was acknowledged: the provider will send it again.
        logger.exception("webhook %s/%s failed before it was stored", kind, channel_id)
        return refusal(500, "not_stored", "The request could not be stored: send it again.")


async def _read_body(receive) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _too_large() -> HttpResponse:
    return refusal(413, "too_large", f"The body may not exceed {MAX_BODY_BYTES} bytes.")
