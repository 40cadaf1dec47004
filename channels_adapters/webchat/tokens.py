"""Visitor tokens and identity hashes.

A visitor token is signed with Django's ``signing`` (SECRET_KEY, a salt of its own) and holds
the channel id, the visitor's web-chat identity address and, for a visitor the site verified,
the verified e-mail. It proves nothing else: a token of one channel is refused on another.

The identity hash is what the company's site computes for a signed-in user: the HMAC-SHA256
hex of the exact e-mail string it passes, under the channel's ``identity_secret``.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core import signing

SALT = "threadline.webchat.visitor"
# A visitor who comes back within a year continues their conversation.
MAX_AGE_SECONDS = 365 * 24 * 3600
IDENTITY_SECRET = "identity_secret"


class BadToken(Exception):
    """The token is missing, tampered with, expired or of another channel."""


@dataclass(frozen=True)
class Visitor:
    channel_id: int
    address: str
    verified_email: str | None = None

    @property
    def verified(self) -> bool:
        return self.verified_email is not None


def new_visitor_address() -> str:
    """An unguessable web-chat identity address (an ``OPAQUE_ID`` of customers.addresses)."""
    return "v-" + secrets.token_hex(16)


def issue_token(visitor: Visitor) -> str:
    claims = {"c": visitor.channel_id, "a": visitor.address}
    if visitor.verified_email:
        claims["e"] = visitor.verified_email
    return signing.dumps(claims, salt=SALT, compress=True)


def read_token(token: str, *, channel_id: int) -> Visitor:
    if not isinstance(token, str) or not token or len(token) > 1000:
        raise BadToken("no visitor token")
    try:
        claims = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise BadToken("the visitor token has expired") from None
    except signing.BadSignature:
        raise BadToken("the visitor token is not valid") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("a"), str):
        raise BadToken("the visitor token is not valid")
    if claims.get("c") != channel_id:
        raise BadToken("the visitor token belongs to another channel")
    email = claims.get("e")
    return Visitor(channel_id=channel_id, address=claims["a"],
                   verified_email=email if isinstance(email, str) else None)


def identity_hash(secret: str, value: str) -> str:
    """What the site computes: HMAC-SHA256 hex of ``value`` under the channel's secret."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def identity_hash_matches(secret: str, value: str, given: str) -> bool:
    if not secret or not isinstance(given, str):
        return False
    return hmac.compare_digest(identity_hash(secret, value), given.strip().lower())
