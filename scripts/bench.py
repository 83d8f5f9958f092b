"""Time the commands people wait for against their floors, and fail on a miss; run by `make bench`.

Six figures, each a ratio of two medians: a command and the floor it is held to, both timed as
whole processes (Python start-up, imports and exit included) over every environment:

1. ``iotstack template --no-lint``, into a temporary folder, against a Python process that only
   imports what generating cannot do without: click, and the troposphere and awacs modules that
   ``generator/stack/*.py`` import (read from their import statements, so the floor follows the
   stack). Target: at most 1.5 times the floor.
2. cold ``make template``: an empty lint cache (a new ``IOTSTACK_CACHE_DIR`` for every run), so
   every template is linted, against bare ``cfn-lint --regions <region> --include-checks I`` over
   the same templates (the fleets' and their roles' for each region of their sites), one serial process per
   region. Target: at most 1.0 times it. ("cold" is the lint cache only: the OS file cache is warm for both.)
3. warm ``make template``: the lint cache filled and nothing changed, so nothing is linted, against
   the same bare cfn-lint. Target: at most 0.2 times it.
4. ``iotstack diff`` (every environment against git HEAD, nothing changed: it exits 0) against the
   ``iotstack template --no-lint`` process. Target: at most 1.5 times it.
5. the forecast in its heaviest case (every environment's template as a new stack: every resource
   created, the whole graph weighed), timed in this process, against that ``iotstack diff`` process.
   Target: at most 0.1 times it (the forecast adds under 10% to a diff).
6. ``iotstack check --fleet hundred``, a generated fleet of 100 sites of prod's shape (50 accounts, 2
   regions), against ``iotstack check --env prod``, both in a scratch copy of the project committed to a
   git repository of its own (the plan against HEAD included), their lint caches filled. Target: at most
   1.5 times it: one template whatever the sites, so sites cost only their parameters.

The compared commands are interleaved (A B C A B C ..., the order turning each round) so that
whatever else the machine is doing weighs on both sides alike; the sub-second ones run more
often. One untimed run of each comes first. The machine (cores, CPU model, load average), Python
and cfn-lint are printed with the figures, and so is each command's median CPU time (its whole
process tree), which a busy machine disturbs less than wall-clock time. The figures themselves are
wall-clock, and the exit status is 1 when any ratio misses its target.

Nothing of the user's is changed: the runs use lint caches of their own in a temporary folder,
and the bench refuses to start unless ``templates/`` is current (then ``make template`` rewrites
nothing), and checks afterwards that it is unchanged.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from itertools import count
from pathlib import Path

from generator.config import load_environments
from generator.fleet import load_fleets
from generator.fleet.settings import ROLES, role_template_name
from generator.review.durations import Durations
from generator.review.forecast import forecast
from generator.workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
TEMPLATES = ROOT / "templates"
HEAVY_ROUNDS = 9  # cold make template and bare cfn-lint: seconds each
LIGHT_ROUNDS = 15  # the sub-second commands


@dataclass(frozen=True)
class Command:
    label: str
    run: Callable[[], object]
    shown: str  # the command line, as printed under the figures


@dataclass(frozen=True)
class Run:
    seconds: float  # wall-clock
    cpu: float  # CPU seconds of the whole process tree


@dataclass(frozen=True)
class Figure:
    label: str
    command: str  # a Command label
    floor: str  # a Command label
    target: float


def process(label: str, argv: Sequence[str | Path], shown: str = "", env: Callable[[], dict] = dict,
            cwd: Path = ROOT) -> Command:  # fmt: skip
    """A command run as a process from the project root (or ``cwd``); ``env()`` adds to the environment of each
    run."""
    args = [str(a) for a in argv]

    def run() -> None:
        subprocess.run(args, cwd=cwd, check=True, capture_output=True, env={**os.environ, **env()})

    return Command(label, run, shown or " ".join(args))


def stack_imports() -> list[str]:
    """The troposphere and awacs modules that the templates' builders import (generator/stack/*.py for
    the environments, generator/bootstrap/template.py for the bootstrap stack), as module names."""
    modules = set()
    builders = [*sorted((ROOT / "generator" / "stack").glob("*.py")), ROOT / "generator" / "bootstrap" / "template.py"]
    for path in builders:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module)
                # `from awacs import kms` imports the submodule awacs.kms
                modules.update(f"{node.module}.{a.name}" for a in node.names if _submodule(node.module, a.name))
    return sorted(m for m in modules if m.split(".")[0] in ("troposphere", "awacs"))


def _submodule(package: str, name: str) -> bool:
    if package.split(".")[0] not in ("troposphere", "awacs"):
        return False
    spec = importlib.util.find_spec(package)
    return bool(spec and spec.submodule_search_locations) and importlib.util.find_spec(f"{package}.{name}") is not None


def interleaved(commands: Sequence[Command], rounds: int, repeat: dict[str, int]) -> dict[str, list[Run]]:
    """Each command's runs, timed in rounds that run every command (``repeat[label]`` times; once by
    default), the order turning by one each round; after one untimed run of each."""
    for command in commands:
        command.run()
    runs: dict[str, list[Run]] = {c.label: [] for c in commands}
    for round_ in range(rounds):
        turn = round_ % len(commands)
        for command in [*commands[turn:], *commands[:turn]]:
            for _ in range(repeat.get(command.label, 1)):
                cpu_before, started = _children_cpu(), time.perf_counter()
                command.run()
                runs[command.label].append(Run(time.perf_counter() - started, _children_cpu() - cpu_before))
    return runs


def _children_cpu() -> float:
    """CPU seconds (user and system) used so far by the processes this one waited for, and theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def templates_state() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(TEMPLATES.glob("*")) if p.is_file()}


