"""The test support itself: the emulator answers as AWS does where the tests and the demo need it
(tests/support/emulator.py), and the fault-injecting proxy does what it says (tests/support/proxy.py).

Everything goes through boto3, as the product's own calls do.
"""

from __future__ import annotations

import http.client
import http.server
import io
import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from click.testing import CliRunner

from tests.support.emulator import NOT_EMULATED, fail_rollback, ignoring_tokens, not_created
from tests.support.proxy import faulty, proxied

ROOT = Path(__file__).resolve().parent.parent
REGION = "sa-east-1"
STACK = "iot-platform-dev"
DEV = (ROOT / "templates" / "dev.json").read_text()
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
# A template small enough to create in a blink, with one resource that can fail to create.
SMALL = json.dumps({"Resources": {"Stream": {"Type": "AWS::Kinesis::Stream",
                                             "Properties": {"Name": "small-stream", "ShardCount": 1}}},
                    "Outputs": {"StreamArn": {"Value": {"Fn::GetAtt": ["Stream", "Arn"]},
                                              "Export": {"Name": "small-stream-arn"}}}})  # fmt: skip
LOG = json.dumps({"Resources": {"Log": {"Type": "AWS::Logs::LogGroup"}}})
BIGGER = json.dumps({"Resources": {**json.loads(SMALL)["Resources"], **json.loads(LOG)["Resources"]}})


def cloudformation(endpoint: str | None = None, attempts: int | None = None, read_timeout: float | None = None):
    options = {}
    if attempts:
        options["retries"] = {"total_max_attempts": attempts}
    if read_timeout:
        options["read_timeout"] = read_timeout
    return boto3.client("cloudformation", region_name=REGION, endpoint_url=endpoint, config=Config(**options))


def error_of(call, *args, **kwargs) -> tuple[int, str, str]:
    """(HTTP status, code, message) of the error ``call`` answers."""
    with pytest.raises(ClientError) as raised:
        call(*args, **kwargs)
    response = raised.value.response
    return response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"], response["Error"]["Message"]


def new_stack(cfn, name: str = "small", template: str = SMALL) -> str:
    """A stack made through a CREATE change set, executed; its id."""
    created = cfn.create_change_set(StackName=name, ChangeSetName="first", ChangeSetType="CREATE",
                                    TemplateBody=template, Capabilities=CAPABILITIES)  # fmt: skip
    cfn.execute_change_set(ChangeSetName=created["Id"])
    return created["StackId"]


def statuses(cfn, stack: str) -> list[str]:
    """The stack's events, oldest first, as ``"LogicalId STATUS"``."""
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"][::-1]
    return [f"{e['LogicalResourceId']} {e['ResourceStatus']}" for e in events]


def stacks_named(cfn, name: str) -> list[dict]:
    return [s for s in cfn.list_stacks()["StackSummaries"] if s["StackName"] == name]


@pytest.fixture
def cfn(aws):
    return cloudformation()


# --- delete leaves nothing behind ---------------------------------------------------------------------------------


def account_contents() -> dict[str, list]:
    """What a stack of ours can leave in the account, by kind."""
    ec2, kms = boto3.client("ec2", region_name=REGION), boto3.client("kms", region_name=REGION)
    rds, logs = boto3.client("rds", region_name=REGION), boto3.client("logs", region_name=REGION)
    keys = [k["KeyId"] for k in kms.list_keys()["Keys"]]
    return {
        "streams": boto3.client("kinesis", region_name=REGION).list_streams()["StreamNames"],
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]],
        "route tables": [(t["RouteTableId"], len(t["Routes"])) for t in ec2.describe_route_tables()["RouteTables"]],
        "security groups": [
            (g["GroupId"], len(g["IpPermissions"])) for g in ec2.describe_security_groups()["SecurityGroups"]
        ],
        "internet gateways": [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]],
        "flow logs": [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]],
        "KMS aliases": [a["AliasName"] for a in kms.list_aliases()["Aliases"]],
        "KMS keys": [k for k in keys if kms.describe_key(KeyId=k)["KeyMetadata"]["KeyState"] == "Enabled"],
        "log groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
        "IAM roles": [r["RoleName"] for r in boto3.client("iam", region_name=REGION).list_roles()["Roles"]],
        "DB instances": [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]],
        "DB subnet groups": [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]],
    }


def run(*args: str):
    from generator.cli import main

    return CliRunner().invoke(main, list(args))


