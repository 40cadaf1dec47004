"""Inbound throughput and inbound→agent latency: Threadline against a raw ASGI baseline.

Two Daphne servers side by side on one fresh PostgreSQL database of this run's own
(``<name>_inbound``, from DATABASE_URL) and Redis:

- **Threadline**: ``config.asgi`` with one Celery worker (2 prefork processes at the web
  server's priority, as docs/deploy.md lays them out) and an agent whose inbox WebSocket stays
  connected: signed Telegram updates → stored payload → 200 → task → customer, thread,
  message and Event → channel layer → the agent's socket.
- **raw baseline** (bench/raw_baseline.py): per POST one INSERT of the body and one Redis
  PUBLISH of the row id, then 200; a Redis subscriber in this process stands for the agent.

Rounds alternate (baseline, Threadline, baseline, …), each with the same load over the same
number of connections: a **flood** of ``--updates`` POSTs as fast as the server takes them
(accepted requests/s, POST → agent latency, when the last reached the agent), then
``--paced`` POSTs at ``--rate`` per second (POST → agent p50/p99). Reports the medians over
the rounds and Threadline as a fraction of the baseline, and checks that every POST was
stored once and, on Threadline's side, became exactly one message.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench
    export REDIS_URL=redis://127.0.0.1:6379/10
    .venv/bin/python -m bench.inbound_baseline [--quick] [--section PATH]

The database ``<name>_inbound`` is dropped and created again, and dropped at the end.
"""

import argparse
import asyncio
import json
import os
import shlex
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

from .inbound_section import section
from .machine import describe_machine
from .stack import (
    QUEUE,
    free_port,
    percentile,
    recreate_database,
    start_daphne,
    start_workers,
    stop,
)
from .telegram_webhooks import (
    CUSTOMERS,
    SECRET,
    Watcher,
    agent_cookie,
    flood,
    paced,
    paced_stages,
    wait_until_processed,
)

FIRST_UPDATE = 900_000_000  # telegram_webhooks.update's update_id of number 0
FULL = {"updates": 3000, "paced": 500, "rounds": 3, "warm": CUSTOMERS}
QUICK = {"updates": 300, "paced": 100, "rounds": 1, "warm": 100}
BASELINE_WARM = 200  # opens the baseline's connections


