"""The Markdown section of bench/inbound_baseline.py: medians of the rounds side by side,
Threadline as a fraction of the raw baseline, and a few lines of reading."""

import os
import statistics

from .raw_baseline import POOL_SIZE

TITLE = "Inbound: Threadline against a raw ASGI baseline"


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


def crowded(options, load: float) -> list[str]:
    """A warning when other work shared the cores: then the run measures the crowd."""
    cores = os.cpu_count() or 1
    if load <= cores:
        return []
    return [f"- **A crowded machine**: the load average was {load:.1f} on {cores} cores as this "
            "run began. Every process got a slice of a core, so these figures say more about "
            "the contention than about either app"
            + (f"; Threadline's worker, at nice {options.worker_nice}, gives way to every other "
               "process, which shows in its stored → message step" if options.worker_nice > 0
               else "") + ". Compare within the run; take figures for the record on a quiet "
            "machine."]


def reading(options, results, baseline: dict, threadline: dict, steps: dict[str, float],
            stored: str) -> list[str]:
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
        "- Threadline, the last paced round, median per step: " + ", ".join(
            f"{step} {milliseconds(seconds)} ms" for step, seconds in steps.items()) + ".",
        f"- {stored}",
    ]


def section(options, machine: str, command: str, results, *, steps: dict[str, float],
            stored: str, load: float) -> str:
    """``steps``: Threadline's paced steps (telegram_webhooks.paced_stages); ``stored``: the
    line saying whether every POST was stored and delivered once; ``load``: the load average
    as the run began."""
    baseline, threadline = medians(results["baseline"]), medians(results["threadline"])
    lines = [f"### {TITLE}", "",
             f"Machine: {machine}.", "",
             f"Data: {options.rounds} round{'s' * (options.rounds > 1)} per side, alternating "
             f"(baseline first); each a flood of {options.updates:,} Telegram updates over "
             f"{options.concurrency} connections, then {options.paced:,} paced at "
             f"{options.rate:.0f}/s; 2,000 customers, after a warm-up of {options.warm:,} updates "
             f"on Threadline and {options.baseline_warm} on the baseline. Threadline: Daphne "
             f"and one Celery worker of {options.workers} prefork processes at nice "
             f"{options.worker_nice}; the baseline: Daphne, {POOL_SIZE} PostgreSQL connections.",
             "", f"Command: `{command}` (DATABASE_URL and REDIS_URL as set by `make bench`)", "",
             *table(options, baseline, threadline), "",
             *reading(options, results, baseline, threadline, steps, stored),
             *crowded(options, load)]
    return "\n".join(lines) + "\n"
