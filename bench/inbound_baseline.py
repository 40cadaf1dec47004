"""Inbound throughput and inbound→agent latency: Threadline against a raw ASGI baseline.

Two Daphne servers side by side on one fresh PostgreSQL database of this run's own
(``<name>_inbound``, from DATABASE_URL) and Redis:

- **Threadline**: ``config.asgi`` with one Celery worker (2 prefork processes at ``nice 10``,
  the layout of bench/telegram_webhooks.py) and an agent whose inbox WebSocket stays
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
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

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
    wait_until_processed,
)

TITLE = "Inbound: Threadline against a raw ASGI baseline"
FIRST_UPDATE = 900_000_000  # telegram_webhooks.update's update_id of number 0
FULL = {"updates": 3000, "paced": 500, "rounds": 5, "warm": CUSTOMERS}
QUICK = {"updates": 300, "paced": 100, "rounds": 1, "warm": 100}
BASELINE_WARM = 200


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

    async def arrivals(self, numbers: range, timeout: float) -> dict[int, float]:
        await self.watcher.wait_for(numbers, timeout)
        return {number: self.watcher.arrived[number] for number in numbers}


class BaselineSide:
    """The raw app's URL, and a Redis subscriber to its channel as the agent: it hears row
    ids, which the table maps back to the updates posted."""

    name = "raw baseline"

    def __init__(self, url: str, database, pubsub):
        self.url, self.database, self.pubsub = url, database, pubsub
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
              baseline_url: str, channel_name: str) -> dict[str, list[dict]]:
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
        for side, count in ((baseline, BASELINE_WARM), (threadline, options.warm)):
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
    return results


def medians(rounds: list[dict]) -> dict[str, float]:
    return {key: statistics.median(result[key] for result in rounds) for key in rounds[0]}


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def table(options, baseline: dict, threadline: dict) -> list[str]:
    """Medians side by side; the last column is Threadline's share of the baseline's
    throughput, or how many times the baseline's latency it takes."""
    def share(key):
        return f"{threadline[key] / baseline[key]:.0%}"

    def times(*keys):
        return " / ".join(f"{threadline[key] / baseline[key]:.1f}×" for key in keys)

    def pair(side, *keys):
        return " / ".join(milliseconds(side[key]) for key in keys) + " ms"

    rows = [
        ("flood: requests/s accepted", f"{baseline['rate']:,.0f}", f"{threadline['rate']:,.0f}",
         share("rate")),
        ("flood: POST answered p50 / p99", pair(baseline, "post_p50", "post_p99"),
         pair(threadline, "post_p50", "post_p99"), times("post_p50", "post_p99")),
        (f"flood: last of {options.updates:,} on the agent, after the first POST",
         f"{baseline['drained']:.1f} s", f"{threadline['drained']:.1f} s", times("drained")),
        ("flood: POST → agent p50 / p99", pair(baseline, "flood_p50", "flood_p99"),
         pair(threadline, "flood_p50", "flood_p99"), times("flood_p50", "flood_p99")),
        (f"paced {options.rate:.0f}/s: POST → agent p50 / p99",
         pair(baseline, "paced_p50", "paced_p99"), pair(threadline, "paced_p50", "paced_p99"),
         times("paced_p50", "paced_p99")),
    ]
    lines = ["| measure (median of rounds) | raw baseline | Threadline | Threadline / baseline |",
             "| --- | ---: | ---: | ---: |"]
    return lines + [f"| {' | '.join(row)} |" for row in rows]