def own_database_url(url: str) -> str:
    """DATABASE_URL with ``_inbound`` added to the database name: this run's own database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "threadline"
    return urlunsplit(parts._replace(path=f"/{name}_inbound"))


class ThreadlineSide:
    """Threadline's webhook URL, and the agent's socket as the place where a POST arrives."""

    name = "Threadline"

    def __init__(self, url: str, watcher: Watcher):
        self.url, self.watcher = url, watcher
        self.last_paced: dict = {}  # the last paced phase's update numbers and send times

    async def arrivals(self, numbers: range, timeout: float) -> dict[int, float]:
        await self.watcher.wait_for(numbers, timeout)
        return {number: self.watcher.arrived[number] for number in numbers}


class BaselineSide:
    """The raw app's URL, and a Redis subscriber to its channel as the agent: it hears row
    ids, which the table maps back to the updates posted."""

    name = "raw baseline"

    def __init__(self, url: str, database, pubsub):
        self.url, self.database, self.pubsub = url, database, pubsub
        self.last_paced: dict = {}  # the last paced phase's update numbers and send times
        self.heard: dict[int, float] = {}
        self.arrived: dict[int, float] = {}  # update number → when its PUBLISH was heard
        self.expected = 0
        self.last_mapped_id = 0

    async def listen(self) -> None:
        async for message in self.pubsub.listen():
            if message["type"] == "message":
                self.heard.setdefault(int(message["data"]), time.time())

    async def arrivals(self, numbers: range, timeout: float) -> dict[int, float]:
        from .raw_baseline import TABLE

        self.expected += len(numbers)
        deadline = time.time() + timeout
        while len(self.heard) < self.expected:
            if time.time() > deadline:
                raise SystemExit(f"{self.expected - len(self.heard)} PUBLISHes of the raw "
                                 f"baseline never reached the subscriber within {timeout:.0f} s")
            await asyncio.sleep(0.01)
        cursor = await self.database.execute(
            f"SELECT id, body FROM {TABLE} WHERE id > %s", (self.last_mapped_id,))
        for row_id, body in await cursor.fetchall():
            self.arrived[json.loads(bytes(body))["update_id"] - FIRST_UPDATE] = self.heard[row_id]
            self.last_mapped_id = max(self.last_mapped_id, row_id)
        return {number: self.arrived[number] for number in numbers}


async def one_round(side, session, flooded: range, steady: range, options) -> dict:
    """The flood then the paced load on one side; latencies in seconds."""
    sent: dict[int, float] = {}
    burst = await flood(session, side.url, flooded, options.concurrency, sent)
    arrived = await side.arrivals(flooded, options.drain_timeout)
    under_flood = [arrived[number] - sent[number] for number in flooded]
    drained = max(arrived.values()) - min(sent.values())
    await paced(session, side.url, steady, options.rate, sent)
    side.last_paced = {"steady": steady, "sent": sent}
    arrived = await side.arrivals(steady, 120)
    under_pace = [arrived[number] - sent[number] for number in steady]
    result = {"rate": burst["rate"], "refused": burst["refused"],
              "post_p50": burst["post_p50"], "post_p99": burst["post_p99"],
              "drained": drained,
              "flood_p50": percentile(under_flood, 0.5), "flood_p99": percentile(under_flood, 0.99),
              "paced_p50": percentile(under_pace, 0.5), "paced_p99": percentile(under_pace, 0.99),
              "paced_max": max(under_pace)}
    print(f"{side.name:>12}: flood {result['rate']:5.0f} req/s, last on the agent after "
          f"{result['drained']:5.1f} s, POST → agent p50/p99 {result['flood_p50'] * 1000:.0f}/"
          f"{result['flood_p99'] * 1000:.0f} ms; paced {options.rate:.0f}/s: p50/p99 "
          f"{result['paced_p50'] * 1000:.0f}/{result['paced_p99'] * 1000:.0f} ms", flush=True)
    return result


async def run(options, threadline_url: str, socket_url: str, cookie: str,
              baseline_url: str, channel_name: str) -> tuple[dict[str, list[dict]], dict]:
    import aiohttp
    import psycopg
    import redis.asyncio

    watcher = Watcher()
    subscriber = redis.asyncio.Redis.from_url(os.environ["REDIS_URL"])
    pubsub = subscriber.pubsub()
    await pubsub.subscribe(channel_name)
    database = await psycopg.AsyncConnection.connect(os.environ["DATABASE_URL"], autocommit=True)
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    taken = 0

    def take(count: int) -> range:
        """Update numbers never posted before (Threadline would take them for retries)."""
        nonlocal taken
        taken += count
        return range(taken - count, taken)

    async with aiohttp.ClientSession(connector=connector) as session:
        origin = threadline_url.split("/hooks/")[0]
        socket = await session.ws_connect(socket_url, max_msg_size=0, headers={
            "Origin": origin, "Cookie": f"sessionid={cookie}"})
        threadline = ThreadlineSide(threadline_url, watcher)
        baseline = BaselineSide(baseline_url, database, pubsub)
        listeners = [asyncio.create_task(watcher.listen(socket)),
                     asyncio.create_task(baseline.listen())]
        # Warm-up: connections opened, code imported, and every customer of the measured
        # updates known, so that each Threadline round does the same work.
        for side, count in ((baseline, options.baseline_warm), (threadline, options.warm)):
            warm = take(count)
            await flood(session, side.url, warm, 8, {})
            await side.arrivals(warm, options.drain_timeout)
        results: dict[str, list[dict]] = {"baseline": [], "threadline": []}
        for round_number in range(1, options.rounds + 1):
            print(f"round {round_number} of {options.rounds}", flush=True)
            for key, side in (("baseline", baseline), ("threadline", threadline)):
                results[key].append(await one_round(
                    side, session, take(options.updates), take(options.paced), options))
        for listener in listeners:
            listener.cancel()
        await socket.close()
    await pubsub.aclose()
    await subscriber.aclose()
    await database.close()
    # Where the last paced round's time went on Threadline's side (telegram_webhooks.paced_stages).
    return results, {**threadline.last_paced, "arrived": watcher.arrived}


def setup_threadline():
    """The fresh database's schema, the Telegram channel, its team and the agent; the raw
    table."""
    from django.core.management import call_command
    from django.db import connection

    from channels_adapters.models import Channel
    from inbox.models import Team

    from .raw_baseline import create_table

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench")
    channel = Channel.objects.create(
        team=team, kind="telegram", name="Bench bot", address="@BenchBot",
        secrets={"bot_token": "123456:bench-token", "webhook_secret": SECRET})
    cookie = agent_cookie()
    with connection.cursor() as cursor:
        create_table(cursor)
    connection.close()
    return channel, cookie


def started(starting: list[Future], *, strict: bool = True) -> list[subprocess.Popen]:
    """The processes that started; when one did not, the others are stopped and its error
    raised (``strict``) or left out."""
    processes, failure = [], None
    for future in starting:
        try:
            processes.append(future.result())
        except SystemExit as error:
            failure = error
    if failure is not None and strict:
        stop(*processes)
        raise failure
    return processes


def check_exactly_once(channel, results, options) -> tuple[bool, str]:
    from django.db import connection

    from inbox.models import Message

    from .raw_baseline import TABLE

    per_side = options.rounds * (options.updates + options.paced)
    threadline_posts = per_side + options.warm
    payloads = channel.payloads.count()
    messages = Message.objects.filter(channel=channel)
    distinct = messages.values("external_id").distinct().count()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        rows = cursor.fetchone()[0]
    refused = sum(r["refused"] for side in results.values() for r in side)
    exact = (payloads == messages.count() == distinct == threadline_posts
             and rows == per_side + options.baseline_warm and refused == 0)
    text = (f"Stored: Threadline {payloads:,} payloads and {messages.count():,} messages "
            f"({distinct:,} distinct) for {threadline_posts:,} POSTs; baseline {rows:,} rows "
            f"for {per_side + options.baseline_warm:,} POSTs; {refused} refused — "
            + ("every POST stored and delivered exactly once." if exact
               else "**NOT exactly once**."))
    return exact, text


def parse_options():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--section", help="write the Markdown section to this file")
    parser.add_argument("--updates", type=int, help=f"per flood ({FULL['updates']:,})")
    parser.add_argument("--paced", type=int, help=f"per paced phase ({FULL['paced']:,})")
    parser.add_argument("--rounds", type=int, help=f"per side ({FULL['rounds']})")
    parser.add_argument("--warm", type=int, help=f"Threadline's warm-up ({FULL['warm']:,})")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    # Not nice 10 (bench/telegram_webhooks.py's best flood on a quiet machine): on a shared
    # one a niced worker gives way to everyone else's processes (its stored → message step
    # took 0.5-1.1 s in runs at load averages 4-10).
    parser.add_argument("--worker-nice", type=int, default=0)
    parser.add_argument("--drain-timeout", type=float, default=300)
    options = parser.parse_args()
    for key, value in (QUICK if options.quick else FULL).items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    options.baseline_warm = BASELINE_WARM
    # The command as written in the section: the runner's temporary file left out.
    shown = [arg for arg in sys.argv[1:] if not arg.startswith("--section")
             and arg != options.section]
    options.command = " ".join(["python -m bench.inbound_baseline", *map(shlex.quote, shown)])
    return options


def start_stack(options, threadline_port: int, baseline_port: int):
    """A fresh database; the worker and both servers start (imports: seconds of CPU each)
    while the schema is migrated, as none reads the database before its first request or
    task. Returns the processes, the Telegram channel and the agent's session cookie."""
    from django.db import connection

    recreate_database()
    connection.close()
    with ThreadPoolExecutor(3) as pool:
        starting = [pool.submit(start_workers, options.workers, nice=options.worker_nice),
                    pool.submit(start_daphne, threadline_port),
                    pool.submit(start_daphne, baseline_port, "bench.raw_baseline:application")]
        try:
            channel, cookie = setup_threadline()
        except BaseException:
            stop(*started(starting, strict=False))
            raise
        return started(starting), channel, cookie