def test_destroy_leaves_nothing_behind_and_dev_deploys_again(aws, project):
    before = account_contents()
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    deployed = account_contents()
    assert all(len(deployed[kind]) > len(before[kind]) for kind in before), deployed  # each kind was made

    result = run("destroy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert account_contents() == before

    again = run("deploy", "--env", "dev", "--yes")
    assert again.exit_code == 0, again.output
    assert "CREATE_COMPLETE" in again.output


def test_a_deleted_stack_shows_no_outputs_and_brings_nothing_back(cfn):
    stack_id = new_stack(cfn, STACK, DEV)
    cfn.delete_stack(StackName=stack_id)
    before = account_contents()
    (deleted,) = cfn.describe_stacks(StackName=stack_id)["Stacks"]
    assert deleted["StackStatus"] == "DELETE_COMPLETE"
    assert "Outputs" not in deleted
    assert cfn.describe_stack_resources(StackName=stack_id)["StackResources"] == []
    assert account_contents() == before  # moto re-created every resource an output named, here


def test_a_resource_deleted_behind_the_stacks_back_counts_as_deleted(cfn):
    stack_id = new_stack(cfn)
    boto3.client("kinesis", region_name=REGION).delete_stream(StreamName="small-stream")
    cfn.delete_stack(StackName=stack_id)
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_a_delete_that_fails_leaves_the_stack_delete_failed(cfn):
    vpc = {"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.9.0.0/16"}}},
           "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}}}  # fmt: skip
    stack_id = new_stack(cfn, "network", json.dumps(vpc))
    vpc_id = cfn.describe_stacks(StackName="network")["Stacks"][0]["Outputs"][0]["OutputValue"]
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]  # not the stack's

    cfn.delete_stack(StackName="network")
    assert cfn.describe_stacks(StackName="network")["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    events = cfn.describe_stack_events(StackName="network")["StackEvents"]
    assert [e["ResourceStatus"] for e in events[:2]] == ["DELETE_FAILED", "DELETE_FAILED"]
    assert events[1]["LogicalResourceId"] == "Vpc" and "has dependencies" in events[1]["ResourceStatusReason"]

    ec2.delete_subnet(SubnetId=subnet)
    cfn.delete_stack(StackName="network")
    assert cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


# --- change sets ------------------------------------------------------------------------------------------------


def test_a_create_change_set_for_a_stack_in_review_attaches_to_it(cfn):
    first = cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE", TemplateBody=SMALL)
    second = cfn.create_change_set(StackName="small", ChangeSetName="two", ChangeSetType="CREATE", TemplateBody=SMALL)
    assert second["StackId"] == first["StackId"]
    assert [s["StackStatus"] for s in stacks_named(cfn, "small")] == ["REVIEW_IN_PROGRESS"]
    names = [c["ChangeSetName"] for c in cfn.list_change_sets(StackName="small")["Summaries"]]
    assert names == ["one", "two"]
    cfn.execute_change_set(StackName="small", ChangeSetName="two")
    assert [s["StackStatus"] for s in stacks_named(cfn, "small")] == ["CREATE_COMPLETE"]


@pytest.mark.parametrize(
    "kind,status,expected",
    [
        ("CREATE", "CREATE_COMPLETE",
         "Stack [small] already exists and cannot be created again with the changeSet [next]."),
        ("CREATE", "UPDATE_ROLLBACK_FAILED",
         "Stack [small] already exists and cannot be created again with the changeSet [next]."),
        ("UPDATE", "UPDATE_ROLLBACK_FAILED", "Stack:{id} is in UPDATE_ROLLBACK_FAILED state and can not be updated."),
        ("UPDATE", "REVIEW_IN_PROGRESS", "Stack:{id} is in REVIEW_IN_PROGRESS state and can not be updated."),
    ],
    ids=["create-on-live", "create-on-rollback-failed", "update-on-rollback-failed", "update-in-review"],
)  # fmt: skip
def test_a_change_set_the_stack_cannot_take_is_refused(cfn, kind, status, expected):
    if status == "REVIEW_IN_PROGRESS":
        stack_id = cfn.create_change_set(StackName="small", ChangeSetName="first", ChangeSetType="CREATE",
                                         TemplateBody=SMALL)["StackId"]  # fmt: skip
    else:
        stack_id = new_stack(cfn)
    if status == "UPDATE_ROLLBACK_FAILED":
        fail_rollback("small")
    answer = error_of(cfn.create_change_set, StackName="small", ChangeSetName="next", ChangeSetType=kind,
                      TemplateBody=BIGGER)  # fmt: skip
    assert answer == (400, "ValidationError", expected.format(id=stack_id))
    assert len(stacks_named(cfn, "small")) == 1


def test_a_change_set_name_that_exists_on_the_stack_is_refused(cfn):
    new_stack(cfn)
    cfn.create_change_set(StackName="small", ChangeSetName="next", TemplateBody=BIGGER, ChangeSetType="UPDATE")
    again = error_of(cfn.create_change_set, StackName="small", ChangeSetName="next", TemplateBody=BIGGER,
                     ChangeSetType="UPDATE")  # fmt: skip
    assert again == (400, "AlreadyExistsException", "ChangeSet [next] already exists")
    assert len(cfn.list_change_sets(StackName="small")["Summaries"]) == 2  # "first" (executed) and "next"


@pytest.mark.parametrize("operation", ["describe_change_set", "execute_change_set"])
def test_a_missing_change_set_is_not_found(cfn, operation):
    new_stack(cfn)
    answer = error_of(getattr(cfn, operation), StackName="small", ChangeSetName="iotstack-nope")
    assert answer == (404, "ChangeSetNotFound", "ChangeSet [iotstack-nope] does not exist")
    with pytest.raises(cfn.exceptions.ChangeSetNotFoundException):
        getattr(cfn, operation)(StackName="small", ChangeSetName="iotstack-nope")


def test_a_change_set_of_another_stack_is_not_found(cfn):
    new_stack(cfn)
    new_stack(cfn, "other", LOG)
    cfn.create_change_set(StackName="other", ChangeSetName="mine", TemplateBody=SMALL, ChangeSetType="UPDATE")
    assert error_of(cfn.describe_change_set, StackName="small", ChangeSetName="mine")[1] == "ChangeSetNotFound"
    assert [c["ChangeSetName"] for c in cfn.list_change_sets(StackName="small")["Summaries"]] == ["first"]


def test_deleting_a_missing_change_set_succeeds_as_on_aws(cfn):
    new_stack(cfn)
    cfn.delete_change_set(StackName="small", ChangeSetName="iotstack-nope")
    answer = error_of(cfn.delete_change_set, StackName="nosuchstack", ChangeSetName="iotstack-nope")
    assert answer == (400, "ValidationError", "Stack [nosuchstack] does not exist")


def test_running_a_change_set_makes_the_others_of_its_stack_obsolete(cfn):
    first = cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE", TemplateBody=SMALL)
    second = cfn.create_change_set(StackName="small", ChangeSetName="two", ChangeSetType="CREATE", TemplateBody=LOG)
    cfn.execute_change_set(ChangeSetName=first["Id"])
    why = f"ChangeSet [{second['Id']}] cannot be executed in its current execution status of [OBSOLETE]"
    assert error_of(cfn.execute_change_set, ChangeSetName=second["Id"]) == (400, "InvalidChangeSetStatus", why)
    assert statuses(cfn, "small") == ["small REVIEW_IN_PROGRESS", "small CREATE_IN_PROGRESS", "small CREATE_COMPLETE"]


def test_create_stack_for_a_live_name_says_so_as_aws_does(cfn):
    new_stack(cfn)
    assert error_of(cfn.create_stack, StackName="small", TemplateBody=LOG) == (
        400, "AlreadyExistsException", "Stack [small] already exists")  # fmt: skip


@pytest.mark.parametrize("empty", [False, True], ids=["executed", "empty"])
def test_only_an_available_change_set_runs(cfn, empty):
    new_stack(cfn)
    template = SMALL if empty else BIGGER
    created = cfn.create_change_set(StackName="small", ChangeSetName="next", TemplateBody=template,
                                    ChangeSetType="UPDATE")  # fmt: skip
    if not empty:
        cfn.execute_change_set(ChangeSetName=created["Id"])
    before = statuses(cfn, "small")
    status = "UNAVAILABLE" if empty else "EXECUTE_COMPLETE"
    answer = error_of(cfn.execute_change_set, StackName="small", ChangeSetName="next")
    why = f"ChangeSet [{created['Id']}] cannot be executed in its current execution status of [{status}]"
    assert answer == (400, "InvalidChangeSetStatus", why)
    assert statuses(cfn, "small") == before


def test_a_resource_that_fails_to_create_rolls_the_stack_back(cfn):
    boto3.client("kinesis", region_name=REGION).create_stream(StreamName="small-stream", ShardCount=1)
    created = cfn.create_change_set(StackName="small", ChangeSetName="first", ChangeSetType="CREATE",
                                    TemplateBody=BIGGER)  # fmt: skip
    cfn.execute_change_set(ChangeSetName=created["Id"])  # accepted: the failure shows in the stack, as on AWS
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName="small")["StackEvents"]
    assert [(e["LogicalResourceId"], e["ResourceType"], e["ResourceStatus"]) for e in events[:3]] == [
        ("small", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE"),
        ("small", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS"),
        ("Stream", "AWS::Kinesis::Stream", "CREATE_FAILED"),
    ]
    assert "ResourceInUseException" in events[2]["ResourceStatusReason"]
    assert cfn.describe_stack_resources(StackName="small")["StackResources"] == []
    change_set = cfn.describe_change_set(ChangeSetName=created["Id"])
    assert change_set["ExecutionStatus"] == "EXECUTE_FAILED"
    assert boto3.client("logs", region_name=REGION).describe_log_groups()["logGroups"] == []  # rolled back


def test_a_resource_that_fails_to_update_leaves_the_rollback_failed(cfn):
    new_stack(cfn, template=LOG)
    boto3.client("kinesis", region_name=REGION).create_stream(StreamName="small-stream", ShardCount=1)
    cfn.create_change_set(StackName="small", ChangeSetName="next", TemplateBody=BIGGER, ChangeSetType="UPDATE")
    cfn.execute_change_set(StackName="small", ChangeSetName="next")
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    resources = cfn.describe_stack_resources(StackName="small")["StackResources"]  # reading creates nothing
    assert [r["LogicalResourceId"] for r in resources] == ["Log"]
    cfn.continue_update_rollback(StackName="small", ResourcesToSkip=["Stream"])
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"


# --- stacks: outputs, termination protection, ContinueUpdateRollback ---------------------------------------------


def test_each_output_has_its_own_export_name_and_cfn_keys_describe(cfn):
    new_stack(cfn, STACK, DEV)
    outputs = {o["OutputKey"]: o for o in cfn.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]}
    assert outputs["AuroraClusterPort"]["OutputValue"] == NOT_EMULATED
    assert outputs["AuroraClusterPort"]["ExportName"] == f"{STACK}-AuroraClusterPort"
    assert outputs["VpcId"]["ExportName"] == f"{STACK}-VpcId"
    kms = boto3.client("kms", region_name=REGION)
    key = kms.describe_key(KeyId=outputs["KinesisKmsKeyId"]["OutputValue"])["KeyMetadata"]
    assert key["KeyState"] == "Enabled"
    assert json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])["Statement"]


