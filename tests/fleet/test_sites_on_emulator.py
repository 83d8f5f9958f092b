"""``deploy --fleet`` when something goes wrong or changes at one site, on the emulator's stack sets
(tests/support/stack_sets.py), with a fleet of two sites of dev's shape (a fleet of prod's is
tests/fleet/test_deploy_on_emulator.py's; this one is small so that each deploy takes a second): a site that
fails, a failed site deployed again, a site's new parameter, a removed site's stack deleted where the
environment keeps no data, a busy stack set, a lost answer."""

import json

import boto3
import pytest

from tests.conftest import run
from tests.fleet.test_deploy_on_emulator import in_account
from tests.support import stack_sets
from tests.support.stack_sets import fail_instance

SMALL = """environment = "dev"

[stack_set]
account = "123456789012"

[rollout]
max_concurrent = 1

[[sites]]
name = "natal"
account = "111111111111"
region = "sa-east-1"
vpc_cidr = "10.1.0.0/16"
public_subnet_cidrs = ["10.1.1.0/24", "10.1.2.0/24"]

[[sites]]
name = "belem"
account = "222222222222"
region = "us-east-1"
vpc_cidr = "10.2.0.0/16"
"""
SET = "iot-platform-small"
REGION = "sa-east-1"  # dev's: where the stack set lives
SITES = {"natal": ("111111111111", "sa-east-1"), "belem": ("222222222222", "us-east-1")}


def cloudformation():
    return boto3.client("cloudformation", region_name=REGION)


def instances() -> dict[tuple[str, str], dict]:
    return {
        (i["Account"], i["Region"]): i for i in cloudformation().list_stack_instances(StackSetName=SET)["Summaries"]
    }


def parameters_of(site: str) -> dict[str, str]:
    account, region = SITES[site]
    stack_id = instances()[(account, region)]["StackId"]
    stack = in_account("cloudformation", account, region).describe_stacks(StackName=stack_id)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}


def edit(project, old: str, new: str) -> None:
    path = project.root / "fleets" / "small.toml"
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))


def deploy(*args: str):
    return run("deploy", "--fleet", "small", "--yes", "--poll-seconds", "0", *args)


def small_fleet(project) -> None:
    """The project's fleet replaced by a fleet of two dev-shaped sites (one fleet: two would make the same
    roles), its templates made and its bootstrap stack made."""
    (project.root / "fleets" / "plants.toml").unlink()
    for stale in (project.root / "templates").glob("fleet-plants*"):
        stale.unlink()
    (project.root / "fleets" / "small.toml").write_text(SMALL)
    assert run("template", "--fleet", "small").exit_code == 0  # linted, with its roles' templates
    assert run("bootstrap", "--fleet", "small", "--yes").exit_code == 0


@pytest.fixture
def fleet(aws, project, monkeypatch):
    monkeypatch.setattr(stack_sets, "seconds_per_instance", 0.01)
    small_fleet(project)
    return project


@pytest.fixture
def deployed(fleet):
    result = deploy()
    assert result.exit_code == 0, result.output
    return fleet


def test_a_failed_site_is_named_with_its_reason_and_deployed_again_by_the_next_deploy(fleet):
    fail_instance(*SITES["natal"], reason="Account 111111111111 should have 'AWSCloudFormationStackSetExecutionRole'",
                  times=1)  # fmt: skip
    result = deploy()
    assert result.exit_code == 1, result.output
    assert "fleet small: 1 site(s) failed" in result.output
    assert "natal (111111111111/sa-east-1): FAILED: Account 111111111111 should have" in result.output
    statuses = {place: i["StackInstanceStatus"]["DetailedStatus"] for place, i in instances().items()}
    assert statuses == {SITES["natal"]: "FAILED", SITES["belem"]: "SUCCEEDED"}  # the other site went on
    again = deploy()
    assert again.exit_code == 0, again.output
    assert "deployed again: its last operation did not succeed" in " ".join(again.output.split())
    assert {i["StackInstanceStatus"]["DetailedStatus"] for i in instances().values()} == {"SUCCEEDED"}


