"""The emulator's stack sets (tests/support/stack_sets.py): operations take time and honour their preferences,
target stacks are real stacks in the target accounts, failures and drift can be had on demand.

Everything goes through boto3, as the product's own calls will; a target account is reached as AWS reaches it,
with credentials from STS AssumeRole of a role in that account. The emulator's clock is stepped by the tests, one
instance duration at a time, so what a test sees between two steps does not depend on the machine's speed; one
test runs on the real clock.
"""

from __future__ import annotations

import io
import json
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support import stack_sets
from tests.support.stack_sets import TOLERANCE_EXCEEDED, drift_resource, fail_instance

ROOT = Path(__file__).resolve().parent.parent
ADMIN_REGION = "eu-west-1"
SET = "fleet"
A, B, C, D, E, F = (str(n) * 12 for n in range(1, 7))  # 111111111111...
EU, US, FRA = "eu-west-1", "us-east-1", "eu-central-1"
SECONDS = 60.0  # per instance, on the stepped clock

# A site's stack in small: a stream and an SSM parameter named from the site, values from parameters.
SITE = json.dumps({
    "Parameters": {"SiteName": {"Type": "String"}, "RetentionHours": {"Type": "Number", "Default": "24"},
                   "Greeting": {"Type": "String", "Default": "hello"}},
    "Resources": {
        "Stream": {"Type": "AWS::Kinesis::Stream",
                   "Properties": {"Name": {"Fn::Sub": "telemetry-${SiteName}"}, "ShardCount": 1,
                                  "RetentionPeriodHours": {"Ref": "RetentionHours"}}},
        "GreetingParameter": {"Type": "AWS::SSM::Parameter",
                              "Properties": {"Name": {"Fn::Sub": "/iot/${SiteName}/greeting"}, "Type": "String",
                                             "Value": {"Ref": "Greeting"}}},
    },
    "Outputs": {"StreamArn": {"Value": {"Fn::GetAtt": ["Stream", "Arn"]}}},
})  # fmt: skip


class SteppedClock:
    """The emulator's clock, moved by the test only."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def step(self, durations: float = 1) -> None:
        self.now += durations * SECONDS


@pytest.fixture
def clock(monkeypatch) -> SteppedClock:
    stepped = SteppedClock()
    monkeypatch.setattr(stack_sets, "clock", stepped)
    return stepped


@pytest.fixture
def cfn(aws, monkeypatch, clock):
    """The administrator's CloudFormation client; instances take :data:`SECONDS` each, on the stepped clock."""
    monkeypatch.setattr(stack_sets, "seconds_per_instance", SECONDS)
    yield boto3.client("cloudformation", region_name=ADMIN_REGION)
    stack_sets.clear()


def in_account(service: str, account: str, region: str):
    """A client acting in ``account``, as StackSets' execution role does."""
    sts = boto3.client("sts", region_name=region)
    role = f"arn:aws:iam::{account}:role/AWSCloudFormationStackSetExecutionRole"
    credentials = sts.assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]
    return boto3.client(service, region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])  # fmt: skip


def new_set(cfn, template: str = SITE, site: str = "unnamed", **options) -> str:
    created = cfn.create_stack_set(StackSetName=SET, TemplateBody=template, Parameters=site_named(site), **options)
    return created["StackSetId"]


def site_named(name: str) -> list[dict]:
    return [{"ParameterKey": "SiteName", "ParameterValue": name}]


def operation(cfn, operation_id: str) -> dict:
    return cfn.describe_stack_set_operation(StackSetName=SET, OperationId=operation_id)["StackSetOperation"]


def wait(cfn, operation_id: str) -> dict:
    """The operation once it has ended, stepping the clock (a client polling DescribeStackSetOperation only)."""
    for _ in range(100):
        polled = operation(cfn, operation_id)
        if polled["Status"] not in ("RUNNING", "STOPPING", "QUEUED"):
            return polled
        stack_sets.clock.step()
    raise AssertionError(f"still {polled['Status']} after 100 steps")


def results(cfn, operation_id: str) -> dict[tuple[str, str], str]:
    """``{(account, region): status}`` of every result, read page by page."""
    pages = cfn.get_paginator("list_stack_set_operation_results").paginate(
        StackSetName=SET, OperationId=operation_id, PaginationConfig={"PageSize": 2}
    )
    return {(r["Account"], r["Region"]): r["Status"] for page in pages for r in page["Summaries"]}  # fmt: skip


def reasons(cfn, operation_id: str) -> dict[tuple[str, str], str]:
    summaries = cfn.list_stack_set_operation_results(StackSetName=SET, OperationId=operation_id)["Summaries"]
    return {(r["Account"], r["Region"]): r.get("StatusReason") for r in summaries}


def deployed(cfn, accounts, regions, overrides=(), **options) -> str:
    """Instances created and the operation ended SUCCEEDED; its id."""
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=list(accounts), Regions=list(regions),
                                              ParameterOverrides=list(overrides), **options)["OperationId"]  # fmt: skip
    assert wait(cfn, operation_id)["Status"] == "SUCCEEDED", results(cfn, operation_id)
    return operation_id


