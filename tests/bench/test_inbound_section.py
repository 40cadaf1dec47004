"""The inbound benchmark's section, from hand-made round results (no benchmark runs here)."""

import os
from types import SimpleNamespace

from bench.inbound_baseline import own_database_url
from bench.inbound_section import TITLE, section

OPTIONS = SimpleNamespace(rounds=3, updates=3000, concurrency=32, paced=500, rate=100.0,
                          warm=2000, baseline_warm=200, workers=2, worker_nice=10)


def a_round(rate, paced_p50):
    return {"rate": rate, "refused": 0, "post_p50": 0.05, "post_p99": 0.2, "drained": 6.0,
            "flood_p50": 0.5, "flood_p99": 1.0, "paced_p50": paced_p50, "paced_p99": 0.3,
            "paced_max": 0.4}


def test_section_gives_medians_of_the_rounds_and_threadline_as_a_fraction():
    results = {"baseline": [a_round(1000, 0.010), a_round(1200, 0.012), a_round(900, 0.011)],
               "threadline": [a_round(500, 0.070), a_round(450, 0.060), a_round(600, 0.080)]}

    text = section(OPTIONS, "2 cores", "python -m bench.inbound_baseline", results,
                   steps={"POST → stored": 0.002}, stored="every POST stored once.", load=0.5)

    assert text.startswith(f"### {TITLE}\n")
    assert "Machine: 2 cores." in text and "Command: `python -m bench.inbound_baseline`" in text
    assert "| flood: requests/s accepted | 1,000 | 500 | 50% |" in text
    assert "| paced 100/s: POST → agent p50 / p99 | 11 / 300 ms | 70 / 300 ms | 6.4× / 1.0× |" \
        in text
    assert "flood 1,000, 1,200, 900 req/s" in text and "POST → stored 2 ms" in text
    assert "crowded" not in text


def test_section_warns_when_the_machine_was_crowded():
    results = {"baseline": [a_round(1000, 0.01)], "threadline": [a_round(500, 0.07)]}

    load = (os.cpu_count() or 1) + 0.5

    text = section(OPTIONS, "2 cores", "cmd", results, steps={}, stored="ok", load=load)

    assert f"**A crowded machine**: the load average was {load:.1f}" in text


def test_own_database_is_named_after_the_runners():
    assert own_database_url("postgres://postgres@127.0.0.1:5433/threadline_bench") \
        == "postgres://postgres@127.0.0.1:5433/threadline_bench_inbound"
