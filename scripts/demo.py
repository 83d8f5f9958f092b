"""`make demo`: the story of a change, told by the real `iotstack` on a local AWS emulator, no AWS account.

Starts moto's server on a free port of 127.0.0.1 (tests/support/emulator.py, test support that the
product never imports) and runs the real `iotstack` command against it with dummy credentials and
AWS_ENDPOINT_URL, in a temporary copy of the project (environments and templates, a git repository of
its own), so that nothing it edits or writes reaches this project:

1. deploy dev;
2. change a setting: dev's shard count 2 -> 4 in environments/dev.toml, `iotstack template`, `iotstack
   diff` (the plan, against the copy's git), deploy: the update;
3. destroy dev;
4. rehearse prod: bootstrap its account and region, deploy it through the bootstrap bucket (its template
   is over the inline limit), see its protection in `status`;
5. a change that loses data: prod's Aurora instances 2 -> 1 (the cluster's name is not a setting:
   renaming it is a code change) removes a database instance, and the deploy's stateful guard refuses
   it (exit 3) before anything runs;
6. destroy prod: refused, its termination protection is on;
7. a fleet: prod's stack at four plants over two accounts and two regions (fleets/plants.toml), rolled out by a
   stack set on the emulator's stack sets (tests/support/stack_sets.py: operations that take time, one site
   after another as the fleet's rollout says): the plan, the deploy, a site added, a site's parameter changed,
   a site that fails (injected) named with its reason (exit 1), a site removed with its stack kept, and
   drift at one site (injected) named by site and resource (exit 2). Stopping the emulator is the clean-up.

Each table is printed once: a change table longer than a screenful shows its first rows and a count,
and an outputs table shows only the outputs not listed before.
"""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project root: tests.support
from tests.support import emulator  # noqa: E402 (after the path above)

IOTSTACK = str(Path(sys.executable).with_name("iotstack"))
GIT = ("git", "-c", "user.name=iotstack demo", "-c", "user.email=demo@example.invalid", "-c", "commit.gpgsign=false",
       "-c", "color.ui=never")  # fmt: skip

# A change table (deploy's "action  logical id ...") longer than this shows its first rows and a count.
LONG_TABLE = 12
FIRST_ROWS = 6
CHANGE_ROW = re.compile(r"(Add|Modify|Remove|Import|Dynamic)\s")
OUTPUT_ROW = re.compile(r"(\S+)\s{2,}\S")


class Tables:
    """Folds the tables of a command's output: long change tables, and outputs already listed."""

    def __init__(self):
        self.outputs_shown: set[str] = set()
        self.kind = ""  # "changes", "outputs" or "" (not in a table)
        self.header = ""
        self.rows: list[str] = []

    def line(self, line: str) -> list[str]:
        """What to print for one line of output: none while a table is read, the table when it ends."""
        if (self.kind == "changes" and CHANGE_ROW.match(line)) or (self.kind == "outputs" and OUTPUT_ROW.match(line)):
            self.rows.append(line)
            return []
        printed = self.end()
        if line.startswith("action  logical id"):
            self.kind, self.header = "changes", line
        elif re.match(r"output\s{2,}value$", line):
            self.kind, self.header = "outputs", line
        else:
            printed.append(line)
        return printed

    def end(self) -> list[str]:
        """The table read so far, folded; nothing when there is none."""
        kind, header, rows = self.kind, self.header, self.rows
        self.kind, self.header, self.rows = "", "", []
        if kind == "changes" and len(rows) > LONG_TABLE:
            actions = ", ".join(f"{n} {a}" for a, n in Counter(r.split()[0] for r in rows).items())
            more = f"...     {len(rows) - FIRST_ROWS} more rows ({len(rows)} in all: {actions})"
            return [header, *rows[:FIRST_ROWS], more]
        if kind == "outputs":
            names = [OUTPUT_ROW.match(r)[1] for r in rows]
            new = [r for r, n in zip(rows, names, strict=True) if n not in self.outputs_shown]
            self.outputs_shown.update(names)
            if not new:
                return [f"(the {len(rows)} outputs, named as listed above; `iotstack status` lists their values)"]
            more = len(rows) - len(new)
            return [header, *new, *([f"...     {more} more outputs, named as listed above (`iotstack status` lists "
                                      "their values)"] if more else [])]  # fmt: skip
        return [header, *rows] if kind else []


class Stopped(Exception):
    """A signal stopped the demo: SIGINT, SIGTERM or SIGHUP."""

    def __init__(self, number: int):
        super().__init__(signal.Signals(number).name)
        self.number = number


def _stop(number: int, _frame) -> None:
    raise Stopped(number)