def uploaded(key: str, template: str) -> str:
    """The URL of ``template`` put into the administrator's bucket on the emulator's S3."""
    s3 = boto3.client("s3", region_name=ADMIN_REGION)
    s3.create_bucket(Bucket="templates", CreateBucketConfiguration={"LocationConstraint": ADMIN_REGION})
    s3.put_object(Bucket="templates", Key=key, Body=io.BytesIO(template.encode()))
    return f"https://templates.s3.amazonaws.com/{key}"


def instance(cfn, account: str, region: str) -> dict:
    return cfn.describe_stack_instance(StackSetName=SET, StackInstanceAccount=account,
                                       StackInstanceRegion=region)["StackInstance"]  # fmt: skip


def stack_of(cfn, account: str, region: str) -> dict:
    """The instance's stack, read in its own account."""
    stack_id = instance(cfn, account, region)["StackId"]
    return in_account("cloudformation", account, region).describe_stacks(StackName=stack_id)["Stacks"][0]


def parameters_of(stack: dict) -> dict[str, str]:
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def error_of(call, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def waves(operation: dict) -> float:
    """How many instance durations the operation took (its timestamps are the simulated ones)."""
    return round((operation["EndTimestamp"] - operation["CreationTimestamp"]).total_seconds() / SECONDS, 1)


def steps(cfn, operation_id: str) -> list[set]:
    """What runs at each step of the clock, until the operation ends."""
    seen: list[set] = []
    while operation(cfn, operation_id)["Status"] in ("RUNNING", "STOPPING"):
        seen.append({k for k, status in results(cfn, operation_id).items() if status == "RUNNING"})
        stack_sets.clock.step()
    return seen


# --- operations take time ---------------------------------------------------------------------------------


def test_an_operation_runs_one_instance_at_a_time_by_default_then_succeeds(cfn, clock):
    new_set(cfn)
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A, B], Regions=[EU])["OperationId"]

    running = operation(cfn, operation_id)
    assert running["Status"] == "RUNNING" and "EndTimestamp" not in running
    assert results(cfn, operation_id) == {(A, EU): "RUNNING", (B, EU): "PENDING"}
    assert instance(cfn, B, EU)["StackInstanceStatus"]["DetailedStatus"] == "PENDING"
    assert "StackId" not in instance(cfn, B, EU)  # not made yet
    clock.step()
    assert results(cfn, operation_id) == {(A, EU): "SUCCEEDED", (B, EU): "RUNNING"}
    assert instance(cfn, B, EU)["StackInstanceStatus"]["DetailedStatus"] == "RUNNING"
    clock.step()

    done = operation(cfn, operation_id)
    assert (done["Status"], waves(done)) == ("SUCCEEDED", 2)
    assert results(cfn, operation_id) == {(A, EU): "SUCCEEDED", (B, EU): "SUCCEEDED"}
    gate = cfn.list_stack_set_operation_results(StackSetName=SET, OperationId=operation_id)["Summaries"][0]
    assert gate["AccountGateResult"] == {
        "Status": "SKIPPED",
        "StatusReason": f"Function not found: arn:aws:lambda:{EU}:{A}:function:AWSCloudFormationStackSetAccountGate",
    }
    for account in (A, B):
        shown = instance(cfn, account, EU)
        assert (shown["Status"], shown["StackInstanceStatus"]["DetailedStatus"]) == ("CURRENT", "SUCCEEDED")
        assert shown["LastOperationId"] == operation_id
        stack = stack_of(cfn, account, EU)
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert stack["StackName"].startswith(f"StackSet-{SET}-")
        assert stack["StackId"].split(":")[4] == account


def test_on_the_real_clock_a_client_that_only_polls_sees_the_operation_run_and_end(cfn, monkeypatch):
    monkeypatch.setattr(stack_sets, "clock", time.time)
    monkeypatch.setattr(stack_sets, "seconds_per_instance", 0.2)
    new_set(cfn)
    started = time.monotonic()
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A, B], Regions=[EU])["OperationId"]
    seen = [operation(cfn, operation_id)["Status"]]
    while seen[-1] == "RUNNING" and time.monotonic() < started + 10:
        time.sleep(0.02)
        seen.append(operation(cfn, operation_id)["Status"])
    assert seen[0] == "RUNNING" and seen[-1] == "SUCCEEDED"
    assert time.monotonic() - started >= 0.4  # two instances, one after the other
    ended = operation(cfn, operation_id)
    assert (ended["EndTimestamp"] - ended["CreationTimestamp"]).total_seconds() == pytest.approx(0.4, abs=0.002)


