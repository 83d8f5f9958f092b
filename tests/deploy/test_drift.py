"""``iotstack drift`` through the CLI, on Stubber conversations (every request and answer checked
against CloudFormation's model): in sync, drifted, detection failed, timed out, and every error
exiting 1, so that a scheduled job tells drift (2) from trouble (1). And ``status`` showing the last
detection's verdict."""

import itertools
import json

import pytest

from generator.aws.drift_views import PropertyDifference, ResourceDrift
from generator.deploy import drift as drift_module
from generator.masking import MASK
from tests.conftest import run
from tests.support.stubs import NOW, Script, drifted, stubbed

STACK = "iot-platform-dev"
SECRET = "hunter2-the-real-token"
AUTH_REFERENCE = "{{resolve:secretsmanager:redis-auth-token-dev:SecretString:token}}"

DRIFTED_GROUP = drifted("DatabaseSecurityGroup", "AWS::EC2::SecurityGroup", "MODIFIED", [
    ("/SecurityGroupIngress/1", "null", '{"CidrIp":"0.0.0.0/0","FromPort":5432,"IpProtocol":"tcp","ToPort":5432}',
     "ADD"),
    ("/SecurityGroupIngress/0/Description", "PostgreSQL from the data consumers", "temporary", "NOT_EQUAL"),
], physical_id="sg-0a1b2c3d4e5f67890")  # fmt: skip
DRIFTED_CACHE = drifted("RedisReplicationGroup", "AWS::ElastiCache::ReplicationGroup", "MODIFIED", [
    ("/SnapshotRetentionLimit", "5", "0", "NOT_EQUAL"),
    ("/AuthToken", AUTH_REFERENCE, SECRET, "NOT_EQUAL"),
], physical_id="redis-dev")  # fmt: skip
DELETED_LOGS = drifted("RedisSlowLogGroup", "AWS::Logs::LogGroup", "DELETED",
                       physical_id="/aws/elasticache/redis-dev/slow-log")  # fmt: skip


@pytest.fixture
def script(monkeypatch, project):
    """A conversation with the stack of dev, all of it spoken by the end of the test (in a copy of the
    project: status writes the outputs of a deployed stack)."""
    with stubbed(monkeypatch) as stub:
        yield Script(stub, STACK)
        stub.assert_no_pending_responses()


def drift(*args):
    return run("drift", "--env", "dev", "--poll-seconds", "0", *args)


def detected(script, *answers):
    """The stack at rest, DetectStackDrift, then one detection status per answer (keyword dicts)."""
    script.stack("UPDATE_COMPLETE")
    script.detect_drift()
    for answer in answers:
        script.detection(**answer)


IN_PROGRESS = {"status": "DETECTION_IN_PROGRESS", "stack_drift": None}


# --- the three verdicts -------------------------------------------------------------------------------


def test_in_sync_exits_0_after_waiting_with_progress(script):
    detected(script, IN_PROGRESS, IN_PROGRESS, {"stack_drift": "IN_SYNC"})
    result = drift()
    assert result.exit_code == 0, result.output
    assert result.stderr == "Detecting drift of stack iot-platform-dev in sa-east-1 (waiting up to 15 min)\n"
    assert result.stdout == ("dev: IN SYNC: every resource is as its template says\n"
                             "  stack iot-platform-dev in sa-east-1, checked 2026-11-26 12:00:05 UTC\n")  # fmt: skip


def drifted_conversation(script):
    """A modified security group (page 1), a deleted log group (page 1) and a modified cache whose
    AUTH token differs (page 2): DescribeStackResourceDrifts is read to its last page."""
    detected(script, IN_PROGRESS, {"stack_drift": "DRIFTED", "drifted": 3})
    script.resource_drifts([DRIFTED_GROUP, DELETED_LOGS], next_page="page-2")
    script.resource_drifts([DRIFTED_CACHE], page="page-2")