def show(command: list[str], env: dict, cwd: str, tables: Tables) -> int:
    """Run a command, printing its output (stderr too, in order) with its tables folded; its exit code. A
    signal ends the command too (its own way out: iotstack cleans up what it made) before it goes on up."""
    with subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          bufsize=1) as child:  # fmt: skip
        try:
            for raw in child.stdout:
                for line in tables.line(raw.rstrip("\n")):
                    print(line, flush=True)
        except Stopped as stopped:
            with suppress(ProcessLookupError):
                child.send_signal(stopped.number)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
            raise
        for line in tables.end():
            print(line, flush=True)
        return child.wait()


def edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (once) in a file of the copy, or append ``new`` when ``old`` is empty."""
    text = path.read_text()
    if old and old not in text:
        raise SystemExit(f"demo failed: {path.name} no longer says {old!r}")
    path.write_text(text.replace(old, new, 1) if old else text + new)


def copy_project(copy: Path) -> str:
    """Copy environments/ and templates/ as last committed (``git archive HEAD``), so that the story starts where
    it says whatever the working tree holds (a tour's edit, say); the working tree's outside git. Says which."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "HEAD", "environments", "templates",
                              "fleets"], capture_output=True, check=False)  # fmt: skip
    if archive.returncode == 0:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(copy, filter="data")
        return "its last commit (HEAD)"
    for folder in ("environments", "templates", "fleets"):
        shutil.copytree(ROOT / folder, copy / folder)
    return "its working tree (not a git checkout)"


NATAL = '\n[[sites]]\nname = "natal"\naccount = "333333333333"\nregion = "sa-east-1"\nvpc_cidr = "10.5.0.0/16"\n'
BELEM = '[[sites]]\nname = "belem"\naccount = "222222222222"\nregion = "us-east-1"\nvpc_cidr = "10.4.0.0/16"\n'


