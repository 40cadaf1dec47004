"""`python -m bench [NAME ...] [--quick] [--list]`: the side-by-side benchmarks of issue 8.

Runs each named benchmark (all of them without names) as `python -m <module> --section FILE`
in a process group of its own, one after the other, then writes their Markdown sections into
docs/benchmarks.md between the `make bench` markers and prints a summary. A benchmark that
is missing, fails or overruns its time is reported as such; the others still run, and the
exit status is non-zero. `make bench` starts PostgreSQL and Redis and sets DATABASE_URL and
REDIS_URL; each benchmark starts its own servers and workers and derives its own database.
"""

import argparse
import ast
import importlib.util
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.machine import describe_machine

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
BENCHMARKS = {
    "inbound": "bench.inbound_baseline",
    "fanout": "bench.fanout",
    "helpdesk": "bench.helpdesk_ingest",
}
START = "<!-- make bench: start -->"
END = "<!-- make bench: end -->"
HEADING = "## Side by side: `make bench` (issue 8)"
WIDTH = 95  # the docs' own line length
# Enough for a full-size run of each; the whole `make bench` is meant to take under 15 min.
TIMEOUT = 600


@dataclass
class Outcome:
    name: str
    module: str
    status: str  # "ok", "failed", "timed out" or "missing"
    seconds: float = 0.0
    returncode: int | None = None
    section: str = ""


def module_file(module: str) -> Path | None:
    """The module's source file, without importing it (a benchmark imports Django)."""
    try:
        spec = importlib.util.find_spec(module)
    except ModuleNotFoundError:
        return None
    return Path(spec.origin) if spec and spec.origin else None


def _stop_group(process: subprocess.Popen) -> None:
    """Ctrl-C to the benchmark's group, so that its `finally` stops its servers and workers;
    the whole group killed if it has not ended within 30 s. (Signals go only while the
    benchmark is unreaped, so its group id cannot belong to anyone else.)"""
    try:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


def run_one(name: str, module: str, *, quick: bool, timeout: float) -> Outcome:
    if module_file(module) is None:
        print(f"\n=== {name}: {module} does not exist yet ===", flush=True)
        return Outcome(name, module, "missing")
    print(f"\n=== {name}: python -m {module} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix="threadline-bench-") as folder:
        section_file = Path(folder) / "section.md"
        command = [sys.executable, "-m", module, "--section", str(section_file)]
        started = time.monotonic()
        process = subprocess.Popen(command + (["--quick"] if quick else []), cwd=ROOT,
                                   start_new_session=True)
        try:
            returncode = process.wait(timeout=timeout)
            status = "ok" if returncode == 0 else "failed"
        except subprocess.TimeoutExpired:
            print(f"{name}: still running after {timeout:.0f} s, stopped", flush=True)
            _stop_group(process)
            returncode, status = process.returncode, "timed out"
        except KeyboardInterrupt:
            _stop_group(process)
            raise
        seconds = time.monotonic() - started
        section = section_file.read_text().strip() if section_file.exists() else ""
    return Outcome(name, module, status, seconds, returncode, section)


def commit_label() -> str:
    def git(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True)

    head = git("rev-parse", "--short", "HEAD")
    if head.returncode != 0:
        return "unknown commit"
    dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    return f"commit {head.stdout.strip()}" + (" with uncommitted changes" if dirty else "")


def minutes(seconds: float) -> str:
    seconds = round(seconds)  # 119.6 s is "2 min 0 s", not "1 min 60 s"
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60} s"


def section_markdown(outcome: Outcome, ran: str) -> str:
    """The benchmark's own section, with a line saying when it ran and how it ended."""
    when = f"Run of {ran}, {minutes(outcome.seconds)}."
    if outcome.status == "missing":
        return f"### {outcome.name}\n\nNot run ({ran}): `{outcome.module}` does not exist yet."
    if outcome.status != "ok":
        when = (f"**{outcome.status.capitalize()}** (exit status {outcome.returncode}) "
                f"in the run of {ran}, after {minutes(outcome.seconds)}.")
        if not outcome.section:
            return f"### {outcome.name}\n\n{when} It wrote no section: see its output."
    heading, _, body = outcome.section.partition("\n")
    if not heading.startswith("### "):
        heading, body = f"### {outcome.name}", outcome.section
    return f"{heading}\n\n{when}\n{body}".rstrip()


SECTION = re.compile(r"<!-- bench: (?P<name>[\w-]+) -->\n(?P<text>.*?)\n<!-- /bench: (?P=name) -->",
                     re.DOTALL)