SOFT = {"ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}


@pytest.mark.parametrize(
    "preferences, failing, running",
    [
        ({}, [], [1, 1, 1, 1, 1, 1]),
        ({"MaxConcurrentCount": 6}, [], [1, 1, 1, 1, 1, 1]),  # strict: at most tolerance (0) + 1 at once
        ({"MaxConcurrentCount": 2, "FailureToleranceCount": 1}, [], [2, 2, 2]),
        ({"MaxConcurrentCount": 2, **SOFT}, [], [2, 2, 2]),
        ({"MaxConcurrentCount": 6, **SOFT}, [], [6]),
        ({"MaxConcurrentPercentage": 50, **SOFT}, [], [3, 3]),
        ({"MaxConcurrentPercentage": 10, **SOFT}, [], [1, 1, 1, 1, 1, 1]),  # 0.6 accounts: at least 1
        ({"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 34}, [], [3, 3]),  # tolerance 2.04: 2
        ({"MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 33}, [], [2, 2, 2]),  # 1.98: 1
        # strict: each failure so far lowers the concurrency by one; soft keeps it
        ({"MaxConcurrentCount": 3, "FailureToleranceCount": 2}, [A], [3, 2, 1]),
        ({"MaxConcurrentCount": 3, "FailureToleranceCount": 2, **SOFT}, [A], [3, 3]),
    ],
    ids=[
        "default 1",
        "strict caps at tolerance+1",
        "2 with tolerance 1",
        "soft 2",
        "soft 6",
        "50%",
        "10%",
        "tolerance 34%",
        "tolerance 33%",
        "strict with a failure",
        "soft with a failure",
    ],
)
def test_max_concurrency_sets_how_many_instances_run_at_once(cfn, preferences, failing, running):
    new_set(cfn, site="x")
    for account in failing:
        fail_instance(account, EU)
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A, B, C, D, E, F], Regions=[EU],
                                              OperationPreferences=preferences)["OperationId"]  # fmt: skip
    assert [len(step) for step in steps(cfn, operation_id)] == running
    ended = operation(cfn, operation_id)
    assert (ended["Status"], waves(ended)) == ("SUCCEEDED", len(running))
    assert ended["OperationPreferences"] == preferences  # as sent
    assert cfn.list_stack_set_operations(StackSetName=SET)["Summaries"][0]["OperationPreferences"] == preferences


@pytest.mark.parametrize(
    "preferences, expected",
    [
        ({"RegionOrder": [US, FRA]}, [{(A, US)}, {(A, FRA)}, {(A, EU)}]),
        ({"RegionOrder": [FRA, EU, US]}, [{(A, FRA)}, {(A, EU)}, {(A, US)}]),
        ({}, [{(A, EU)}, {(A, US)}, {(A, FRA)}]),  # the request's order
        ({"RegionConcurrencyType": "PARALLEL"}, [{(A, EU), (A, US), (A, FRA)}]),
    ],
    ids=["order, then the rest", "order", "as requested", "parallel"],
)
def test_regions_run_one_after_another_in_region_order_or_in_parallel(cfn, preferences, expected):
    new_set(cfn)
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU, US, FRA],
                                              OperationPreferences=preferences)["OperationId"]  # fmt: skip
    assert steps(cfn, operation_id) == expected
    assert operation(cfn, operation_id)["Status"] == "SUCCEEDED"


# --- failures -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "preferences, operation, expected",
    [
        ({}, "FAILED",
         {(A, EU): "FAILED", (B, EU): "CANCELLED", (C, EU): "CANCELLED", (A, US): "CANCELLED", (B, US): "CANCELLED",
          (C, US): "CANCELLED"}),
        ({"FailureToleranceCount": 1}, "SUCCEEDED",
         {(A, EU): "FAILED", (B, EU): "SUCCEEDED", (C, EU): "SUCCEEDED", (A, US): "SUCCEEDED",
          (B, US): "SUCCEEDED", (C, US): "SUCCEEDED"}),
        # strict: 3 allowed at once, but tolerance 0 runs one, so the failure stops the rest before they start
        ({"MaxConcurrentCount": 3}, "FAILED",
         {(A, EU): "FAILED", (B, EU): "CANCELLED", (C, EU): "CANCELLED", (A, US): "CANCELLED", (B, US): "CANCELLED",
          (C, US): "CANCELLED"}),
        # soft: the three run together; the ones running when A fails finish, the next Region never starts
        ({"MaxConcurrentCount": 3, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}, "FAILED",
         {(A, EU): "FAILED", (B, EU): "SUCCEEDED", (C, EU): "SUCCEEDED", (A, US): "CANCELLED",
          (B, US): "CANCELLED", (C, US): "CANCELLED"}),
    ],
    ids=["tolerance 0", "tolerance 1", "strict 3", "soft 3"],
)  # fmt: skip
def test_a_failure_beyond_the_tolerance_cancels_what_has_not_started(cfn, preferences, operation, expected):
    new_set(cfn, site="x")
    fail_instance(A, EU, reason="site offline")
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A, B, C], Regions=[EU, US],
                                              OperationPreferences=preferences)["OperationId"]  # fmt: skip
    ended = wait(cfn, operation_id)
    assert ended["Status"] == operation
    assert results(cfn, operation_id) == expected
    assert ended["StatusDetails"]["FailedStackInstancesCount"] == 1
    why = reasons(cfn, operation_id)
    assert why[(A, EU)] == "site offline"
    assert {why[k] for k, status in expected.items() if status == "CANCELLED"} <= {TOLERANCE_EXCEEDED}
    failed = instance(cfn, A, EU)
    assert (failed["Status"], failed["StackInstanceStatus"]["DetailedStatus"]) == ("OUTDATED", "FAILED")
    assert failed["StatusReason"] == "site offline" and "StackId" not in failed  # its stack was never made
    if expected[(A, US)] == "CANCELLED":
        cancelled = instance(cfn, A, US)
        assert cancelled["StackInstanceStatus"]["DetailedStatus"] == "CANCELLED"
        assert cancelled["StatusReason"] == TOLERANCE_EXCEEDED


