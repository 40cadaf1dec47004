"""Telegram webhooks into the production stack, with an agent watching.

Starts Daphne and a Celery worker on a fresh PostgreSQL database (Redis for the broker and
the channel layer), creates a Telegram channel and an agent whose WebSocket stays connected,
then:

1. **flood** — posts ``--updates`` signed updates (10,000) from 2,000 customers as fast as
   the server takes them (``--concurrency`` connections): accepted webhooks per second, the
   POST's own latency, and how long until the last event reached the agent's socket;
2. **paced** — posts ``--paced`` more at ``--rate`` per second (100): the time from each POST
   to its event on the agent's socket, p50 and p99;
3. **retries** — posts 1 % of the updates again, as Telegram does when it misses a 2xx;

and checks that every update was stored exactly as often as it was posted and became
exactly one message.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench_telegram
    export REDIS_URL=redis://127.0.0.1:6379/9
    .venv/bin/python -m bench.telegram_webhooks --markdown

The database named in DATABASE_URL is dropped and created again.
"""

import argparse
import asyncio
import json
import os
import statistics
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

SECRET = "bench-webhook-Secret_42"
CUSTOMERS = 2000


def update(number: int) -> bytes:
    user = 500_000_000 + number % CUSTOMERS
    return json.dumps({
        "update_id": 900_000_000 + number,
        "message": {
            "message_id": number + 1, "date": 1_795_000_000,
            "chat": {"id": user, "type": "private", "first_name": "Customer"},
            "from": {"id": user, "is_bot": False, "first_name": "Customer",
                     "last_name": str(number % CUSTOMERS), "language_code": "en"},
            "text": f"bench #{number}: where is my order?",
        },
    }).encode()


class Watcher:
    """The agent's socket: when each bench message's event arrived."""

    def __init__(self):
        self.arrived: dict[int, float] = {}

    async def listen(self, socket) -> None:
        async for frame in socket:
            data = json.loads(frame.data)
            event = data.get("event") or {}
            if event.get("type") != "message.received":
                continue
            text = event["payload"]["message"]["text"]
            if text.startswith("bench #"):
                self.arrived.setdefault(int(text[7:text.index(":")]), time.time())

    async def wait_for(self, numbers: range, timeout: float) -> float:
        """When the last of ``numbers`` arrived; exits if some never do."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all(number in self.arrived for number in numbers):
                return max(self.arrived[number] for number in numbers)
            await asyncio.sleep(0.01)
        missing = sum(number not in self.arrived for number in numbers)
        raise SystemExit(f"{missing} of {len(numbers)} events never reached the agent's "
                         f"socket within {timeout:.0f} s")


async def post(session, url: str, number: int, sent: dict[int, float]) -> tuple[int, float]:
    started = time.perf_counter()
    # Wall-clock times (sent, arrived) compare with the database's timestamps.
    sent.setdefault(number, time.time())
    async with session.post(url, data=update(number), headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        await response.read()
        return response.status, time.perf_counter() - started


async def flood(session, url, numbers, concurrency, sent) -> dict:
    queue = list(numbers)[::-1]
    statuses, latencies = [], []

    async def connection():
        while queue:
            status, seconds = await post(session, url, queue.pop(), sent)
            statuses.append(status)
            latencies.append(seconds)

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    accepted = sum(status == 200 for status in statuses)
    return {"seconds": seconds, "accepted": accepted, "rate": accepted / seconds,
            "refused": len(statuses) - accepted, "post_p50": percentile(latencies, 0.5),
            "post_p99": percentile(latencies, 0.99)}


async def paced(session, url, numbers, rate, sent) -> list[int]:
    started = time.perf_counter()
    statuses, tasks = [], []

    async def one(number):
        status, _ = await post(session, url, number, sent)
        statuses.append(status)

    for index, number in enumerate(numbers):
        await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(one(number)))
    await asyncio.gather(*tasks)
    return statuses


def agent_cookie() -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from inbox.models import Team, User

    agent = User.objects.create_user(username="bench-agent", password="x", role="agent")
    agent.teams.set([Team.objects.get(name="Bench")])
    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    session.create()
    return session.session_key


async def run(options, port: int, channel_id: int, cookie: str) -> dict:
    import aiohttp

    base = f"http://127.0.0.1:{port}"
    url = f"{base}/hooks/telegram/{channel_id}/"
    watcher = Watcher()
    sent: dict[int, float] = {}
    connector = aiohttp.TCPConnector(limit=options.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        socket = await session.ws_connect(f"ws://127.0.0.1:{port}/ws/inbox/", headers={
            "Origin": base, "Cookie": f"sessionid={cookie}"}, max_msg_size=0)
        listener = asyncio.create_task(watcher.listen(socket))
        # Warm up: the server's first requests open connections and import code.
        warm = range(options.updates + options.paced, options.updates + options.paced + 50)
        await flood(session, url, warm, 8, sent)
        await watcher.wait_for(warm, 60)

        flooded = range(options.updates)
        burst = await flood(session, url, flooded, options.concurrency, sent)
        print(f"flood posted: {burst['accepted']} accepted, {burst['rate']:.0f}/s", flush=True)
        burst["drained"] = await watcher.wait_for(flooded, options.drain_timeout) - sent[0]
        print(f"flood drained: {burst['drained']:.1f} s", flush=True)

        steady = range(options.updates, options.updates + options.paced)
        statuses = await paced(session, url, steady, options.rate, sent)
        await watcher.wait_for(steady, 120)
        to_socket = [watcher.arrived[n] - sent[n] for n in steady]

        retried = range(0, options.updates, 100)
        again = await flood(session, url, retried, 8, {})
        listener.cancel()
        await socket.close()
    return {"burst": burst, "paced_refused": sum(s != 200 for s in statuses),
            "socket_p50": percentile(to_socket, 0.5), "socket_p99": percentile(to_socket, 0.99),
            "socket_max": max(to_socket), "retried": len(retried),
            "retried_accepted": again["accepted"],
            "posted": len(warm) + len(flooded) + len(steady) + len(retried),
            "steady": steady, "sent": sent, "arrived": watcher.arrived}


def paced_stages(channel, result) -> dict[str, float]:
    """Where the paced updates' time went: POST → stored (committed row's received_at) →
    message created (worker) → on the agent's socket."""
    from inbox.models import Message

    created = {int(text[7:text.index(":")]): at.timestamp() for text, at in
               Message.objects.filter(channel=channel, text__startswith="bench #")
               .values_list("text", "created_at")}
    stored = {}
    for body, at in channel.payloads.values_list("body", "received_at"):
        number = json.loads(bytes(body))["update_id"] - 900_000_000
        stored[number] = min(stored.get(number, at.timestamp()), at.timestamp())
    steps = {"POST → stored": [], "stored → message": [], "message → socket": []}
    for n in result["steady"]:
        steps["POST → stored"].append(stored[n] - result["sent"][n])
        steps["stored → message"].append(created[n] - stored[n])
        steps["message → socket"].append(result["arrived"][n] - created[n])
    return {step: statistics.median(values) for step, values in steps.items()}


