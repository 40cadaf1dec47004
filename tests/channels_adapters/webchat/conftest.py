"""A web chat channel on a shop's site, with identity verification, and its e-mail sibling."""

import itertools

import pytest

from channels_adapters.webchat.tokens import identity_hash

SHOP = "https://shop.example"
SECRET = "wh-identity-secret-for-tests"
_addresses = itertools.count(1)


@pytest.fixture
def webchat(make_channel):
    return make_channel("webchat", name="Website chat",
                        settings={"allowed_origins": [SHOP]},
                        secrets={"identity_secret": SECRET})


@pytest.fixture
def mailbox(make_channel):
    return make_channel("email", name="Support mailbox")


@pytest.fixture
def client_ip():
    """An address of each test's own: the per-address limit on new visitors is per minute,
    and the cache outlives a test."""
    return f"10.9.{next(_addresses) % 250}.{next(_addresses) % 250}"


def user_hash(email: str) -> str:
    """What the shop's server computes for its signed-in user."""
    return identity_hash(SECRET, email)