def test_an_injected_failure_can_be_cleared_and_the_instance_retried(cfn):
    new_set(cfn, site="x")
    fail_instance(A, EU, times=1)
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU])["OperationId"]
    assert wait(cfn, operation_id)["Status"] == "FAILED"
    retried = cfn.update_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU])["OperationId"]
    assert wait(cfn, retried)["Status"] == "SUCCEEDED"  # times=1: only the next operation failed
    assert stack_of(cfn, A, EU)["StackStatus"] == "CREATE_COMPLETE"


def test_a_stack_that_fails_to_create_fails_its_instance_with_the_resource_and_reason(cfn):
    new_set(cfn, site="taken")
    in_account("kinesis", B, EU).create_stream(StreamName="telemetry-taken", ShardCount=1)  # in the stack's way
    tolerant = {"FailureToleranceCount": 1}
    operation_id = cfn.create_stack_instances(
        StackSetName=SET, Accounts=[A, B], Regions=[EU], OperationPreferences=tolerant
    )["OperationId"]
    assert wait(cfn, operation_id)["Status"] == "SUCCEEDED"  # within the tolerance
    assert results(cfn, operation_id) == {(A, EU): "SUCCEEDED", (B, EU): "FAILED"}
    reason = reasons(cfn, operation_id)[(B, EU)]
    assert reason.startswith("ResourceLogicalId:Stream, ResourceType:AWS::Kinesis::Stream, ResourceStatusReason:")
    assert "telemetry-taken" in reason
    assert stack_of(cfn, B, EU)["StackStatus"] == "ROLLBACK_COMPLETE"
    drift = cfn.detect_stack_set_drift(StackSetName=SET, OperationPreferences=tolerant)["OperationId"]
    assert wait(cfn, drift)["StackSetDriftDetectionDetails"]["DriftDetectionStatus"] == "PARTIAL_SUCCESS"
    assert results(cfn, drift) == {(A, EU): "SUCCEEDED", (B, EU): "FAILED"}  # a rolled-back stack: no drift

    in_account("kinesis", B, EU).delete_stream(StreamName="telemetry-taken")
    retried = cfn.update_stack_instances(StackSetName=SET, Accounts=[B], Regions=[EU])["OperationId"]
    assert wait(cfn, retried)["Status"] == "SUCCEEDED"
    assert stack_of(cfn, B, EU)["StackStatus"] == "CREATE_COMPLETE"  # made again


def test_a_parameter_without_a_value_fails_the_instance(cfn):
    cfn.create_stack_set(StackSetName=SET, TemplateBody=SITE)  # SiteName has no default
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU])["OperationId"]
    assert wait(cfn, operation_id)["Status"] == "FAILED"
    assert reasons(cfn, operation_id)[(A, EU)] == "Parameters: [SiteName] must have values"


# --- target stacks ----------------------------------------------------------------------------------------


def test_overrides_overlay_the_stack_sets_parameters_in_the_target_stack(cfn):
    new_set(cfn)
    deployed(cfn, [A], [EU], site_named("lisbon"))
    deployed(cfn, [B], [EU], [*site_named("porto"), {"ParameterKey": "Greeting", "ParameterValue": "ola"}])
    assert parameters_of(stack_of(cfn, A, EU)) == {"SiteName": "lisbon", "RetentionHours": "24", "Greeting": "hello"}
    assert parameters_of(stack_of(cfn, B, EU))["Greeting"] == "ola"
    assert instance(cfn, A, EU)["ParameterOverrides"] == site_named("lisbon")
    ssm = in_account("ssm", A, EU)
    assert ssm.get_parameter(Name="/iot/lisbon/greeting")["Parameter"]["Value"] == "hello"

    keep_site = {"ParameterKey": "SiteName", "UsePreviousValue": True}
    cases = [  # (overrides sent to UpdateStackInstances or None for none, what the stack's Greeting then is)
        ([keep_site, {"ParameterKey": "Greeting", "ParameterValue": "hi"}], "hi"),
        (None, "hi"),  # no ParameterOverrides: the overrides stay
        ([keep_site], "hello"),  # a list without Greeting: back to the stack set's value
    ]
    for overrides, greeting in cases:
        options = {} if overrides is None else {"ParameterOverrides": overrides}
        operation_id = cfn.update_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU], **options)
        assert wait(cfn, operation_id["OperationId"])["Status"] == "SUCCEEDED"
        assert ssm.get_parameter(Name="/iot/lisbon/greeting")["Parameter"]["Value"] == greeting, overrides
        assert parameters_of(stack_of(cfn, A, EU))["SiteName"] == "lisbon"
    assert parameters_of(stack_of(cfn, B, EU))["Greeting"] == "ola"  # not named: untouched


