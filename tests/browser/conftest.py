"""A real Daphne server, Debian's Chromium driven by Playwright, and agents signed in to it.

These tests only run on the production stack: the test process calls actions (a customer
writes, a delivery succeeds) and the server's sockets must hear them, so both processes need
one channel layer (Redis) and one database (PostgreSQL) between them.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.helpers import database_url_for, wait_for

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_LOG = Path(os.environ.get("DAPHNE_TEST_LOG",
                                 f"/tmp/threadline-test-daphne-{os.getpid()}.log"))


def _on_production_stack() -> bool:
    database_url = os.environ.get("DATABASE_URL", "")
    return bool(os.environ.get("REDIS_URL")) and database_url.split(":")[0] in {
        "postgres", "postgresql"}


def pytest_collection_modifyitems(config, items):
    """Skip the whole package on the embedded default (one process's in-memory layer)."""
    if _on_production_stack():
        return
    skip = pytest.mark.skip(
        reason="live browser tests need the production stack (a channel layer shared "
               "between processes)")
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


# --- the server --------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """``python -m daphne`` on the test database, the run's Redis prefix and Celery queue.

    ``stop`` sends SIGTERM, as an orchestrator would; ``start`` again reuses the port, so the
    pages already open reconnect to the same address."""

    def __init__(self, env: dict[str, str]):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Names the server's database sessions, to know when the last one has ended.
        self.application_name = f"threadline-test-daphne-{os.getpid()}-{self.port}"
        self.env = {**env, "DATABASE_URL": f"{env['DATABASE_URL']}?application_name="
                                           f"{self.application_name}"}
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30.0) -> None:
        with SERVER_LOG.open("a") as log:
            log.write(f"\n--- starting daphne on port {self.port} ---\n")
            log.flush()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                 "config.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"Daphne did not start; see {SERVER_LOG}:\n"
                            f"{SERVER_LOG.read_text()[-3000:]}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (SIGKILL if it hangs), then wait until PostgreSQL has ended the server's
        sessions: from then on nothing of it holds a lock or writes a row."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with SERVER_LOG.open("a") as log:
                    log.write(f"--- no exit {timeout}s after SIGTERM: killed ---\n")
                self.kill()
        wait_for(lambda: not self._database_sessions(), timeout=10)

    def kill(self) -> None:
        if self.running:
            self.process.kill()
            self.process.wait(timeout=10)

    def _database_sessions(self) -> int:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                           [self.application_name])
            return cursor.fetchone()[0]


@pytest.fixture
def daphne_server(transactional_db) -> LiveServer:
    """A server of each test's own, stopped before the test's rows are flushed.

    Stopping it is what makes the flush safe: pages that close make the server write
    (presence), and such a write racing the flush's TRUNCATE deadlocked one of them. Once
    the process and its database sessions are gone, nothing of it can touch the rows.
    (``transactional_db`` is requested so that its flush comes after this teardown.)
    """
    from django.conf import settings
    from django.db import connection

    env = {
        **os.environ,
        "DEBUG": "1",  # ASGIStaticFilesHandler serves inbox.js and inbox.css
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "tests.browser.server_settings",
        # The names pytest_configure gave this run (tests/conftest.py), so the server shares
        # the test process's channel layer and the celery_worker fixture's queue.
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "PYTHONUNBUFFERED": "1",
    }
    server = LiveServer(env)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _fresh_server_log():
    SERVER_LOG.write_text("")


# --- the browser -------------------------------------------------------------------------

@pytest.fixture(scope="package")
def _playwright():
    """Playwright's sync API, for the browser package only.

    While it runs, the main thread has a running asyncio loop (Playwright's, driven through
    greenlets), and Django refuses ORM calls from a thread with a running loop. That guard
    protects a loop that serves other coroutines; this one only runs while a test waits on a
    Playwright call, so a blocking query between two calls blocks nothing. Hence
    DJANGO_ALLOW_ASYNC_UNSAFE, set only while Playwright runs (the fixtures' rows, the
    transactional flush after each test). The package scope matters: a loop left running
    would break every later test of the suite (pytest-asyncio's, and ``async_to_sync``).
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_playwright):
    """Debian's Chromium: Playwright's own browser download is never used."""
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def _django_thread():
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="django-side") as executor:
        yield executor


@pytest.fixture
def off_loop(_django_thread) -> Callable:
    """Run Django-side code (an action) in a thread without Playwright's loop.

    Actions publish after commit through ``async_to_sync``, which refuses to run in a thread
    with a running loop (the publish would be logged and dropped): in their own thread they
    ring Redis as a Celery task or a webhook view would.
    """
    from django.db import connections

    def run(function: Callable, /, *args, **kwargs):
        def call():
            try:
                return function(*args, **kwargs)
            finally:
                connections.close_all()

        return _django_thread.submit(call).result(timeout=60)

    return run


@pytest.fixture
def sign_in(browser, daphne_server):
    """``sign_in(user)``: a page of its own browser context (its own cookies), signed in
    through the real login form and holding its live socket. Uncaught script errors and
    server errors (5xx) seen by any page fail the test."""
    from playwright.sync_api import expect

    contexts, users, errors = [], [], []

    def open_page(user, password: str = "pw"):
        context = browser.new_context(base_url=daphne_server.url,
                                      viewport={"width": 1440, "height": 900})
        contexts.append(context)
        users.append(user)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{user.username}: {error}"))
        page.on("response", lambda response: response.status >= 500 and errors.append(
            f"{user.username}: {response.status} {response.request.method} {response.url}"))
        page.goto("/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/**")
        expect(page.locator("#app")).to_have_attribute("data-connected", "true")
        return page

    yield open_page
    for context in contexts:
        context.close()
    _wait_for_disconnects(users)
    assert not errors, f"errors seen by the pages: {errors}"


def _wait_for_disconnects(users, timeout: float = 3.0) -> None:
    """Let the server note that the closed pages left (presence) before it is stopped: one
    stopped in the middle of it did not exit on SIGTERM. Daphne cancels the consumers of a
    stopped server without calling their ``disconnect``, so after a restart the count never
    reaches zero: this gives up after a few seconds rather than fail."""
    from inbox.models import AgentPresence

    deadline = time.monotonic() + timeout
    while (AgentPresence.objects.filter(user__in=users, connections__gt=0).exists()
           and time.monotonic() < deadline):
        time.sleep(0.05)
