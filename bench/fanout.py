"""WebSocket fan-out: many agents connected across two Daphne processes, one inbound message.

Starts two Daphne processes and one Celery worker on a fresh PostgreSQL database of its own
(``<name>_fanout``, from DATABASE_URL) with Redis for the broker and the channel layer,
creates ``--agents`` agents of one team (500) with their sessions, and connects one inbox
WebSocket per agent, half on each Daphne, from this one asyncio process (in waves of
``--wave``). Then, ``--messages`` times (10), it posts one signed Telegram update (the real
inbound path: webhook → stored payload → Celery task → message and Event → channel layer)
and times, for every socket, how long after the POST the message's event arrived.

Reports the connect time, the POST → socket latency (p50 / p99 / max over the sockets,
median over the messages), the spread between the first and the last socket, the memory
each connection costs each Daphne (VmRSS before and after, per socket), and any socket that
missed a message or got it twice.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench
    export REDIS_URL=redis://127.0.0.1:6379/10
    .venv/bin/python -m bench.fanout [--quick] [--section PATH]

The database ``<name>_fanout`` is dropped and created again, and dropped at the end.
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .fanout_section import reading, section, summary
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

SECRET = "bench-fanout-Secret_42"
MARK = "fanout #"
CUSTOMER = 600_000_001
WARM_NUMBER = 1_000_000  # the warm-up messages, outside the measured numbers
SETTLE_NUMBER = 2_000_000  # the marker that tells the connects' news is delivered


def own_database_url(url: str) -> str:
    """DATABASE_URL with ``_fanout`` added to the database name: this run's own database."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") or "threadline"
    return urlunsplit(parts._replace(path=f"/{name}_fanout"))


def update(number: int) -> bytes:
    """A Telegram update from one customer (one thread: the steady path, not a first
    contact)."""
    return json.dumps({
        "update_id": 800_000_000 + number,
        "message": {
            "message_id": number + 1, "date": 1_795_000_000,
            "chat": {"id": CUSTOMER, "type": "private", "first_name": "Customer"},
            "from": {"id": CUSTOMER, "is_bot": False, "first_name": "Customer",
                     "language_code": "en"},
            "text": f"{MARK}{number}: is anyone there?",
        },
    }).encode()