def test_an_override_of_a_parameter_the_template_lacks_is_refused(cfn):
    new_set(cfn)
    typo = [{"ParameterKey": "Sitename", "ParameterValue": "x"}]
    status, code, message = error_of(
        cfn.create_stack_instances, StackSetName=SET, Accounts=[A], Regions=[EU], ParameterOverrides=typo
    )
    assert (status, code) == (400, "ValidationError") and "Sitename" in message


def test_update_stack_set_updates_every_stack_and_instance_overrides_keep_their_values(cfn):
    cfn.create_stack_set(StackSetName=SET, TemplateURL=uploaded("site.json", SITE), Parameters=site_named("unnamed"))
    deployed(cfn, [A], [EU], site_named("lisbon"))
    deployed(cfn, [B], [EU], site_named("porto"))

    longer = SITE.replace('"Default": "24"', '"Default": "48"')
    new_parameters = [{"ParameterKey": "SiteName", "UsePreviousValue": True},
                      {"ParameterKey": "Greeting", "ParameterValue": "bye"}]  # fmt: skip
    operation_id = cfn.update_stack_set(StackSetName=SET, TemplateBody=longer, Parameters=new_parameters,
                                        OperationPreferences={"MaxConcurrentCount": 2})["OperationId"]  # fmt: skip
    assert results(cfn, operation_id) == {(A, EU): "RUNNING", (B, EU): "PENDING"}  # strict: one at a time
    assert wait(cfn, operation_id)["Status"] == "SUCCEEDED"
    for account, name in ((A, "lisbon"), (B, "porto")):
        stack = stack_of(cfn, account, EU)
        assert parameters_of(stack) == {"SiteName": name, "RetentionHours": "48", "Greeting": "bye"}
        assert stack["StackStatus"] == "UPDATE_COMPLETE"
        stream = in_account("kinesis", account, EU).describe_stream(StreamName=f"telemetry-{name}")
        assert stream["StreamDescription"]["RetentionPeriodHours"] == 48
    shown = cfn.describe_stack_set(StackSetName=SET)["StackSet"]
    assert shown["TemplateBody"] == longer
    assert shown["Parameters"] == [{"ParameterKey": "SiteName", "ParameterValue": "unnamed"},
                                   {"ParameterKey": "Greeting", "ParameterValue": "bye"}]  # fmt: skip


def test_update_stack_set_for_named_instances_leaves_the_others_outdated(cfn):
    new_set(cfn)
    deployed(cfn, [A, B], [EU], site_named("x"))
    parameters = [{"ParameterKey": "Greeting", "ParameterValue": "hey"},
                  {"ParameterKey": "SiteName", "UsePreviousValue": True}]  # fmt: skip
    operation_id = cfn.update_stack_set(
        StackSetName=SET, UsePreviousTemplate=True, Accounts=[A], Regions=[EU], Parameters=parameters
    )
    assert wait(cfn, operation_id["OperationId"])["Status"] == "SUCCEEDED"
    assert parameters_of(stack_of(cfn, A, EU))["Greeting"] == "hey"
    assert parameters_of(stack_of(cfn, B, EU))["Greeting"] == "hello"
    assert instance(cfn, A, EU)["Status"] == "CURRENT"
    assert instance(cfn, B, EU)["Status"] == "OUTDATED"
    error = error_of(cfn.update_stack_set, StackSetName=SET, UsePreviousTemplate=True, Accounts=[C], Regions=[EU])
    assert error[:2] == (404, "StackInstanceNotFoundException")


@pytest.mark.parametrize("retain, stack_status", [(True, "CREATE_COMPLETE"), (False, "DELETE_COMPLETE")])
def test_delete_stack_instances_deletes_the_stack_unless_retained(cfn, retain, stack_status):
    new_set(cfn)
    deployed(cfn, [A], [EU], site_named("x"))
    stack_id = instance(cfn, A, EU)["StackId"]
    operation_id = cfn.delete_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU], RetainStacks=retain)
    ended = wait(cfn, operation_id["OperationId"])
    assert (ended["Status"], ended["Action"], ended["RetainStacks"]) == ("SUCCEEDED", "DELETE", retain)
    assert error_of(cfn.describe_stack_instance, StackSetName=SET, StackInstanceAccount=A,
                    StackInstanceRegion=EU)[:2] == (404, "StackInstanceNotFoundException")  # fmt: skip
    target = in_account("cloudformation", A, EU)
    assert target.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == stack_status
    assert bool(in_account("kinesis", A, EU).list_streams()["StreamNames"]) == retain
    stack_set_id = cfn.describe_stack_set(StackSetName=SET)["StackSet"]["StackSetId"]
    cfn.delete_stack_set(StackSetName=SET)  # empty now
    assert error_of(cfn.describe_stack_set, StackSetName=SET)[1] == "StackSetNotFoundException"
    assert cfn.describe_stack_set(StackSetName=stack_set_id)["StackSet"]["Status"] == "DELETED"  # by id it stays


