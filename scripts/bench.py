"""Time what `make template` costs, and where the time goes; run by `make bench`.

`make template` does two very different things: it *generates* the templates (load the
environment files, build them with troposphere, render JSON), which is cheap, and it *lints*
them with cfn-lint, which is expensive (mostly loading cfn-lint's schemas). Linting runs in
one worker process per core, and a clean result is cached in ``.cache/iotstack/lint``, so a
template whose bytes (region, cfn-lint version, settings) did not change is not linted again.

Figures, all for every environment, from the project root:

* generation, in process: config + build_template + render, no lint, no process start;
* generation, as a command: ``iotstack template --no-lint``, i.e. plus Python start-up and
  imports;
* cold ``make template``: an empty lint cache, so every template is linted (the OS file
  cache is warm, though: "cold" refers to the lint cache only);
* warm ``make template``: the cache is filled and nothing changed, so nothing is linted;
* bare ``cfn-lint`` over the same templates, one serial process: the baseline without the
  cache or the workers.

The make runs use caches of their own in a temporary folder (``IOTSTACK_CACHE_DIR``); the
user's lint cache is not touched.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from generator import config
from generator.render import render
from generator.stack import build_template

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
GENERATE_REPS = 20


def generate_all() -> None:
    for name in config.environment_names():
        render(build_template(config.load_environment(name)))


def timed(func: Callable[[], object], runs: int, warmup: bool = False) -> list[float]:
    """Seconds taken by each of ``runs`` calls of ``func``, after an untimed one if asked."""
    if warmup:
        func()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return times


def command(*args: str | Path, **env: str) -> Callable[[], object]:
    argv = [str(a) for a in args]
    return lambda: subprocess.run(argv, check=True, capture_output=True, env={**os.environ, **env})


def make_template_runs(cold_runs: int, warm_runs: int) -> tuple[list[float], list[float]]:
    """Time `make template` with an empty, then a filled lint cache.

    The runs use the bench's own caches in a temporary folder (``IOTSTACK_CACHE_DIR``): the
    user's cache is neither read nor touched.
    """
    command("make", "template")()  # refreshes .venv if needed, so that no run below includes an install
    with tempfile.TemporaryDirectory() as caches:
        cold = []
        for run in range(cold_runs):
            cold += timed(command("make", "template", IOTSTACK_CACHE_DIR=f"{caches}/{run}"), 1)
        warm = timed(command("make", "template", IOTSTACK_CACHE_DIR=f"{caches}/{run}"), warm_runs)
    return cold, warm


def main() -> None:
    os.chdir(ROOT)
    templates = sorted(Path("templates").glob("*.json"))
    results = {}
    results["generation, in process"] = timed(generate_all, GENERATE_REPS, warmup=True)
    with tempfile.TemporaryDirectory() as out:
        no_lint = command(BIN / "iotstack", "template", "--no-lint", "--out", out)
        results["iotstack template --no-lint"] = timed(no_lint, 5, warmup=True)
    cold, warm = make_template_runs(cold_runs=5, warm_runs=5)
    results["make template, cold lint cache"] = cold
    results["make template, warm lint cache"] = warm
    cfn_lint = command(BIN / "cfn-lint", "--regions", "sa-east-1", "--include-checks",
                       "I", "--", *templates)  # fmt: skip
    results["bare cfn-lint (serial, no cache)"] = timed(cfn_lint, 5)

    width = max(map(len, results))
    print(f"{len(templates)} environment(s): {', '.join(t.stem for t in templates)}")
    print(f"{'figure':<{width}}  {'median s':>9}  {'min s':>8}  {'runs':>4}")
    for label, times in results.items():
        median, fastest = statistics.median(times), min(times)
        print(f"{label:<{width}}  {median:9.3f}  {fastest:8.3f}  {len(times):4d}")
    bare = statistics.median(results["bare cfn-lint (serial, no cache)"])
    speedup = bare / statistics.median(warm)
    print(f"warm make template is {speedup:.1f}x faster than bare cfn-lint")
    print(f"{os.cpu_count()} core(s), Python {sys.version.split()[0]}, cfn-lint {version('cfn-lint')}")


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as error:
        argv = " ".join(map(str, error.cmd))
        sys.exit(f"{argv} failed:\n{error.stdout.decode()}{error.stderr.decode()}")