def render_block(sections: dict[str, str], last_run: str, order: tuple[str, ...]) -> str:
    """The generated part of the docs: sections in the runner's order, any other after."""
    names = [name for name in order if name in sections]
    names += [name for name in sections if name not in names]
    parts = [START, HEADING, "", textwrap.fill(
        "Generated by `make bench` (`python -m bench`): each benchmark below runs against its "
        "peer or baseline in the same run, on the same machine. Do not edit by hand between "
        "the markers; the runner rewrites it and keeps the sections of benchmarks it did not "
        "run.", WIDTH), "", textwrap.fill(last_run, WIDTH), ""]
    for name in names:
        parts += [f"<!-- bench: {name} -->", "", sections[name], "", f"<!-- /bench: {name} -->",
                  ""]
    parts.append(END)
    return "\n".join(parts)


def write_docs(docs: Path, new_sections: dict[str, str], last_run: str,
               order: tuple[str, ...] = tuple(BENCHMARKS)) -> None:
    """Replace the text between the markers (inserted after the file's intro, before its
    first `## ` heading, when absent); the rest of the file stays as it is. Sections of
    benchmarks not run this time are kept."""
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        old_block, after = rest.split(END, 1)
    else:
        first_heading = text.find("\n## ") + 1 or len(text)
        intro, rest = text[:first_heading].rstrip("\n"), text[first_heading:].lstrip("\n")
        before, old_block, after = intro + "\n\n", "", "\n\n" + rest if rest else "\n"
    sections = {match["name"]: match["text"].strip("\n")
                for match in SECTION.finditer(old_block)}
    sections.update(new_sections)
    docs.write_text(before + render_block(sections, last_run, order) + after)


def summary(outcomes: list[Outcome]) -> str:
    rows = ["| benchmark | module | result | time |", "| --- | --- | --- | ---: |"]
    rows += [f"| {o.name} | {o.module} | {o.status} | {minutes(o.seconds)} |" for o in outcomes]
    return "\n".join(rows)


def run_benchmarks(names: list[str], *, registry: dict[str, str], docs: Path, machine: str,
                   command: str, quick: bool = False, timeout: float = TIMEOUT) -> int:
    """Runs ``names`` (keys of ``registry``) in order, writes ``docs``, prints a summary;
    0 when every one succeeded."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    print(f"Machine: {machine}", flush=True)
    outcomes = [run_one(name, registry[name], quick=quick, timeout=timeout) for name in names]
    total = time.monotonic() - started
    ran = f"{started_at:%Y-%m-%d %H:%M} UTC at {commit_label()}"
    last_run = (f"Last run: {ran}; {machine}; {', '.join(names)} in {minutes(total)}"
                f"{' (--quick sizes)' if quick else ''} (`{command}`).")
    write_docs(docs, {o.name: section_markdown(o, ran) for o in outcomes}, last_run,
               tuple(registry))
    print(f"\n{summary(outcomes)}\n\nTotal {minutes(total)}; sections written to {docs}",
          flush=True)
    return 0 if all(outcome.status == "ok" for outcome in outcomes) else 1


def listing(registry: dict[str, str]) -> str:
    lines = []
    for name, module in registry.items():
        path = module_file(module)
        if path is None:
            lines.append(f"{name:10} {module:26} (missing)")
            continue
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        lines.append(f"{name:10} {module:26} {docstring.partition(chr(10))[0]}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"benchmarks to run, in order (all: {', '.join(BENCHMARKS)})")
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--timeout", type=float, default=TIMEOUT,
                        help="seconds one benchmark may take before it is stopped")
    parser.add_argument("--docs", type=Path, default=DOCS, help="the file to write")
    argv = sys.argv[1:] if argv is None else argv
    options = parser.parse_args(argv)
    if options.list:
        print(listing(BENCHMARKS))
        return 0
    unknown = [name for name in options.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (known: {', '.join(BENCHMARKS)})")
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres")
            and os.environ.get("REDIS_URL")):
        sys.exit("Set DATABASE_URL (PostgreSQL) and REDIS_URL, or run `make bench`, which "
                 "starts both on loopback and sets them.")
    return run_benchmarks(options.names or list(BENCHMARKS), registry=BENCHMARKS,
                          docs=options.docs, machine=describe_machine(),
                          command=" ".join(["python -m bench", *argv]),
                          quick=options.quick, timeout=options.timeout)


if __name__ == "__main__":
    sys.exit(main())