def test_drifted_exits_2_and_lists_every_resource_with_its_differences(script):
    drifted_conversation(script)
    result = drift()
    assert result.exit_code == 2, result.output
    expected = f"""\
dev: DRIFTED: 3 resource(s) differ from the template
  stack iot-platform-dev in sa-east-1, checked 2026-11-26 12:00:05 UTC
MODIFIED  DatabaseSecurityGroup (AWS::EC2::SecurityGroup)
    physical id  sg-0a1b2c3d4e5f67890
    /SecurityGroupIngress/0/Description  (NOT_EQUAL)
      expected  PostgreSQL from the data consumers
      actual    temporary
    /SecurityGroupIngress/1  (ADD)
      expected  (absent)
      actual    {{"CidrIp": "0.0.0.0/0", "FromPort": 5432, "IpProtocol": "tcp",
                "ToPort": 5432}}
MODIFIED  RedisReplicationGroup (AWS::ElastiCache::ReplicationGroup)
    physical id  redis-dev
    /AuthToken  (NOT_EQUAL)
      expected  {{{{resolve:secretsmanager:redis-auth-token-dev:SecretString:token
                }}}}
      actual    {MASK}
    /SnapshotRetentionLimit  (NOT_EQUAL)
      expected  5
      actual    0
DELETED   RedisSlowLogGroup (AWS::Logs::LogGroup)
    physical id  /aws/elasticache/redis-dev/slow-log
next: undo the change where it was made, or make it part of the code (the
  environment file), review and deploy: deploying an unchanged template does
  not undo drift
"""
    assert result.stdout == expected
    assert max(map(len, result.stdout.splitlines())) <= 80  # a narrow terminal
    assert SECRET not in result.output


def test_drifted_as_json_has_the_documented_shape(script):
    drifted_conversation(script)
    result = drift("--format", "json")
    assert result.exit_code == 2, result.output
    assert SECRET not in result.output
    assert json.loads(result.stdout) == {
        "environment": "dev", "stack": STACK, "region": "sa-east-1", "status": "DRIFTED", "reason": "",
        "checked_at": "2026-11-26T12:00:05Z",
        "resources": [
            {"logical_id": "DatabaseSecurityGroup", "type": "AWS::EC2::SecurityGroup", "status": "MODIFIED",
             "physical_id": "sg-0a1b2c3d4e5f67890", "differences": [
                 {"path": "/SecurityGroupIngress/0/Description", "expected": "PostgreSQL from the data consumers",
                  "actual": "temporary", "type": "NOT_EQUAL"},
                 {"path": "/SecurityGroupIngress/1", "expected": None, "type": "ADD",
                  "actual": {"CidrIp": "0.0.0.0/0", "FromPort": 5432, "IpProtocol": "tcp", "ToPort": 5432}},
             ]},
            {"logical_id": "RedisReplicationGroup", "type": "AWS::ElastiCache::ReplicationGroup",
             "status": "MODIFIED", "physical_id": "redis-dev", "differences": [
                 {"path": "/AuthToken", "expected": AUTH_REFERENCE, "actual": MASK, "type": "NOT_EQUAL"},
                 {"path": "/SnapshotRetentionLimit", "expected": "5", "actual": "0", "type": "NOT_EQUAL"},
             ]},
            {"logical_id": "RedisSlowLogGroup", "type": "AWS::Logs::LogGroup", "status": "DELETED",
             "physical_id": "/aws/elasticache/redis-dev/slow-log", "differences": []},
        ],
    }  # fmt: skip


def test_in_sync_as_json(script):
    detected(script, {"stack_drift": "IN_SYNC"})
    result = drift("--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"environment": "dev", "stack": STACK, "region": "sa-east-1",
                                         "status": "IN_SYNC", "reason": "", "checked_at": "2026-11-26T12:00:05Z",
                                         "resources": []}  # fmt: skip


def test_detection_failed_exits_1_with_the_reason_and_what_it_found(script):
    reason = "Failed to detect drift on resource [RedisReplicationGroup]: AccessDenied for DescribeReplicationGroups"
    detected(script, {"status": "DETECTION_FAILED", "stack_drift": "DRIFTED", "reason": reason, "drifted": 1})
    script.resource_drifts([DELETED_LOGS])
    result = drift()
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "dev: drift detection FAILED",
        "  stack iot-platform-dev in sa-east-1, checked 2026-11-26 12:00:05 UTC",
        "  reason: Failed to detect drift on resource [RedisReplicationGroup]:",
        "    AccessDenied for DescribeReplicationGroups",
        "Found drifted before it failed: 1 resource(s)",
        "DELETED   RedisSlowLogGroup (AWS::Logs::LogGroup)",
        "    physical id  /aws/elasticache/redis-dev/slow-log",
        "next: fix the cause, then `iotstack drift --env dev` again",
    ]


