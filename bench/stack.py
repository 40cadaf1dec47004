"""The production stack of a benchmark, on loopback: a fresh PostgreSQL database, Celery
workers and Daphne, each on this run's own database, queue and channel-layer prefix."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

QUEUE = f"threadline-bench-{os.getpid()}"
LOG = Path("/tmp/threadline-bench.log")
STARTUP_TIMEOUT = 120  # seconds a worker or server may take to start


def recreate_database() -> None:
    """Drop and create the database named in DATABASE_URL (benchmarks start empty)."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (it is dropped and created).")
    with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432,
                         user=database["USER"], dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database["NAME"]}"')


def _environment() -> dict[str, str]:
    # A channel-layer prefix of the run's own: sockets of earlier runs left in a group (until
    # the group expires) would take a share of every publication.
    return {**os.environ, "CELERY_QUEUE": QUEUE, "CHANNEL_LAYER_PREFIX": QUEUE,
            "DJANGO_SETTINGS_MODULE": "config.settings"}


def start_workers(count: int, *, pool: str = "prefork", nice: int = 0) -> subprocess.Popen:
    """``count`` Celery worker processes (or threads) on the bench's database and queue;
    ``nice`` lowers their CPU priority below the web server's."""
    from config.celery import app

    name = f"bench-{os.getpid()}@{socket.gethostname()}"
    worker = subprocess.Popen(
        ["nice", "-n", str(nice), sys.executable, "-m", "celery", "-A", "config", "worker",
         "-P", pool, "-c", str(count), "-n", name, "-Q", QUEUE, "--without-gossip",
         "--without-mingle", "-l", "warning"],
        env=_environment(), stdout=LOG.open("a"), stderr=subprocess.STDOUT)
    # Minutes, not seconds: on a busy shared machine imports alone took over 30 s.
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not app.control.ping(destination=[name], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the Celery workers did not start (see {LOG})")
    return worker


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_daphne(port: int, application: str = "config.asgi:application") -> subprocess.Popen:
    """Daphne serving ``application`` (Threadline's, or the inbound benchmark's raw one)."""
    server = subprocess.Popen(
        # The access log (one line per request) is the reverse proxy's job in production.
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "--access-log", os.devnull, application],
        env=_environment(), stdout=LOG.open("a"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"Daphne did not start (see {LOG})")
            time.sleep(0.1)


def stop(*processes: subprocess.Popen | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.terminate()
    for process in processes:
        if process is not None:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
