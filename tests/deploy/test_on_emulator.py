"""``iotstack deploy`` and friends end to end, through the CLI, against the local AWS emulator.

moto's server (started by the tests on 127.0.0.1) plays CloudFormation and S3. What it cannot show
(replacements, failed resources, stuck stacks, throttling) is in test_deploy_stubbed.py.
"""

import json
import re

import boto3
import pytest
from click.testing import CliRunner

from generator import cfn
from generator.cli import main
from generator.deploy.changes import OWNER_TAG, TEMPLATE_TAG, VERSION_TAG
from tests.support.emulator import NOT_EMULATED

STACK = "iot-platform-dev"
# dev.toml's [deploy] section with a bucket for large templates.
BIG = """removal_policy = "destroy"
[aurora]
deletion_protection = false
[deploy]
termination_protection = false
stack_policy = false
template_bucket = "iotstack-templates"
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def cloudformation():
    return boto3.client("cloudformation", region_name="sa-east-1")


def stack_of(name=STACK):
    return cloudformation().describe_stacks(StackName=name)["Stacks"][0]


def pending_change_sets(name=STACK):
    """Change sets not yet run (moto, unlike AWS, keeps the executed ones listed)."""
    summaries = cloudformation().list_change_sets(StackName=name)["Summaries"]
    return [s["ChangeSetName"] for s in summaries if s["ExecutionStatus"] != "EXECUTE_COMPLETE"]


def test_first_deploy_creates_the_stack_and_writes_its_outputs(aws, project):
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert re.search(r"Creating change set iotstack-0-1-0-[0-9a-f]{12}-\d{17} \(CREATE\)", result.output)
    assert re.search(r"^Add\s+AuroraCluster\s+AWS::RDS::DBCluster", result.output, re.M)
    assert "CREATE_COMPLETE" in result.output
    stack = stack_of()
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    tags = {t["Key"]: t["Value"] for t in stack["Tags"]}
    sha = re.search(r"sha256 ([0-9a-f]{12})", run("status", "--env", "dev").output)[1]
    assert tags == {VERSION_TAG: "0.1.0", TEMPLATE_TAG: sha, OWNER_TAG: "dev"}
    outputs = json.loads((project.root / "outputs" / "dev.json").read_text())
    assert outputs["KinesisStreamName"] == "sensor-data-stream-dev"
    assert outputs["VpcId"].startswith("vpc-")
    assert outputs["AuroraClusterEndpoint"] == NOT_EMULATED  # moto does not create Aurora clusters


def test_a_deploy_without_changes_is_success_and_leaves_no_change_set(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert "No changes: stack iot-platform-dev already runs templates/dev.json" in result.output
    assert pending_change_sets() == []


def test_an_update_shows_the_change_and_updates_the_deployed_hash(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    project.append("dev", "[kinesis]\nretention_hours = 48")
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert "(UPDATE)" in result.output
    assert re.search(r"^Modify\s+SensorDataStream\s+AWS::Kinesis::Stream", result.output, re.M)
    status = run("status", "--env", "dev")
    assert status.exit_code == 0
    assert "the same as templates/dev.json" in status.output
    assert "UPDATE_COMPLETE" in status.output


def test_no_execute_leaves_a_change_set_that_execute_runs(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    project.append("dev", "[kinesis]\nretention_hours = 72")
    left = run("deploy", "--env", "dev", "--no-execute")
    assert left.exit_code == 0, left.output
    name = re.search(r"iotstack execute --env dev --change-set (\S+)", left.output)[1]
    assert pending_change_sets() == [name]
    assert "differs from templates/dev.json" in run("status", "--env", "dev").output

    result = run("execute", "--env", "dev", "--change-set", name, "--yes")
    assert result.exit_code == 0, result.output
    assert stack_of()["StackStatus"] == "UPDATE_COMPLETE"
    assert "the same as templates/dev.json" in run("status", "--env", "dev").output


def test_execute_refuses_a_change_set_made_from_another_template(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    project.append("dev", "[kinesis]\nretention_hours = 72")
    name = re.search(r"--change-set (\S+)", run("deploy", "--env", "dev", "--no-execute").output)[1]
    project.append("dev", "[logs]\nretention_days = 14")  # the committed template moves on
    result = run("execute", "--env", "dev", "--change-set", name, "--yes")
    assert result.exit_code == 1
    assert f"change set {name} was made from template sha256" in result.output
    assert "make a new change set with `iotstack deploy`" in result.output
    assert stack_of()["StackStatus"] == "CREATE_COMPLETE"


def test_a_template_over_the_inline_limit_goes_through_the_bucket(aws, project, monkeypatch):
    monkeypatch.setattr(cfn, "INLINE_TEMPLATE_LIMIT", 10_000)  # dev's template is about 29 kB
    boto3.client("s3", region_name="sa-east-1").create_bucket(
        Bucket="iotstack-templates", CreateBucketConfiguration={"LocationConstraint": "sa-east-1"}
    )
    project.write("big", BIG)
    result = run("deploy", "--env", "big", "--yes")
    assert result.exit_code == 0, result.output
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="iotstack-templates")["Contents"]]
    assert len(keys) == 1 and re.fullmatch(r"iot-platform-big/[0-9a-f]{64}\.json", keys[0])
    assert stack_of("iot-platform-big")["StackStatus"] == "CREATE_COMPLETE"


def test_destroy_deletes_the_stack_and_its_outputs_file(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    result = run("destroy", "--env", "dev", "--yes")
    assert result.exit_code == 0, result.output
    assert "Stack iot-platform-dev deleted." in result.output
    assert not (project.root / "outputs" / "dev.json").exists()
    assert "does not exist in sa-east-1: not deployed" in run("status", "--env", "dev").output


def test_status_of_a_stack_never_deployed(aws, project):
    result = run("status", "--env", "dev")
    assert result.exit_code == 0
    assert result.output == "Stack iot-platform-dev does not exist in sa-east-1: not deployed.\n"


@pytest.mark.parametrize(
    "command",
    [["deploy", "--env", "dev"], ["destroy", "--env", "dev"]],
    ids=["deploy", "destroy"],
)
def test_without_a_terminal_and_without_yes_nothing_happens(aws, project, command):
    if command[0] == "destroy":
        assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    before = cloudformation().list_stacks()["StackSummaries"]
    result = run(*command)
    assert result.exit_code == 2
    assert "there is no terminal to ask on: pass --yes" in result.output
    assert cloudformation().list_stacks()["StackSummaries"] == before


def test_diff_deployed_compares_with_the_template_the_stack_runs(aws, project):
    assert run("diff", "--env", "dev", "--deployed").exit_code == 2  # not deployed: everything is added
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    same = run("diff", "--env", "dev", "--deployed")
    assert same.exit_code == 0, same.output
    assert "deployed stack iot-platform-dev (sa-east-1)" in same.output

    project.append("dev", "[kinesis]\nretention_hours = 48")
    drift = run("diff", "--env", "dev", "--deployed")
    assert drift.exit_code == 2, drift.output
    assert "SensorDataStream" in drift.output and "RetentionPeriodHours" in drift.output


def test_diff_takes_one_baseline(aws, project):
    result = run("diff", "--env", "dev", "--deployed", "--base", "HEAD")
    assert result.exit_code == 1
    assert "--base and --deployed are two different baselines: give one of them" in result.output


def test_execute_refuses_a_change_set_that_already_ran(aws, project):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    (summary,) = cloudformation().list_change_sets(StackName=STACK)["Summaries"]
    result = run("execute", "--env", "dev", "--change-set", summary["ChangeSetName"], "--yes")
    assert result.exit_code == 1
    assert "is EXECUTE_COMPLETE" in result.output and "only an AVAILABLE change set can run" in result.output


def rename_the_database(monkeypatch):
    """Rename the cluster and its instance in code (both: a replaced resource with an unchanged custom name
    cannot be created)."""
    from generator.stack import aurora

    original = aurora.name
    renamed = {"aurora-cluster": "aurora-db", "aurora-instance": "aurora-db-instance"}
    monkeypatch.setattr(aurora, "name", lambda env, kind: original(env, renamed.get(kind, kind)))


def test_renaming_the_database_is_refused_although_the_emulator_never_says_replacement(aws, project, monkeypatch):
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    before = cloudformation().get_template(StackName=STACK)["TemplateBody"]
    rename_the_database(monkeypatch)
    project.regenerate()
    refused = run("deploy", "--env", "dev", "--yes")
    assert refused.exit_code == 3, refused.output
    for logical_id in ("AuroraCluster", "AuroraInstance", "AuroraPostgresqlLogGroup"):
        assert f"{logical_id} (" in refused.output and f"--allow-replace {logical_id}" in refused.output
    assert "iotstack's plan predicts it (DBClusterIdentifier" in refused.output
    assert cloudformation().get_template(StackName=STACK)["TemplateBody"] == before  # nothing changed
    assert pending_change_sets() == []

    allowed = run("deploy", "--env", "dev", "--yes", "--allow-replace", "AuroraCluster", "--allow-replace",
                  "AuroraInstance", "--allow-replace", "AuroraPostgresqlLogGroup")  # fmt: skip
    assert allowed.exit_code == 0, allowed.output
    assert stack_of()["StackStatus"] == "UPDATE_COMPLETE"