def test_the_projects_dev_template_deploys_to_two_accounts_and_goes_again(cfn):
    dev = (ROOT / "templates" / "dev.json").read_text()
    status, code, message = error_of(cfn.create_stack_set, StackSetName=SET, TemplateBody=dev)
    assert (status, code) == (400, "ValidationError") and "less than or equal to 51200" in message  # 59 KB
    cfn.create_stack_set(
        StackSetName=SET,
        TemplateURL=uploaded("dev.json", dev),
        Capabilities=["CAPABILITY_NAMED_IAM"],
        Tags=[{"Key": "fleet", "Value": "dev"}],
        PermissionModel="SELF_MANAGED",
        AdministrationRoleARN="arn:aws:iam::123456789012:role/Admin",
        ExecutionRoleName="Exec",
    )
    deployed(cfn, [A, B], ["sa-east-1"], OperationPreferences={"MaxConcurrentCount": 2, "FailureToleranceCount": 1})
    for account in (A, B):
        stack = stack_of(cfn, account, "sa-east-1")
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert {"Key": "fleet", "Value": "dev"} in stack["Tags"]
        assert stack["Outputs"]
    shown = cfn.describe_stack_set(StackSetName=SET)["StackSet"]
    assert (shown["Capabilities"], shown["ExecutionRoleName"]) == (["CAPABILITY_NAMED_IAM"], "Exec")
    gone = cfn.delete_stack_instances(StackSetName=SET, Accounts=[A, B], Regions=["sa-east-1"], RetainStacks=False)
    assert wait(cfn, gone["OperationId"])["Status"] == "SUCCEEDED"
    assert in_account("kinesis", A, "sa-east-1").list_streams()["StreamNames"] == []
    deployed(cfn, [A], ["sa-east-1"])  # nothing left in the way


# --- idempotency and busy stack sets ------------------------------------------------------------------------


def test_a_repeated_operation_id_answers_the_same_operation_and_does_nothing_more(cfn):
    new_set(cfn)
    request = {"StackSetName": SET, "Accounts": [A], "Regions": [EU], "ParameterOverrides": site_named("x"),
               "OperationId": "rollout-1"}  # fmt: skip
    assert cfn.create_stack_instances(**request)["OperationId"] == "rollout-1"
    assert cfn.create_stack_instances(**request)["OperationId"] == "rollout-1"  # while it runs: no busy error
    assert wait(cfn, "rollout-1")["Status"] == "SUCCEEDED"
    assert cfn.create_stack_instances(**request)["OperationId"] == "rollout-1"  # and after
    assert [o["OperationId"] for o in cfn.list_stack_set_operations(StackSetName=SET)["Summaries"]] == ["rollout-1"]
    assert len(in_account("cloudformation", A, EU).describe_stacks()["Stacks"]) == 1

    status, code, _ = error_of(cfn.create_stack_instances, **{**request, "Accounts": [B]})
    assert (status, code) == (409, "OperationIdAlreadyExistsException")


def test_another_operation_while_one_runs_is_refused(cfn):
    new_set(cfn)
    running = cfn.create_stack_instances(StackSetName=SET, Accounts=[A], Regions=[EU])["OperationId"]
    arn = cfn.describe_stack_set(StackSetName=SET)["StackSet"]["StackSetARN"]
    busy = (409, "OperationInProgressException", f"Another Operation on StackSet {arn} is in progress: {running}")
    assert error_of(cfn.update_stack_set, StackSetName=SET, UsePreviousTemplate=True) == busy
    assert error_of(cfn.detect_stack_set_drift, StackSetName=SET) == busy
    assert error_of(cfn.delete_stack_set, StackSetName=SET) == busy
    wait(cfn, running)
    assert cfn.update_stack_set(StackSetName=SET, UsePreviousTemplate=True)["OperationId"]


def test_a_stopped_operation_finishes_what_runs_and_cancels_the_rest(cfn):
    new_set(cfn)
    operation_id = cfn.create_stack_instances(StackSetName=SET, Accounts=[A, B, C], Regions=[EU],
                                              ParameterOverrides=site_named("x"))["OperationId"]  # fmt: skip
    cfn.stop_stack_set_operation(StackSetName=SET, OperationId=operation_id)
    assert operation(cfn, operation_id)["Status"] == "STOPPING"
    assert wait(cfn, operation_id)["Status"] == "STOPPED"
    assert results(cfn, operation_id) == {(A, EU): "SUCCEEDED", (B, EU): "CANCELLED", (C, EU): "CANCELLED"}


# --- drift --------------------------------------------------------------------------------------------------