def refuse_unless_current(scratch: Path) -> None:
    """Stop unless ``make template`` would write nothing (the committed files are what the code makes)."""
    out = scratch / "current"
    process("", [BIN / "iotstack", "template", "--no-lint", "--out", out]).run()
    stale = sorted(p.name for p in out.iterdir() if not (TEMPLATES / p.name).is_file() or
                   (TEMPLATES / p.name).read_bytes() != p.read_bytes())  # fmt: skip
    if stale:
        sys.exit(f"templates/ is not current ({', '.join(stale)}): `make template` would rewrite it; "
                 "run it (and commit) before `make bench`")  # fmt: skip


def median(runs: list[Run], field: str = "seconds") -> float:
    return statistics.median(getattr(r, field) for r in runs)


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )  # fmt: skip
    return f"{os.cpu_count()} core(s), {model}; Python {platform.python_version()}, cfn-lint {version('cfn-lint')}"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def forecasts(names: list[str]) -> Command:
    """The forecast of every environment as a new stack, in this process (templates read once, before)."""
    templates = [json.loads((TEMPLATES / f"{name}.json").read_text()) for name in names]

    def run() -> None:
        for t in templates:
            forecast(None, t, dict.fromkeys(t["Resources"], "add"), Durations())

    shown = f"forecast(None, templates/<env>.json, every resource added) for {', '.join(names)}"
    return Command("forecast", run, shown)


SITES = 100


def fleet_project(scratch: Path) -> Path:
    """A copy of the project's environments with a fleet of :data:`SITES` sites of prod's shape, its templates
    made, committed to a git repository of its own (the base of check's plan)."""
    project = scratch / "fleet-project"
    (project / "fleets").mkdir(parents=True)
    (project / "setup.cfg").write_text("[metadata]\nname = iotstack\n")
    shutil.copytree(ROOT / "environments", project / "environments")
    sites = [
        f'[[sites]]\nname = "plant{n}"\naccount = "{100000000000 + n // 2}"\n'  # one site per account and region
        f'region = "{("sa-east-1", "us-east-1")[n % 2]}"\nvpc_cidr = "10.{n}.0.0/16"\n'
        for n in range(SITES)
    ]
    (project / "fleets" / "hundred.toml").write_text('environment = "prod"\n\n' + "\n".join(sites))
    subprocess.run([BIN / "iotstack", "template"], cwd=project, check=True, capture_output=True)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    for args in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "bench"]):
        subprocess.run([*git, *args], cwd=project, check=True, capture_output=True)
    return project


def commands(scratch: Path, regions: dict[str, list[str]]) -> list[Command]:
    """Every command timed, the floors included; their runs write only under ``scratch``."""
    modules = ", ".join(["click", *stack_imports()])
    bare = [["cfn-lint", "--regions", r, "--include-checks", "I", "--", *files] for r, files in regions.items()]
    cold_caches = (scratch / f"cold-{n}" for n in count())  # a new, empty one per run
    warm_cache = scratch / "warm"  # filled by the untimed first run, then left as it is
    fleet = fleet_project(scratch)
    return [
        process("check env", [BIN / "iotstack", "check", "--env", "prod"], "iotstack check --env prod", cwd=fleet),
        process(
            "check fleet",
            [BIN / "iotstack", "check", "--fleet", "hundred"],
            f"iotstack check --fleet hundred ({SITES} sites)",
            cwd=fleet,
        ),
        process("import floor", [BIN / "python", "-c", f"import {modules}"], f'python -c "import {modules}"'),
        process(
            "no-lint",
            [BIN / "iotstack", "template", "--no-lint", "--out", scratch / "out"],
            "iotstack template --no-lint --out TMPDIR",
        ),
        process("diff", [BIN / "iotstack", "diff"], "iotstack diff"),
        Command(
            "bare cfn-lint",
            lambda: [process("", [BIN / argv[0], *argv[1:]]).run() for argv in bare],
            " ; ".join(" ".join(argv) for argv in bare),
        ),
        process(
            "cold make",
            ["make", "template"],
            "IOTSTACK_CACHE_DIR=<new empty folder> make template",
            env=lambda: {"IOTSTACK_CACHE_DIR": str(next(cold_caches))},
        ),
        process(
            "warm make",
            ["make", "template"],
            "IOTSTACK_CACHE_DIR=<filled folder> make template",
            env=lambda: {"IOTSTACK_CACHE_DIR": str(warm_cache)},
        ),
    ]


