"""What the emulator cannot show, with botocore's Stubber: every request and response is checked
against the real CloudFormation model. Replacements and the stateful guard, the stack policy lifted
and restored, failed resources and their root cause, stuck stacks, protection on destroy.
"""

import json
from pathlib import Path

import pytest
from botocore.stub import ANY
from click.testing import CliRunner

from generator import cfn as facts
from generator.cli import main
from generator.deploy.changes import stack_policy
from generator.review.gate import sha as facts_sha
from tests.support.stubs import REPLACE_CLUSTER, Script, change, stubbed


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def cfn(monkeypatch, project):
    """A Stubber on the CloudFormation client the CLI will use (its S3 client is never called).

    prod's template (about 110 kB) would go through S3; these tests are about CloudFormation, so it
    is sent inline here (test_deploy.py covers the bucket).
    """
    monkeypatch.setattr(facts, "INLINE_TEMPLATE_LIMIT", 200_000)
    with stubbed(monkeypatch) as stub:
        yield stub
        stub.assert_no_pending_responses()


# --- conversations ----------------------------------------------------------------------------


def test_the_guard_refuses_a_replacement_with_exit_3_and_deletes_the_change_set(cfn):
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE")
    script.change_set([REPLACE_CLUSTER])
    script.deployed()
    script.call("delete_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": ANY})
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 3
    assert "Modify  AuroraCluster  AWS::RDS::DBCluster  True         -       Properties.DBClusterIdentifier" in (
        result.output
    )
    assert (
        "AuroraCluster (AWS::RDS::DBCluster) would be replaced: the change set says Replacement: True" in result.output
    )
    assert "deploy again with --allow-replace AuroraCluster" in result.output
    assert "Cleaned up: change set iotstack-0-1-0-" in result.output


def test_the_second_eye_refuses_what_the_change_set_does_not_call_a_replacement(cfn):
    """The stack runs a cluster of another name: iotstack's plan says DBClusterIdentifier is create-only,
    although the change set (as an emulator's would) says only Modify."""
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE")
    script.change_set([change("Modify", "AuroraCluster", "AWS::RDS::DBCluster", paths=["DBClusterIdentifier"])])
    deployed = json.loads(Path("templates/dev.json").read_text())
    deployed["Resources"]["AuroraCluster"]["Properties"]["DBClusterIdentifier"] = "aurora-cluster-old"
    script.deployed(deployed)
    script.call("delete_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": ANY})
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 3, result.output
    assert ("AuroraCluster (AWS::RDS::DBCluster) would be replaced: iotstack's plan predicts it "
            "(DBClusterIdentifier create-only)") in result.output  # fmt: skip
    assert "--allow-replace AuroraCluster" in result.output


def test_an_allowed_replacement_lifts_the_stack_policy_and_restores_it_when_the_deploy_fails(cfn):
    script = Script(cfn, "iot-platform-prod")
    script.stack("UPDATE_COMPLETE", EnableTerminationProtection=True)
    script.change_set([REPLACE_CLUSTER])
    script.deployed()
    script.stack("UPDATE_COMPLETE", by_id=True)
    script.call("set_stack_policy", {"StackName": script.id, "StackPolicyBody": stack_policy(allow=["AuroraCluster"])})
    script.event("iot-platform-prod", "UPDATE_COMPLETE")
    script.events_page()
    script.call("execute_change_set", {"StackName": "iot-platform-prod", "ChangeSetName": "cs-1"})
    script.event("iot-platform-prod", "UPDATE_IN_PROGRESS", "User Initiated")
    script.event("AuroraCluster", "UPDATE_FAILED", "DBClusterIdentifier aurora-cluster-prod already exists")
    script.event("SensorDataStream", "UPDATE_FAILED", "Resource update cancelled", "AWS::Kinesis::Stream")
    script.event("iot-platform-prod", "UPDATE_ROLLBACK_COMPLETE")
    script.stack("UPDATE_ROLLBACK_COMPLETE", by_id=True)
    script.events_page()
    script.call("set_stack_policy", {"StackName": script.id, "StackPolicyBody": stack_policy()})
    result = run("deploy", "--env", "prod", "--yes", "--allow-replace", "AuroraCluster")
    assert result.exit_code == 1
    assert "Stack policy lifted for this deploy only: AuroraCluster" in result.output
    assert "Stack policy restored" in result.output
    assert "deploy of stack iot-platform-prod failed; the stack is UPDATE_ROLLBACK_COMPLETE" in result.output
    assert "AuroraCluster (AWS::RDS::DBCluster) UPDATE_FAILED: DBClusterIdentifier aurora-cluster-prod" in result.output
    assert "SensorDataStream (AWS::Kinesis::Stream) UPDATE_FAILED" not in result.output  # the cascade
    assert "next: the update was rolled back and the stack runs its previous template" in result.output