def create_agents(team, count: int, prefix: str) -> tuple[list[int], list[str]]:
    """``count`` agents of ``team`` with a signed-in session each, written in bulk (the
    password hashed once); their ids and session keys."""
    import string
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from inbox.models import User

    password = make_password("x")
    agents = User.objects.bulk_create([
        User(username=f"{prefix}-{index}", first_name="Agent", last_name=str(index),
             password=password, role=User.Role.AGENT) for index in range(count)])
    User.teams.through.objects.bulk_create([
        User.teams.through(team_id=team.pk, user_id=agent.pk) for agent in agents])
    store = SessionStore()
    expires = timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE)
    keys = [get_random_string(32, string.ascii_lowercase + string.digits) for _ in agents]
    Session.objects.bulk_create([
        Session(session_key=key, expire_date=expires, session_data=store.encode({
            SESSION_KEY: str(agent.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: agent.get_session_auth_hash()}))
        for key, agent in zip(keys, agents, strict=True)])
    return [agent.pk for agent in agents], keys


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Agent:
    """One agent's socket and when each bench message's event reached it."""

    def __init__(self, socket, server: int):
        self.socket, self.server = socket, server
        self.arrived: dict[int, float] = {}
        self.twice = 0
        self.frames = 0

    async def listen(self) -> None:
        async for frame in self.socket:
            self.frames += 1
            if not isinstance(frame.data, str) or MARK not in frame.data:
                continue  # presence of the others, mostly: not parsed
            at = time.perf_counter()
            event = json.loads(frame.data).get("event") or {}
            if event.get("type") != "message.received":
                continue
            text = event["payload"]["message"]["text"]
            number = int(text[len(MARK):text.index(":")])
            if number in self.arrived:
                self.twice += 1
            else:
                self.arrived[number] = at


async def connect(session, port: int, cookie: str, server: int) -> tuple[Agent, float]:
    started = time.perf_counter()
    socket = await session.ws_connect(
        f"ws://127.0.0.1:{port}/ws/inbox/", max_msg_size=0, autoping=True,
        headers={"Origin": f"http://127.0.0.1:{port}", "Cookie": f"sessionid={cookie}"})
    return Agent(socket, server), time.perf_counter() - started


async def connect_all(session, ports, cookies, wave: int) -> tuple[list[Agent], list[float]]:
    """Every cookie's socket, alternately on each server, ``wave`` handshakes at a time."""
    agents, handshakes, refused = [], [], []
    for start in range(0, len(cookies), wave):
        batch = await asyncio.gather(*(
            connect(session, ports[index % 2], cookies[index], index % 2)
            for index in range(start, min(start + wave, len(cookies)))),
            return_exceptions=True)
        for outcome in batch:
            if isinstance(outcome, Exception):
                refused.append(outcome)
                continue
            agent, seconds = outcome
            agent.listener = asyncio.create_task(agent.listen())
            agents.append(agent)
            handshakes.append(seconds)
    if refused:
        # Daphne closes a socket its application has not accepted within
        # --websocket_connect_timeout (5 s): too many handshakes at once wait longer.
        raise SystemExit(f"{len(refused)} of {len(cookies)} handshakes failed, e.g. "
                         f"{refused[0]!r}: connect in smaller waves (--wave)")
    return agents, handshakes


async def post(session, url: str, number: int) -> float:
    """POSTs update ``number``; returns when it was sent (perf_counter)."""
    sent = time.perf_counter()
    async with session.post(url, data=update(number), headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        await response.read()
        if response.status != 200:
            raise SystemExit(f"the webhook answered {response.status} to update {number}")
    return sent


async def wait_for(agents: list[Agent], number: int, timeout: float) -> int:
    """Waits until every socket has ``number``; returns how many never got it."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if all(number in agent.arrived for agent in agents):
            return 0
        await asyncio.sleep(0.005)
    return sum(number not in agent.arrived for agent in agents)


async def warm_up(session, ports, cookies, urls: list[str]) -> None:
    """One socket and one message end to end per server, then closed: imports, connections
    and the customer's thread exist before anything is measured."""
    agents, _ = await connect_all(session, ports, cookies, len(cookies))
    missing = 0
    for number, url in enumerate(urls, start=WARM_NUMBER):
        await post(session, url, number)
        missing += await wait_for(agents, number, 60)
    for agent in agents:
        await agent.socket.close()
        agent.listener.cancel()
    if missing:
        raise SystemExit("the warm-up message never reached the warm-up sockets")


def mark_online(user_ids: list[int]) -> None:
    """The agents are online already (another tab open, or pages reconnecting after a
    restart): their connects announce nothing. Written just before they connect, within the
    heartbeat timeout."""
    from django.db import connection
    from django.utils import timezone

    from inbox.models import AgentPresence

    now = timezone.now()
    AgentPresence.objects.bulk_create([
        AgentPresence(user_id=user_id, status=AgentPresence.Status.ONLINE, connections=1,
                      heartbeat_at=now) for user_id in user_ids])
    connection.close()


async def one_message(session, url: str, agents: list[Agent], number: int,
                      timeout: float, pids: list[int]) -> dict:
    """Posts message ``number`` and times its arrival on every socket (seconds after the
    POST was sent), with the CPU time each Daphne and this client spent meanwhile."""
    cpu_before = [cpu_seconds(pid) for pid in pids] + [time.process_time()]
    sent = await post(session, url, number)
    missing = await wait_for(agents, number, timeout)
    cpu_after = [cpu_seconds(pid) for pid in pids] + [time.process_time()]
    latencies = [agent.arrived[number] - sent for agent in agents if number in agent.arrived]
    nan = float("nan")
    row = {"number": number, "missing": missing,
           "first": min(latencies, default=nan), "p50": percentile(latencies, 0.5),
           "p99": percentile(latencies, 0.99), "max": max(latencies, default=nan)}
    row["spread"] = row["max"] - row["first"]
    row["cpu"] = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
    return row


async def run(options, ports, channel_id: int, agents_in, pids) -> dict:
    """Warm-up, connects, the settle marker, then the measured messages; the figures."""
    import aiohttp

    urls = [f"http://127.0.0.1:{port}/hooks/telegram/{channel_id}/" for port in ports]
    result: dict = {"per_message": [], "sent_wall": {}}
    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await warm_up(session, ports, agents_in["warm_cookies"], urls)
        await asyncio.sleep(1.0)  # the warm sockets' disconnects are handled
        result["rss_before"] = [rss_kb(pid) for pid in pids]

        if not options.fresh_logins:
            await asyncio.to_thread(mark_online, agents_in["user_ids"])
        started = time.perf_counter()
        agents, handshakes = await connect_all(session, ports, agents_in["cookies"],
                                               options.wave)
        connected = time.perf_counter()
        result["connect_seconds"] = connected - started
        result["handshakes"] = handshakes
        print(f"connected {len(agents)} sockets in {result['connect_seconds']:.1f} s "
              f"(waves of {options.wave}; handshake p50 "
              f"{percentile(handshakes, 0.5) * 1000:.0f} ms, p99 "
              f"{percentile(handshakes, 0.99) * 1000:.0f} ms)", flush=True)
        # A marker behind whatever the connects sent: once every socket has it, they are idle.
        await post(session, urls[0], SETTLE_NUMBER)
        if await wait_for(agents, SETTLE_NUMBER, options.settle_timeout):
            raise SystemExit(f"the sockets were still busy {options.settle_timeout:.0f} s "
                             "after connecting")
        result["settle_seconds"] = time.perf_counter() - connected
        result["connect_frames"] = sum(agent.frames for agent in agents) - len(agents)
        print(f"every socket idle {result['settle_seconds']:.1f} s after the last connect "
              f"({result['connect_frames']} frames of news of the connects)", flush=True)
        result["rss_after"] = [rss_kb(pid) for pid in pids]

        print(f"{'message':>7} {'server':>6} {'first':>8} {'p50':>8} {'p99':>8} {'max':>8} "
              f"{'spread':>8} {'missing':>7}  (ms after the POST)", flush=True)
        for number in range(options.messages):
            server = number % 2
            result["sent_wall"][number] = time.time()
            row = await one_message(session, urls[server], agents, number, options.timeout,
                                    pids)
            row["server"] = server
            result["per_message"].append(row)
            print(f"{number:>7} {server + 1:>6} " + " ".join(
                f"{row[key] * 1000:>8.0f}" for key in ("first", "p50", "p99", "max", "spread"))
                + f" {row['missing']:>7}", flush=True)
            await asyncio.sleep(options.gap)
        result["twice"] = sum(agent.twice for agent in agents)
        result["agents_per_server"] = [sum(agent.server == index for agent in agents)
                                       for index in (0, 1)]
        for agent in agents:
            agent.listener.cancel()
    return result


def stored_after_post(channel, result: dict) -> float:
    """Adds to each message's row the time from its POST to the worker's message (wall
    clocks of this machine): the inbound path's share, before any fan-out; their median."""
    from inbox.models import Message

    created = {}
    for text, at in Message.objects.filter(channel=channel, text__startswith=MARK) \
            .values_list("text", "created_at"):
        created[int(text[len(MARK):text.index(":")])] = at.timestamp()
    for row in result["per_message"]:
        row["stored"] = created[row["number"]] - result["sent_wall"][row["number"]]
    return statistics.median(row["stored"] for row in result["per_message"])


def fill_database(agents: int) -> tuple:
    """Tables, the team, its Telegram channel and its agents; the channel, and the agents'
    ids and session keys (two more for the warm-up)."""
    from django.core.management import call_command
    from django.db import connection

    from channels_adapters.models import Channel
    from inbox.models import Team

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Fan-out")
    channel = Channel.objects.create(
        team=team, kind="telegram", name="Fan-out bot", address="@FanoutBot",
        secrets={"bot_token": "123456:fanout-token", "webhook_secret": SECRET})
    user_ids, cookies = create_agents(team, agents, "agent")
    _, warm_cookies = create_agents(team, 2, "warm")
    connection.close()
    return channel, {"user_ids": user_ids, "cookies": cookies, "warm_cookies": warm_cookies}


def forget_channel_layer_keys() -> None:
    """Deletes this run's own keys in Redis (its channel-layer prefix and Celery queue are
    named after its process id): the servers were stopped with their sockets in groups."""
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    keys = [key for pattern in (f"{QUEUE}:*", f"{QUEUE}specific*", QUEUE)
            for key in client.scan_iter(match=pattern, count=1000)]
    keys += [f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}"]
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])
    client.close()


