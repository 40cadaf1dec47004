"""A web chat channel on a shop's site, with identity verification, and its e-mail sibling."""

import secrets

import pytest

from channels_adapters.webchat.tokens import identity_hash

SHOP = "https://shop.example"
SECRET = "wh-identity-secret-for-tests"


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
    and the cache (Redis on the production stack) outlives a test and a run."""
    return "10." + ".".join(str(secrets.randbelow(250)) for _ in range(3))


def user_hash(email: str) -> str:
    """What the shop's server computes for its signed-in user."""
    return identity_hash(SECRET, email)