def test_a_failed_creation_names_the_root_cause_and_the_way_out(cfn):
    script = Script(cfn, "iot-platform-dev")
    script.missing()
    script.change_set([change("Add", "AuroraCluster", "AWS::RDS::DBCluster")], change_set_type="CREATE")
    script.stack("REVIEW_IN_PROGRESS", by_id=True)
    script.event("iot-platform-dev", "REVIEW_IN_PROGRESS", "User Initiated")
    script.events_page()
    script.call("execute_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": "cs-1"})
    script.event("iot-platform-dev", "CREATE_IN_PROGRESS", "User Initiated")
    script.event("AuroraCluster", "CREATE_FAILED", "Cannot find version 15.10 for aurora-postgresql")
    script.event("iot-platform-dev", "ROLLBACK_COMPLETE")
    script.stack("ROLLBACK_COMPLETE", by_id=True)
    script.events_page()
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 1
    assert "CREATE_FAILED                AuroraCluster" in result.output  # the event line, as it happened
    assert "AuroraCluster (AWS::RDS::DBCluster) CREATE_FAILED: Cannot find version 15.10" in result.output
    assert "iotstack deploy --env dev --replace-failed-stack` deletes it and creates it again" in result.output


def test_a_rolled_back_creation_is_replaced_only_when_asked(cfn):
    script = Script(cfn, "iot-platform-dev")
    script.stack("ROLLBACK_COMPLETE")
    refused = run("deploy", "--env", "dev", "--yes")
    assert refused.exit_code == 1
    assert "is ROLLBACK_COMPLETE: its creation failed and CloudFormation cannot update it" in refused.output

    script.stack("ROLLBACK_COMPLETE")
    script.event("iot-platform-dev", "ROLLBACK_COMPLETE")
    script.events_page()
    script.call("delete_stack", {"StackName": script.id})
    script.event("iot-platform-dev", "DELETE_COMPLETE")
    script.stack("DELETE_COMPLETE", by_id=True)
    script.events_page()
    script.change_set([change("Add", "SensorDataStream", "AWS::Kinesis::Stream")], change_set_type="CREATE")
    script.stack("REVIEW_IN_PROGRESS", by_id=True)
    script.events_page()
    script.call("execute_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": "cs-1"})
    script.event("SensorDataStream", "CREATE_COMPLETE", resource_type="AWS::Kinesis::Stream")
    script.event("iot-platform-dev", "CREATE_COMPLETE")
    script.stack("CREATE_COMPLETE", by_id=True)
    script.events_page()
    outputs = [{"OutputKey": "KinesisStreamName", "OutputValue": "sensor-data-stream-dev"}]
    script.stack("CREATE_COMPLETE", by_id=True, Outputs=outputs)  # the outputs, written first
    script.call("get_stack_policy", {"StackName": script.id})  # dev asks for no protection: nothing to change
    script.stack("CREATE_COMPLETE", by_id=True, Outputs=outputs)
    result = run("deploy", "--env", "dev", "--yes", "--replace-failed-stack")
    assert result.exit_code == 0, result.output
    assert "[1/1, " in result.output
    assert json.loads(Path("outputs/dev.json").read_text()) == {"KinesisStreamName": "sensor-data-stream-dev"}


def test_a_new_prod_stack_gets_termination_protection_and_its_stack_policy(cfn):
    script = Script(cfn, "iot-platform-prod")
    script.missing()
    script.change_set([change("Add", "SensorDataStream", "AWS::Kinesis::Stream")], change_set_type="CREATE")
    script.stack("REVIEW_IN_PROGRESS", by_id=True)
    script.events_page()
    script.call("execute_change_set", {"StackName": "iot-platform-prod", "ChangeSetName": "cs-1"})
    script.event("iot-platform-prod", "CREATE_COMPLETE")
    script.stack("CREATE_COMPLETE", by_id=True)
    script.events_page()
    script.stack("CREATE_COMPLETE", by_id=True, EnableTerminationProtection=False)
    script.call("update_termination_protection", {"StackName": script.id, "EnableTerminationProtection": True},
                {"StackId": script.id})  # fmt: skip
    script.call("get_stack_policy", {"StackName": script.id})
    script.call("set_stack_policy", {"StackName": script.id, "StackPolicyBody": stack_policy()})
    script.stack("CREATE_COMPLETE", by_id=True, EnableTerminationProtection=True)
    result = run("deploy", "--env", "prod", "--yes")
    assert result.exit_code == 0, result.output
    assert "Stack iot-platform-prod is CREATE_COMPLETE." in result.output


