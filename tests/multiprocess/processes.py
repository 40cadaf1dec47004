"""The processes of the production stack, each a real subprocess the tests start and end:
a Redis server of the tests' own, Daphne servers and Celery workers on the test database.

Each process names its database sessions (``application_name``), so a test can see when a
worker is in the middle of a transaction, and when a killed one's sessions are gone.
"""

import datetime
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis
from celery import Celery
from kombu.exceptions import OperationalError

ROOT = Path(__file__).resolve().parent.parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
# "[2026-11-23 23:15:57,545: INFO/MainProcess] Task channels_adapters.tasks.drain_channel[<id>]
# received" (and "succeeded in …", "raised …", "retry: …")
TASK_LINE = re.compile(r"\[(?P<at>[\d-]+ [\d:,]+): \w+/[^\]]+\] Task [\w.]+\[(?P<id>[\w-]+)\] "
                       r"(?P<what>received|succeeded|raised|retry)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(ready, *, process: subprocess.Popen, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(f"{what} did not start within {timeout}s; see {log}:\n{tail}")
        time.sleep(0.1)


class RedisServer:
    """``redis-server`` on a free port, nothing saved to disk. ``stop`` and ``start`` again
    keep the port: clients reconnect to the same address, and find it empty."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                 "--appendonly", "no", "--dir", str(self.log.parent)],
                stdout=log, stderr=subprocess.STDOUT)
        _wait(self.answers, process=self.process, timeout=60, what="redis-server", log=self.log)

    def answers(self) -> bool:
        try:
            with redis.Redis(port=self.port, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class StackProcess:
    """A Daphne server or a Celery worker: a subprocess with its log and its database
    sessions' name."""

    what = "process"

    def __init__(self, name: str, *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.application_name = f"threadline-mp-{os.getpid()}-{name}"
        self.env = {**env, "DATABASE_URL": f"{env['DATABASE_URL']}?application_name="
                                           f"{self.application_name}"}
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> bool:
        raise NotImplementedError

    def start(self, *, timeout: float = 180) -> None:
        self.launch()
        self.wait_ready(timeout=timeout)

    def launch(self) -> None:
        """Start the process without waiting: several start side by side."""
        with self.log.open("a") as log:
            self.process = subprocess.Popen(self.command(), cwd=ROOT, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self, *, timeout: float = 180) -> None:
        _wait(self.ready, process=self.process, timeout=timeout,
              what=f"{self.what} {self.name}", log=self.log)

    def terminate(self) -> None:
        """SIGTERM, as an orchestrator stops a process: it finishes what it was doing."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, *, timeout: float = 20) -> None:
        if self.running:
            self.terminate()
        if self.process is not None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, whatever it was doing."""
        if self.running:
            self.process.kill()
            self.process.wait(timeout=10)


class DaphneServer(StackProcess):
    what = "Daphne"

    def __init__(self, name: str, *, env: dict[str, str], log_dir: Path):
        super().__init__(name, env=env, log_dir=log_dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                "--access-log", os.devnull, "config.asgi:application"]

    def ready(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            return True
        except OSError:
            return False


class CeleryWorker(StackProcess):
    """``celery worker -P threads``: tasks of the run's queue, acknowledged late."""

    what = "Celery worker"

    def __init__(self, name: str, *, env: dict[str, str], log_dir: Path, concurrency: int = 2):
        super().__init__(name, env=env, log_dir=log_dir)
        self.node = f"{self.application_name}@{socket.gethostname()}"
        self.concurrency = concurrency

    def command(self) -> list[str]:
        return [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "threads",
                "-c", str(self.concurrency), "-n", self.node, "-Q", self.env["CELERY_QUEUE"],
                "--without-gossip", "--without-mingle", "-l", "info"]

    def ready(self) -> bool:
        # An app of each ping's own: a pooled connection may predate a restart of Redis.
        control = control_app(self.env["REDIS_URL"])
        try:
            return bool(control.control.ping(destination=[self.node], timeout=0.5))
        except (redis.ConnectionError, OperationalError):
            return False
        finally:
            control.close()

    def task_log(self) -> dict[str, dict[str, datetime.datetime]]:
        """What its log (``-l info``) says of each task id: when it was received, and when
        it succeeded, failed or was retried."""
        tasks: dict[str, dict[str, datetime.datetime]] = {}
        for line in self.log.read_text(errors="replace").splitlines():
            match = TASK_LINE.match(line)
            if match:
                at = datetime.datetime.strptime(match["at"], "%Y-%m-%d %H:%M:%S,%f")
                tasks.setdefault(match["id"], {})[match["what"]] = at
        return tasks


def control_app(broker_url: str) -> Celery:
    """A Celery app of the test process's own on the tests' Redis: it pings the workers (the
    project's app is configured for the shared Redis of the rest of the suite). Not made
    the current app: ``shared_task`` proxies follow the current app, and every task the
    suite sends afterwards would go to this Redis, stopped by then."""
    return Celery("threadline-multiprocess-control", broker=broker_url,
                  broker_connection_retry_on_startup=True, set_as_current=False)
