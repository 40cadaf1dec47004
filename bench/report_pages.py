"""Server time and SQL queries of the supervisor report pages, for a 90-day range, on a large
database; and of each ``reports.metrics`` function behind them, timed directly.

Fill a PostgreSQL database first (100,000 customers, 1,000,000 messages over 120 days with
their events, conversations and the report tables), then time the pages in-process through
Django's test client, signed in as a supervisor (server time: routing, views, queries and
templates; no network):

    createdb -h 127.0.0.1 -U postgres threadline_bench_reports
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench_reports
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_volume --customers 100000 --messages 1000000 \\
        --teams 5 --agents 40 --days 120
    .venv/bin/python -m bench.report_pages --markdown

Prints one line per page and per function (median and 90th percentile of the server time,
SQL queries) and, with ``--markdown``, the tables for docs/benchmarks.md. Each page is
timed with its medians and percentiles computed every time (THREADLINE_REPORTS_CACHE_SECONDS
0), then as served after Celery beat's warming of the preset ranges (reports/warming.py),
which is also timed: the database time it costs every minute.
"""

import argparse
import os
import statistics
import sys
import time

from bench.inbox_pages import reference_loop_ms

RANGE = 90  # days, ending today: the form's "90 days" preset
PAGES = [
    ("overview", "/reports/?range=90"),
    ("volume by day", "/reports/volume/?range=90&bucket=day"),
    ("times", "/reports/times/?range=90"),
    ("agents", "/reports/agents/?range=90"),
    ("teams", "/reports/teams/?range=90"),
    ("csat", "/reports/csat/?range=90"),
    ("live", "/reports/live/"),
    ("live panel", "/reports/live/panel/"),
]


