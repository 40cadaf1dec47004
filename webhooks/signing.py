"""Signing a delivery in the style of Stripe: ``Threadline-Signature: t=<unix time>,v1=<hex
HMAC-SHA256 of "<t>.<body>" with the endpoint's secret>``. The receiver recomputes it, and
refuses an old timestamp so a captured request cannot be replayed later."""

import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "Threadline-Signature"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(secret: str, header: str, body: bytes, *, tolerance: int = 300) -> bool:
    """What a receiver does (docs/webhooks.md has it in five lines)."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = signature(secret, timestamp, body)
    return (hmac.compare_digest(expected, parts.get("v1", ""))
            and abs(time.time() - timestamp) <= tolerance)
