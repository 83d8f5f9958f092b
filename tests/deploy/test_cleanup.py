"""The creator cleans up: a change set (and, for a new stack, the empty stack in REVIEW_IN_PROGRESS)
that a run made and did not run is deleted again, whatever stopped the run; and once a change set
runs, Ctrl-C says that CloudFormation carries on and how to follow it."""

import re

import pytest
from botocore.stub import ANY

from generator import cfn
from generator.aws import gateway
from generator.config import load_environments
from generator.console import Console
from generator.deploy import change_sets, events
from generator.deploy.commands import Deployment, Options, deploy
from generator.errors import Interrupted, IotstackError
from tests.conftest import run
from tests.support.stubs import Script, change, stubbed

ADD = [change("Add", "SensorDataStream", "AWS::Kinesis::Stream")]
MODIFY = [change("Modify", "SensorDataStream", "AWS::Kinesis::Stream", "False", ["RetentionPeriodHours"])]


@pytest.fixture
def stub(monkeypatch, project):
    monkeypatch.setattr(cfn, "INLINE_TEMPLATE_LIMIT", 100_000)
    with stubbed(monkeypatch) as stub:
        yield stub
        stub.assert_no_pending_responses()


def deployment(project, console=None, **options) -> Deployment:
    (env,) = load_environments(["dev"], project.workspace.environments)
    console = console or Console(live=False, interactive=False)
    options = {"assume_yes": True, "poll_seconds": 0, **options}
    return Deployment(env, project.workspace, gateway.connect(env.region), console, Options(**options))


def new_stack(script):
    script.missing()
    script.created("CREATE")


def existing_stack(script):
    script.stack("UPDATE_COMPLETE")
    script.created("UPDATE")


def deleted(script, new):
    """What the cleanup sends: for the new stack this run made (by the id CreateChangeSet answered),
    still empty, DeleteStack (its change set goes with it); else DeleteChangeSet."""
    if new:
        script.stack("REVIEW_IN_PROGRESS", by_id=True)
        script.call("delete_stack", {"StackName": script.id})
    else:
        script.call("delete_change_set", {"StackName": script.name, "ChangeSetName": ANY})


def declined(monkeypatch):
    monkeypatch.setattr("click.confirm", lambda question, default: False)
    return Console(live=False, interactive=True), {"assume_yes": False}


def interrupted_at_the_prompt(monkeypatch):
    """Ctrl-C while click waits for the answer: click turns it into Abort."""

    def ctrl_c(prompt):
        raise KeyboardInterrupt

    monkeypatch.setattr("click.termui.visible_prompt_func", ctrl_c)
    return Console(live=False, interactive=True), {"assume_yes": False}


STOPS = {
    # stop: (what CloudFormation answers after CreateChangeSet, how the run is set up, error, message)
    "change-set-timeout": ("computing", None, IotstackError, "is still CREATE_IN_PROGRESS after 0 min"),
    "aws-error-while-waiting": ("error", None, IotstackError, "DescribeChangeSet failed: InternalFailure"),
    "declined": ("ready", declined, IotstackError, "not deployed: declined"),
    "ctrl-c-before-execution": ("ready", interrupted_at_the_prompt, Interrupted,
                                "interrupted (Ctrl-C) before anything ran: {what} deleted; nothing was deployed"),
}  # fmt: skip


@pytest.mark.parametrize("new", [True, False], ids=["new-stack", "existing-stack"])
@pytest.mark.parametrize("answer, setup, error, message", STOPS.values(), ids=STOPS)
def test_what_the_run_made_is_deleted_when_it_stops(
    stub, project, monkeypatch, capsys, new, answer, setup, error, message
):
    script = Script(stub, "iot-platform-dev")
    new_stack(script) if new else existing_stack(script)
    if answer == "computing":
        script.computing()
    elif answer == "error":
        stub.add_client_error("describe_change_set", "InternalFailure", "try again", http_status_code=400)
    else:
        stub.add_response("describe_change_set", {
            "ChangeSetName": "cs-1", "StackId": script.id, "StackName": script.name, "Status": "CREATE_COMPLETE",
            "ExecutionStatus": "AVAILABLE", "Changes": ADD if new else MODIFY,
        }, {"StackName": script.name, "ChangeSetName": ANY})  # fmt: skip
        if not new:
            script.deployed()
    deleted(script, new)
    console, options = setup(monkeypatch) if setup else (None, {})
    with pytest.raises(error) as raised:
        deploy(deployment(project, console, change_set_minutes=0, **options))
    what = ("the empty stack iot-platform-dev (REVIEW_IN_PROGRESS) and its change set NAME" if new
            else "change set NAME")  # fmt: skip
    assert message.format(what=what) in re.sub(r"iotstack-0-1-0-[0-9a-f]{12}-\d{17}", "NAME", str(raised.value))
    assert raised.value.exit_code == (130 if error is Interrupted else 1)
    said = re.sub(r"iotstack-0-1-0-[0-9a-f]{12}-\d{17}", "NAME", capsys.readouterr().out)
    assert (f"Cleaned up: {what} deleted." in said) is (error is not Interrupted)  # Ctrl-C says it in the error


def test_ctrl_c_while_waiting_for_the_change_set_deletes_it_through_the_cli(stub, project, monkeypatch):
    script = Script(stub, "iot-platform-dev")
    existing_stack(script)
    script.computing()
    deleted(script, new=False)

    def ctrl_c(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(change_sets.time, "sleep", ctrl_c)
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 130, result.output
    assert "interrupted (Ctrl-C) before anything ran: change set iotstack-" in result.output
    assert "deleted; nothing was deployed" in result.output


def test_ctrl_c_while_it_runs_says_cloudformation_carries_on_and_how_to_follow(stub, project, monkeypatch):
    script = Script(stub, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE")
    script.change_set(MODIFY)
    script.deployed()
    script.stack("UPDATE_COMPLETE", by_id=True)
    script.events_page()
    script.call("execute_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": "cs-1"})
    script.event("iot-platform-dev", "UPDATE_IN_PROGRESS", "User Initiated")
    script.stack("UPDATE_IN_PROGRESS", by_id=True)
    script.events_page()
    script.stack("UPDATE_IN_PROGRESS", by_id=True)  # asked once more, to say where the stack is

    def ctrl_c(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(events.time, "sleep", ctrl_c)
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 130, result.output
    said = ("interrupted (Ctrl-C): iotstack stopped following the deploy, but CloudFormation carries on; stack "
            "iot-platform-dev is UPDATE_IN_PROGRESS. Follow it with `iotstack status --env dev --wait`")  # fmt: skip
    assert said in result.output
    assert "Cleaned up" not in result.output  # a running change set is AWS's now: nothing is deleted


def test_ctrl_c_during_the_execute_request_says_it_may_have_reached_aws(stub, project, monkeypatch):
    script = Script(stub, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE")
    script.change_set(MODIFY)
    script.deployed()
    script.stack("UPDATE_COMPLETE", by_id=True)
    script.events_page()
    script.stack("UPDATE_IN_PROGRESS", by_id=True)  # asked to say where the stack is

    def ctrl_c(self, stack, name):
        raise KeyboardInterrupt

    monkeypatch.setattr(gateway.Cloud, "execute_change_set", ctrl_c)
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 130, result.output
    assert ("interrupted (Ctrl-C) while asking AWS for the deploy: the request may have reached it; stack "
            "iot-platform-dev is UPDATE_IN_PROGRESS. Follow it with `iotstack status --env dev --wait`"
            ) in result.output  # fmt: skip
    assert "Cleaned up" not in result.output