def drop_database() -> None:
    import psycopg
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    database = settings.DATABASES["default"]
    with psycopg.connect(host=database["HOST"], port=database["PORT"] or 5432,
                         user=database["USER"], dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        limit = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="50 agents, 5 messages")
    parser.add_argument("--agents", type=int, help="sockets in all (500; quick 50)")
    parser.add_argument("--messages", type=int, help="inbound messages (10; quick 5)")
    parser.add_argument("--wave", type=int, default=50, help="handshakes at a time")
    parser.add_argument("--gap", type=float, default=0.5,
                        help="seconds between one message's last arrival and the next POST")
    parser.add_argument("--timeout", type=float, default=30.0,
                        help="seconds a message may take to reach every socket")
    parser.add_argument("--settle-timeout", type=float, default=300.0,
                        help="seconds the connects' news may take to reach every socket")
    parser.add_argument("--fresh-logins", action="store_true",
                        help="agents offline before they connect: each connect announces "
                             "their presence to the team (n connects, about n²/2 frames)")
    parser.add_argument("--section", type=Path, help="write a Markdown section here")
    options = parser.parse_args()
    options.agents = options.agents or (50 if options.quick else 500)
    options.messages = options.messages or (5 if options.quick else 10)
    if options.agents < 2:
        parser.error("--agents must be at least 2")

    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL: this runs on the production "
                 "stack.")
    options.machine = describe_machine()  # the load average as the run begins
    os.environ["DATABASE_URL"] = own_database_url(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = QUEUE
    began = time.perf_counter()
    raise_file_limit(2 * options.agents + 256)  # sockets here; the servers inherit it
    import django

    django.setup()
    from django.db import connection

    recreate_database()
    connection.close()
    ports = [free_port(), free_port()]
    # The worker and the servers start while the database is migrated and filled (they touch
    # it only later).
    pool = ThreadPoolExecutor(3)
    starting = [pool.submit(start_workers, 1),
                *(pool.submit(start_daphne, port) for port in ports)]
    try:
        try:
            channel, agents_in = fill_database(options.agents)
            print(f"database and {options.agents} agents ready at "
                  f"{time.perf_counter() - began:.1f} s", flush=True)
            for future in starting:
                future.result()
            print(f"Celery worker and two Daphne processes up at "
                  f"{time.perf_counter() - began:.1f} s", flush=True)
            result = asyncio.run(run(options, ports, channel.pk, agents_in,
                                     [future.result().pid for future in starting[1:]]))
        finally:
            stopping = time.perf_counter()
            wait(starting)
            stop(*(future.result() for future in starting if future.exception() is None))
            pool.shutdown()
            print(f"processes stopped in {time.perf_counter() - stopping:.1f} s", flush=True)
        stored = stored_after_post(channel, result)
    finally:
        forget_channel_layer_keys()
        drop_database()
    table = summary(options, result, stored)
    width = max(len(measure) for measure, _ in table)
    print()
    for measure, value in table:
        print(f"{measure:<{width}}  {value}")
    print()
    print("\n".join(reading(options, result, stored)))
    if options.section:
        options.section.write_text(section(options, result, stored, table))
    print(f"total {time.perf_counter() - began:.0f} s")

    missing = sum(row["missing"] for row in result["per_message"])
    if missing or result["twice"]:
        print(f"FAILED: {missing} deliveries missing, {result['twice']} twice",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