def test_a_removed_sites_stack_goes_too_when_named_where_no_data_is_kept(deployed):
    account, region = SITES["belem"]
    stack_id = instances()[(account, region)]["StackId"]
    (deployed.root / "fleets" / "small.toml").write_text(SMALL.split('[[sites]]\nname = "belem"')[0])
    assert run("template", "--fleet", "small").exit_code == 0  # the roles lose belem's account
    result = deploy("--delete-site-stack", "belem")
    assert result.exit_code == 0, result.output
    assert "remove belem: its stack deleted" in result.output and len(instances()) == 1
    stack = in_account("cloudformation", account, region).describe_stacks(StackName=stack_id)["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_COMPLETE"


def test_a_sites_new_parameter_waits_for_a_busy_stack_set_and_reaches_only_its_stack(deployed, monkeypatch):
    monkeypatch.setattr(stack_sets, "seconds_per_instance", 0.3)
    cloudformation().detect_stack_set_drift(StackSetName=SET)
    edit(deployed, '"10.1.1.0/24", "10.1.2.0/24"', '"10.1.3.0/24", "10.1.4.0/24"')
    busy = deploy()
    assert busy.exit_code == 2, busy.output
    assert f"stack set {SET} is busy: operation" in busy.output and "pass --wait" in busy.output
    waited = deploy("--wait")
    assert waited.exit_code == 0, waited.output
    assert "waiting for operation" in waited.output and "new parameters for natal" in waited.output
    assert "add " not in waited.output  # the other site is left alone
    assert parameters_of("natal")["PublicSubnet1Cidr"] == "10.1.3.0/24"
    assert parameters_of("belem")["PublicSubnet1Cidr"] == "10.2.1.0/24"


def test_a_lost_answer_starts_no_second_operation(faulty_aws, project, monkeypatch):
    """The proxy lets the emulator start the operation and drops its answer: iotstack asks whether its operation id
    exists before botocore retries, and follows it; two sites, two operations, none twice."""
    monkeypatch.setattr(stack_sets, "seconds_per_instance", 0.01)
    small_fleet(project)
    faulty_aws.lose_answer("CreateStackInstances")
    result = deploy()
    assert result.exit_code == 0, result.output
    assert faulty_aws.calls.count("CreateStackInstances") == 2 and not faulty_aws.unused()
    assert len(cloudformation().list_stack_set_operations(StackSetName=SET)["Summaries"]) == 2
    assert len(instances()) == 2


def test_after_a_failed_operation_the_rollout_stops_and_each_site_is_told_once(deployed):
    fail_instance(*SITES["natal"], reason="quota", times=1)
    deployed.append("dev", "[kinesis]\nretention_hours = 48\n")  # the template's change: every site
    assert run("template", "--fleet", "small").exit_code == 0
    edit(deployed, 'vpc_cidr = "10.2.0.0/16"', 'vpc_cidr = "10.2.0.0/16"\npublic_subnet_cidrs = ["10.2.5.0/24", '
                                               '"10.2.6.0/24"]')  # fmt: skip
    result = deploy()
    assert result.exit_code == 1, result.output
    assert (
        "fleet small: 1 site(s) failed" in result.output
        and result.output.count("natal (111111111111/sa-east-1): FAILED") == 2
    )
    assert "the rollout stopped after a failed operation" in result.output
    assert "not started: new parameters for belem" in result.output
    assert parameters_of("belem")["PublicSubnet1Cidr"] == "10.2.1.0/24"  # untouched


def test_a_site_moved_to_another_account_is_refused_unless_allowed_by_name(deployed):
    edit(deployed, 'account = "111111111111"', 'account = "333333333333"')
    stale = deploy("--allow-replace", "natal")  # the roles' templates not made again: they miss the new account
    assert stale.exit_code == 2 and "templates/fleet-small-administration.json: stale" in stale.output
    assert run("template", "--fleet", "small").exit_code == 0
    refused = deploy()
    assert refused.exit_code == 3, refused.output
    assert "natal: natal (moves from 111111111111/sa-east-1 to 333333333333/sa-east-1" in refused.output
    moved = deploy("--allow-replace", "natal")
    assert moved.exit_code == 0, moved.output
    assert set(instances()) == {("333333333333", "sa-east-1"), SITES["belem"]}


def test_a_change_of_the_environment_reaches_every_site_in_one_operation_with_the_rollout(deployed):
    deployed.append("dev", "[kinesis]\nretention_hours = 72\n")
    assert run("template", "--fleet", "small").exit_code == 0
    result = deploy()
    assert result.exit_code == 0, result.output
    assert "the template's change, to 2 site(s)" in result.output
    assert "SensorDataStream" in result.output and "RetentionPeriodHours" in result.output  # the plan shown first
    latest = cloudformation().list_stack_set_operations(StackSetName=SET)["Summaries"][0]  # newest first
    operation = cloudformation().describe_stack_set_operation(StackSetName=SET, OperationId=latest["OperationId"])
    assert operation["StackSetOperation"]["Action"] == "UPDATE"
    assert operation["StackSetOperation"]["OperationPreferences"]["MaxConcurrentCount"] == 1
    for site, (account, region) in SITES.items():
        stack_id = instances()[(account, region)]["StackId"]
        body = in_account("cloudformation", account, region).get_template(StackName=stack_id)["TemplateBody"]
        body = json.loads(body) if isinstance(body, str) else body
        assert body["Resources"]["SensorDataStream"]["Properties"]["RetentionPeriodHours"] == 72, site


def test_a_refused_first_operation_leaves_no_stack_set_behind(faulty_aws, project, monkeypatch):
    monkeypatch.setattr(stack_sets, "seconds_per_instance", 0.01)
    small_fleet(project)
    faulty_aws.answer_error("CreateStackInstances", 400, "ValidationError", "injected refusal")
    result = deploy()
    assert result.exit_code == 1, result.output
    assert "CreateStackInstances failed: ValidationError: injected refusal" in result.output
    assert f"Cleaned up: stack set {SET} deleted" in result.output
    assert SET not in [s["StackSetName"] for s in cloudformation().list_stack_sets(Status="ACTIVE")["Summaries"]]