@pytest.mark.parametrize("email, topics", [("", 0), ("ops@example.com", 1)])
def test_a_template_with_conditions_deploys_what_its_conditions_allow(cfn, email, topics):
    """The emulator's own GetAtt check broke every template with Conditions (moto resolves a condition
    against a plain dict): the fleet template's, for one."""
    template = {"Parameters": {"Email": {"Type": "String", "Default": ""}},
                "Conditions": {"EmailGiven": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]}},
                "Resources": {**json.loads(LOG)["Resources"],
                              "Topic": {"Type": "AWS::SNS::Topic", "Condition": "EmailGiven"}}}  # fmt: skip
    created = cfn.create_change_set(StackName="conditional", ChangeSetName="first", ChangeSetType="CREATE",
                                    TemplateBody=json.dumps(template),
                                    Parameters=[{"ParameterKey": "Email", "ParameterValue": email}])  # fmt: skip
    cfn.execute_change_set(ChangeSetName=created["Id"])
    assert cfn.describe_stacks(StackName="conditional")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert len(boto3.client("sns", region_name=REGION).list_topics()["Topics"]) == topics


def test_create_stack_with_termination_protection(cfn):
    cfn.create_stack(StackName="guarded", TemplateBody=LOG, EnableTerminationProtection=True)
    assert cfn.describe_stacks(StackName="guarded")["Stacks"][0]["EnableTerminationProtection"] is True
    assert error_of(cfn.delete_stack, StackName="guarded")[1] == "ValidationError"


