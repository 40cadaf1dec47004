"""Webhook tests: a real receiver on loopback, retries in fractions of a second.

The back-off comes from settings in this process and from the environment in the Celery
worker the production stack starts (tests/conftest.py::celery_worker, which copies the
environment when it starts: after this module is collected)."""

import os
import re
from pathlib import Path

import pytest

# The API's clients (a token per scope and teams, a signed-in agent) serve here too.
from tests.api.conftest import (  # noqa: F401
    admin_client,
    api_client,
    make_token,
    session_client,
)
from tests.webhooks.receiver import Receiver

FAST = {
    "THREADLINE_WEBHOOK_RETRY_BASE_SECONDS": "0.05",
    "THREADLINE_WEBHOOK_RETRY_MAX_SECONDS": "0.2",
    "THREADLINE_WEBHOOK_RETRY_FOR_SECONDS": "10",
    "THREADLINE_WEBHOOK_DISABLE_AFTER_SECONDS": "60",
    "THREADLINE_WEBHOOK_TIMEOUT_SECONDS": "5",
}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def pytest_configure(config):
    for name, value in FAST.items():
        os.environ.setdefault(name, value)


@pytest.fixture(autouse=True)
def fast_retries(settings):
    for name, value in FAST.items():
        setattr(settings, name, float(value))
    # The embedded mode waits out these short retries in-process.
    settings.THREADLINE_WEBHOOK_EAGER_MAX_WAIT_SECONDS = 1.0


@pytest.fixture(autouse=True)
def _fresh_routes(db):
    """The listener's routing table is cached for a few seconds; each test starts afresh."""
    from webhooks.selectors import forget_endpoint_routes

    forget_endpoint_routes()
    yield
    forget_endpoint_routes()


@pytest.fixture
def receiver():
    receiving = Receiver().start()
    yield receiving
    receiving.stop()


@pytest.fixture
def owner(make_user):
    user = make_user("olga", role="admin")
    user.email = "olga@example.com"
    user.save(update_fields=["email"])
    return user


@pytest.fixture(scope="session")
def verify():
    """The receiver's verifier exactly as docs/webhooks.md prints it."""
    text = DOCS.read_text()
    block = re.search(r"<!-- verifier.*?-->\s*```python\n(.*?)```", text, re.S).group(1)
    assert len(block.strip().splitlines()) == 5
    namespace: dict = {}
    exec(block, namespace)  # noqa: S102 - our own documentation
    return namespace["verify"]