def test_detection_failed_as_json_says_so_and_why(script):
    detected(script, {"status": "DETECTION_FAILED", "stack_drift": "UNKNOWN", "reason": "Internal failure"})
    script.resource_drifts([])
    result = drift("--format", "json")
    assert result.exit_code == 1, result.output
    answer = json.loads(result.stdout)
    assert (answer["status"], answer["reason"], answer["resources"]) == ("DETECTION_FAILED", "Internal failure", [])


def test_a_long_value_is_wrapped_to_80_columns_and_cut_after_8_lines():
    policy = {"Statement": [{"Effect": "Allow", "Action": f"service:Action{i}", "Resource": "*"} for i in range(20)]}
    difference = PropertyDifference("/PolicyDocument", policy, None, "NOT_EQUAL")
    result = drift_module.DriftResult("dev", STACK, "sa-east-1", "DRIFTED", resources=(
        ResourceDrift("Role", "AWS::IAM::Role", "MODIFIED", differences=(difference,)),))  # fmt: skip
    lines = drift_module.render(result, "table").splitlines()
    assert max(map(len, lines)) <= 80
    value = [line for line in lines if line.startswith("      expected") or line.startswith(" " * 16)]
    assert len(value) == 8 and value[-1].endswith(" ...")
    assert "(long values cut after 8 lines; --format json shows them whole)" in lines
    assert "  stack iot-platform-dev in sa-east-1, checked never" in lines


def test_a_detection_that_outlasts_the_timeout_exits_1(script, monkeypatch):
    monkeypatch.setattr(drift_module, "clock", itertools.count(step=40).__next__)  # 40 s a poll, no waiting
    detected(script, IN_PROGRESS, IN_PROGRESS)
    result = drift("--timeout", "1")
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert ("Error: drift detection of stack iot-platform-dev still runs after 1 min; iotstack stopped waiting "
            "(--timeout waits longer)") in result.stderr  # fmt: skip


# --- every error is 1 ---------------------------------------------------------------------------------


def missing(script):
    script.missing()


def bad_credentials(script):
    script.stub.add_client_error("describe_stacks", "InvalidClientTokenId",
                                 "The security token included in the request is invalid.")  # fmt: skip


def busy(script):
    script.stack("UPDATE_IN_PROGRESS")


def in_review(script):
    script.stack("REVIEW_IN_PROGRESS")


def refused(script):
    script.stack("UPDATE_COMPLETE")
    script.stub.add_client_error("detect_stack_drift", "ValidationError", "Drift detection is already in progress",
                                 expected_params={"StackName": script.id})  # fmt: skip


def unknown_verdict(script):
    detected(script, {"stack_drift": "UNKNOWN"})


def nothing(script):
    pass


ERRORS = {
    "no-such-stack": (missing, [], "stack iot-platform-dev is not deployed in sa-east-1"),
    "bad-credentials": (bad_credentials, [], "AWS refused the credentials: InvalidClientTokenId"),
    "busy-stack": (busy, [], "stack iot-platform-dev is UPDATE_IN_PROGRESS: drift is detected on a stack at rest"),
    "stack-in-review": (in_review, [], "is not deployed in sa-east-1"),
    "detection-refused": (refused, [], "DetectStackDrift failed: ValidationError: Drift detection is already"),
    "unknown-verdict": (unknown_verdict, [], "dev: drift status UNKNOWN"),
    "unknown-environment": (nothing, ["--env", "nope"], "nope"),
    "bad-format": (nothing, ["--format", "yaml"], "'yaml' is not one of 'table', 'json'"),
    "bad-timeout": (nothing, ["--timeout", "0"], "0 is not in the range 1<=x<=720"),
}


@pytest.mark.parametrize("conversation, args, said", ERRORS.values(), ids=ERRORS)
def test_every_error_exits_1(script, conversation, args, said):
    conversation(script)
    result = drift(*args)
    assert result.exit_code == 1, result.output
    assert said in result.output