def test_termination_protection_is_kept_shown_and_enforced(cfn):
    stack_id = new_stack(cfn)
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["EnableTerminationProtection"] is False
    answer = cfn.update_termination_protection(StackName="small", EnableTerminationProtection=True)
    assert answer["StackId"] == stack_id
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["EnableTerminationProtection"] is True
    refused = error_of(cfn.delete_stack, StackName=stack_id)
    assert refused == (400, "ValidationError", "Stack [small] cannot be deleted while TerminationProtection is enabled")
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"

    cfn.update_termination_protection(StackName="small", EnableTerminationProtection=False)
    cfn.delete_stack(StackName="small")
    assert stacks_named(cfn, "small")[0]["StackStatus"] == "DELETE_COMPLETE"
    missing = error_of(cfn.update_termination_protection, StackName="nosuch", EnableTerminationProtection=True)
    assert missing == (400, "ValidationError", "Stack with id nosuch does not exist")


def test_continue_update_rollback_only_from_update_rollback_failed(cfn):
    new_stack(cfn)
    answer = error_of(cfn.continue_update_rollback, StackName="small")
    assert answer == (400, "ValidationError", "ContinueUpdateRollback cannot be called from current stack status")


def test_continue_update_rollback_skips_what_failed_and_completes(cfn):
    new_stack(cfn)
    fail_rollback("small", failed=["Stream"])
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    wrong = error_of(cfn.continue_update_rollback, StackName="small", ResourcesToSkip=["Log"])
    assert wrong[:2] == (400, "ValidationError") and "[Log] cannot be skipped" in wrong[2]
    before = len(statuses(cfn, "small"))

    cfn.continue_update_rollback(StackName="small", ResourcesToSkip=["Stream"])
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert statuses(cfn, "small")[before:] == [
        "small UPDATE_ROLLBACK_IN_PROGRESS",
        "Stream UPDATE_COMPLETE",
        "small UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
        "small UPDATE_ROLLBACK_COMPLETE",
    ]
    # and the stack takes updates again
    cfn.create_change_set(StackName="small", ChangeSetName="next", TemplateBody=BIGGER, ChangeSetType="UPDATE")


