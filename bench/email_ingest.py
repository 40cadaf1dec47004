"""E-mail ingestion: 1,000 mixed mails from a real Dovecot mailbox into PostgreSQL.

Starts a Dovecot of its own on loopback (tests/mail_servers.py), delivers the mails with
Dovecot's delivery agent (not timed), then times the IMAP poller taking them all: fetch,
raw storage, parsing, customer resolution, messages, events, and their publication on the
channel layer (Redis when REDIS_URL is set). Checks that every mail is present exactly once.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench_mail
    export REDIS_URL=redis://127.0.0.1:6379/9
    .venv/bin/python -m bench.email_ingest --messages 1000 --runs 3 --markdown

The database named in DATABASE_URL is dropped and created again for each run.
"""

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

from .stack import QUEUE, recreate_database, start_workers

PDF = b"%PDF-1.4\n" + bytes(random.Random(7).randrange(256) for _ in range(40_000))


def mixed_mails(count: int, seed: int = 1) -> list[bytes]:
    """Plain, HTML alternative, replies with quoted history, attachments, other charsets and
    auto-replies, from 300 senders (so many customers write more than once)."""
    chance = random.Random(seed)
    mails = []
    for number in range(count):
        sender = f"customer{chance.randrange(300)}@example.com"
        message = EmailMessage()
        message["From"] = f"Customer {sender.split('@')[0][8:]} <{sender}>"
        message["To"] = "support@threadline.test"
        message["Message-ID"] = f"<bench-{seed}-{number}@example.com>"
        message["Date"] = "Mon, 23 Nov 2026 08:00:00 +0000"
        kind = chance.random()
        text = f"Hello, this is about my order {10000 + number}. " * chance.randint(1, 8)
        if kind < 0.40:
            message["Subject"] = f"Order {10000 + number}"
            message.set_content(text)
        elif kind < 0.65:
            message["Subject"] = f"Question {number}"
            message.set_content(text)
            message.add_alternative(f"<html><body><p>{text}</p><p><b>Thanks</b></p>"
                                    f"<img src='https://tracker.example/x.gif'></body></html>",
                                    subtype="html")
        elif kind < 0.80:
            message["Subject"] = f"Re: Order {10000 + number}"
            message["In-Reply-To"] = f"<reply-{number}@threadline.test>"
            quoted = "\n".join(f"> {line}" for line in ["Our earlier answer."] * 30)
            message.set_content(f"{text}\n\nOn Sun, 22 Nov 2026, Support wrote:\n{quoted}\n")
        elif kind < 0.90:
            message["Subject"] = f"Invoice {number}"
            message.set_content(text)
            message.add_attachment(PDF, maintype="application", subtype="pdf",
                                   filename=f"invoice-{number}.pdf")
        elif kind < 0.95:
            message["Subject"] = f"Commande {number} – problème"
            message.set_content(f"Bonjour, ma commande n°{number} est arrivée abîmée. Merci !",
                                charset="iso-8859-1")
        else:
            message["Subject"] = "Out of office"
            message["Auto-Submitted"] = "auto-replied"
            message.set_content("I am away until Monday.")
        mails.append(bytes(message))
    return mails


def run_once(mails: list[bytes], workers: int, dovecot=None,
             database_ready: bool = False) -> dict:
    """One ingestion into a fresh database, made and migrated here unless ``database_ready``.
    ``dovecot``: a started Dovecot whose "support" mailbox already holds ``mails``, left
    running; without it one is started here and the mails delivered. (bench/helpdesk_ingest
    gives both of its sides a copy of one mailbox and of one migrated database.)"""
    from django.core.management import call_command
    from django.db import connection

    from channels_adapters.email.imap_poller import poll_channel
    from channels_adapters.models import Channel, InboundPayload
    from inbox.models import Message, Team
    from tests.mail_servers import Dovecot

    connection.close()
    if not database_ready:
        recreate_database()
        call_command("migrate", verbosity=0)
    own_dovecot = dovecot is None
    if own_dovecot:
        dovecot = Dovecot(Path(tempfile.mkdtemp(prefix="threadline-bench-dovecot-"))).start()
    try:
        started = time.perf_counter()
        for raw in mails if own_dovecot else ():
            dovecot.deliver("support", raw)
        delivered_s = time.perf_counter() - started
        team = Team.objects.create(name="Bench")
        channel = Channel.objects.create(
            team=team, kind="email", name="Bench mailbox", address="support@threadline.test",
            settings=dovecot.channel_settings("support"), secrets={"imap_password": "secret"})
        worker = start_workers(workers) if workers else None
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        # Without workers the poller parses each batch itself; with them, each stored batch
        # is a task and the clock stops when the last mail is processed.
        result = poll_channel(channel, process=not workers)
        pending = InboundPayload.objects.filter(channel=channel, status="pending")
        deadline = time.monotonic() + 600
        while workers and pending.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if worker is not None:
            rss_peak = max(rss_peak, _children_peak_kb())
            worker.terminate()
            worker.wait(timeout=30)
        messages = Message.objects.filter(channel=channel)
        distinct = messages.values("external_id").distinct().count()
        return {
            "seconds": seconds, "rate": len(mails) / seconds, "delivered_s": delivered_s,
            "fetched": result.fetched, "messages": messages.count(), "distinct": distinct,
            "failed": InboundPayload.objects.filter(channel=channel, status="failed").count(),
            "rss_before_mb": rss_before / 1024, "rss_peak_mb": rss_peak / 1024,
        }
    finally:
        if own_dovecot:
            dovecot.stop()


def _children_peak_kb() -> int:
    """The largest peak RSS of a worker process (read from /proc while they run)."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if f"bench-{os.getpid()}" in (status.parent / "cmdline").read_text(errors="replace") \
                and "VmHWM" in text:
            peaks.append(int(text.split("VmHWM:")[1].split()[0]))
    return max(peaks, default=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=0,
                        help="Celery worker processes to parse the batches (0: the poller "
                             "parses them itself)")
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["CELERY_QUEUE"] = QUEUE  # the tasks of this run, for its workers only
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="threadline-bench-media-")
    mails = mixed_mails(options.messages)
    size_kb = sum(map(len, mails)) / 1024
    print(f"{len(mails)} mails, {size_kb:.0f} KB; channel layer "
          f"{settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}")
    runs = []
    for number in range(options.runs):
        run = run_once(mails, options.workers)
        runs.append(run)
        print(f"run {number + 1}: {run['seconds']:.2f} s, {run['rate']:.0f} messages/s; "
              f"{run['messages']} messages ({run['distinct']} distinct), "
              f"{run['failed']} failed; peak RSS {run['rss_peak_mb']:.0f} MB "
              f"(before {run['rss_before_mb']:.0f} MB); delivery into Dovecot "
              f"{run['delivered_s']:.1f} s")
        if run["messages"] != len(mails) or run["distinct"] != len(mails):
            print("NOT every mail exactly once", file=sys.stderr)
            return 1
    rate = statistics.median(run["rate"] for run in runs)
    peak = max(run["rss_peak_mb"] for run in runs)
    print(f"median {rate:.0f} messages/s over {len(runs)} runs; peak RSS {peak:.0f} MB")
    if options.markdown:
        print("\n| run | seconds | messages/s | messages (distinct) | peak RSS MB |")
        print("|---|---|---|---|---|")
        for number, run in enumerate(runs, 1):
            print(f"| {number} | {run['seconds']:.2f} | {run['rate']:.0f} | "
                  f"{run['messages']} ({run['distinct']}) | {run['rss_peak_mb']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
