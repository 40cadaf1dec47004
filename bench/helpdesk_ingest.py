"""E-mail ingestion side by side with django-helpdesk: the same mails, the same mailbox.

The mixed mails of bench/email_ingest.py are delivered once into a Dovecot mailbox by
Dovecot's own delivery agent; each run starts a Dovecot of its own on a fresh copy of that
mailbox and a fresh database, and one side takes every mail from it:

- Threadline: the IMAP poller parsing each batch itself (bench/email_ingest.run_once without
  workers), one process, on PostgreSQL with the channel layer on Redis;
- django-helpdesk (PyPI) in a virtualenv of its own (.bench/helpdesk-venv, made with uv on
  the first run): ``get_email`` from an IMAP Queue, on PostgreSQL too
  (bench/helpdesk_project/).

The two alternate, three runs each (fewer when another would end after --budget seconds);
messages per second count from the first IMAP command to the last mail stored, and peak
memory is the ingesting process's peak RSS (from wait4).

    .venv/bin/python -m bench.helpdesk_ingest [--quick] [--section PATH]

DATABASE_URL names the PostgreSQL server; the databases <name>_email, <name>_helpdesk and
their <name>_..._template are dropped and created again.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from urllib.parse import urlparse

from .email_ingest import mixed_mails, run_once

HELPDESK_REQUIREMENTS = ["django-helpdesk==2.6.1", "django>=5.2,<5.3", "psycopg[binary]"]
REPOSITORY = Path(__file__).resolve().parent.parent
HELPDESK_VENV = REPOSITORY / ".bench" / "helpdesk-venv"
HELPDESK_PROJECT = Path(__file__).resolve().parent / "helpdesk_project"
MAILBOX_USER = "support"


def helpdesk_python() -> Path:
    """django-helpdesk's interpreter, its virtualenv made with uv when missing or broken."""
    python = HELPDESK_VENV / "bin" / "python"
    check = [str(python), "-c", "import helpdesk, psycopg, django"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if not uv:
        sys.exit("uv is needed to make django-helpdesk's virtualenv (pip install uv)")
    environment = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    print(f"making django-helpdesk's virtualenv in {HELPDESK_VENV} ...", flush=True)
    for command in ([uv, "venv", "-q", "--clear", "--python", sys.executable,
                     str(HELPDESK_VENV)],
                    [uv, "pip", "install", "-q", "--python", str(python),
                     *HELPDESK_REQUIREMENTS]):
        done = subprocess.run(command, env=environment, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{' '.join(command)} failed:\n{done.stderr}")
    return python


def helpdesk_versions(python: Path) -> str:
    script = ("from importlib.metadata import version as v; "
              "print(f'django-helpdesk {v(\"django-helpdesk\")}, Django {v(\"django\")}')")
    return subprocess.run([str(python), "-c", script], capture_output=True, text=True,
                          check=True).stdout.strip()


def database_url(suffix: str) -> str:
    """DATABASE_URL with its database name followed by ``suffix``."""
    url = os.environ.get("DATABASE_URL", "")
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (postgres://...).")
    return parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}").geturl()


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def recreate_database(url: str, *, template: str = "") -> None:
    import psycopg

    name = database_name(url)
    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template
                                                      else ""))


def fill_mailbox(mails: list[bytes]) -> tuple[Path, float]:
    """A Dovecot home holding every mail, delivered by dovecot-lda; the seconds it took."""
    from tests.mail_servers import Dovecot

    dovecot = Dovecot(Path(tempfile.mkdtemp(prefix="helpdesk-bench-mailbox-"))).start()
    try:
        started = time.perf_counter()
        # Maildir takes concurrent deliveries; the order of arrival does not matter, as both
        # sides read copies of this one mailbox.
        with ThreadPoolExecutor(4) as deliveries:
            list(deliveries.map(partial(dovecot.deliver, MAILBOX_USER), mails))
        return dovecot.root, time.perf_counter() - started
    finally:
        dovecot.stop()


def dovecot_with_copy_of(mailbox: Path):
    """A started Dovecot whose mailboxes are a fresh copy of ``mailbox``'s."""
    from tests.mail_servers import Dovecot

    root = Path(tempfile.mkdtemp(prefix="helpdesk-bench-dovecot-"))
    shutil.copytree(mailbox / "mail", root / "mail")
    for folder, _, files in os.walk(root / "mail"):
        for name in [folder, *(os.path.join(folder, file) for file in files)]:
            shutil.chown(name, "nobody", "nogroup")
    return Dovecot(root).start()