def test_a_stuck_rollback_is_refused_then_recovered(cfn):
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_ROLLBACK_FAILED")
    refused = run("deploy", "--env", "dev", "--yes")
    assert refused.exit_code == 1
    assert "is UPDATE_ROLLBACK_FAILED and cannot be updated: `iotstack recover --env dev`" in refused.output

    script.stack("UPDATE_ROLLBACK_FAILED")
    script.event("iot-platform-dev", "UPDATE_ROLLBACK_FAILED")
    script.events_page()
    script.call("continue_update_rollback", {"StackName": script.id, "ResourcesToSkip": ["RedisReplicationGroup"]})
    script.event("iot-platform-dev", "UPDATE_ROLLBACK_COMPLETE")
    script.stack("UPDATE_ROLLBACK_COMPLETE", by_id=True)
    script.events_page()
    result = run("recover", "--env", "dev", "--skip", "RedisReplicationGroup")
    assert result.exit_code == 0, result.output
    assert "rolled back to its last working template (UPDATE_ROLLBACK_COMPLETE)" in result.output


@pytest.mark.parametrize("protection", ["termination", "deletion"])
def test_destroy_is_refused_while_protection_is_on(cfn, protection):
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE", EnableTerminationProtection=protection == "termination")
    if protection == "deletion":
        template = {"Resources": {"AuroraCluster": {"Type": "AWS::RDS::DBCluster",
                                                    "Properties": {"DeletionProtection": True}}}}  # fmt: skip
        script.call("get_template", {"StackName": script.id}, {"TemplateBody": json.dumps(template)})
    result = run("destroy", "--env", "dev", "--yes")
    assert result.exit_code == 1
    expected = {
        "termination": "has termination protection on: set deploy.termination_protection = false in dev.toml",
        "deletion": "AuroraCluster of stack iot-platform-dev has deletion protection on",
    }[protection]
    assert expected in result.output


def test_with_nothing_to_deploy_protection_still_follows_the_environment_file(cfn):
    """dev.toml turns termination protection off: a deploy without template changes applies that."""
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE", EnableTerminationProtection=True)
    script.stub.add_response("create_change_set", {"Id": "arn:cs", "StackId": script.id}, None)
    script.stub.add_response("describe_change_set", {
        "ChangeSetName": "cs-1", "StackId": script.id, "Status": "FAILED", "Changes": [],
        "StatusReason": "No updates are to be performed.",
    }, None)  # fmt: skip
    script.call("delete_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": ANY})
    script.stack("UPDATE_COMPLETE", by_id=True, EnableTerminationProtection=True)
    script.call("update_termination_protection", {"StackName": script.id, "EnableTerminationProtection": False},
                {"StackId": script.id})  # fmt: skip
    script.call("get_stack_policy", {"StackName": script.id})
    script.stack("UPDATE_COMPLETE", by_id=True)
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert "No changes: stack iot-platform-dev already runs templates/dev.json" in result.output


def test_a_failed_change_set_for_a_new_stack_leaves_nothing_behind(cfn):
    script = Script(cfn, "iot-platform-dev")
    script.missing()
    script.stub.add_response("create_change_set", {"Id": "arn:cs", "StackId": script.id}, None)
    script.stub.add_response("describe_change_set", {
        "ChangeSetName": "cs-1", "StackId": script.id, "Status": "FAILED", "Changes": [],
        "StatusReason": "Requires capabilities : [CAPABILITY_NAMED_IAM]",
    }, None)  # fmt: skip
    script.stack("REVIEW_IN_PROGRESS", by_id=True)  # still the empty stack this run made
    script.call("delete_stack", {"StackName": script.id})  # the empty stack in review, change set and all
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 1
    assert "failed: Requires capabilities : [CAPABILITY_NAMED_IAM]" in result.output
    assert "Cleaned up: the empty stack iot-platform-dev (REVIEW_IN_PROGRESS) and its change set" in result.output


def test_status_wait_follows_an_operation_to_its_end_then_reports(cfn):
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_IN_PROGRESS")
    script.event("iot-platform-dev", "UPDATE_IN_PROGRESS", "User Initiated")
    script.events_page()  # where the operation stands when iotstack starts following
    script.event("SensorDataStream", "UPDATE_COMPLETE", resource_type="AWS::Kinesis::Stream")
    script.event("iot-platform-dev", "UPDATE_COMPLETE")
    script.stack("UPDATE_IN_PROGRESS", by_id=True)
    script.events_page()
    script.stack("UPDATE_COMPLETE", by_id=True)
    script.events_page()
    script.stack("UPDATE_COMPLETE", by_id=True)  # the report, after the wait
    script.events_page()
    script.call("get_stack_policy", {"StackName": script.id}, {"StackPolicyBody": stack_policy()})
    result = run("status", "--env", "dev", "--wait", "--poll-seconds", "0")
    assert result.exit_code == 0, result.output
    assert "Stack iot-platform-dev is UPDATE_IN_PROGRESS; following it to the end" in result.output
    assert "UPDATE_COMPLETE              SensorDataStream" in result.output
    assert "status       UPDATE_COMPLETE" in result.output
    assert "stack policy denies replacing or deleting a stateful resource" in result.output