def test_drift_detection_finds_a_change_made_in_a_target_account(cfn):
    new_set(cfn)
    all_at_once = {"MaxConcurrentCount": 3, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}
    deployed(cfn, [A, B, C], [EU], site_named("x"), OperationPreferences=all_at_once)
    in_account("kinesis", A, EU).increase_stream_retention_period(StreamName="telemetry-x", RetentionPeriodHours=48)
    in_account("ssm", A, EU).put_parameter(Name="/iot/x/greeting", Value="hacked", Type="String", Overwrite=True)
    in_account("ssm", B, EU).delete_parameter(Name="/iot/x/greeting")

    operation_id = cfn.detect_stack_set_drift(StackSetName=SET)["OperationId"]
    details = cfn.describe_stack_set(StackSetName=SET)["StackSet"]["StackSetDriftDetectionDetails"]
    assert (details["DriftDetectionStatus"], details["InProgressStackInstancesCount"]) == ("IN_PROGRESS", 3)
    assert results(cfn, operation_id) == {(A, EU): "RUNNING", (B, EU): "PENDING", (C, EU): "PENDING"}
    ended = wait(cfn, operation_id)
    assert (ended["Action"], ended["Status"], waves(ended)) == ("DETECT_DRIFT", "SUCCEEDED", 3)

    assert {a: instance(cfn, a, EU)["DriftStatus"] for a in (A, B, C)} == {A: "DRIFTED", B: "DRIFTED", C: "IN_SYNC"}
    assert "LastDriftCheckTimestamp" in instance(cfn, A, EU)
    details = cfn.describe_stack_set(StackSetName=SET)["StackSet"]["StackSetDriftDetectionDetails"]
    assert (details["DriftStatus"], details["DriftDetectionStatus"]) == ("DRIFTED", "COMPLETED")
    assert (details["DriftedStackInstancesCount"], details["InSyncStackInstancesCount"]) == (2, 1)

    def drifts(account, *statuses):
        filters = {"StackInstanceResourceDriftStatuses": list(statuses)} if statuses else {}
        summaries = cfn.list_stack_instance_resource_drifts(StackSetName=SET, OperationId=operation_id,
                                                            StackInstanceAccount=account, StackInstanceRegion=EU,
                                                            **filters)["Summaries"]  # fmt: skip
        return {
            d["LogicalResourceId"]: (d["StackResourceDriftStatus"], d.get("PropertyDifferences")) for d in summaries
        }

    assert drifts(A, "MODIFIED") == {
        "Stream": ("MODIFIED", [{"PropertyPath": "/RetentionPeriodHours", "ExpectedValue": "24", "ActualValue": "48",
                                 "DifferenceType": "NOT_EQUAL"}]),
        "GreetingParameter": ("MODIFIED", [{"PropertyPath": "/Value", "ExpectedValue": "hello",
                                            "ActualValue": "hacked", "DifferenceType": "NOT_EQUAL"}]),
    }  # fmt: skip
    assert drifts(B) == {"Stream": ("IN_SYNC", None), "GreetingParameter": ("DELETED", None)}
    assert drifts(C, "MODIFIED", "DELETED") == {}


def test_drift_resource_marks_any_resource_modified(cfn):
    new_set(cfn)
    deployed(cfn, [A], [EU], site_named("x"))
    drift_resource(A, EU, "Stream", property_path="/StreamEncryption", expected="KMS", actual="NONE")
    operation_id = cfn.detect_stack_set_drift(StackSetName=SET)["OperationId"]
    wait(cfn, operation_id)
    (drift,) = cfn.list_stack_instance_resource_drifts(
        StackSetName=SET, OperationId=operation_id, StackInstanceAccount=A, StackInstanceRegion=EU,
        StackInstanceResourceDriftStatuses=["MODIFIED"],
    )["Summaries"]  # fmt: skip
    assert drift["PropertyDifferences"] == [{"PropertyPath": "/StreamEncryption", "ExpectedValue": "KMS",
                                             "ActualValue": "NONE", "DifferenceType": "NOT_EQUAL"}]  # fmt: skip
    assert instance(cfn, A, EU)["DriftStatus"] == "DRIFTED"


# --- errors, paging, reset, settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, arguments, expected",
    [
        ("describe_stack_set", {"StackSetName": "nope"}, (404, "StackSetNotFoundException")),
        ("create_stack_instances", {"StackSetName": "nope", "Accounts": [A], "Regions": [EU]},
         (404, "StackSetNotFoundException")),
        ("describe_stack_instance", {"StackSetName": SET, "StackInstanceAccount": C, "StackInstanceRegion": EU},
         (404, "StackInstanceNotFoundException")),
        ("update_stack_instances", {"StackSetName": SET, "Accounts": [C], "Regions": [EU]},
         (404, "StackInstanceNotFoundException")),
        ("describe_stack_set_operation", {"StackSetName": SET, "OperationId": "nope"},
         (404, "OperationNotFoundException")),
        ("list_stack_set_operation_results", {"StackSetName": SET, "OperationId": "nope"},
         (404, "OperationNotFoundException")),
        ("create_stack_set", {"StackSetName": SET, "TemplateBody": SITE}, (409, "NameAlreadyExistsException")),
        ("create_stack_set", {"StackSetName": "other", "TemplateBody": SITE, "PermissionModel": "SERVICE_MANAGED"},
         (400, "ValidationError")),
        ("update_stack_set", {"StackSetName": SET}, (400, "ValidationError")),  # no template named
        ("create_stack_instances", {"StackSetName": SET, "Accounts": [A], "Regions": [EU],
                                    "OperationPreferences": {"MaxConcurrentCount": 1, "MaxConcurrentPercentage": 5}},
         (400, "ValidationError")),
    ],
    ids=["no set", "no set to add to", "no instance", "no instance to update", "no operation", "no results",
         "name taken", "service-managed", "update without template", "count and percentage"],
)  # fmt: skip
def test_errors_as_aws_names_them(cfn, call, arguments, expected):
    new_set(cfn)
    assert error_of(getattr(cfn, call), **arguments)[:2] == expected


