"""deploy.progress and deploy.events: the time left on a terminal, a heartbeat in CI, the end against the forecast;
with a fake clock, and once on the emulator."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from generator.aws.views import StackEvent, StackStatus
from generator.cli import main
from generator.deploy import events as events_module
from generator.deploy.events import follow
from generator.deploy.progress import HEARTBEAT, Progress
from generator.review.durations import CREATE, Durations, History
from generator.review.forecast import forecast

STACK = "arn:aws:cloudformation:sa-east-1:123456789012:stack/s/1"
T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
# Three resources in a chain: Key (100 s) -> Cluster (300 s) -> Instance (600 s).
TEMPLATE = {"Resources": {
    "Key": {"Type": "T::Key"},
    "Cluster": {"Type": "T::Cluster", "Properties": {"KmsKeyId": {"Ref": "Key"}}},
    "Instance": {"Type": "T::Instance", "Properties": {"DBClusterIdentifier": {"Ref": "Cluster"}}},
}}  # fmt: skip
TIMES = Durations(History("sa-east-1", {"T::Key": {CREATE: [100]}, "T::Cluster": {CREATE: [300]},
                                        "T::Instance": {CREATE: [600]}}))  # fmt: skip
FORECAST = forecast(None, TEMPLATE, dict.fromkeys(TEMPLATE["Resources"], "add"), TIMES)


def event(number: int, logical: str, status: str, kind: str = "T::Key", at: float | None = None) -> StackEvent:
    """Event ``number``, at ``number`` seconds after T0 unless ``at`` says otherwise."""
    kind = "AWS::CloudFormation::Stack" if logical == "s" else kind
    return StackEvent(f"e{number}", logical, kind, status, "", T0 + timedelta(seconds=number if at is None else at))


class Clock:
    """A fake monotonic clock that sleeping moves on."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Console:
    def __init__(self, live: bool):
        self.live, self.lines, self.statuses = live, [], []

    def say(self, text="", err=False):
        self.lines.append(text)

    def status(self, text):
        self.statuses.append(text)

    def done(self):
        pass


def scripted(polls: list[tuple[str, list[StackEvent]]]):
    """A cloud whose stack reports each poll's status and, by then, that poll's events too (newest first)."""
    state = {"poll": -1}
    seen: list[StackEvent] = []

    def stack(_):
        state["poll"] = min(state["poll"] + 1, len(polls) - 1)
        seen.extend(polls[state["poll"]][1])
        return SimpleNamespace(status=StackStatus(polls[state["poll"]][0]), reason="")

    return SimpleNamespace(stack=stack, events=lambda _: list(reversed(seen)))


def test_the_time_left_follows_the_remaining_longest_path():
    progress = Progress(3, FORECAST)
    assert progress.left(0) == 1000
    progress.see(event(1, "Key", "CREATE_IN_PROGRESS"), 0)
    progress.see(event(2, "Key", "CREATE_COMPLETE"), 100)
    progress.see(event(3, "Cluster", "CREATE_IN_PROGRESS"), 100)
    assert progress.left(160) == 240 + 600  # the cluster's 300 s less the 60 it has run, then the instance
    line = progress.status_line("CREATE_IN_PROGRESS", 160, 160, width=200)
    assert line.startswith("CREATE_IN_PROGRESS [####--------] 1/3 2m40s, ~14 min left | Cluster 1m00s of ~5m00s")
    assert len(progress.status_line("CREATE_IN_PROGRESS", 160, 160, width=40)) == 39  # fits a narrow terminal


def test_the_end_says_the_time_against_the_forecast_and_the_slowest():
    progress = Progress(3, FORECAST)
    for number, (logical, start, end) in enumerate([("Key", 0, 90), ("Cluster", 90, 420), ("Instance", 420, 1000)]):
        progress.see(event(2 * number, logical, "CREATE_IN_PROGRESS", at=start), start)
        progress.see(event(2 * number + 1, logical, "CREATE_COMPLETE", at=end), end)
    assert progress.summary(1000) == (
        "Took 16m40s (forecast: about 17 min); slowest: Instance 9m40s (~10m00s "
        "expected), Cluster 5m30s (~5m00s expected), Key 1m30s (~1m40s expected)."
    )


def test_a_terminal_sees_the_time_left_between_events():
    clock = Clock()
    cloud = scripted([
        ("CREATE_IN_PROGRESS", [event(1, "s", "CREATE_IN_PROGRESS"), event(2, "Key", "CREATE_IN_PROGRESS")]),
        ("CREATE_IN_PROGRESS", []),
        ("CREATE_COMPLETE", [event(3, "Key", "CREATE_COMPLETE"), event(4, "s", "CREATE_COMPLETE")]),
    ])  # fmt: skip
    console = Console(live=True)
    follow(cloud, STACK, None, Progress(3, FORECAST), console, 60, poll_seconds=30, clock_=clock, sleep=clock.sleep)
    assert console.statuses[0].startswith("CREATE_IN_PROGRESS [------------] 0/3 0m00s, ~17 min left | Key 0m00s of")
    assert "0m30s, ~16 min left | Key 0m30s of ~1m40s" in console.statuses[1]


