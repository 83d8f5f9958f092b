"""A lost answer never makes AWS do the work twice, and never fails a deploy that succeeded.

The fault-injecting proxy (tests/support/proxy.py) lets the emulator act, then drops the connection
before its answer arrives; botocore retries. Each case runs twice: with an emulator that honours the
idempotency tokens (as AWS does) and with one that ignores them (as moto did, and a flaky middlebox
may), which only iotstack's own check before the retry (did the first attempt take effect?) can
survive. The proof: one stack, one execution, the call not repeated, and exit 0.
"""

import contextlib

import boto3
import pytest

from tests.conftest import run
from tests.support.emulator import ignoring_tokens

STACK = "iot-platform-dev"


def cloudformation():
    return boto3.client("cloudformation", region_name="sa-east-1")


def stacks_named(name):
    return [s for s in cloudformation().list_stacks()["StackSummaries"]
            if s["StackName"] == name and s["StackStatus"] != "DELETE_COMPLETE"]  # fmt: skip


def first_deploy(proxy, project):
    proxy.lose_answer("CreateChangeSet")
    return run("deploy", "--env", "dev", "--yes")


def execution(proxy, project):
    proxy.lose_answer("ExecuteChangeSet")
    return run("deploy", "--env", "dev", "--yes")


def nothing_to_do(proxy, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    proxy.reset()
    proxy.lose_answer("DeleteChangeSet")  # the empty change set's deletion
    return run("deploy", "--env", "dev", "--yes")


def destroy(proxy, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    proxy.reset()
    proxy.lose_answer("DeleteStack")
    return run("destroy", "--env", "dev", "--yes")


CASES = {
    # case: (what is done, the call whose answer is lost, stacks named iot-platform-dev left, words said)
    "create-change-set": (first_deploy, "CreateChangeSet", 1, "CREATE_COMPLETE"),
    "execute-change-set": (execution, "ExecuteChangeSet", 1, "CREATE_COMPLETE"),
    "delete-change-set-with-nothing-to-do": (nothing_to_do, "DeleteChangeSet", 1, "No changes"),
    "delete-stack": (destroy, "DeleteStack", 0, "Stack iot-platform-dev deleted."),
}


@pytest.mark.parametrize("tokens", ["honoured", "ignored"])
@pytest.mark.parametrize("act, lost, left, said", CASES.values(), ids=CASES)
def test_a_lost_answer_is_survived_without_doing_the_work_twice(faulty_aws, project, tokens, act, lost, left, said):
    with ignoring_tokens() if tokens == "ignored" else contextlib.nullcontext():
        result = act(faulty_aws, project)
    assert result.exit_code == 0, result.output
    assert said in result.output
    assert faulty_aws.unused() == []  # the answer was lost
    assert faulty_aws.calls.count(lost) == 1  # and the call was not sent again: the first one took effect
    assert len(stacks_named(STACK)) == left
    if lost == "ExecuteChangeSet":
        events = cloudformation().describe_stack_events(StackName=STACK)["StackEvents"]
        assert [e["ResourceStatus"] for e in events if e["LogicalResourceId"] == STACK].count("CREATE_COMPLETE") == 1