def test_a_rollback_that_fails_until_skipped(cfn):
    new_stack(cfn)
    fail_rollback("small", failed=["Stream"], until_skipped=True)
    cfn.continue_update_rollback(StackName="small")
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    cfn.continue_update_rollback(StackName="small", ResourcesToSkip=["Stream"])
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"


def test_fail_rollback_refuses_a_stack_an_update_could_not_fail_on(cfn):
    cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE", TemplateBody=SMALL)
    with pytest.raises(ValueError, match=r"stack small in the regions in use \(sa-east-1\) is REVIEW_IN_PROGRESS"):
        fail_rollback("small")
    with pytest.raises(ValueError, match="stack nosuch in eu-west-1 is there 0 times"):
        fail_rollback("nosuch", region="eu-west-1")


# --- tokens -------------------------------------------------------------------------------------------------------


def test_a_repeated_client_token_answers_the_same_change_set(cfn):
    asked = {"StackName": "small", "ChangeSetName": "one", "ChangeSetType": "CREATE", "TemplateBody": SMALL,
             "ClientToken": "run-1-create"}  # fmt: skip
    first = cfn.create_change_set(**asked)
    again = cfn.create_change_set(**asked)
    assert (again["Id"], again["StackId"]) == (first["Id"], first["StackId"])
    assert len(cfn.list_change_sets(StackName="small")["Summaries"]) == 1
    assert len(stacks_named(cfn, "small")) == 1

    other = error_of(cfn.create_change_set, **{**asked, "ClientToken": "run-2-create"})
    why = "ChangeSet one cannot be created due to a mismatch with existing attribute ClientToken"
    assert other == (400, "AlreadyExistsException", why)
    with ignoring_tokens():
        ignored = error_of(cfn.create_change_set, **asked)
    assert ignored == (400, "AlreadyExistsException", "ChangeSet [one] already exists")


def test_a_repeated_execution_does_nothing_more_and_its_events_carry_the_token(cfn):
    created = cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE",
                                    TemplateBody=SMALL)  # fmt: skip
    cfn.execute_change_set(ChangeSetName=created["Id"], ClientRequestToken="run-1-execute")
    events = cfn.describe_stack_events(StackName="small")["StackEvents"][::-1]
    assert [(e["ResourceStatus"], e.get("ClientRequestToken")) for e in events] == [
        ("REVIEW_IN_PROGRESS", None),
        ("CREATE_IN_PROGRESS", "run-1-execute"),
        ("CREATE_COMPLETE", "run-1-execute"),
    ]
    cfn.execute_change_set(ChangeSetName=created["Id"], ClientRequestToken="run-1-execute")
    assert len(statuses(cfn, "small")) == 3

    with ignoring_tokens():
        answer = error_of(cfn.execute_change_set, ChangeSetName=created["Id"], ClientRequestToken="run-1-execute")
    assert answer[1] == "InvalidChangeSetStatus"


