"""Two Daphne servers and two Celery workers on the test database, around a Redis server of
the package's own (restarted by a test; the suite's shared Redis is never touched).

Production stack only: the processes share what only PostgreSQL and Redis can share.
"""

import contextlib
import os
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import database_url_for

from .processes import REDIS_SERVER, CeleryWorker, DaphneServer, RedisServer

HERE = Path(__file__).resolve().parent
# Short, so that a killed worker's task comes back within the test (production: an hour).
VISIBILITY_TIMEOUT_SECONDS = 10
SERVERS, WORKERS = 2, 2


def _skip_reason() -> str | None:
    database_url = os.environ.get("DATABASE_URL", "")
    if not os.environ.get("REDIS_URL") or database_url.split(":")[0] not in {
            "postgres", "postgresql"}:
        return ("several processes need the production stack (DATABASE_URL on PostgreSQL "
                "and REDIS_URL set)")
    if not os.access(REDIS_SERVER, os.X_OK):
        return f"needs redis-server ({REDIS_SERVER}) to run a Redis of the tests' own"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.skip(reason=reason))


class Stack:
    """The servers and workers; a test may kill a worker or restart Redis, and the next test
    finds them all running again (``ensure_running``)."""

    def __init__(self, *, redis_server: RedisServer, env: dict[str, str], log_dir: Path):
        self.redis = redis_server
        self.env = env
        self.log_dir = log_dir
        self.queue = env["CELERY_QUEUE"]
        self.servers = [DaphneServer(f"daphne-{n}", env=env, log_dir=log_dir)
                        for n in range(1, SERVERS + 1)]
        self.workers: list[CeleryWorker] = []
        self._started_workers = 0

    def new_worker(self, *, wait: bool = True) -> CeleryWorker:
        self._started_workers += 1
        worker = CeleryWorker(f"worker-{self._started_workers}", env=self.env,
                              log_dir=self.log_dir)
        self.workers.append(worker)
        worker.launch()
        if wait:
            worker.wait_ready()
        return worker

    @property
    def live_workers(self) -> list[CeleryWorker]:
        return [worker for worker in self.workers if worker.running]

    def ensure_running(self) -> None:
        """Start whatever is not running (a test killed it, or it exited)."""
        if not self.redis.answers():
            self.redis.start()
        self.workers = self.live_workers
        starting = [server for server in self.servers if not server.running]
        for server in starting:
            server.launch()
        starting += [self.new_worker(wait=False)
                     for _ in range(WORKERS - len(self.live_workers))]
        for process in starting:
            process.wait_ready()

    @contextlib.contextmanager
    def workers_supervised(self):
        """While the block runs, a worker that exits is replaced, as systemd's
        ``Restart=always`` would; yields the names of those that exited (filled in as it
        happens)."""
        exited: list[str] = []
        done = threading.Event()

        def supervise():
            while not done.wait(0.5):
                for worker in self.workers:
                    if not worker.running:
                        exited.append(worker.name)
                        self.workers.remove(worker)
                        self.new_worker()
                        break

        supervisor = threading.Thread(target=supervise, name="worker-supervisor")
        supervisor.start()
        try:
            yield exited
        finally:
            done.set()
            supervisor.join(timeout=200)

    def stop(self) -> None:
        processes = [*self.servers, *self.workers]
        for process in processes:  # side by side: each takes a moment to shut down
            process.terminate()
        for process in processes:
            process.stop()

    def wait_until_idle(self, timeout: float = 120) -> None:
        """Nothing queued or taken on the broker, and no process of the stack inside a
        transaction: the test's tables can be emptied without a lock in the way."""
        import redis
        from django.db import connection

        names = [process.application_name for process in [*self.servers, *self.workers]]
        deadline = time.monotonic() + timeout
        while True:
            with redis.Redis.from_url(self.redis.url) as client:
                waiting = client.llen(self.queue) + client.hlen("unacked")
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name"
                               " = ANY(%s) AND state <> 'idle'", [names])
                busy = cursor.fetchone()[0]
            if not waiting and not busy:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"the stack was still busy after {timeout}s: {waiting} "
                                     f"tasks on the broker, {busy} database sessions at work")
            time.sleep(0.2)


@pytest.fixture(scope="package")
def stack_log_dir() -> Path:
    """Each process's log, kept after the run (a failure message names the file)."""
    log_dir = Path(os.environ.get("MULTIPROCESS_TEST_LOGS",
                                  f"/tmp/threadline-test-multiprocess-{os.getpid()}"))
    log_dir.mkdir(parents=True, exist_ok=True)
    for log in log_dir.glob("*.log"):
        log.unlink()
    return log_dir


@pytest.fixture(scope="package")
def redis_server(stack_log_dir):
    server = RedisServer(stack_log_dir / "redis.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package")
def processes(django_db_setup, django_db_blocker, redis_server, stack_log_dir):
    from django.conf import settings
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "REDIS_URL": redis_server.url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The names pytest_configure gave this run (tests/conftest.py).
        "CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "CHANNEL_LAYER_PREFIX": settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"],
        "BROKER_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_SECONDS),
        "PYTHONUNBUFFERED": "1",
    }
    stack = Stack(redis_server=redis_server, env=env, log_dir=stack_log_dir)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def stack(processes, transactional_db, django_db_blocker) -> Stack:
    """The stack running; idle again before the test's rows are flushed (its teardown comes
    before ``transactional_db``'s)."""
    processes.ensure_running()
    yield processes
    with django_db_blocker.unblock():
        processes.wait_until_idle()


@pytest.fixture
def telegram_channel(make_channel):
    return make_channel("telegram", name="Support bot", address="@tl_bot",
                        secrets={"bot_token": "7000001:AAH-multiprocess-test-token-abcdef",
                                 "webhook_secret": "mp-webhook-secret"})


@pytest.fixture
def agent_cookie(agent) -> str:
    """The session cookie of the signed-in agent (a member of the channel's team)."""
    from django.test import Client

    client = Client()
    client.force_login(agent)
    return client.cookies["sessionid"].value
