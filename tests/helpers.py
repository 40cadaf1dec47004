"""Small helpers for tests that run on both stacks."""

import json
import os
import time
from urllib.parse import quote

import pytest
from django.db import connection

# Races between write transactions, query plans and full-text indexes need PostgreSQL
# (SQLite runs one writer at a time): these tests run on the production stack.
needs_postgresql = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").split(":")[0] not in {"postgres", "postgresql"},
    reason="needs PostgreSQL (runs on the production stack of .ci/run)",
)


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def database_url_for(settings_dict) -> str:
    """The URL of the test database, for processes the tests start."""
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{settings_dict['NAME']}"


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.05):
    """Poll until ``predicate()`` is truthy (tasks run in another process on the prod stack)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


def last_event_id() -> int:
    from inbox.models import Event

    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def parsed(event):
    """The event's payload as its declared class, after a trip through JSON as on the wire."""
    from inbox.events import parse_payload

    return parse_payload(event.type, json.loads(json.dumps(event.payload)))


def events_since(event_id: int) -> list:
    """The events recorded after ``event_id``; each payload must parse, after a JSON trip."""
    from inbox.models import Event

    events = list(Event.objects.filter(id__gt=event_id).order_by("id"))
    for event in events:
        parsed(event)
    return events


def row_counts() -> tuple[int, int, int, int]:
    """Customers, identities, messages, events: what a refused action must leave unchanged."""
    from customers.models import Customer, Identity
    from inbox.models import Event, Message

    return (Customer.objects.count(), Identity.objects.count(), Message.objects.count(),
            Event.objects.count())
