"""Fixtures shared by the whole suite: people, teams, channels, and the real Celery worker.

The suite runs unchanged on both stacks. On the embedded default Celery runs tasks eagerly;
on the production stack (``REDIS_URL`` set) the ``celery_worker`` fixture starts a real
worker process on the test database and a queue of this run's own.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import database_url_for

ROOT = Path(__file__).resolve().parent.parent
RUN_ID = f"threadline-test-{os.getpid()}"


def pytest_configure(config):
    """A test database, Celery queue and channel-layer prefix of this run's own, so that a
    developer's worker or server on the same PostgreSQL and Redis never meets the tests' rows,
    tasks or events. All three are read lazily, on first use, after this."""
    from django.conf import settings

    settings.CELERY_TASK_DEFAULT_QUEUE = RUN_ID
    # The default hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Figures computed afresh: the tests change the data between two identical queries.
    settings.THREADLINE_REPORTS_CACHE_SECONDS = 0
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        # Several runs may share one PostgreSQL server (a developer's and CI's).
        database.setdefault("TEST", {})["NAME"] = f"test_{database['NAME']}_{os.getpid()}"
    layer_config = settings.CHANNEL_LAYERS["default"].get("CONFIG")
    if layer_config is not None:
        layer_config["prefix"] = RUN_ID


@pytest.fixture
def team(db):
    from inbox.models import Team

    return Team.objects.create(name="Support")


@pytest.fixture
def other_team(db):
    from inbox.models import Team

    return Team.objects.create(name="Sales")


@pytest.fixture
def make_channel(db, team):
    from channels_adapters.models import Channel

    def make(kind="email", *, name=None, channel_team=None, **fields):
        return Channel.objects.create(
            team=channel_team or team, kind=kind, name=name or f"{kind} channel", **fields
        )

    return make


@pytest.fixture
def make_user(db):
    from inbox.models import User

    def make(username, *, role="agent", teams=()):
        user = User.objects.create_user(username=username, password="pw", role=role,
                                        first_name=username.title())
        user.teams.set(teams)
        return user

    return make


@pytest.fixture
def agent(make_user, team):
    return make_user("ana", teams=[team])


@pytest.fixture
def supervisor(make_user):
    return make_user("sam", role="supervisor")


@pytest.fixture
def live_api(live_server, settings) -> str:
    """The live server's URL, its API without a rate limit: a fuzzer sends far more than an
    integrator may."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"api": "1000000/min"}}
    return live_server.url


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker):
    """A real Celery worker process on the test database (production stack only).

    Tests that use it must be transactional (``django_db(transaction=True)``) so the worker
    sees their rows; on the embedded default tasks run eagerly and this yields None.
    """
    from django.conf import settings
    from django.db import connection

    from config.celery import app

    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield None
        return
    node = f"test-{os.getpid()}@{socket.gethostname()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_QUEUE": RUN_ID,
        # The events it records ring this run's channel layer, as pytest_configure set it.
        "CHANNEL_LAYER_PREFIX": RUN_ID,
    }
    log_path = Path(os.environ.get("CELERY_TEST_LOG", "/tmp/threadline-test-worker.log"))
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "threads", "-c",
             "4", "-n", node, "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "--without-gossip",
             "--without-mingle", "-l", "info"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[node], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            pytest.fail(f"the Celery worker did not start; see {log_path}:\n"
                        f"{log_path.read_text()[-3000:]}")
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.fixture(scope="session", autouse=True)
def _end_stray_test_database_sessions(django_db_setup, django_db_blocker):
    """Connections opened by threads (asgiref's executor, racing tests) outlive their tests;
    end them so the test database can be dropped at the end of the run."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _worker_idle_after_test(request):
    """A test that used the real worker ends only when the worker is idle: a task still
    running when the test's tables are emptied would deadlock with the TRUNCATE."""
    yield
    if "celery_worker" not in request.fixturenames:
        return
    worker = request.getfixturevalue("celery_worker")
    if worker is None:
        return
    from config.celery import app

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.connection_for_write() as connection:
            waiting = connection.default_channel.client.llen(RUN_ID)
        inspect = app.control.inspect(timeout=0.5)
        busy = [task for tasks in (inspect.active() or {}).values() for task in tasks]
        reserved = [task for tasks in (inspect.reserved() or {}).values() for task in tasks]
        if not waiting and not busy and not reserved:
            return
        time.sleep(0.1)