def run_measured(command: list[str], environment: dict) -> tuple[dict, float]:
    """Run ``command``; its last line of output (JSON) and its peak RSS in MB."""
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, env=environment, cwd=REPOSITORY, stdout=output,
                                   stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        errors.seek(0)
        lines = output.read().decode(errors="replace").strip().splitlines()
        if process.returncode != 0 or not lines:
            sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n"
                     f"{errors.read().decode(errors='replace')[-3000:]}")
    return json.loads(lines[-1]), usage.ru_maxrss / 1024


def run_threadline(count: int, mailbox: Path) -> dict:
    url = database_url("email")
    recreate_database(url, template=database_name(database_url("email_template")))
    environment = {**os.environ, "DATABASE_URL": url,
                   "DJANGO_SETTINGS_MODULE": "config.settings"}
    command = [sys.executable, "-m", "bench.helpdesk_ingest", "--threadline-run",
               str(mailbox), "--messages", str(count)]
    run, peak_mb = run_measured(command, environment)
    complete = run["messages"] == count and run["distinct"] == count
    return {"seconds": run["seconds"], "rate": count / run["seconds"], "peak_mb": peak_mb,
            "complete": complete, "before_mb": run["rss_before_mb"],
            "cpu_seconds": run["cpu_seconds"],
            "ingested": f"{run['messages']} messages ({run['distinct']} distinct)"}


def threadline_run(count: int, mailbox: Path) -> None:
    """The Threadline side in a process of its own (--threadline-run), so that its peak RSS
    is this run's alone: prints bench/email_ingest.run_once's figures as JSON."""
    from bench.stack import QUEUE

    os.environ["CELERY_QUEUE"] = QUEUE  # tasks the inline poller schedules stay in its queue
    import django

    django.setup()
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="threadline-bench-media-")
    dovecot = dovecot_with_copy_of(mailbox)
    try:
        # The mailbox holds the mails: run_once only counts them, so this process does not
        # hold a copy django-helpdesk's does not (and migrated nothing: like get_email's).
        cpu_started = time.process_time()
        run = run_once([b""] * count, 0, dovecot=dovecot, database_ready=True)
        run["cpu_seconds"] = time.process_time() - cpu_started
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        shutil.rmtree(settings.MEDIA_ROOT, ignore_errors=True)
    print(json.dumps(run))


def run_helpdesk(count: int, mailbox: Path, python: Path) -> dict:
    from imapclient import IMAPClient

    from tests.mail_servers import PASSWORD

    url = database_url("helpdesk")
    recreate_database(url, template=database_name(database_url("helpdesk_template")))
    media = tempfile.mkdtemp(prefix="helpdesk-bench-media-")
    environment = {**os.environ, "HELPDESK_DATABASE_URL": url, "HELPDESK_MEDIA_ROOT": media}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    script = str(HELPDESK_PROJECT / "mailbox_queue.py")
    dovecot = dovecot_with_copy_of(mailbox)
    try:
        run, peak_mb = run_measured([str(python), script, "--port", str(dovecot.port),
                                     "--user", MAILBOX_USER, "--password", PASSWORD],
                                    environment)
        with IMAPClient("127.0.0.1", port=dovecot.port, ssl=False) as client:
            client.login(MAILBOX_USER, PASSWORD)
            left = client.select_folder("INBOX", readonly=True)[b"EXISTS"]
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot.root, ignore_errors=True)
        shutil.rmtree(media, ignore_errors=True)
    # Every mail is one FollowUp (a new ticket's first one, or one added to a ticket).
    complete = run["followups"] == count and left == 0
    return {"seconds": run["seconds"], "rate": count / run["seconds"], "peak_mb": peak_mb,
            "complete": complete, "before_mb": run["rss_before_mb"],
            "cpu_seconds": run["cpu_seconds"],
            "ingested": f"{run['tickets']} tickets, {run['followups']} follow-ups, "
                        f"{left} left in the mailbox"}