def test_events_carry_no_token_when_tokens_are_ignored(cfn):
    created = cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE",
                                    TemplateBody=SMALL)  # fmt: skip
    with ignoring_tokens():
        cfn.execute_change_set(ChangeSetName=created["Id"], ClientRequestToken="run-1-execute")
    events = cfn.describe_stack_events(StackName="small")["StackEvents"]
    assert [e.get("ClientRequestToken") for e in events] == [None, None, None]


def test_a_repeated_delete_does_nothing_more(cfn):
    stack_id = new_stack(cfn)
    cfn.delete_stack(StackName="small", ClientRequestToken="run-1-delete")
    events = cfn.describe_stack_events(StackName=stack_id)["StackEvents"]
    assert [e.get("ClientRequestToken") for e in events[:2]] == ["run-1-delete", "run-1-delete"]
    cfn.delete_stack(StackName="small", ClientRequestToken="run-1-delete")
    assert cfn.describe_stack_events(StackName=stack_id)["StackEvents"] == events


def test_a_repeated_continue_update_rollback_does_nothing_more(cfn):
    new_stack(cfn)
    fail_rollback("small")
    cfn.continue_update_rollback(StackName="small", ClientRequestToken="run-1-recover")
    after = statuses(cfn, "small")
    cfn.continue_update_rollback(StackName="small", ClientRequestToken="run-1-recover")
    assert statuses(cfn, "small") == after
    with ignoring_tokens():
        assert error_of(cfn.continue_update_rollback, StackName="small", ClientRequestToken="run-1-recover")[1] == (
            "ValidationError"
        )


def test_a_token_used_for_another_request_is_refused(cfn):
    created = cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE",
                                    TemplateBody=SMALL)  # fmt: skip
    cfn.execute_change_set(ChangeSetName=created["Id"], ClientRequestToken="run-1")
    answer = error_of(cfn.delete_stack, StackName="small", ClientRequestToken="run-1")
    assert answer[:2] == (400, "TokenAlreadyExistsException")
    assert cfn.describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize("token", ["-leading-dash", "under_score", "x" * 129], ids=["dash", "underscore", "long"])
def test_a_malformed_request_token_is_refused(cfn, token):
    new_stack(cfn)
    status, code, message = error_of(cfn.delete_stack, StackName="small", ClientRequestToken=token)
    assert (status, code) == (400, "ValidationError")
    assert "at 'clientRequestToken' failed to satisfy constraint" in message


# --- through the CLI: the operations that answered 500 ------------------------------------------------------------


