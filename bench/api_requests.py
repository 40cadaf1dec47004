"""The REST API on the production stack: listing threads and posting replies.

Starts Daphne and a Celery worker on a fresh PostgreSQL database (Redis for the broker and
the channel layer), seeds it with ``seed_volume`` (``--customers`` customers and
``--messages`` messages over five teams), creates a write-scope API token that sees every
team, then, each over ``--concurrency`` keep-alive connections:

1. **list** — ``GET /api/v1/threads/?page_size=50`` ``--requests`` times (the first page of
   the newest threads, each with its customer, assignee, team, tags and last message);
2. **filtered** — the same with ``status=open`` and a team;
3. **reply** — ``POST /api/v1/threads/<id>/messages/`` on threads whose customer wrote by
   e-mail (the channels have no provider credentials: the stub adapter delivers them);

and prints requests per second and the latency's p50 / p99 for each, and checks that every
reply was stored once and delivered.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench_api
    export REDIS_URL=redis://127.0.0.1:6379/9
    .venv/bin/python -m bench.api_requests --markdown

The database named in DATABASE_URL is dropped and created again.
"""

import argparse
import asyncio
import json
import os
import sys
import time

from .stack import (
    QUEUE,
    free_port,
    percentile,
    recreate_database,
    start_daphne,
    start_workers,
    stop,
)


async def hammer(session, requests: list[tuple[str, str, dict | None]], concurrency: int) -> dict:
    """Send ``requests`` (method, URL, JSON body) over ``concurrency`` connections."""
    queue = list(reversed(requests))
    latencies, statuses = [], []

    async def connection():
        while queue:
            method, url, body = queue.pop()
            started = time.perf_counter()
            async with session.request(method, url, json=body) as response:
                await response.read()
                statuses.append(response.status)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    ok = sum(200 <= status < 300 for status in statuses)
    return {"requests": len(statuses), "ok": ok, "rate": len(statuses) / seconds,
            "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
            "statuses": sorted(set(statuses))}


async def run(options, port: int, raw_key: str, team_id: int,
              replies: list[tuple[int, int]]) -> dict[str, dict]:
    import aiohttp

    base = f"http://127.0.0.1:{port}/api/v1"
    headers = {"Authorization": f"Bearer {raw_key}"}
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        listing = [("GET", f"{base}/threads/?page_size=50", None)] * options.requests
        filtered = [("GET", f"{base}/threads/?page_size=50&status=open&team={team_id}",
                     None)] * options.requests
        posting = [("POST", f"{base}/threads/{thread_id}/messages/",
                    {"channel": channel_id, "text": f"API bench reply {number}"})
                   for number, (thread_id, channel_id) in enumerate(replies)]
        await hammer(session, listing[:50], 4)  # warm up: imports, connections
        return {
            "list threads (page of 50)": await hammer(session, listing, options.concurrency),
            "list open threads of a team": await hammer(session, filtered, options.concurrency),
            "post a reply": await hammer(session, posting, options.concurrency),
        }


def reply_targets(count: int) -> list[tuple[int, int]]:
    """Threads whose customer last wrote by e-mail, with that channel: where a reply goes."""
    from inbox.models import Message

    rows = (Message.objects.filter(direction="inbound", channel__kind="email")
            .order_by("thread_id").distinct("thread_id")
            .values_list("thread_id", "channel_id")[:count])
    return list(rows)


def wait_until_delivered(texts_prefix: str, expected: int, timeout: float = 300) -> int:
    from inbox.models import Message

    deadline = time.monotonic() + timeout
    replies = Message.objects.filter(direction="outbound", text__startswith=texts_prefix)
    while time.monotonic() < deadline:
        if replies.filter(delivery_status="sent").count() >= expected:
            break
        time.sleep(0.5)
    return replies.filter(delivery_status="sent").count()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=2_000, help="per listing measure")
    parser.add_argument("--replies", type=int, default=1_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = QUEUE
    # The bench measures the server, not the rate limit.
    os.environ["THREADLINE_API_RATE"] = "10000000/min"
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (and DATABASE_URL): this runs on the production stack.")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from api.tokens import create_token
    from inbox.models import Message, Team

    recreate_database()
    connection.close()
    call_command("migrate", verbosity=0)
    started = time.monotonic()
    call_command("seed_volume", customers=options.customers, messages=options.messages,
                 agent_password="", verbosity=0)
    print(f"seeded {options.customers} customers, {options.messages} messages in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    _token, raw_key = create_token(name="Bench", scope="write", all_teams=True)
    team_id = Team.objects.order_by("pk").values_list("pk", flat=True).first()
    replies = reply_targets(options.replies)
    connection.close()

    port = free_port()
    worker = start_workers(options.workers)
    daphne = start_daphne(port)
    try:
        results = asyncio.run(run(options, port, raw_key, team_id, replies))
        delivered = wait_until_delivered("API bench reply", len(replies))
    finally:
        stop(daphne, worker)

    stored = Message.objects.filter(direction="outbound",
                                    text__startswith="API bench reply").count()
    for name, result in results.items():
        print(f"{name}: {result['requests']} requests, {result['ok']} ok "
              f"(statuses {result['statuses']}), {result['rate']:.0f}/s, "
              f"p50 {result['p50'] * 1000:.1f} ms, p99 {result['p99'] * 1000:.1f} ms")
    print(f"replies: {len(replies)} posted, {stored} stored, {delivered} delivered")
    exact = stored == delivered == len(replies) and all(
        result["ok"] == result["requests"] for result in results.values())
    if options.markdown:
        print(f"\n| {options.concurrency} connections | requests/s | p50 | p99 |")
        print("|---|---|---|---|")
        for name, result in results.items():
            print(f"| {name} | {result['rate']:.0f} | {result['p50'] * 1000:.1f} ms | "
                  f"{result['p99'] * 1000:.1f} ms |")
    print(json.dumps({"exact": exact}))
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