def prepare_templates(helpdesk: Path) -> None:
    """Each side's migrated database, copied for each run: a fresh database without the
    ingesting process migrating it (django-helpdesk cannot make a Queue twice in one
    database, and migrating would count in a process's peak memory and cost a run's time)."""
    migrations = []
    for suffix, python, manage, variable in (
            ("email_template", sys.executable, REPOSITORY / "manage.py", "DATABASE_URL"),
            ("helpdesk_template", str(helpdesk), HELPDESK_PROJECT / "manage.py",
             "HELPDESK_DATABASE_URL")):
        url = database_url(suffix)
        recreate_database(url)
        environment = {**os.environ, variable: url}
        if variable != "DATABASE_URL":
            environment.pop("DJANGO_SETTINGS_MODULE", None)
        migrations.append(subprocess.Popen(
            [python, str(manage), "migrate", "--noinput", "-v0"], env=environment,
            cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    for migration in migrations:  # side by side: their output is only read on failure
        errors = migration.communicate()[1]
        if migration.returncode != 0:
            sys.exit(f"{' '.join(migration.args)} failed:\n{errors[-3000:]}")


def median(runs: list[dict], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def growth(runs: list[dict]) -> float:
    return statistics.median(run["peak_mb"] - run["before_mb"] for run in runs)


def summary_table(threadline: list[dict], helpdesk: list[dict], helpdesk_name: str) -> str:
    def spread(runs, key):
        values = [run[key] for run in runs]
        return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"

    def ingested(runs):
        return "; ".join(sorted({run["ingested"] for run in runs})) + (
            "" if all(run["complete"] for run in runs) else " — NOT ALL")

    rate_ratio = median(threadline, "rate") / median(helpdesk, "rate")
    memory_ratio = median(threadline, "peak_mb") / median(helpdesk, "peak_mb")
    rows = [
        f"| | Threadline (IMAP poller, inline) | {helpdesk_name} (get_email) "
        "| Threadline ÷ django-helpdesk |",
        "|---|---|---|---|",
        f"| messages/s, median (min–max) | {spread(threadline, 'rate')} | "
        f"{spread(helpdesk, 'rate')} | **{rate_ratio:.2f}×** |",
        f"| seconds, median | {median(threadline, 'seconds'):.1f} | "
        f"{median(helpdesk, 'seconds'):.1f} | {1 / rate_ratio:.2f}× |",
        f"| CPU seconds of the ingesting process, median | "
        f"{median(threadline, 'cpu_seconds'):.1f} | {median(helpdesk, 'cpu_seconds'):.1f} | "
        f"{median(threadline, 'cpu_seconds') / median(helpdesk, 'cpu_seconds'):.2f}× |",
        f"| peak RSS of the ingesting process, MB, median (min–max) | "
        f"{spread(threadline, 'peak_mb')} | {spread(helpdesk, 'peak_mb')} | "
        f"**{memory_ratio:.2f}×** |",
        f"| of which before the first mail (Django and the apps loaded), MB | "
        f"{median(threadline, 'before_mb'):.0f} | {median(helpdesk, 'before_mb'):.0f} | "
        f"{median(threadline, 'before_mb') / median(helpdesk, 'before_mb'):.2f}× |",
        f"| growth while ingesting, MB | {growth(threadline):.0f} | {growth(helpdesk):.0f} | "
        f"{growth(threadline) / max(growth(helpdesk), 1):.2f}× |",
        f"| ingested, every run | {ingested(threadline)} | {ingested(helpdesk)} | |",
    ]
    return "\n".join(rows)


def waiting(runs: list[dict]) -> float:
    """The share of the ingestion's time its process was not on a CPU."""
    return statistics.median(1 - run["cpu_seconds"] / run["seconds"] for run in runs)


def reading(threadline: list[dict], helpdesk: list[dict]) -> str:
    rate_ratio = median(threadline, "rate") / median(helpdesk, "rate")
    faster = "faster" if rate_ratio >= 1 else "slower"
    factor = rate_ratio if rate_ratio >= 1 else 1 / rate_ratio
    cpu_ratio = median(helpdesk, "cpu_seconds") / median(threadline, "cpu_seconds")
    return "\n".join([
        f"- Threadline takes the same mailbox {factor:.1f}× {faster} than django-helpdesk "
        f"(median messages/s) and needs {cpu_ratio:.1f}× less CPU in its process, while it "
        f"stores more per mail: the raw mail, the parsed message with sanitised HTML, the "
        f"customer's identity and thread, an Event, and a publication on the channel layer "
        f"(Redis).",
        "- django-helpdesk makes a ticket (or a follow-up) per mail, saves attachments and "
        "renders its acknowledgement to each new ticket's submitter (Django's dummy e-mail "
        "backend: rendered, never sent). It fetches, saves and flags one mail at a time, "
        "each save its own transaction (Django's autocommit); Threadline's poller takes "
        "batches of 100, stored and processed in a few transactions each.",
        f"- Wall time is what a shared machine makes of it: django-helpdesk's process was off "
        f"the CPU {waiting(helpdesk):.0%} of its ingestion (commits with fsync on, IMAP round "
        f"trips, other processes), Threadline's {waiting(threadline):.0%}. The CPU seconds "
        f"are the steadier comparison.",
        "- Each peak RSS is that of a process that only loads Django and its apps and "
        "ingests (both databases are copied from a migrated template before it starts). "
        "Most of either figure is the process before the first mail; Threadline's loads "
        "more (channels-redis, python-telegram-bot, Celery, its apps' models).",
    ])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="100 mails, one run each (development)")
    parser.add_argument("--messages", type=int, help="mails (default 1000, --quick 100)")
    parser.add_argument("--runs", type=int, help="runs of each side (default 3, --quick 1)")
    parser.add_argument("--section", type=Path, help="write a Markdown section to this file")
    parser.add_argument("--budget", type=float, default=540,
                        help="seconds in all: no further run is begun that would end after "
                             "it (the runner stops a benchmark at 600 s)")
    parser.add_argument("--threadline-run", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    count = options.messages or (100 if options.quick else 1000)
    if options.threadline_run:
        threadline_run(count, options.threadline_run)
        return 0
    runs = options.runs or (1 if options.quick else 3)

    from tests.mail_servers import Dovecot

    if not Dovecot.available():
        sys.exit("Dovecot is not installed (make mailserver)")
    started = time.perf_counter()
    python = helpdesk_python()
    helpdesk_name = helpdesk_versions(python)
    prepare_templates(python)
    mails = mixed_mails(count)
    mailbox, delivered_s = fill_mailbox(mails)
    size = f"{count} mixed mails, {sum(map(len, mails)) / 1024:.0f} KB"
    print(f"{size}; {helpdesk_name}; prepared in {time.perf_counter() - started:.0f} s "
          f"(delivery into Dovecot {delivered_s:.1f} s, not timed)", flush=True)
    threadline, helpdesk, round_s = [], [], 0.0
    try:
        for number in range(runs):
            if number and time.perf_counter() - started + round_s > options.budget:
                print(f"stopping after {number} run(s) of each: another would end after "
                      f"the {options.budget:.0f} s budget", flush=True)
                break
            round_started = time.perf_counter()
            # Alternate which side goes first, so neither always runs on a warmer machine.
            order = ("threadline", "helpdesk") if number % 2 == 0 else ("helpdesk", "threadline")
            for side in order:
                if side == "threadline":
                    run = run_threadline(count, mailbox)
                    threadline.append(run)
                else:
                    run = run_helpdesk(count, mailbox, python)
                    helpdesk.append(run)
                print(f"run {number + 1} {side:<10} {run['seconds']:6.1f} s "
                      f"(CPU {run['cpu_seconds']:5.1f} s) "
                      f"{run['rate']:6.0f} messages/s  peak RSS {run['peak_mb']:4.0f} MB  "
                      f"{run['ingested']}", flush=True)
            round_s = time.perf_counter() - round_started
    finally:
        shutil.rmtree(mailbox, ignore_errors=True)
    table = summary_table(threadline, helpdesk, helpdesk_name)
    print()
    print(table)
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    if options.section:
        done = f"{len(threadline)} run{'s' if len(threadline) > 1 else ''} of each side" + (
            f" (of {runs}: the time budget)" if len(threadline) < runs else "")
        write_section(options, table, reading(threadline, helpdesk), size, helpdesk_name, done)
    if not all(run["complete"] for run in threadline + helpdesk):
        print("NOT every mail was ingested by both", file=sys.stderr)
        return 1
    return 0


def write_section(options, table: str, lines: str, size: str, helpdesk_name: str,
                  done: str) -> None:
    from .machine import describe_machine

    shown = [argument for argument in sys.argv[1:]
             if argument not in ("--section", str(options.section))]
    command = " ".join(["python -m bench.helpdesk_ingest", *shown])
    options.section.write_text("\n".join([
        "### E-mail ingestion: Threadline and django-helpdesk from the same mailbox",
        "",
        f"- Machine: {describe_machine()}",
        f"- Data: {size} (plain, HTML, quoted replies, PDF attachments, ISO-8859-1, "
        f"auto-replies; 300 senders) in one Dovecot mailbox, a fresh copy and a fresh "
        f"PostgreSQL database per run; {done}, alternating; "
        f"{helpdesk_name} in its own virtualenv",
        f"- Command: `{command}`",
        "",
        table,
        "",
        lines,
        "",
    ]))


if __name__ == "__main__":
    sys.exit(main())
