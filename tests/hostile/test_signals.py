"""A real ``iotstack`` process, stopped as a CI runner (SIGTERM), a closed terminal (SIGHUP) or a person
(Ctrl-C) stops it, with its stdout closed by ``| head``, or on a terminal that takes no escape codes.

Each stop takes the one way out: what the run made and did not run is deleted, a lifted stack policy is
restored, the message says so, and the exit code is 128 + the signal's number. The process talks to
the emulator through the fault proxy, whose delay holds it at a known step until the signal comes.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from generator.deploy.changes import stack_policy
from generator.lint import lint_templates
from generator.stack import kinesis
from tests.conftest import ROOT, merged_toml, run
from tests.hostile import Case, expect
from tests.hostile.test_aws import STACK, available, cloudformation, nothing_left
from tests.support.emulator import dummy_credentials

PROGRAM = "import sys; from generator.cli import main; main(sys.argv[1:], prog_name='iotstack')"


def environment(endpoint: str, **extra: str) -> dict[str, str]:
    """What the process sees: the test's PATH and lint cache, dummy credentials, the proxy, nothing else."""
    keep = {k: os.environ[k] for k in ("PATH", "HOME", "IOTSTACK_CACHE_DIR", "LANG") if k in os.environ}
    return {**keep, **dummy_credentials(), "AWS_ENDPOINT_URL": endpoint, "AWS_MAX_ATTEMPTS": "2",
            "PYTHONPATH": str(ROOT), **extra}  # fmt: skip


def start(project, endpoint: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PROGRAM, *args], cwd=project.root, env=environment(endpoint),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def called(proxy, action: str, process: subprocess.Popen, since: int, seconds: float = 60) -> None:
    """Wait until ``action`` reached the proxy after its first ``since`` calls (the process is then held
    there by a delay)."""
    deadline = time.monotonic() + seconds
    while action not in proxy.calls[since:]:
        assert process.poll() is None, f"the process ended before {action}: {process.communicate()}"
        assert time.monotonic() < deadline, f"no {action} within {seconds} s"
        time.sleep(0.05)


@pytest.fixture(scope="module", autouse=True)
def _warm_lint_cache(_lint_cache):
    """dev's committed template linted once, into the run's lint cache, so that each process finds it
    clean there (the gate's lint costs seconds a process otherwise)."""
    text = (ROOT / "templates" / "dev.json").read_text()
    assert lint_templates({"dev": (text, "sa-east-1")}, _lint_cache / "lint", policy=True) == {"dev": []}


# --- signals --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stop:
    """A process held at ``held`` (a delayed call), then sent ``signum``."""

    held: str
    signum: int


def new_stack(project, proxy, monkeypatch, request):
    proxy.delay("DescribeChangeSet", 10)


def existing_stack(project, proxy, monkeypatch, request):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    path = project.environment_file("dev")
    path.write_text(merged_toml(path.read_text(), "[kinesis]\nshard_count = 3"))
    project.regenerate()
    proxy.delay("DescribeChangeSet", 10)


def lifted_at(held):
    """:func:`lifted`, the process held at ``held`` (the lift, or the execution)."""

    def setup(project, proxy, monkeypatch, request):
        lifted(project, proxy, monkeypatch, request)
        proxy.reset()
        proxy.delay(held, 10)

    return setup


def lifted(project, proxy, monkeypatch, request):
    """dev with a stack policy, deployed with its stream under another name (the code patched in this
    process only); the process deploys today's code, which renames it back: a replacement, allowed."""
    path = project.environment_file("dev")
    path.write_text(path.read_text().replace("stack_policy = false", "stack_policy = true"))
    original = kinesis.name
    kinesis.name = lambda env, kind: original(env, kind.replace("sensor-data", "sensors"))
    try:
        project.regenerate()
        assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    finally:
        kinesis.name = original
    project.regenerate()


def no_change_set_left(project, endpoint, output):
    assert available(endpoint, STACK) == []
    assert cloudformation(endpoint).describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def policy_restored_and_nothing_left(project, endpoint, output):
    assert cloudformation(endpoint).get_stack_policy(StackName=STACK)["StackPolicyBody"] == stack_policy()
    assert "Stack policy restored" in output
    assert available(endpoint, STACK) == []


def policy_restored(project, endpoint, output):
    assert cloudformation(endpoint).get_stack_policy(StackName=STACK)["StackPolicyBody"] == stack_policy()
    assert "Stack policy restored" in output and "Cleaned up" not in output


DEPLOY = ("deploy", "--env", "dev", "--yes")
BEFORE_NEW = (" before anything ran: the empty stack iot-platform-dev (REVIEW_IN_PROGRESS) and its change set "
              "iotstack-… deleted; nothing was deployed")  # fmt: skip