FIGURES = (
    Figure("1. iotstack template --no-lint", "no-lint", "import floor", 1.5),
    Figure("2. make template, cold lint cache", "cold make", "bare cfn-lint", 1.0),
    Figure("3. make template, warm lint cache", "warm make", "bare cfn-lint", 0.2),
    Figure("4. iotstack diff", "diff", "no-lint", 1.5),
    Figure("5. forecast, every env as a new stack", "forecast", "diff", 0.1),
    Figure(f"6. check of a {SITES}-site fleet", "check fleet", "check env", 1.5),
)


def main() -> int:
    os.chdir(ROOT)
    envs = load_environments((), Workspace.find(ROOT).environments)
    regions: dict[str, list[str]] = {}  # bare cfn-lint: one process per region, over its templates
    for env in envs:
        regions.setdefault(env.region, []).append(f"templates/{env.name}.json")
    for fleet in load_fleets((), Workspace.find(ROOT).fleets, Workspace.find(ROOT).environments):
        for region in fleet.regions:  # a fleet's template is linted for each region of its sites
            regions.setdefault(region, []).append(f"templates/{fleet.template_name}.json")
        if fleet.stack_set.permission_model == "self-managed":  # and its roles' for the stack set's region too
            for region in sorted({fleet.environment.region, *fleet.regions}):
                regions.setdefault(region, []).extend(f"templates/{role_template_name(fleet.name, role)}.json"
                                                      for role in ROLES)  # fmt: skip
    before, load_before = templates_state(), load()
    with tempfile.TemporaryDirectory(prefix="iotstack-bench-") as tmp:
        os.environ["IOTSTACK_CACHE_DIR"] = f"{tmp}/cache"  # no command of the bench uses the user's cache
        refuse_unless_current(Path(tmp))
        timed = {c.label: c for c in [*commands(Path(tmp), regions), forecasts([e.name for e in envs])]}
        light = [timed[label] for label in ("import floor", "no-lint", "diff", "forecast", "check env", "check fleet")]
        heavy = [timed[label] for label in ("bare cfn-lint", "cold make", "warm make")]
        runs = interleaved(light, LIGHT_ROUNDS, {}) | interleaved(heavy, HEAVY_ROUNDS, {"warm make": 2})
    if templates_state() != before:
        sys.exit("templates/ changed during the bench: a bug in the bench")

    print(f"machine: {machine()}")
    load_after = load()
    print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    if max(float(load_before.split()[0]), float(load_after.split()[0])) > (os.cpu_count() or 1):
        print("note: the machine was busy (more runnable processes than cores): wall-clock ratios are noisy")
    print(f"environments: {', '.join(e.name for e in envs)} ({', '.join(regions)})")
    print()
    rows = [("figure", "median s", "floor", "median s", "ratio", "target", "result")]
    for figure in FIGURES:
        command, floor = median(runs[figure.command]), median(runs[figure.floor])
        ratio = command / floor
        result = "PASS" if ratio <= figure.target else "MISS"
        rows.append((figure.label, f"{command:.3f}", figure.floor, f"{floor:.3f}", f"{ratio:.2f}",
                     f"<= {figure.target:.1f}", result))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    numbers = (1, 3, 4)  # right-aligned columns
    for row in rows:
        cells = [c.rjust(w) if i in numbers else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        print("  ".join(cells).rstrip())
    print()
    print("commands: runs, fastest s, median CPU s (the whole process tree: steadier than wall time on a busy machine)")
    for label, command in timed.items():
        fastest, cpu = min(r.seconds for r in runs[label]), median(runs[label], "cpu")
        print(f"  {label:<13} {len(runs[label]):3d}  {fastest:6.3f}  {cpu:6.3f}  {command.shown}")
    missed = sum(row[-1] == "MISS" for row in rows)
    print()
    print(f"{missed} of {len(FIGURES)} figure(s) missed" if missed else f"all {len(FIGURES)} figures pass")
    return 1 if missed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as error:
        argv = " ".join(map(str, error.cmd))
        sys.exit(f"{argv} failed:\n{error.stdout.decode()}{error.stderr.decode()}")
