"""How Meta proves a webhook is its own: the ``X-Hub-Signature-256`` header on each POST
and the ``hub.verify_token`` of the GET handshake that subscribes the URL."""

import hashlib
import hmac

from django.http import HttpResponse

SIGNATURE_HEADER = "x-hub-signature-256"


def sign(body: bytes, app_secret: str) -> str:
    """The header's value: ``sha256=`` and the HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(headers: dict[str, str], body: bytes, app_secret: str) -> bool:
    """No app secret, no trust: a channel that lacks one refuses every request."""
    given = headers.get(SIGNATURE_HEADER, "")
    return bool(app_secret) and hmac.compare_digest(sign(body, app_secret).encode(),
                                                    given.encode())


def handshake(query, verify_token: str) -> HttpResponse:
    """Meta's subscription check: echo ``hub.challenge`` when the token is ours."""
    given = query.get("hub.verify_token", "")
    if (query.get("hub.mode") == "subscribe" and verify_token and "hub.challenge" in query
            and hmac.compare_digest(given.encode(), verify_token.encode())):
        return HttpResponse(query["hub.challenge"], content_type="text/plain")
    return HttpResponse("Verification failed.", status=403, content_type="text/plain")