@pytest.mark.parametrize("silent_polls, heartbeats", [(1, 0), (2, 1), (4, 2), (5, 2)])
def test_without_a_terminal_a_heartbeat_comes_after_a_silent_minute_and_at_most_once_a_minute(silent_polls,
                                                                                              heartbeats):  # fmt: skip
    clock = Clock()
    polls = [("CREATE_IN_PROGRESS", [event(1, "s", "CREATE_IN_PROGRESS"), event(2, "Key", "CREATE_IN_PROGRESS")])]
    polls += [("CREATE_IN_PROGRESS", [])] * silent_polls
    polls += [("CREATE_COMPLETE", [event(3, "Key", "CREATE_COMPLETE"), event(4, "s", "CREATE_COMPLETE")])]
    console = Console(live=False)
    follow(scripted(polls), STACK, None, Progress(3, FORECAST), console, 60, poll_seconds=HEARTBEAT / 2,
           clock_=clock, sleep=clock.sleep)  # fmt: skip
    beats = [line for line in console.lines if line.startswith("... ")]
    assert len(beats) == heartbeats
    if beats:
        assert beats[0] == "... 1m00s elapsed, about 16 min left; in progress: Key 1m00s of ~1m40s"
    assert console.statuses == []  # nothing drawn in place where there is no terminal


def test_a_heartbeat_waits_for_a_minute_after_the_last_event_line():
    clock = Clock()
    polls = [("CREATE_IN_PROGRESS", [event(1, "s", "CREATE_IN_PROGRESS")]),
             ("CREATE_IN_PROGRESS", [event(2, "Key", "CREATE_IN_PROGRESS")]),  # at 30 s: a line
             ("CREATE_IN_PROGRESS", []),  # at 60 s: 30 s of silence only
             ("CREATE_COMPLETE", [event(3, "s", "CREATE_COMPLETE")])]  # fmt: skip
    console = Console(live=False)
    follow(scripted(polls), STACK, None, Progress(1, FORECAST), console, 60, poll_seconds=30, clock_=clock,
           sleep=clock.sleep)  # fmt: skip
    assert not [line for line in console.lines if line.startswith("... ")]


# --- on the emulator: the forecast before the run, the time left while it runs -------------------------------


def test_deploy_on_the_emulator_says_the_forecast_first_then_the_time_left(aws, project, monkeypatch):
    """moto runs an operation within its request; here the stack's status says IN_PROGRESS for two more polls,
    on a fake clock, and the console is a terminal's."""
    clock = Clock()
    monkeypatch.setattr(events_module, "time", SimpleNamespace(monotonic=clock, sleep=clock.sleep))
    monkeypatch.setattr("generator.console.styled", lambda: True)
    from generator.aws.gateway import Cloud

    real, late = Cloud.stack, {"polls": 0}

    def stack_still_in_progress(self, name):
        found = real(self, name)
        if found is not None and found.status.name == "CREATE_COMPLETE" and late["polls"] < 2:
            late["polls"] += 1
            return replace(found, status=StackStatus("CREATE_IN_PROGRESS"))
        return found

    monkeypatch.setattr(Cloud, "stack", stack_still_in_progress)
    result = CliRunner().invoke(main, ["deploy", "--env", "dev", "--yes", "--poll-seconds", "30"])
    assert result.exit_code == 0, result.output
    output = result.output
    forecast_at = output.index("Forecast: about 16 min; longest path SecretsKey → DatabaseSecret → AuroraCluster")
    assert forecast_at < output.index("CREATE_IN_PROGRESS")
    assert re.search(r"CREATE_IN_PROGRESS \[-+\] 0/53 0m30s, ~16 min left", output)
    assert "Took 1m00s (forecast: about 16 min)." in output


def deployment(tmp_path, polls):
    """What run_operation and learn need of a deployment, over a scripted cloud, in a project at ``tmp_path``."""
    from generator.workspace import Workspace

    (tmp_path / "setup.cfg").write_text("[metadata]\nname = iotstack\n")
    waiting = SimpleNamespace(timeout_minutes=1, poll_seconds=0)
    env = SimpleNamespace(name="dev", region="sa-east-1")
    return SimpleNamespace(cloud=scripted(polls), console=Console(live=False), waiting=waiting, target=None, env=env,
                           workspace=Workspace.find(tmp_path), stack=SimpleNamespace(command="deploy"))  # fmt: skip