def test_a_repeated_create_stack_set_token_makes_one_stack_set(cfn):
    first = cfn.create_stack_set(StackSetName=SET, TemplateBody=SITE, ClientRequestToken="create-fleet")
    again = cfn.create_stack_set(StackSetName=SET, TemplateBody=SITE, ClientRequestToken="create-fleet")
    assert again["StackSetId"] == first["StackSetId"]
    assert len(cfn.list_stack_sets()["Summaries"]) == 1
    cfn.delete_stack_set(StackSetName="never-made")  # no error: DeleteStackSet documents none for this


def test_lists_page_and_filter(cfn):
    new_set(cfn)
    first = deployed(cfn, [A, B, C], [EU], site_named("x"), OperationPreferences={"MaxConcurrentCount": 3,
                                                                           "FailureToleranceCount": 2})  # fmt: skip
    fail_instance(B, EU)
    second = cfn.update_stack_set(StackSetName=SET, UsePreviousTemplate=True, Parameters=site_named("x"),
                                  OperationPreferences={"FailureToleranceCount": 1})["OperationId"]  # fmt: skip
    wait(cfn, second)
    pages = list(cfn.get_paginator("list_stack_instances").paginate(StackSetName=SET, PaginationConfig={"PageSize": 1}))
    assert [len(p["Summaries"]) for p in pages] == [1, 1, 1]
    failed = cfn.list_stack_instances(StackSetName=SET, Filters=[{"Name": "DETAILED_STATUS", "Values": "FAILED"}])
    assert [s["Account"] for s in failed["Summaries"]] == [B]
    listed = cfn.list_stack_set_operations(StackSetName=SET, MaxResults=1)
    assert [o["OperationId"] for o in listed["Summaries"]] == [second] and listed["NextToken"]  # newest first
    rest = cfn.list_stack_set_operations(StackSetName=SET, NextToken=listed["NextToken"])["Summaries"]
    assert [o["OperationId"] for o in rest] == [first]
    only_failed = cfn.list_stack_set_operation_results(StackSetName=SET, OperationId=second,
                                                       Filters=[{"Name": "OPERATION_RESULT_STATUS",
                                                                 "Values": "FAILED"}])["Summaries"]  # fmt: skip
    assert [(r["Account"], r["Status"]) for r in only_failed] == [(B, "FAILED")]


def test_reset_forgets_stack_sets_and_injected_failures(cfn, aws):
    new_set(cfn)
    fail_instance(A, EU)
    urllib.request.urlopen(urllib.request.Request(f"{aws}/moto-api/reset", method="POST")).close()
    assert error_of(cfn.describe_stack_set, StackSetName=SET)[1] == "StackSetNotFoundException"
    new_set(cfn)
    deployed(cfn, [A], [EU], site_named("x"))  # no failure any more


def test_failures_from_the_environment_survive_a_reset(cfn, aws, monkeypatch):
    monkeypatch.setenv(stack_sets.FAILURES_ENV, f"{A}:{EU}=site offline; {B}:{US}")
    urllib.request.urlopen(urllib.request.Request(f"{aws}/moto-api/reset", method="POST")).close()
    new_set(cfn, site="x")
    tolerant = {"FailureToleranceCount": 1}
    operation_id = cfn.create_stack_instances(
        StackSetName=SET, Accounts=[A, B], Regions=[EU, US], OperationPreferences=tolerant
    )["OperationId"]
    wait(cfn, operation_id)
    assert reasons(cfn, operation_id) == {(A, EU): "site offline", (B, EU): None, (A, US): None,
                                          (B, US): stack_sets.INJECTED}  # fmt: skip


@pytest.mark.parametrize(
    "variable, value, message",
    [
        (stack_sets.SECONDS_ENV, "fast", "must be a number of seconds"),
        (stack_sets.SECONDS_ENV, "-1", "must be a number of seconds"),
        (stack_sets.FAILURES_ENV, "1111:eu-west-1", "a 12-digit account"),
        (stack_sets.FAILURES_ENV, f"{A}", "must be account:region"),
    ],
)
def test_settings_from_the_environment_are_checked(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    read = stack_sets._seconds_from_env if variable == stack_sets.SECONDS_ENV else stack_sets._failures_from_env
    with pytest.raises(ValueError, match=message) as raised:
        read()
    assert variable in str(raised.value) and value in str(raised.value)