STOPS = {
    # case: (the row, how it is stopped)
    "sigterm-while-the-change-set-is-computed": (Case(new_stack, DEPLOY, 143, "terminated (SIGTERM)" + BEFORE_NEW,
                                                      nothing_left), Stop("DescribeChangeSet", signal.SIGTERM)),
    "sighup-while-the-change-set-is-computed": (Case(new_stack, DEPLOY, 129, "hung up (SIGHUP)" + BEFORE_NEW,
                                                     nothing_left), Stop("DescribeChangeSet", signal.SIGHUP)),
    "ctrl-c-while-the-change-set-is-computed": (Case(new_stack, DEPLOY, 130, "interrupted (Ctrl-C)" + BEFORE_NEW,
                                                     nothing_left), Stop("DescribeChangeSet", signal.SIGINT)),
    "sigterm-before-an-update-runs": (Case(existing_stack, DEPLOY, 143, "terminated (SIGTERM) before anything ran: "
                                           "change set iotstack-… deleted; nothing was deployed", no_change_set_left),
                                      Stop("DescribeChangeSet", signal.SIGTERM)),
    "sigterm-after-the-stack-policy-was-lifted": (Case(lifted_at("ExecuteChangeSet"), (*DEPLOY, "--allow-replace",
                                                       "SensorDataStream"), 143, "terminated (SIGTERM) while asking "
                                                       "AWS for the deploy: the request may have reached it",
                                                       policy_restored), Stop("ExecuteChangeSet", signal.SIGTERM)),
    "sigterm-while-the-stack-policy-is-lifted": (Case(lifted_at("SetStackPolicy"), (*DEPLOY, "--allow-replace",
                                                      "SensorDataStream"), 143, "terminated (SIGTERM) before anything "
                                                      "ran: change set iotstack-… deleted; nothing was deployed",
                                                      policy_restored_and_nothing_left),
                                                 Stop("SetStackPolicy", signal.SIGTERM)),
}  # fmt: skip


@pytest.mark.parametrize("case, stop", STOPS.values(), ids=STOPS)
def test_a_signal_takes_the_one_way_out(project, aws, faulty_aws, monkeypatch, request, case, stop):
    case.setup(project, faulty_aws, monkeypatch, request)
    since = len(faulty_aws.calls)
    process = start(project, faulty_aws.endpoint, *case.command)
    called(faulty_aws, stop.held, process, since)
    process.send_signal(stop.signum)
    out, err = process.communicate(timeout=60)
    expect(out + err, process.returncode, case)
    case.after(project, aws, out + err)


# --- a closed stdout, a terminal without escape codes ------------------------------------------------


def test_a_closed_stdout_never_loses_a_deploy_or_its_outputs(project, aws, faulty_aws):
    faulty_aws.delay("CreateChangeSet", 1)  # the reader is gone before the second line
    process = start(project, faulty_aws.endpoint, *DEPLOY)
    first = process.stdout.readline()
    process.stdout.close()  # `iotstack deploy | head -1`
    err = process.stderr.read()
    assert process.wait(timeout=60) == 0, err
    assert first.startswith("Creating change set iotstack-")
    assert "(stdout is closed: the rest of this run's lines go to stderr)" in err
    assert "Stack iot-platform-dev is CREATE_COMPLETE." in err and "Traceback" not in err
    assert (project.root / "outputs" / "dev.json").is_file()


def on_a_terminal(project, *args: str, term: str) -> str:
    """What ``iotstack ARGS`` writes to a terminal (a pty) whose TERM is ``term``."""
    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", PROGRAM, *args], cwd=project.root, stdin=follower,
                               stdout=follower, stderr=follower, env=environment("http://127.0.0.1:9", TERM=term,
                               COLUMNS="100"))  # fmt: skip
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the process closed the terminal
            chunk = b""
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def test_a_dumb_terminal_gets_no_escape_codes(repo):
    path = repo.environment_file("dev")
    path.write_text(merged_toml(path.read_text(), "[kinesis]\nshard_count = 3"))
    coloured = on_a_terminal(repo, "diff", "--env", "dev", "--base", "HEAD", term="xterm-256color")
    dumb = on_a_terminal(repo, "diff", "--env", "dev", "--base", "HEAD", term="dumb")
    assert "\x1b[" in coloured  # the test can see escape codes where they belong
    assert "ShardCount" in dumb and "\x1b" not in dumb


def children(pid: int) -> list[str]:
    """The processes ``pid`` forked (Linux's /proc)."""
    try:
        return (Path(f"/proc/{pid}/task/{pid}/children").read_text()).split()
    except OSError:
        return []


@pytest.mark.parametrize("signum, exit_code", [(signal.SIGHUP, 129), (signal.SIGTERM, 143)], ids=["sighup", "sigterm"])
def test_a_signal_to_the_whole_group_leaves_through_the_parent_alone(project, tmp_path, signum, exit_code):
    """A closed terminal or a cancelled CI job signals every process of the group, the lint workers too:
    they die quietly, and the parent says what happened, once."""
    process = subprocess.Popen([sys.executable, "-c", PROGRAM, "check", "--env", "dev", "--env", "prod", "--skip-plan"],
                               cwd=project.root, env={**environment("http://127.0.0.1:9"),
                               "IOTSTACK_CACHE_DIR": str(tmp_path / "cold")}, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 60
    while not children(process.pid):  # the lint workers are forked
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.02)
    os.killpg(process.pid, signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == exit_code, err
    assert "Traceback" not in err and err.count("Error: ") == 1, err
    assert "files are written whole or not at all" in err