def measure(call, runs: int):
    """(median ms, p90 ms, SQL queries of the last run, the last result) of ``call()``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm caches: the first run pays for connections, templates, the planner
    times, queries, result = [], 0, None
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = call()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    times.sort()
    return (statistics.median(times), times[max(int(len(times) * 0.9) - 1, 0)], queries,
            result)


def metric_calls(filters):
    """Each figure the pages draw, by the function that computes it (results forced)."""
    from reports import metrics

    calls = [(f"first_response_times(by={by})",
              lambda by=by: metrics.first_response_times(filters, by))
             for by in ("all", "channel", "team", "agent")]
    calls += [(f"resolution_times(by={by})",
               lambda by=by: metrics.resolution_times(filters, by))
              for by in ("all", "channel", "team", "agent")]
    calls += [
        ("volume(day)", lambda: metrics.volume(filters, "day")),
        ("volume(day, by=team_id)", lambda: metrics.volume(filters, "day", by="team_id")),
        ("volume(day, by=channel_id)", lambda: metrics.volume(filters, "day", by="channel_id")),
        ("volume(week, every kind)", lambda: metrics.volume(
            filters, "week", kinds=tuple(metrics.Kind.values))),
        ("totals()", lambda: metrics.totals(filters)),
        ("totals(by=agent_id)", lambda: metrics.totals(filters, by="agent_id")),
        ("totals(by=team_id)", lambda: metrics.totals(filters, by="team_id")),
        ("volume_by_tag()", lambda: metrics.volume_by_tag(filters)),
        ("open_backlog()", lambda: metrics.open_backlog()),
        ("waiting_customers()", lambda: list(metrics.waiting_customers())),
    ]
    return calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--pages-only", action="store_true")
    parser.add_argument("--metrics-only", action="store_true")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from datetime import datetime, timedelta
    from datetime import time as day_time

    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from inbox.models import Message, User
    from reports.metrics import Filters
    from reports.models import Episode, HourlyActivity
    from reports.warming import warm_percentiles

    settings.ALLOWED_HOSTS = ["testserver", *settings.ALLOWED_HOSTS]
    supervisor, _ = User.objects.get_or_create(
        username="bench-supervisor", defaults={"role": User.Role.SUPERVISOR})
    # The form's range: the last 90 days up to today, in the current time zone.
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today - timedelta(days=RANGE - 1),
                                                 day_time.min))
    filters = Filters(start=start, end=timezone.make_aware(
        datetime.combine(today + timedelta(days=1), day_time.min)))
    print(f"data: {Message.objects.count():,} messages, {Episode.objects.count():,} "
          f"conversations, {HourlyActivity.objects.count():,} hourly counts; range "
          f"{filters.start:%Y-%m-%d} to {filters.end:%Y-%m-%d} (end excluded)")

    kept_seconds = settings.THREADLINE_REPORTS_CACHE_SECONDS
    before = reference_loop_ms()
    page_rows, metric_rows = [], []
    if not options.metrics_only:
        client = Client()
        client.force_login(supervisor)
        for name, url in PAGES:
            response = client.get(url)
            if response.status_code != 200:
                page_rows.append((name, url, None, None, None, None, None,
                                  f"HTTP {response.status_code}"))
                continue
            # Computed afresh every time, then as served after the beat task's warming.
            settings.THREADLINE_REPORTS_CACHE_SECONDS = 0
            median, p90, queries, response = measure(lambda url=url: client.get(url),
                                                     options.runs)
            assert response.status_code == 200, (url, response.status_code)
            settings.THREADLINE_REPORTS_CACHE_SECONDS = kept_seconds
            warm_percentiles()
            kept_median, kept_p90, _, _ = measure(lambda url=url: client.get(url),
                                                  options.runs)
            page_rows.append((name, url, median, p90, kept_median, kept_p90, queries, ""))
    if not options.pages_only:
        settings.THREADLINE_REPORTS_CACHE_SECONDS = kept_seconds
        median, p90, queries, _ = measure(warm_percentiles, max(options.runs // 4, 3))
        metric_rows.append(("warm_percentiles() (Celery beat, every minute)", median, p90,
                            queries))
        settings.THREADLINE_REPORTS_CACHE_SECONDS = 0
        for name, call in metric_calls(filters):
            median, p90, queries, _ = measure(call, options.runs)
            metric_rows.append((name, median, p90, queries))
    after = reference_loop_ms()

    print(f"reference loop: {before:.0f} ms before, {after:.0f} ms after (machine speed)")
    width = max([len(row[0]) for row in page_rows + metric_rows] or [0])
    for name, url, median, p90, kept_median, kept_p90, queries, note in page_rows:
        if median is None:
            print(f"{name:<{width}}  {note}  {url}")
        else:
            print(f"{name:<{width}}  median {median:7.1f} ms  p90 {p90:7.1f} ms  "
                  f"{queries:3d} queries;  after the beat's warming: median "
                  f"{kept_median:7.1f} ms  p90 {kept_p90:7.1f} ms")
    for name, median, p90, queries in metric_rows:
        print(f"{name:<{width}}  median {median:7.1f} ms  p90 {p90:7.1f} ms  {queries:3d} queries")
    if options.markdown:
        if page_rows:
            print("\n| page (90 days) | median ms, computed | p90 ms, computed | SQL queries | "
                  "median ms, warmed | p90 ms, warmed |\n"
                  "| --- | ---: | ---: | ---: | ---: | ---: |")
            for name, url, median, p90, kept_median, kept_p90, queries, note in page_rows:
                label = f"{name} `{url}`" + (f" ({note})" if note else "")
                if median is None:
                    print(f"| {label} | – | – | – | – | – |")
                else:
                    print(f"| {label} | {median:.1f} | {p90:.1f} | {queries} | "
                          f"{kept_median:.1f} | {kept_p90:.1f} |")
        if metric_rows:
            print("\n| reports.metrics (90 days) | median ms | p90 ms | SQL queries |\n"
                  "| --- | ---: | ---: | ---: |")
            for name, median, p90, queries in metric_rows:
                print(f"| `{name}` | {median:.1f} | {p90:.1f} | {queries} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
