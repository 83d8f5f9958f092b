"""``deploy --fleet``, ``status --fleet`` and ``drift --fleet`` on the emulator's stack sets
(tests/support/stack_sets.py): operations that take time, the rollout preferences honoured, target stacks in
the sites' accounts and regions, a failure and a drift on demand."""

import json

import boto3
import pytest

from tests.conftest import run
from tests.fleet.test_review import BELEM_GONE, RECIFE_RENUMBERED, edit
from tests.support import stack_sets
from tests.support.stack_sets import drift_resource

SET = "iot-platform-plants"
REGION = "sa-east-1"  # prod's: where the stack set lives
SITES = {"campinas": ("111111111111", "sa-east-1"), "manaus": ("111111111111", "us-east-1"),
         "recife": ("222222222222", "sa-east-1"), "belem": ("222222222222", "us-east-1")}  # fmt: skip


def in_account(service: str, account: str, region: str):
    """A client acting in ``account``, as StackSets' execution role does."""
    role = f"arn:aws:iam::{account}:role/AWSCloudFormationStackSetExecutionRole"
    credentials = boto3.client("sts", region_name=region).assume_role(RoleArn=role, RoleSessionName="test")[
        "Credentials"
    ]
    return boto3.client(service, region_name=region, aws_access_key_id=credentials["AccessKeyId"],
                        aws_secret_access_key=credentials["SecretAccessKey"],
                        aws_session_token=credentials["SessionToken"])  # fmt: skip


def instances() -> dict[tuple[str, str], dict]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    found = cfn.list_stack_instances(StackSetName=SET)["Summaries"]
    return {(i["Account"], i["Region"]): i for i in found}


def stack_of(site: str) -> dict:
    account, region = SITES[site]
    stack_id = instances()[(account, region)]["StackId"]
    return in_account("cloudformation", account, region).describe_stacks(StackName=stack_id)["Stacks"][0]


def operations() -> list[dict]:
    cfn = boto3.client("cloudformation", region_name=REGION)
    found = cfn.list_stack_set_operations(StackSetName=SET)["Summaries"]
    return [cfn.describe_stack_set_operation(StackSetName=SET, OperationId=o["OperationId"])["StackSetOperation"]
            for o in found]  # fmt: skip


def deploy(*args: str):
    return run("deploy", "--fleet", "plants", "--yes", "--poll-seconds", "0", *args)


@pytest.fixture
def fleet(aws, project, monkeypatch):
    """The project's fleet (four plants, two accounts, two regions), its bootstrap stack made."""
    monkeypatch.setattr(stack_sets, "seconds_per_instance", 0.01)
    assert run("bootstrap", "--fleet", "plants", "--yes").exit_code == 0
    return project


@pytest.fixture
def deployed(fleet):
    result = deploy()
    assert result.exit_code == 0, result.output
    return fleet


def test_four_sites_deploy_with_their_values_and_the_rollout_drift_is_found_a_renumbering_refused(deployed):
    assert sorted(instances()) == sorted(SITES.values())
    for site in SITES:
        stack = stack_of(site)
        values = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
        assert stack["StackName"].startswith(f"StackSet-{SET}-") and stack["StackStatus"] == "CREATE_COMPLETE"
        assert values["SiteName"] == site and values["VpcCidr"].startswith("10.")
        names = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        assert names["KinesisStreamName"] == f"sensor-data-stream-prod-{site}"
    preferences = {json.dumps(o["OperationPreferences"], sort_keys=True) for o in operations()}
    assert [json.loads(p) for p in preferences] == [{
        "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE", "FailureToleranceCount": 0, "MaxConcurrentCount": 1,
        "RegionConcurrencyType": "SEQUENTIAL", "RegionOrder": ["sa-east-1", "us-east-1"]}]  # fmt: skip
    again = deploy()
    assert again.exit_code == 0 and "No changes: stack set iot-platform-plants runs" in again.output
    status = run("status", "--fleet", "plants")
    assert status.exit_code == 0
    assert all(f"{site}  " in status.output for site in SITES) and status.output.count("CURRENT/SUCCEEDED") == 4
    assert run("drift", "--fleet", "plants", "--poll-seconds", "0").exit_code == 0
    drift_resource(*SITES["manaus"], "SensorDataStream")
    drift = run("drift", "--fleet", "plants", "--poll-seconds", "0")
    assert drift.exit_code == 2, drift.output
    assert "drifted: 1 of 4 site(s)" in drift.output and "manaus: SensorDataStream (MODIFIED)" in drift.output
    before = len(operations())
    edit(deployed, *RECIFE_RENUMBERED)
    renumbered = deploy()
    assert renumbered.exit_code == 3, renumbered.output
    assert "refused: this deploy replaces or removes stateful resources" in renumbered.output
    assert "  recife: Vpc" in renumbered.output and "--allow-replace Vpc" in renumbered.output
    assert len(operations()) == before  # nothing changed
    allowed = deploy("--allow-replace", "Vpc")  # its security groups keep their custom names: it would fail
    assert allowed.exit_code == 1 and "refused: the plan predicts that this deploy fails" in allowed.output
    assert "fleet-plants/recife: DatabaseSecurityGroup: GroupName stays" in allowed.output
    assert len(operations()) == before


def test_a_removed_site_goes_from_the_stack_set_and_its_stack_stays(deployed):
    kept = stack_of("belem")
    edit(deployed, *BELEM_GONE)
    refused = deploy("--delete-site-stack", "belem")
    assert refused.exit_code == 3 and "prod keeps its data" in refused.output
    assert len(instances()) == 4
    result = deploy()
    assert result.exit_code == 0, result.output
    assert "removed: its stack instance goes, the stack is kept (RetainStacks)" in " ".join(result.output.split())
    assert SITES["belem"] not in instances() and len(instances()) == 3
    account, region = SITES["belem"]
    stack = in_account("cloudformation", account, region).describe_stacks(StackName=kept["StackId"])["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"  # its data with it