UPDATED = [("UPDATE_IN_PROGRESS", [event(1, "s", "UPDATE_IN_PROGRESS"), event(2, "Key", "UPDATE_IN_PROGRESS")]),
           ("UPDATE_COMPLETE", [event(73, "Key", "UPDATE_COMPLETE"), event(74, "s", "UPDATE_COMPLETE")])]  # fmt: skip


def test_what_an_operation_measured_is_kept_for_the_next_forecast(tmp_path):
    """run_operation says how long it took; learn (the last step, after the outputs) keeps what it measured in the
    project's cache, which the next forecast of the same region prefers to the published averages."""
    from generator.deploy.operation import learn, run_operation

    d = deployment(tmp_path, UPDATED)
    outcome = run_operation(d, SimpleNamespace(id=STACK, name="s"), "deploy", None, lambda status: True, 1, FORECAST)
    assert d.console.lines[-1].startswith("Took ")
    learn(d, outcome)
    kept = "1 measured duration(s) kept for the next forecasts: .cache/iotstack/durations/sa-east-1.json"
    assert d.console.lines[-1] == kept
    assert History.load(d.workspace.durations, "sa-east-1").samples == {"T::Key": {"update": [71.0]}}


def test_durations_that_cannot_be_kept_are_a_warning_and_ctrl_c_says_the_deploy_was_done(tmp_path, monkeypatch):
    from generator.deploy.operation import learn, run_operation
    from generator.errors import Interrupted

    d = deployment(tmp_path, UPDATED)
    outcome = run_operation(d, SimpleNamespace(id=STACK, name="s"), "deploy", None, lambda status: True, 1, FORECAST)
    (tmp_path / ".cache").write_text("a file where the cache folder goes")
    learn(d, outcome)
    assert d.console.lines[-1].startswith("Warning: the measured durations were not kept: a file is where")
    (tmp_path / ".cache").unlink()

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(History, "save", stopped)
    with pytest.raises(Interrupted, match="after the deploy had succeeded and its outputs were written"):
        learn(d, outcome)


def test_an_unwritable_durations_folder_is_a_warning_and_leaves_the_history_as_it_was(tmp_path, request):
    from generator.deploy.operation import learn, run_operation
    from tests.conftest import immutable

    d = deployment(tmp_path, UPDATED)
    outcome = run_operation(d, SimpleNamespace(id=STACK, name="s"), "deploy", None, lambda status: True, 1, FORECAST)
    folder = d.workspace.durations
    folder.mkdir(parents=True)
    immutable(folder, request)
    learn(d, outcome)
    assert d.console.lines[-1].startswith("Warning: the measured durations were not kept:")
    assert list(folder.iterdir()) == []  # nothing half written beside


def test_a_failure_turns_the_time_left_into_rolling_back():
    progress = Progress(3, FORECAST)
    progress.see(event(1, "Key", "CREATE_IN_PROGRESS"), 0)
    assert "~16 min left" in progress.status_line("CREATE_IN_PROGRESS", 10, 10, 200)
    progress.see(event(2, "Key", "CREATE_FAILED"), 20)
    progress.see(event(3, "s", "ROLLBACK_IN_PROGRESS"), 20)
    assert progress.left(30) is None
    assert "1m00s, rolling back" in progress.status_line("ROLLBACK_IN_PROGRESS", 60, 60, 200)
    assert progress.heartbeat(60, 60).startswith("... 1m00s elapsed, rolling back; in progress:")
    assert progress.summary(60) == "Took 1m00s."  # no forecast to compare a failed run with


def test_an_overdue_resource_says_so():
    progress = Progress(3, FORECAST)
    progress.see(event(1, "Key", "CREATE_IN_PROGRESS"), 0)
    progress.see(event(2, "Key", "CREATE_COMPLETE"), 100)
    progress.see(event(3, "Cluster", "CREATE_IN_PROGRESS"), 100)
    line = progress.status_line("CREATE_IN_PROGRESS", 500, 500, 200)
    assert "Cluster 6m40s of ~5m00s (overdue)" in line and "~10 min left" in line  # the instance is still to come


@pytest.mark.parametrize("width", [1, 2, 8, 12, 40, 80])
def test_the_status_line_never_wraps(width):
    progress = Progress(3, FORECAST)
    progress.see(event(1, "Key", "CREATE_IN_PROGRESS"), 0)
    line = progress.status_line("CREATE_IN_PROGRESS", 10, 10, width)
    assert len(line) <= max(width - 1, 1) and line.isascii()


def test_a_nested_stack_is_a_resource_not_the_stack():
    """The Secrets Manager rotation transform adds a nested stack: its events count as a resource's."""
    nested = StackEvent("e1", "RotationLambda", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "", T0, "", "iot")
    own = StackEvent("e2", "iot", "AWS::CloudFormation::Stack", "CREATE_COMPLETE", "", T0, "", "iot")
    assert not nested.of_stack and own.of_stack