def wait_until_processed(channel, timeout: float = 600) -> None:
    from channels_adapters.models import InboundPayload

    deadline = time.monotonic() + timeout
    pending = InboundPayload.objects.filter(channel=channel, status="pending")
    while pending.exists():
        if time.monotonic() > deadline:
            raise SystemExit("payloads still pending after the run")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=2_000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes of the one Celery worker")
    parser.add_argument("--pool", default="prefork", help="the Celery worker's pool")
    parser.add_argument("--worker-nice", type=int, default=0,
                        help="run the worker at this nice level (the web server at 0)")
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = QUEUE
    if not os.environ.get("REDIS_URL"):
        sys.exit("Set REDIS_URL (and DATABASE_URL): this runs on the production stack.")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from channels_adapters.models import Channel, InboundPayload
    from inbox.models import Message, Team

    recreate_database()
    connection.close()
    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Bench")
    channel = Channel.objects.create(
        team=team, kind="telegram", name="Bench bot", address="@BenchBot",
        secrets={"bot_token": "123456:bench-token", "webhook_secret": SECRET})
    cookie = agent_cookie()
    connection.close()

    port = free_port()
    worker = start_workers(options.workers, pool=options.pool, nice=options.worker_nice)
    daphne = start_daphne(port)
    try:
        result = asyncio.run(run(options, port, channel.pk, cookie))
        wait_until_processed(channel)
    finally:
        stop(daphne, worker)

    stages = paced_stages(channel, result)
    payloads = InboundPayload.objects.filter(channel=channel)
    messages = Message.objects.filter(channel=channel)
    distinct = messages.values("external_id").distinct().count()
    expected = result["posted"] - result["retried"]
    burst = result["burst"]
    print(f"flood: {burst['accepted']} of {options.updates} accepted in "
          f"{burst['seconds']:.2f} s = {burst['rate']:.0f} webhooks/s "
          f"(POST p50 {burst['post_p50'] * 1000:.0f} ms, p99 {burst['post_p99'] * 1000:.0f} ms); "
          f"last event on the agent's socket {burst['drained']:.1f} s after the first POST "
          f"({options.updates / burst['drained']:.0f} messages/s processed)")
    print(f"paced at {options.rate:.0f}/s: {options.paced} updates, POST → agent's socket "
          f"p50 {result['socket_p50'] * 1000:.0f} ms, p99 {result['socket_p99'] * 1000:.0f} ms, "
          f"max {result['socket_max'] * 1000:.0f} ms; {result['paced_refused']} refused")
    print(f"stored: {payloads.count()} payloads for {result['posted']} POSTs "
          f"({result['retried']} retries), {payloads.filter(status='processed').count()} "
          f"processed; {messages.count()} messages, {distinct} distinct, expected {expected}")
    exact = (payloads.count() == result["posted"] and messages.count() == distinct == expected
             and burst["refused"] == result["paced_refused"] == 0)
    print("paced, median per step: " + ", ".join(
        f"{step} {seconds * 1000:.0f} ms" for step, seconds in stages.items()))
    print("every update stored and received exactly once" if exact else "NOT EXACTLY ONCE")
    if options.markdown:
        print("\n| measure | value |\n|---|---|")
        print(f"| flood: webhooks accepted per second ({options.concurrency} connections) "
              f"| {burst['rate']:.0f} |")
        print(f"| flood: POST latency p50 / p99 | {burst['post_p50'] * 1000:.0f} / "
              f"{burst['post_p99'] * 1000:.0f} ms |")
        print(f"| flood: last of {options.updates} events on the agent's socket | "
              f"{burst['drained']:.1f} s |")
        print(f"| paced {options.rate:.0f}/s: POST → agent's socket p50 / p99 / max | "
              f"{result['socket_p50'] * 1000:.0f} / {result['socket_p99'] * 1000:.0f} / "
              f"{result['socket_max'] * 1000:.0f} ms |")
        print(f"| stored / messages / distinct / expected | {payloads.count()} / "
              f"{messages.count()} / {distinct} / {expected} |")
    return 0 if exact else 1


if __name__ == "__main__":
    sys.exit(main())
