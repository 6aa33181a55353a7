"""How flaky is the suite on a busy machine? Runs the README's test command N times, each
time with a second copy of the whole suite running beside it in the same checkout (the
way a loaded CI machine or a developer's laptop runs it), and reports every test that
failed in any run, in the measured copy or the loading one.

    .venv/bin/python bench/flaky.py --runs 5

Exit status 1 when any test failed in any run. Each run also says how long the
measured copy took, loaded, and the report ends with the same for one run alone
(--alone) when asked, for the README's "within 240 s when the machine is not loaded".
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.M)
SUMMARY = re.compile(r"^=*\s*(.*(?:passed|failed|error).*?)\s*=*$", re.M)


def pytest(log: Path) -> subprocess.Popen:
    """The README's test command (python -m pytest), quiet, into `log`."""
    out = open(log, "w")  # noqa: SIM115 - closed when the run is read
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
    )


def outcome(log: Path) -> tuple[list[str], str]:
    text = log.read_text(errors="replace")
    summary = SUMMARY.findall(text)
    return FAILED.findall(text), summary[-1] if summary else "(no summary: the run died?)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--alone", action="store_true", help="then one run with no load")
    parser.add_argument("--logs", type=Path, default=ROOT / "bench" / "flaky-logs")
    args = parser.parse_args()
    args.logs.mkdir(parents=True, exist_ok=True)
    failures: Counter[str] = Counter()
    for run in range(1, args.runs + 1):
        measured, loading = args.logs / f"run-{run}.log", args.logs / f"run-{run}-load.log"
        started = time.monotonic()
        procs = [pytest(measured), pytest(loading)]
        codes = [p.wait() for p in procs]
        took = time.monotonic() - started
        for log, code in zip((measured, loading), codes, strict=True):
            failed, summary = outcome(log)
            failures.update(failed)
            if code != 0 and not failed:  # a run that died without naming a test
                failures[f"{log.name}: exit {code}"] += 1
            print(f"run {run} {'measured' if log == measured else 'load'}: {summary}")
        print(f"run {run}: both copies done in {took:.0f} s", flush=True)
    if args.alone:
        started = time.monotonic()
        code = pytest(args.logs / "alone.log").wait()
        failed, summary = outcome(args.logs / "alone.log")
        failures.update(failed)
        print(f"alone: {summary} (exit {code}), {time.monotonic() - started:.0f} s")
    print()
    if not failures:
        print(f"no test failed in {args.runs} loaded runs (2 copies each)")
        return 0
    print("failed at least once:")
    for name, times in failures.most_common():
        print(f"  {times}× {name}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