def reading(options, results, baseline: dict, threadline: dict, exact: str) -> list[str]:
    per_round = []
    for side in ("baseline", "threadline"):
        rates = ", ".join(f"{r['rate']:,.0f}" for r in results[side])
        p99s = ", ".join(milliseconds(r["paced_p99"]) for r in results[side])
        per_round.append(f"{'raw baseline' if side == 'baseline' else 'Threadline'}: "
                         f"flood {rates} req/s, paced p99 {p99s} ms")
    ms = {key: {side: milliseconds(values[key]) for side, values in
                (("baseline", baseline), ("threadline", threadline))}
          for key in ("paced_p50", "paced_p99")}
    return [
        f"- Threadline accepts **{threadline['rate'] / baseline['rate']:.0%}** of the requests "
        f"per second the bare app does on this machine under the same Daphne; paced at "
        f"{options.rate:.0f}/s a message reaches the agent in {ms['paced_p50']['threadline']} "
        f"ms at the median (p99 {ms['paced_p99']['threadline']} ms), against "
        f"{ms['paced_p50']['baseline']} ms (p99 {ms['paced_p99']['baseline']} ms) for one "
        "INSERT and one PUBLISH.",
        "- Each round, in order: " + "; ".join(per_round) + ".",
        "- What Threadline does more per message: checks the provider's secret, stores the raw "
        "payload (webhooks arriving together share one transaction), answers, then a Celery "
        "task parses the update, finds the customer and thread, writes the message and its "
        "Event, and rings the agent's socket through the channel layer and Daphne; the "
        "baseline's agent is a Redis subscriber. The load generator, both servers, the worker, "
        "PostgreSQL and Redis share the same cores.",
        f"- {exact}",
    ]


def section(options, machine: str, command: str, results, exact: str) -> str:
    baseline, threadline = medians(results["baseline"]), medians(results["threadline"])
    lines = [f"### {TITLE}", "",
             f"Machine: {machine}.", "",
             f"Data: {options.rounds} rounds per side, alternating; each a flood of "
             f"{options.updates:,} Telegram updates over {options.concurrency} connections then "
             f"{options.paced:,} paced at {options.rate:.0f}/s; 2,000 customers, known from a "
             f"warm-up of {options.warm:,} updates.", "",
             f"Command: `{command}`", "",
             *table(options, baseline, threadline), "",
             *reading(options, results, baseline, threadline, exact)]
    return "\n".join(lines) + "\n"


def setup_threadline():
    """A fresh database with the Telegram channel, its team and the agent; the raw table."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from channels_adapters.models import Channel
    from inbox.models import Team

    from .raw_baseline import create_table

    recreate_database()
    connection.close()
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
             and rows == per_side + BASELINE_WARM and refused == 0)
    text = (f"Stored: Threadline {payloads:,} payloads and {messages.count():,} messages "
            f"({distinct:,} distinct) for {threadline_posts:,} POSTs; baseline {rows:,} rows "
            f"for {per_side + BASELINE_WARM:,} POSTs; {refused} refused — "
            + ("every POST stored and delivered exactly once." if exact
               else "**NOT exactly once**."))
    return exact, text


def main() -> int:
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
    parser.add_argument("--worker-nice", type=int, default=10)
    parser.add_argument("--drain-timeout", type=float, default=300)
    options = parser.parse_args()
    for key, value in (QUICK if options.quick else FULL).items():
        if getattr(options, key) is None:
            setattr(options, key, value)
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres")
            and os.environ.get("REDIS_URL")):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this runs on the production stack.")
    command = " ".join(["python -m bench.inbound_baseline",
                        *(shlex.quote(arg) for arg in sys.argv[1:] if arg != options.section
                          and arg != "--section")])
    os.environ["DATABASE_URL"] = own_database_url(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = QUEUE
    channel_name = f"raw-inbound-{QUEUE}"
    os.environ["RAW_BASELINE_CHANNEL"] = channel_name
    machine = describe_machine()

    channel, cookie = setup_threadline()
    threadline_port, baseline_port = free_port(), free_port()
    worker = threadline = baseline = None
    try:
        worker = start_workers(options.workers, nice=options.worker_nice)
        threadline = start_daphne(threadline_port)
        baseline = start_daphne(baseline_port, "bench.raw_baseline:application")
        results = asyncio.run(run(
            options, f"http://127.0.0.1:{threadline_port}/hooks/telegram/{channel.pk}/",
            f"ws://127.0.0.1:{threadline_port}/ws/inbox/", cookie,
            f"http://127.0.0.1:{baseline_port}/", channel_name))
        wait_until_processed(channel)
    finally:
        stop(threadline, baseline, worker)

    exact, stored = check_exactly_once(channel, results, options)
    text = section(options, machine, command, results, stored)
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