def fleet_steps(copy: Path) -> list:
    """The fleet's story: prod's stack at four plants, rolled out by a stack set on the emulator's stack sets."""
    from tests.support import stack_sets

    stack_sets.seconds_per_instance = 1.0  # a site takes a second: the progress shows
    plants = copy / "fleets" / "plants.toml"

    def restore_prod() -> None:
        subprocess.run([*GIT, "checkout", "--", "environments/prod.toml"], cwd=copy, check=True)

    def fail_natal() -> None:
        stack_sets.fail_instance("333333333333", "sa-east-1", "injected by the demo: the account has no "
                                 "AWSCloudFormationStackSetExecutionRole")  # fmt: skip
        edit(plants, 'vpc_cidr = "10.5.0.0/16"', 'vpc_cidr = "10.5.0.0/16"\nalert_emails = ["natal-ops@example.com"]')

    return [  # (what it shows, an edit to make first or None, the command, the exit code it should end with)
        ("A fleet: prod's stack at four plants (prod's file as committed again)", restore_prod,
         [*GIT, "show", "HEAD:fleets/plants.toml"], 0),
        ("Bootstrap the fleet: the stack set's administration role (the template bucket is prod's, made above), and "
         "the command for each site account's execution role", None, ["bootstrap", "--fleet", "plants", "--yes"], 0),
        ("Deploy it: the plan against what is deployed (nothing yet), a stack set, then each site (one at a time "
         "per region, as [rollout] says)", None, ["deploy", "--fleet", "plants", "--yes", "--poll-seconds", "0.5"], 0),
        ("Add a plant: natal, in a third account; the plan, offline, against git (exit 2: changes)",
         lambda: edit(plants, "", NATAL), ["diff", "--fleet", "plants"], 2),
        ("A third account: the roles' templates change too (the administration role may assume its execution "
         "role)", None, ["template", "--fleet", "plants"], 0),
        ("Bootstrap again: the administration role reaches the new account", None,
         ["bootstrap", "--fleet", "plants", "--yes"], 0),
        ("Deploy it: one operation, natal's", None, ["deploy", "--fleet", "plants", "--yes", "--poll-seconds", "0.5"],
         0),
        ("Change a plant's parameter: recife's alert address", lambda: edit(
            plants, "recife-ops@example.com", "recife-plant@example.com"),
         ["deploy", "--fleet", "plants", "--yes", "--poll-seconds", "0.5"], 0),
        ("A plant that fails: natal's account refuses (injected); the deploy names it with the reason", fail_natal,
         ["deploy", "--fleet", "plants", "--yes", "--poll-seconds", "0.5"], 1),
        ("Remove a plant: belem's stack instance goes, its stack (and data) stays",
         lambda: (stack_sets.clear(), edit(plants, BELEM, "")),
         ["deploy", "--fleet", "plants", "--yes", "--poll-seconds", "0.5"], 0),
        ("Every plant as AWS holds it", None, ["status", "--fleet", "plants"], 0),
        ("Drift at manaus: its stream was changed by hand (injected); drift names the plant and the resource",
         lambda: stack_sets.drift_resource("111111111111", "us-east-1", "SensorDataStream"),
         ["drift", "--fleet", "plants", "--poll-seconds", "0.5"], 2),
    ]  # fmt: skip


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="iotstack-demo-") as folder, emulator.running() as endpoint:
        copy = Path(folder)
        # A copy of the project, so that the emulator's outputs and the demo's edits never land here.
        print(f"The project as of {copy_project(copy)}, copied to a temporary folder.", flush=True)
        (copy / "setup.cfg").write_text("[metadata]\nname = iotstack\n")
        (copy / ".gitignore").write_text("outputs/\n.cache/\n")
        # A repository of its own: `iotstack diff` compares with the committed templates.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "GIT_"))}
        for args in (("init", "-q", "-b", "main"), ("add", "-A"), ("commit", "-q", "-m", "the project as it is")):
            subprocess.run([*GIT, *args], cwd=folder, env=env, check=True)
        # No AWS_* setting of the shell (a profile, a service-specific endpoint) may reach real AWS.
        env.update(emulator.dummy_credentials(), AWS_ENDPOINT_URL=endpoint)
        print(f"AWS emulator (moto) on {endpoint}; nothing leaves this machine.", flush=True)
        templates = [json.loads((copy / "templates" / f"{name}.json").read_text()) for name in ("dev", "prod")]
        said = (f'It accepts these types and creates nothing for them (their outputs read "{emulator.NOT_EMULATED}"; '
                "no alarm is evaluated, no email sent, no event published): "
                + ", ".join(emulator.not_created(*templates)))  # fmt: skip
        print(textwrap.fill(said, 100, subsequent_indent="  ") + "\n", flush=True)

        dev, prod = copy / "environments" / "dev.toml", copy / "environments" / "prod.toml"
        steps = [  # (what it shows, an edit to make first or None, the command, the exit code it should end with)
            ("Deploy dev: a change set, its changes, the events, the outputs", None,
             ["deploy", "--env", "dev", "--yes"], 0),
            ("Change a setting: dev's stream gets 4 shards (the default is 2)",
             lambda: edit(dev, "", "\n[kinesis]\nshard_count = 4\n"), [*GIT, "diff", "--", "environments/dev.toml"], 0),
            ("Generate and lint the template again", None, ["template", "--env", "dev"], 0),
            ("The plan, offline, against git: what deploying would change (exit 2: changes)", None,
             ["diff", "--env", "dev"], 2),
            ("Deploy the change: one resource modified", None, ["deploy", "--env", "dev", "--yes"], 0),
            ("Destroy dev (dev.toml turns termination and deletion protection off)", None,
             ["destroy", "--env", "dev", "--yes"], 0),
            # The prod rehearsal: its template is over CloudFormation's 51,200-byte inline limit.
            ("Bootstrap prod's account and region: the artifact bucket for large templates", None,
             ["bootstrap", "--env", "prod", "--yes"], 0),
            ("Deploy prod: its template is over the inline limit, so it goes through the bootstrap bucket", None,
             ["deploy", "--env", "prod", "--yes"], 0),
            ("prod's status: termination protection and the stack policy are on", None,
             ["status", "--env", "prod"], 0),
            ("A change that loses data: prod's Aurora instances 2 -> 1 (the cluster's name is not a setting)",
             lambda: edit(prod, "instances = 2", "instances = 1"), [*GIT, "diff", "--", "environments/prod.toml"], 0),
            ("Generate and lint prod's template", None, ["template", "--env", "prod"], 0),
            ("Deploy it: the stateful guard refuses to remove a database instance (exit 3), nothing runs", None,
             ["deploy", "--env", "prod", "--yes"], 3),
            ("Destroy prod: refused, its termination protection is on (exit 1, by design)", None,
             ["destroy", "--env", "prod", "--yes"], 1),
            *fleet_steps(copy),
        ]  # fmt: skip
        tables = Tables()
        for title, change, command, expected in steps:
            if change:
                change()
            git = command[0] == "git"
            print(f"$ {' '.join(['git', *command[len(GIT) :]] if git else ['iotstack', *command])}    # {title}",
                  flush=True)  # fmt: skip
            code = show(command if git else [IOTSTACK, *command], env, folder, tables)
            print(f"(exit {code})\n", flush=True)
            if code != expected:
                print(f"demo failed: expected exit {expected}", file=sys.stderr)
                return code or 1
        print("Stopping the emulator: that is prod's and the fleet's clean-up (protected by design).", flush=True)
    print(f"make demo: {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # one way out: the emulator and the copy go
        signal.signal(number, _stop)
    try:
        sys.exit(main())
    except Stopped as stopped:
        print(f"\ndemo stopped by {stopped}: the emulator is stopped and its temporary copy deleted", file=sys.stderr)
        sys.exit(128 + stopped.number)