def main() -> int:
    options = parse_options()
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres")
            and os.environ.get("REDIS_URL")):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this runs on the production stack.")
    os.environ["DATABASE_URL"] = own_database_url(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = QUEUE
    channel_name = f"raw-inbound-{QUEUE}"
    os.environ["RAW_BASELINE_CHANNEL"] = channel_name
    machine, load = describe_machine(), os.getloadavg()[0]
    began = time.monotonic()
    import django

    django.setup()
    threadline_port, baseline_port = free_port(), free_port()
    processes, channel, cookie = start_stack(options, threadline_port, baseline_port)
    print(f"database, worker and both servers ready in {time.monotonic() - began:.0f} s",
          flush=True)
    try:
        results, last_paced = asyncio.run(run(
            options, f"http://127.0.0.1:{threadline_port}/hooks/telegram/{channel.pk}/",
            f"ws://127.0.0.1:{threadline_port}/ws/inbox/", cookie,
            f"http://127.0.0.1:{baseline_port}/", channel_name))
        wait_until_processed(channel)
    finally:
        stop(*processes)

    exact, stored = check_exactly_once(channel, results, options)
    text = section(options, machine, options.command, results,
                   steps=paced_stages(channel, last_paced), stored=stored, load=load)
    print("\n" + text, flush=True)
    if options.section:
        with open(options.section, "w") as file:
            file.write(text)
    drop_database()
    return 0 if exact else 1


def drop_database() -> None:
    import psycopg
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    database = settings.DATABASES["default"]
    with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432,
                         user=database["USER"], dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
