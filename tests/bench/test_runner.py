"""`python -m bench`: the list, runs of stub benchmarks (tests/bench/stub_*.py: no real
benchmark runs here) and the generated part of a temporary copy of docs/benchmarks.md."""

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, DOCS, END, ROOT, START, run_benchmarks, write_docs

STUBS = {"passing": "tests.bench.stub_passing", "failing": "tests.bench.stub_failing",
         "absent": "tests.bench.stub_that_does_not_exist", "hanging": "tests.bench.stub_hanging"}


@pytest.fixture
def docs(tmp_path):
    """A copy of the real docs file without the generated part, as before the first run."""
    text = DOCS.read_text()
    if START in text:
        before, rest = text.split(START, 1)
        text = before.rstrip("\n") + "\n\n" + rest.split(END, 1)[1].lstrip("\n")
    copy = tmp_path / "benchmarks.md"
    copy.write_text(text)
    return copy


def run(docs, names, quick=True, timeout=60):
    return run_benchmarks(names, registry=STUBS, docs=docs, machine="stub machine",
                          command="python -m bench stubs", quick=quick, timeout=timeout)


def test_list_names_every_benchmark_and_says_which_are_missing():
    listed = subprocess.run([sys.executable, "-m", "bench", "--list"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout

    for name, module in BENCHMARKS.items():
        assert f"{name} " in listed and module in listed
    assert "Inbound throughput" in listed  # the first line of the module's docstring


def test_unknown_name_is_refused():
    refused = subprocess.run([sys.executable, "-m", "bench", "nosuch"], cwd=ROOT,
                             capture_output=True, text=True)

    assert refused.returncode == 2 and "unknown benchmark nosuch" in refused.stderr


def test_failed_and_missing_benchmarks_are_reported_while_the_others_run(docs, capsys):
    status = run(docs, ["failing", "absent", "passing"])

    assert status == 1
    printed = capsys.readouterr().out
    assert "| failing | tests.bench.stub_failing | failed |" in printed
    assert "| absent | tests.bench.stub_that_does_not_exist | missing |" in printed
    assert "| passing | tests.bench.stub_passing | ok |" in printed
    block = docs.read_text().split(START)[1].split(END)[0]
    assert "stub machine" in block and "python -m bench stubs" in block
    assert "**Failed** (exit status 1)" in block and "does not exist yet" in block
    # --quick reached the benchmark, whose section follows the runner's order.
    assert "### Stub passing" in block and "| True |" in block
    assert block.index("Stub passing") < block.index("### failing") < block.index("### absent")


def test_markers_go_after_the_intro_and_the_rest_of_the_file_is_kept(docs):
    original = docs.read_text()
    intro, first_heading = original.split("\n## ", 1)

    assert run(docs, ["passing"]) == 0

    text = docs.read_text()
    assert text.count(START) == text.count(END) == 1
    before, rest = text.split(START)
    after = rest.split(END)[1]
    assert before.rstrip("\n") == intro.rstrip("\n")
    assert after.lstrip("\n") == "## " + first_heading


def test_a_later_run_replaces_its_sections_and_keeps_the_others(docs):
    run(docs, ["passing", "failing"], quick=True)
    outside = docs.read_text().split(START)[0], docs.read_text().split(END)[1]

    assert run(docs, ["passing"], quick=False) == 0

    text = docs.read_text()
    block = text.split(START)[1].split(END)[0]
    assert (text.split(START)[0], text.split(END)[1]) == outside
    assert block.count("### Stub passing") == 1 and "| False |" in block
    assert "| True |" not in block
    assert "**Failed**" in block  # kept from the first run, with its own date
    assert "Last run:" in block and "passing in" in block and "(--quick sizes)" not in block


def test_a_file_without_headings_gets_the_block_at_its_end(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# Benchmarks\n\nIntro.\n")

    write_docs(docs, {"passing": "### Stub passing\n\nfigures"}, "Last run: now.")

    text = docs.read_text()
    assert text.startswith("# Benchmarks\n\nIntro.\n\n" + START)
    assert text.endswith(END + "\n") and "<!-- bench: passing -->\n\n### Stub passing" in text


def test_a_benchmark_over_its_time_is_stopped_with_the_servers_it_started(docs, tmp_path,
                                                                           monkeypatch):
    pid_file = tmp_path / "server.pid"
    monkeypatch.setenv("STUB_PID_FILE", str(pid_file))

    status = run(docs, ["hanging", "passing"], timeout=3)

    assert status == 1
    block = docs.read_text().split(START)[1].split(END)[0]
    assert "**Timed out**" in block and "### Stub passing" in block
    assert not running(int(pid_file.read_text()))


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for its reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
