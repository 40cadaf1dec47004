"""What the after-commit event listeners cost the inbound flow, side by side.

Every commit's Events go to THREADLINE_EVENT_LISTENERS in the process that committed (for
inbound messages: the Celery worker). The automation listeners (business hours, SLA,
auto-assignment, rules, bot) each look at the events and, when a customer wrote, ask the
database whether their feature is configured for that team: one small query each, even
when nothing is configured. This runs ``bench.telegram_webhooks`` alternately with every
listener (the default) and with only the integrations' (Slack mirror, outgoing webhooks,
surveys), and compares how fast the worker turns the flood into messages.

It also reads the size of the eight duration indexes of the reports (reports/migrations/
0004): they are partial (a duration that is set), and inbound messages set none, so the
flood should leave them empty.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/threadline_bench_listeners
    export REDIS_URL=redis://127.0.0.1:6379/9
    .venv/bin/python -m bench.listener_cost [--rounds 3] [--updates 5000]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

INTEGRATIONS = ("channels_adapters.slack.mirror.on_events,webhooks.listener.on_events,"
                "surveys.listener.on_events")
PROCESSED = re.compile(r"\((\d+) messages/s processed\)")
ACCEPTED = re.compile(r"= (\d+) webhooks/s")
PACED = re.compile(r"POST → agent's socket p50 (\d+) ms, p99 (\d+) ms")
DURATION_INDEXES = """
    SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes
    WHERE indexrelname LIKE 'episode\\_fr\\_%' OR indexrelname LIKE 'episode\\_res\\_%'
    ORDER BY indexrelname"""


def one_run(listeners: str | None, options) -> dict[str, float]:
    environment = dict(os.environ)
    if listeners is not None:
        environment["THREADLINE_EVENT_LISTENERS"] = listeners
    else:
        environment.pop("THREADLINE_EVENT_LISTENERS", None)
    finished = subprocess.run(
        [sys.executable, "-m", "bench.telegram_webhooks", "--updates", str(options.updates),
         "--paced", str(options.paced)],
        env=environment, capture_output=True, text=True, timeout=900)
    output = finished.stdout
    if finished.returncode or "exactly once" not in output or "NOT EXACTLY" in output:
        sys.exit(f"run failed:\n{output}\n{finished.stderr[-3000:]}")
    p50, p99 = map(int, PACED.search(output).groups())
    return {"processed": float(PROCESSED.search(output).group(1)),
            "accepted": float(ACCEPTED.search(output).group(1)), "p50": p50, "p99": p99}


def index_sizes() -> list[tuple[str, int]]:
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"]) as connection:
        return connection.execute(DURATION_INDEXES).fetchall()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--updates", type=int, default=5000)
    parser.add_argument("--paced", type=int, default=500)
    options = parser.parse_args()
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"):
        sys.exit("Set DATABASE_URL and REDIS_URL: this runs on the production stack.")
    from bench.machine import describe_machine

    print(describe_machine(), flush=True)
    sides = {"every listener": None, "integrations only": INTEGRATIONS}
    results: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for round_number in range(options.rounds):
        for side, listeners in sides.items():
            result = one_run(listeners, options)
            results[side].append(result)
            print(f"round {round_number + 1}, {side}: {result['processed']:.0f} messages/s "
                  f"processed, {result['accepted']:.0f} webhooks/s accepted, paced p50/p99 "
                  f"{result['p50']}/{result['p99']} ms", flush=True)
            if side == "every listener" and round_number == 0:
                sizes = index_sizes()
                print("duration indexes after the flood: " + ", ".join(
                    f"{name} {size // 1024} KB" for name, size in sizes), flush=True)
    medians = {side: {key: statistics.median(run[key] for run in runs) for key in runs[0]}
               for side, runs in results.items()}
    full, bare = medians["every listener"], medians["integrations only"]
    print("\n| listeners | messages/s processed | webhooks/s accepted | paced p50 / p99 |")
    print("| --- | ---: | ---: | ---: |")
    for side, median in medians.items():
        print(f"| {side} | {median['processed']:.0f} | {median['accepted']:.0f} | "
              f"{median['p50']:.0f} / {median['p99']:.0f} ms |")
    print(f"\nevery listener / integrations only, processed: "
          f"{full['processed'] / bare['processed']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
