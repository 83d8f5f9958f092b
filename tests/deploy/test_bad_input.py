"""Bad input and a hostile world: each case names its message and exit code, and nothing is half-done."""

import re

import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import ANY, Stubber
from click.testing import CliRunner

from generator import cfn
from generator.aws import gateway as seam
from generator.cli import main
from tests.support.stubs import REPLACE_CLUSTER, Script
from tests.support.stubs import stubbed as stubber

OLD_AURORA = """removal_policy = "destroy"
[aurora]
engine_version = "15.4"
deletion_protection = false
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def stubbed(monkeypatch, request) -> Stubber:
    stub = stubber(monkeypatch)
    stub.activate()
    request.addfinalizer(stub.deactivate)
    return stub


def unknown_environment(project, monkeypatch, request):
    return "nope"


def stale_template(project, monkeypatch, request):
    path = project.root / "templates" / "dev.json"
    path.write_text(path.read_text().replace('"sensor-data-stream-dev"', '"sensor-data-stream-edited"'))
    return "dev"


def lint_failure(project, monkeypatch, request):
    project.write("old", OLD_AURORA)  # 15.4 is deprecated: cfn-lint W3690
    return "old"


def large_template_without_bucket(project, monkeypatch, request):
    monkeypatch.setattr(cfn, "INLINE_TEMPLATE_LIMIT", 10_000)
    Script(stubbed(monkeypatch, request), "iotstack-bootstrap").missing()  # no bootstrap stack in the account
    return "dev"


def stack_busy(project, monkeypatch, request):
    Script(stubbed(monkeypatch, request), "iot-platform-dev").stack("UPDATE_IN_PROGRESS")
    return "dev"


def guard_refusal(project, monkeypatch, request):
    script = Script(stubbed(monkeypatch, request), "iot-platform-dev")
    script.stack("UPDATE_COMPLETE")
    script.change_set([REPLACE_CLUSTER])
    script.deployed()
    script.call("delete_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": ANY})
    return "dev"


def no_credentials(project, monkeypatch, request):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    return "dev"


def unreachable_endpoint(project, monkeypatch, request):
    return "dev"  # the tests' default endpoint: a loopback port nothing listens on


BAD_INPUT = {
    "unknown-environment": (unknown_environment, 2, "unknown environment nope; known environments: dev, prod, staging"),
    "stale-template": (stale_template, 2, "templates/dev.json: stale, differs from what the code generates:"),
    "lint-failure": (lint_failure, 1, "  templates/old.json: W3690 [warning]"),
    "no-bootstrap-stack": (large_template_without_bucket, 2, "over CloudFormation's 10,000-byte inline limit "
                           "(unindented too), and sa-east-1 of this account has no bootstrap stack "
                           "(iotstack-bootstrap) to upload it to: `iotstack bootstrap --env dev` creates one"),
    "stack-busy": (stack_busy, 1, "stack iot-platform-dev is busy (UPDATE_IN_PROGRESS): another operation is running"),
    "guard-refusal": (guard_refusal, 3, "refused: this change would replace or remove stateful resources"),
    "missing-credentials": (no_credentials, 2, "no AWS credentials: Unable to locate credentials. Set AWS_PROFILE"),
    "unreachable-endpoint": (unreachable_endpoint, 1, "cannot reach AWS at http://127.0.0.1:9"),
}  # fmt: skip


@pytest.mark.parametrize("setup, exit_code, message", BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input(project, monkeypatch, request, setup, exit_code, message):
    env = setup(project, monkeypatch, request)
    result = run("deploy", "--env", env, "--yes")
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (project.root / "outputs").exists()


class _Body:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_):
        yield self.body


THROTTLED = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>"
             b"</Error><RequestId>1</RequestId></ErrorResponse>")  # fmt: skip


THROTTLING = {
    # attempts allowed, times throttled: (exit code, what is said, as patterns)
    "absorbed": (3, 2, 0, [r"AWS: DescribeStacks attempt 1 of 3 failed after \d+ s \(Throttling: Rate exceeded\)",
                           r"AWS: DescribeStacks attempt 2 of 3 failed after \d+ s \(Throttling: Rate exceeded\)",
                           "does not exist in sa-east-1: not deployed"]),
    "exhausted": (2, 2, 1, [r"AWS: DescribeStacks attempt 1 of 2 failed",
                            r"cloudformation DescribeStacks failed: Throttling: Rate exceeded \(after 2 attempts over "
                            r"\d+ s\)"]),
}  # fmt: skip


@pytest.mark.parametrize("attempts, throttled, exit_code, said", THROTTLING.values(), ids=THROTTLING)
def test_throttling_is_retried_with_backoff_and_said_when_slow(
    aws, project, monkeypatch, attempts, throttled, exit_code, said
):
    """The real retry machinery of botocore: the first DescribeStacks answers are 'Throttling'. Every
    retry counts as slow here (the threshold is 0 s), so each is said on one line."""
    from generator.aws import retries

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", str(attempts))
    monkeypatch.setattr(retries, "SLOW_SECONDS", 0)
    calls = []
    connect = seam.connect

    def throttle(request, **_):
        calls.append(request.url)
        return AWSResponse(request.url, 400, {}, _Body(THROTTLED)) if len(calls) <= throttled else None

    def connect_throttled(region, *args, **kwargs):
        cloud = connect(region, *args, **kwargs)
        cloud.cloudformation.meta.events.register("before-send.cloudformation.DescribeStacks", throttle)
        return cloud

    monkeypatch.setattr(seam, "connect", connect_throttled)
    result = run("status", "--env", "dev")
    assert result.exit_code == exit_code, result.output
    for pattern in said:
        assert re.search(pattern, result.output), result.output
    assert len(calls) == attempts