def test_a_deploy_keeps_what_others_attached_to_the_stack(cfn, project):
    """An operator's SNS wiring and tags survive a deploy (a change set's Tags replace them all); the
    file's notification_arns are added."""
    ours = "arn:aws:sns:sa-east-1:123456789012:iot-dev-stack-events"
    theirs = "arn:aws:sns:sa-east-1:123456789012:ops-pager"
    dev = project.environment_file("dev")
    dev.write_text(dev.read_text().replace("[deploy]", f'[deploy]\nnotification_arns = ["{ours}"]'))
    script = Script(cfn, "iot-platform-dev")
    tags = [{"Key": "team", "Value": "plant-ops"}, {"Key": "iotstack:version", "Value": "0.0.9"}]
    script.stack("UPDATE_COMPLETE", NotificationARNs=[theirs], Tags=tags)
    cfn.add_response("create_change_set", {"Id": "arn:cs", "StackId": script.id}, {
        "StackName": "iot-platform-dev", "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "Capabilities": ANY,
        "Description": ANY, "TemplateBody": ANY, "ClientToken": ANY, "NotificationARNs": [ours, theirs],
        "Tags": [{"Key": "iotstack:environment", "Value": "dev"}, {"Key": "iotstack:template-sha256", "Value": ANY},
                 {"Key": "iotstack:version", "Value": "0.1.0"}, {"Key": "team", "Value": "plant-ops"}],
    })  # fmt: skip
    script.failed_change_set("No updates are to be performed.")
    script.call("delete_change_set", {"StackName": "iot-platform-dev", "ChangeSetName": ANY})
    script.stack("UPDATE_COMPLETE", by_id=True)
    script.call("get_stack_policy", {"StackName": script.id})
    script.stack("UPDATE_COMPLETE", by_id=True)
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output


def test_a_stack_created_meanwhile_by_someone_else_is_never_deleted(cfn):
    """The stack did not exist when deploy looked; by CreateChangeSet it did (another deploy, racing):
    the CREATE fails, and the cleanup finds no change set of this run's, so it deletes nothing."""
    script = Script(cfn, "iot-platform-dev")
    script.missing()
    exists = "Stack [iot-platform-dev] already exists and cannot be created again with the changeSet"
    cfn.add_client_error("create_change_set", "ValidationError", exists)
    cfn.add_client_error("describe_change_set", "ChangeSetNotFound", "ChangeSet [x] does not exist",
                         http_status_code=404)  # fmt: skip
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 1, result.output
    assert "already exists" in result.output
    assert "Cleaned up: nothing to delete: this run created no change set." in result.output


LIFTED = stack_policy(allow=["AuroraCluster"])
POLICIES = {
    # case: (stack status, stack policy body, what status says)
    "iotstacks": ("UPDATE_COMPLETE", stack_policy(), "denies replacing or deleting a stateful resource"),
    "lifted-by-a-deploy-that-was-killed": ("UPDATE_COMPLETE", LIFTED,
                                           "LIFTED for AuroraCluster by a deploy that did not finish (killed before "
                                           "it could restore it): replacing them is allowed; `iotstack deploy --env "
                                           "dev` restores it"),
    "lifted-while-a-deploy-runs": ("UPDATE_IN_PROGRESS", LIFTED,
                                   "LIFTED for AuroraCluster while the operation in progress runs"),
    "someone-elses": ("UPDATE_COMPLETE", '{"Statement": []}', "set by someone else: not iotstack's"),
    "none": ("UPDATE_COMPLETE", None, "none: every update is allowed"),
}  # fmt: skip


@pytest.mark.parametrize("status, body, words", POLICIES.values(), ids=POLICIES)
def test_status_names_the_stack_policy_and_a_lifted_one_with_its_fix(cfn, status, body, words):
    script = Script(cfn, "iot-platform-dev")
    script.stack(status)
    script.events_page()
    script.call("get_stack_policy", {"StackName": script.id}, {"StackPolicyBody": body} if body else {})
    result = run("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert f"\nstack policy {words}" in result.output


def test_status_of_a_stale_template_that_is_deployed_says_it_is_stale(cfn, project):
    path = project.root / "templates" / "dev.json"
    path.write_text(path.read_text().replace("sensor-data-stream-dev", "sensor-data-stream-old"))
    deployed = facts_sha(path.read_text())
    script = Script(cfn, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE", Tags=[{"Key": "iotstack:template-sha256", "Value": deployed}])
    script.events_page()
    script.call("get_stack_policy", {"StackName": script.id})
    result = run("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert (f"template sha256 {deployed}: the same as templates/dev.json, which is not what the code generates "
            "now: `make template`, review and commit it") in result.output  # fmt: skip