def test_recover_through_the_cli(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    fail_rollback(STACK, failed=["SensorDataStream"])
    result = run("recover", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "UPDATE_ROLLBACK_COMPLETE" in result.output
    assert cloudformation().describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"


# --- the proxy ----------------------------------------------------------------------------------------------------


def test_a_lost_answer_is_a_closed_connection_after_the_emulator_acted(aws, no_backoff):
    with faulty(aws) as proxy:
        proxy.lose_answer("CreateChangeSet")
        with pytest.raises(ConnectionClosedError, match="Connection was closed before we received a valid response"):
            cloudformation(proxy.endpoint, attempts=1).create_change_set(
                StackName="small", ChangeSetName="one", ChangeSetType="CREATE", TemplateBody=SMALL
            )
        assert proxy.calls == ["CreateChangeSet"]
        assert proxy.unused() == []
    assert [s["StackStatus"] for s in stacks_named(cloudformation(), "small")] == ["REVIEW_IN_PROGRESS"]


def test_a_lost_answer_is_retried_and_the_token_makes_the_retry_harmless(aws, no_backoff):
    with faulty(aws) as proxy:
        cfn = cloudformation(proxy.endpoint, attempts=3)
        proxy.lose_answer("CreateChangeSet")
        created = cfn.create_change_set(StackName="small", ChangeSetName="one", ChangeSetType="CREATE",
                                        TemplateBody=SMALL, ClientToken="run-1-create")  # fmt: skip
        proxy.lose_answer("ExecuteChangeSet")
        cfn.execute_change_set(ChangeSetName=created["Id"], ClientRequestToken="run-1-execute")
        assert proxy.calls == ["CreateChangeSet", "CreateChangeSet", "ExecuteChangeSet", "ExecuteChangeSet"]
    assert len(cloudformation().list_change_sets(StackName="small")["Summaries"]) == 1
    assert statuses(cloudformation(), "small") == ["small REVIEW_IN_PROGRESS", "small CREATE_IN_PROGRESS",
                                                   "small CREATE_COMPLETE"]  # fmt: skip


def test_a_lost_answer_retried_where_tokens_are_ignored_is_what_aws_answers_a_blind_retry(aws, no_backoff):
    with faulty(aws) as proxy, ignoring_tokens():
        cfn = cloudformation(proxy.endpoint, attempts=2)
        proxy.lose_answer("CreateChangeSet")
        assert error_of(cfn.create_change_set, StackName="small", ChangeSetName="one", ChangeSetType="CREATE",
                        TemplateBody=SMALL, ClientToken="run-1-create")[1] == "AlreadyExistsException"  # fmt: skip
        proxy.lose_answer("ExecuteChangeSet")
        assert error_of(cfn.execute_change_set, StackName="small", ChangeSetName="one",
                        ClientRequestToken="run-1-execute")[1] == "InvalidChangeSetStatus"  # fmt: skip
    assert cloudformation().describe_stacks(StackName="small")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


@pytest.mark.parametrize(
    "fault,expected",
    [
        (("answer_error", "DescribeStacks", 400, "Throttling", "Rate exceeded"), (400, "Throttling", "Rate exceeded")),
        (("answer_status", "DescribeStacks", 503), (503, "503", "Service Unavailable")),
    ],
    ids=["throttling", "503"],
)
def test_an_error_answer_is_raw_with_one_attempt_and_absorbed_by_retries(aws, no_backoff, fault, expected):
    new_stack(cloudformation())
    with faulty(aws) as proxy:
        method, *args = fault
        getattr(proxy, method)(*args, times=2)
        assert error_of(cloudformation(proxy.endpoint, attempts=1).describe_stacks, StackName="small") == expected
        stacks = cloudformation(proxy.endpoint, attempts=3).describe_stacks(StackName="small")["Stacks"]
        assert stacks[0]["StackName"] == "small"
        assert proxy.calls == ["DescribeStacks"] * 3
        assert proxy.unused() == []


def test_after_die_after_the_emulator_acted_and_nothing_answers_again(aws, no_backoff):
    new_stack(cloudformation())
    with faulty(aws) as proxy:
        cfn = cloudformation(proxy.endpoint, attempts=1)
        proxy.die_after("DeleteStack")
        with pytest.raises(ConnectionClosedError):
            cfn.delete_stack(StackName="small")
        with pytest.raises(ConnectionClosedError):
            cfn.describe_stacks(StackName="small")
        assert proxy.calls == ["DeleteStack", "DescribeStacks"]
    assert [s["StackStatus"] for s in stacks_named(cloudformation(), "small")] == ["DELETE_COMPLETE"]  # it acted


def test_a_page_is_answered_as_a_web_server_would(aws):
    with faulty(aws) as proxy:
        proxy.answer_status("DescribeStacks", 502, body=b"<html><body>Bad gateway</body></html>")
        answer = urllib.request.Request(f"{proxy.endpoint}/?Action=DescribeStacks", method="GET")
        with pytest.raises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(answer)
        assert raised.value.code == 502 and raised.value.read() == b"<html><body>Bad gateway</body></html>"
        assert raised.value.headers["Content-Type"] == "text/html"


def test_error_answers_in_each_protocol(aws):
    with faulty(aws) as proxy:
        proxy.answer_error("ListStreams", code="LimitExceededException", message="slow down")
        proxy.answer_error("PUT /bucket/*", 503, code="SlowDown", message="Please reduce your request rate.")
        proxy.answer_error("GetCallerIdentity", 403, code="ExpiredToken", message="expired")
        client = {"region_name": REGION, "endpoint_url": proxy.endpoint,
                  "config": Config(retries={"total_max_attempts": 1})}  # fmt: skip
        assert error_of(boto3.client("kinesis", **client).list_streams) == (400, "LimitExceededException", "slow down")
        assert error_of(boto3.client("s3", **client).put_object, Bucket="bucket", Key="a/b", Body=b"x") == (
            503, "SlowDown", "Please reduce your request rate.")  # fmt: skip
        assert error_of(boto3.client("sts", **client).get_caller_identity) == (403, "ExpiredToken", "expired")


def test_a_delay_holds_the_answer_back(aws, no_backoff):
    with faulty(aws) as proxy:
        proxy.delay("DescribeStacks", 0.2)
        started = time.monotonic()
        cloudformation(proxy.endpoint).describe_stacks()
        assert time.monotonic() - started >= 0.2

        proxy.delay("DescribeStacks", 0.3)
        with pytest.raises(ReadTimeoutError):
            cloudformation(proxy.endpoint, attempts=1, read_timeout=0.1).describe_stacks()
        proxy.delay("DescribeStacks", 0.3)
        cloudformation(proxy.endpoint, attempts=2, read_timeout=0.1).describe_stacks()  # the retry is on time
        assert proxy.calls == ["DescribeStacks"] * 4


def test_calls_name_every_protocol_and_one_connection_carries_them(aws, monkeypatch):
    with proxied(aws, monkeypatch) as proxy:
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="templates", CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket="templates", Key="iotstack/dev.json", Body=io.BytesIO(DEV.encode()))  # Expect: 100
        assert s3.get_object(Bucket="templates", Key="iotstack/dev.json")["Body"].read() == DEV.encode()
        assert s3.head_object(Bucket="templates", Key="iotstack/dev.json")["ContentLength"] == len(DEV.encode())
        assert boto3.client("sts", region_name=REGION).get_caller_identity()["Account"] == "123456789012"
        boto3.client("kinesis", region_name=REGION).list_streams()
        cfn = cloudformation()
        for _ in range(3):
            cfn.describe_stacks()
        assert proxy.calls == [
            "PUT /templates",
            "PUT /templates/iotstack/dev.json",
            "GET /templates/iotstack/dev.json",
            "HEAD /templates/iotstack/dev.json",
            "GetCallerIdentity",
            "ListStreams",
            "DescribeStacks",
            "DescribeStacks",
            "DescribeStacks",
        ]
        assert proxy.connections == 4  # one per client: keep-alive carries the rest


class Recorder(http.server.BaseHTTPRequestHandler):
    """An upstream that answers every request with what it received."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = json.dumps({"headers": dict(self.headers.items()), "body": body.decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")  # the proxy answers with a length instead
        self.end_headers()
        self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(answer), answer))

    def log_message(self, *args):
        pass


def test_the_proxy_passes_headers_and_bodies_through(tmp_path):
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=upstream.serve_forever, args=(0.05,), daemon=True).start()
    try:
        with faulty(f"http://127.0.0.1:{upstream.server_address[1]}") as proxy:
            connection = http.client.HTTPConnection("127.0.0.1", int(proxy.endpoint.rsplit(":", 1)[1]))
            body = "Action=DescribeStacks&Version=2010-05-15"
            headers = {"Host": "signed.example:1234", "Authorization": "AWS4-HMAC-SHA256 Credential=x",
                       "X-Amz-Date": "20250101T000000Z", "Content-Type": "application/x-www-form-urlencoded",
                       "Transfer-Encoding": "chunked"}  # fmt: skip
            chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:10].encode(), body[10:].encode()))
            connection.request("POST", "/", body=chunked + b"0\r\n\r\n", headers=headers)
            answer = connection.getresponse()
            seen = json.loads(answer.read())
            assert answer.getheader("Transfer-Encoding") is None and answer.getheader("Content-Length")
            del headers["Transfer-Encoding"]
            connection.request("POST", "/", body=body, headers=headers)
            again = json.loads(connection.getresponse().read())  # the same connection, kept alive
            connection.close()
        assert seen["body"] == again["body"] == body
        for name in ("Host", "Authorization", "X-Amz-Date"):
            assert seen["headers"][name] == headers[name]
        assert "Transfer-Encoding" not in seen["headers"]
        assert proxy.calls == ["DescribeStacks", "DescribeStacks"]
        assert proxy.connections == 1
    finally:
        upstream.shutdown()
        upstream.server_close()


def test_the_proxy_forwards_only_to_loopback():
    with pytest.raises(ValueError, match=r"only to http://127\.0\.0\.1:PORT"):
        faulty("http://example.com:80").__enter__()


def test_the_types_the_emulator_makes_nothing_for_are_named():
    template = {"Resources": {"Db": {"Type": "AWS::RDS::DBCluster"}, "Stream": {"Type": "AWS::Kinesis::Stream"},
                              "Alarm": {"Type": "AWS::CloudWatch::Alarm"}}}  # fmt: skip
    assert not_created(template, {"Resources": {}}) == ["AWS::CloudWatch::Alarm", "AWS::RDS::DBCluster"]
