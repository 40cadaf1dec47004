"""Server time and SQL queries of the agents' inbox pages on a large database.

Fill a PostgreSQL database first (100,000 customers, 1,000,000 messages, one thread of
5,000 messages), then time the pages in-process through Django's test client (server time:
routing, views, queries and templates; no network):

    createdb -h 127.0.0.1 -U postgres threadline_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_volume --customers 100000 --messages 1000000 \\
        --big-thread-messages 5000 --thread-id-out /tmp/big-thread
    .venv/bin/python -m bench.inbox_pages --thread "$(cat /tmp/big-thread)"

Prints one line per page (median and 90th percentile of the server time, queries) and, with
``--markdown``, a table for docs/benchmarks.md.
"""

import argparse
import os
import statistics
import sys
import time


def reference_loop_ms() -> float:
    """The time of a fixed pure-Python loop: how fast this (shared, noisy) machine is now,
    so that figures taken at different times can be compared by ratio."""
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(2_000_000):
            total += number
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--thread", type=int, required=True, help="the thread of 5,000 messages")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--markdown", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from inbox.models import Message, Thread, User

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    thread = Thread.objects.select_related("team").get(pk=options.thread)
    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": User.Role.SUPERVISOR})
    agent = (User.objects.filter(role=User.Role.AGENT, teams=thread.team_id)
             .order_by("id").first())
    oldest_shown = (Message.objects.filter(thread=thread).order_by("-created_at", "-id")
                    .values_list("id", flat=True)[29])
    pages = [
        ("inbox list, All open (supervisor)", supervisor, "/inbox/list/?view=open"),
        ("inbox list, Resolved (supervisor)", supervisor, "/inbox/list/?view=resolved"),
        ("inbox list, team view (agent)", agent, f"/inbox/list/?view=team-{thread.team_id}"),
        ("inbox list, Mine (agent)", agent, "/inbox/list/?view=mine"),
        ("inbox list, filtered by channel (agent)", agent, "/inbox/list/?channel=telegram"),
        ("inbox list, search (agent)", agent, "/inbox/list/?q=delivery"),
        ("inbox page with a thread open (agent)", agent, f"/inbox/t/{thread.pk}/"),
        ("thread pane, 5,000 messages (agent)", agent, f"/inbox/t/{thread.pk}/pane/"),
        ("older messages page (agent)", agent,
         f"/inbox/t/{thread.pk}/messages/?before={oldest_shown}"),
        ("similar customers, loaded after the pane (agent)", agent,
         f"/inbox/t/{thread.pk}/similar/"),
        ("view counts (supervisor: every team)", supervisor, "/inbox/counts/"),
    ]
    rows = []
    before = reference_loop_ms()
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        client.get(url)  # warm caches: the first run pays for connections and templates
        times, queries = [], 0
        for _ in range(options.runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(captured)
        times.sort()
        rows.append((name, statistics.median(times), times[int(len(times) * 0.9) - 1], queries))

    after = reference_loop_ms()
    print(f"reference loop: {before:.0f} ms before, {after:.0f} ms after (machine speed)")
    width = max(len(name) for name, *_ in rows)
    for name, median, p90, queries in rows:
        print(f"{name:<{width}}  median {median:7.1f} ms  p90 {p90:7.1f} ms  {queries:3d} queries")
    if options.markdown:
        print("\n| page | median ms | p90 ms | SQL queries |\n| --- | ---: | ---: | ---: |")
        for name, median, p90, queries in rows:
            print(f"| {name} | {median:.1f} | {p90:.1f} | {queries} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
