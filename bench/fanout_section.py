"""The fan-out benchmark's Markdown: its table, the reading of the figures, and the section
``make bench`` writes into docs/benchmarks.md (bench/fanout.py measures)."""

import os
import shlex
import statistics
import sys

from .stack import percentile

TITLE = "WebSocket fan-out: agents across two Daphne processes"


def summary(options, result: dict, stored: float) -> list[tuple[str, str]]:
    """The table's rows: (measure, value)."""
    rows = result["per_message"]

    def median_ms(key):
        return f"{statistics.median(row[key] for row in rows) * 1000:.0f}"

    per_server = result["agents_per_server"]
    per_connection = [(after - before) / count for before, after, count in
                      zip(result["rss_before"], result["rss_after"], per_server, strict=True)]
    handshakes = result["handshakes"]
    missing = sum(row["missing"] for row in rows)
    return [
        ("sockets (Daphne 1 + Daphne 2)", f"{options.agents} ({per_server[0]} + "
                                          f"{per_server[1]})"),
        (f"connect all, in waves of {options.wave}",
         f"{result['connect_seconds']:.1f} s ({options.agents / result['connect_seconds']:.0f}"
         f" sockets/s)"),
        ("handshake p50 / p99", f"{percentile(handshakes, 0.5) * 1000:.0f} / "
                                f"{percentile(handshakes, 0.99) * 1000:.0f} ms"),
        ("frames the connects sent the sockets; all idle after the last connect",
         f"{result['connect_frames']:,}; {result['settle_seconds']:.1f} s"),
        ("POST → message stored by the worker, median / worst",
         f"{stored * 1000:.0f} / {max(row['stored'] for row in rows) * 1000:.0f} ms"),
        ("POST → first socket (median of messages)", f"{median_ms('first')} ms"),
        ("POST → socket p50 / p99 / max (medians of messages)",
         f"{median_ms('p50')} / {median_ms('p99')} / {median_ms('max')} ms"),
        ("POST → last socket, worst message",
         f"{max(row['max'] for row in rows) * 1000:.0f} ms"),
        ("first → last socket (median of messages)", f"{median_ms('spread')} ms"),
        ("CPU time while a message fans out: Daphne 1 ; Daphne 2 ; client (median ms; 10 ms ticks)",
         " ; ".join(f"{statistics.median(row['cpu'][index] for row in rows) * 1000:.0f}"
                    for index in range(3))),
        ("deliveries: received / expected, missing, twice",
         f"{options.agents * len(rows) - missing:,} / {options.agents * len(rows):,}, "
         f"{missing}, {result['twice']}"),
        ("Daphne RSS before → after (MB)", " ; ".join(
            f"{before / 1024:.0f} → {after / 1024:.0f}" for before, after in
            zip(result["rss_before"], result["rss_after"], strict=True))),
        ("memory per connection (Daphne 1 ; Daphne 2)",
         " ; ".join(f"{kb:.0f} KB" for kb in per_connection)),
    ]


def reading(options, result: dict, stored: float) -> list[str]:
    rows = result["per_message"]
    spread = statistics.median(row["spread"] for row in rows)
    last = statistics.median(row["max"] for row in rows)
    servers_cpu = statistics.median(row["cpu"][0] + row["cpu"][1] for row in rows)
    client_cpu = statistics.median(row["cpu"][2] for row in rows)
    return [
        f"- Of the {last * 1000:.0f} ms from the POST to the last socket (median), "
        f"{stored * 1000:.0f} ms are the inbound path (webhook stored, Celery task, message "
        f"and Event committed); the fan-out to {options.agents} sockets on two processes "
        f"(first to last socket) takes {spread * 1000:.0f} ms.",
        f"- The fan-out is CPU work in the Daphne processes: {servers_cpu * 1000:.0f} ms of "
        f"CPU for the two together per message, about "
        f"{servers_cpu / options.agents * 1e6:.0f} µs per socket (the channel layer's "
        "hand-out to each consumer, the consumer's JSON and the WebSocket frame, plus the "
        "webhook's request on the Daphne that took it); on "
        f"{os.cpu_count()} cores shared with everything else that is the spread's order.",
        f"- The {options.agents} client sockets are one asyncio process on the same "
        f"{os.cpu_count()} cores as both Daphne processes, the Celery worker, PostgreSQL and "
        f"Redis ({client_cpu * 1000:.0f} ms of CPU per message): an arrival time includes the "
        "client's own turn to read the frame, so the spread is an upper bound of the servers' "
        "fan-out.",
        presence_reading(options, result),
        "- Memory per connection is the growth of each Daphne's VmRSS from before the "
        "sockets connected (after a warm-up socket and message) to after, divided by its "
        "sockets; it includes the memory freed then reused by the allocator, so it is "
        "approximate.",
    ]


def presence_reading(options, result: dict) -> str:
    if options.fresh_logins:
        return (f"- Logins (`--fresh-logins`): each connect announces the agent's presence "
                f"to the team, so {options.agents} connects send up to n(n−1) frames "
                f"({result['connect_frames']:,} here), delivered "
                f"{result['settle_seconds']:.1f} s after the last connect; the messages "
                "are timed once a marker message has reached every socket behind them.")
    return ("- The agents are online before they connect (their presence rows written just "
            "before: a second tab, or pages reconnecting after a restart), so a connect "
            "announces nothing; with `--fresh-logins` each connect announces the agent to "
            "the whole team, about n²/2 frames for n logins at once. The sockets connect in "
            f"waves of {options.wave}: a Daphne accepts a socket once its session, user, "
            "groups and presence are read on its one thread for database work, and closes "
            "a socket not accepted within its connect timeout (5 s) — with all 500 at once "
            "on this machine, some were.")


def section(options, result: dict, stored: float, table: list[tuple[str, str]]) -> str:
    arguments = sys.argv[1:]
    if "--section" in arguments:  # where this section goes is no part of the measure
        del arguments[arguments.index("--section"):arguments.index("--section") + 2]
    command = shlex.join([".venv/bin/python", "-m", "bench.fanout", *arguments])
    lines = [
        f"### {TITLE}", "",
        f"Machine: {options.machine}; the clients and every server below run on it.", "",
        f"Data: {options.agents} agents of one team ({options.agents // 2} sockets on each of "
        f"two Daphne processes, one Redis channel layer), one Telegram channel, one Celery "
        f"worker process; {options.messages} inbound messages {options.gap:g} s apart, "
        "alternately posted to each Daphne.", "",
        f"Command (DATABASE_URL and REDIS_URL set; `make bench` sets them): `{command}`", "",
        "| measure | value |", "| --- | ---: |",
        *(f"| {measure} | {value} |" for measure, value in table), "",
        *reading(options, result, stored), "",
    ]
    return "\n".join(lines)