# --- status shows the last verdict ------------------------------------------------------------------

STATUS_DRIFT = {
    "never-checked": ({"StackDriftStatus": "NOT_CHECKED"}, "never checked (`iotstack drift --env dev` checks)"),
    "no-drift-information": (None, "never checked (`iotstack drift --env dev` checks)"),
    "drifted": ({"StackDriftStatus": "DRIFTED", "LastCheckTimestamp": NOW},
                "DRIFTED when last checked, 2026-11-26 12:00:00 UTC (`iotstack drift --env dev` checks again)"),
    "in-sync": ({"StackDriftStatus": "IN_SYNC", "LastCheckTimestamp": NOW},
                "IN_SYNC when last checked, 2026-11-26 12:00:00 UTC (`iotstack drift --env dev` checks again)"),
}  # fmt: skip


@pytest.mark.parametrize("information, line", STATUS_DRIFT.values(), ids=STATUS_DRIFT)
def test_status_shows_the_last_drift_result_and_when_it_was_taken(script, information, line):
    script.stack("UPDATE_COMPLETE", **({"DriftInformation": information} if information else {}))
    script.event(STACK, "UPDATE_COMPLETE")
    script.events_page()
    script.call("get_stack_policy", {"StackName": script.id})
    result = run("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert f"\ndrift        {line}\n" in result.output


# --- the views: what is drift, and what is masked ---------------------------------------------------

DIFFERENCES = {
    "a-token-is-masked": ("/AuthToken", "old-token", "new-token", MASK, MASK),
    "a-dynamic-reference-is-shown": ("/MasterUserPassword", "{{resolve:secretsmanager:db:SecretString:password}}",
                                     "typed-in", "{{resolve:secretsmanager:db:SecretString:password}}", MASK),
    "the-last-key-not-an-index": ("/Credentials/0/Password", "a", "b", MASK, MASK),
    "inside-an-object": ("/Environment/Variables", '{"DB_PASSWORD":"x","HOST":"h"}', "null",
                         {"DB_PASSWORD": MASK, "HOST": "h"}, None),
    "an-address-is-not-a-secret": ("/SecurityGroupIngress/0/CidrIp", "10.0.0.0/16", "0.0.0.0/0", "10.0.0.0/16",
                                   "0.0.0.0/0"),
    "a-number-stays-as-given": ("/Port", "6379", "6380", "6379", "6380"),
    "a-list": ("/SubnetIds", '["subnet-1","subnet-2"]', '["subnet-1"]', ["subnet-1", "subnet-2"], ["subnet-1"]),
    "a-list-of-passwords": ("/Users/0/Passwords", '["old-1","old-2"]', '["new-1"]', [MASK, MASK], [MASK]),
    "one-of-a-list-of-passwords": ("/Users/0/Passwords/1", "old-2", "new-2", MASK, MASK),
    "an-environment-variable": ("/Environment/Variables", '{"API_KEY":"sk-live-1","REGION":"sa-east-1"}', "null",
                                {"API_KEY": MASK, "REGION": "sa-east-1"}, None),
}  # fmt: skip


@pytest.mark.parametrize("path, expected, actual, shown_expected, shown_actual", DIFFERENCES.values(), ids=DIFFERENCES)
def test_a_difference_keeps_no_credential(path, expected, actual, shown_expected, shown_actual):
    difference = PropertyDifference.of({"PropertyPath": path, "ExpectedValue": expected, "ActualValue": actual,
                                        "DifferenceType": "NOT_EQUAL"})  # fmt: skip
    assert (difference.expected, difference.actual) == (shown_expected, shown_actual)


@pytest.mark.parametrize("status, is_drift", [("MODIFIED", True), ("DELETED", True), ("NOT_CHECKED", False),
                                              ("IN_SYNC", False), ("UNKNOWN", False)])  # fmt: skip
def test_only_modified_and_deleted_are_drift(status, is_drift):
    answer = {"LogicalResourceId": "X", "ResourceType": "AWS::SNS::Topic", "StackResourceDriftStatus": status}
    assert ResourceDrift.of(answer).drifted is is_drift
