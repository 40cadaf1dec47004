"""Small helpers for tests that run on both stacks."""

import time
from urllib.parse import quote

from django.db import connection


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
