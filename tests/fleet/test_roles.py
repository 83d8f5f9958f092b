"""templates/fleet-<name>-administration.json and -execution.json (generator/fleet/roles.py): the administration role
may assume only the execution role of the sites' accounts, for CloudFormation acting for this stack set only; the
execution role trusts only the administration role and may do what the fleet's template needs: its types' handler
permissions, the stack set's calls on its own stacks, what the transform fetches, nothing else."""

import dataclasses
import json

import pytest

from generator.fleet import load_fleet
from generator.fleet.permissions import MANAGED_POLICY_LIMIT, TRANSFORM_TYPES, schema_permissions
from generator.fleet.roles import STACK_CALLS, UNSCOPED_CALLS, build_administration_template, build_execution_template
from generator.fleet.settings import Site
from generator.generate import build_fleet_roles
from generator.render import render
from generator.workspace import Workspace
from tests.conftest import ROOT

FLEET = load_fleet("plants", ROOT / "fleets", ROOT / "environments")
FLEET_TEMPLATE = json.loads((ROOT / "templates" / "fleet-plants.json").read_text())
ADMIN, EXEC = (ROOT / "templates" / f"fleet-plants-{role}.json" for role in ("administration", "execution"))
ADMIN_ARN = "arn:${AWS::Partition}:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole"


def data(template) -> dict:
    return json.loads(render(template))


def administration(fleet=FLEET) -> dict:
    return data(build_administration_template(fleet))["Resources"]["AdministrationRole"]["Properties"]


def execution(fleet=FLEET, template=FLEET_TEMPLATE, regions=FLEET.regions, permissions=None) -> dict:
    return data(build_execution_template(fleet, template, regions, permissions=permissions))


def statements(execution_template: dict) -> list[dict]:
    return [s for r in execution_template["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"
            for s in r["Properties"]["PolicyDocument"]["Statement"]]  # fmt: skip


def actions(execution_template: dict, on_everything: bool | None = None) -> set[str]:
    return {a for s in statements(execution_template) for a in s["Action"]
            if on_everything is None or (s["Resource"] == ["*"]) is on_everything}  # fmt: skip


def assumable(fleet=FLEET) -> list:
    (statement,) = administration(fleet)["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["sts:AssumeRole"] and statement["Effect"] == "Allow"
    return [r["Fn::Sub"] for r in statement["Resource"]]


@pytest.fixture(scope="module")
def committed_execution() -> dict:
    return json.loads(EXEC.read_text())


def test_the_committed_role_templates_are_what_the_code_makes_of_the_fleet():
    built = {g.name: g.text for g in build_fleet_roles(FLEET, Workspace.find(ROOT))}
    assert built == {"fleet-plants-administration": ADMIN.read_text(), "fleet-plants-execution": EXEC.read_text()}, (
        "templates/fleet-plants-*.json are stale: `make template` writes them"
    )


# --- the administration role ------------------------------------------------------------------------------------


def test_the_administration_role_may_assume_only_the_execution_role_of_the_sites_accounts():
    assert assumable() == [f"arn:${{AWS::Partition}}:iam::{a}:role/AWSCloudFormationStackSetExecutionRole"
                           for a in ("111111111111", "222222222222")]  # fmt: skip
    assert "*" not in json.dumps(administration()["Policies"])


def test_a_new_site_account_widens_the_administration_role_by_exactly_that_account():
    site = Site("salvador", "333333333333", "sa-east-1", "10.5.0.0/16")
    wider = dataclasses.replace(FLEET, sites=(*FLEET.sites, site))
    assert set(assumable(wider)) - set(assumable()) == {
        "arn:${AWS::Partition}:iam::333333333333:role/AWSCloudFormationStackSetExecutionRole"
    }
    assert set(assumable()) <= set(assumable(wider))
    before, after = administration(), administration(wider)
    before["Policies"] = after["Policies"] = None
    assert before == after  # and nothing else moved


def test_only_cloudformation_for_this_stack_set_in_the_administrator_account_may_assume_it():
    (trust,) = administration()["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"} and trust["Action"] == ["sts:AssumeRole"]
    assert trust["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "StringLike": {"aws:SourceArn": {
            "Fn::Sub": "arn:${AWS::Partition}:cloudformation:sa-east-1:123456789012:stackset/iot-platform-plants:*"}},
    }  # fmt: skip


@pytest.mark.parametrize("region, principals", [
    ("us-east-2", "cloudformation.amazonaws.com"),
    ("ap-east-1", ["cloudformation.amazonaws.com", "cloudformation.ap-east-1.amazonaws.com"]),
], ids=["enabled-by-default", "opt-in-region"])  # fmt: skip
def test_a_site_in_a_region_disabled_by_default_adds_cloudformations_principal_there(region, principals):
    fleet = dataclasses.replace(FLEET, sites=(*FLEET.sites, Site("hk", "111111111111", region, "10.9.0.0/16")))
    (trust,) = administration(fleet)["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": principals}


@pytest.mark.parametrize("settings, role, path, executes", [
    ({}, "AWSCloudFormationStackSetAdministrationRole", "/", "AWSCloudFormationStackSetExecutionRole"),
    ({"administration_role_arn": "arn:aws:iam::123456789012:role/ops/plants-admin",
      "execution_role_name": "plants-exec"}, "plants-admin", "/ops/", "plants-exec"),
], ids=["aws-defaults", "named"])  # fmt: skip
def test_the_roles_take_the_names_the_fleet_file_gives(settings, role, path, executes):
    fleet = dataclasses.replace(FLEET, stack_set=dataclasses.replace(FLEET.stack_set, **settings))
    admin = administration(fleet)
    assert (admin["RoleName"], admin["Path"]) == (role, path)
    assert all(arn.endswith(f":role/{executes}") for arn in assumable(fleet))
    exec_role = execution(fleet)["Resources"]["ExecutionRole"]["Properties"]
    assert exec_role["RoleName"] == executes
    (trust,) = exec_role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::123456789012:role{path}{role}"}}


# --- the execution role -----------------------------------------------------------------------------------------


def test_the_execution_role_trusts_only_the_administration_role(committed_execution):
    role = committed_execution["Resources"]["ExecutionRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {"Action": ["sts:AssumeRole"], "Effect": "Allow", "Principal": {"AWS": {"Fn::Sub": ADMIN_ARN}}}
    ]
    assert "Policies" not in role and "ManagedPolicyArns" not in role  # only the template's own policies


def create_handler(resource_type: str) -> set[str]:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

    return set(PROVIDER_SCHEMA_MANAGER.get_resource_schema("sa-east-1", resource_type).schema["handlers"]["create"][
        "permissions"])  # fmt: skip


@pytest.mark.parametrize(
    "resource_type",
    ["AWS::RDS::DBCluster", "AWS::Kinesis::Stream", "AWS::ElastiCache::ReplicationGroup", "AWS::Lambda::Function"],
)
def test_the_execution_role_may_do_what_creating_each_type_of_the_fleet_needs(committed_execution, resource_type):
    """AWS::Lambda::Function is not in the fleet's template: the Secrets Manager transform adds it. (Less what IAM
    does not know, which no policy can grant: the Metadata names it.)"""
    unknown = set(committed_execution["Metadata"]["iotstack"]["not_iam_actions"])
    assert create_handler(resource_type) - unknown <= actions(committed_execution)


@pytest.mark.parametrize("service", ["dynamodb:", "sqs:", "ecs:", "iam:CreateUser", "iam:CreateAccessKey", "sts:"])
def test_the_execution_role_may_do_nothing_for_a_type_the_template_lacks(committed_execution, service):
    assert not [a for a in actions(committed_execution) if a.startswith(service)]


def fake(**by_type):
    """A permissions lookup: AWS::Demo::<Name> types with the given actions."""

    def lookup(region, resource_type):
        if not resource_type.startswith("AWS::Demo::"):
            return None
        return {"granted": by_type[resource_type.rsplit("::", 1)[1]], "unknown": []}

    return lookup


def test_the_execution_role_is_exactly_the_types_handlers_and_the_stack_sets_calls():
    template = {"Resources": {"Thing": {"Type": "AWS::Demo::Thing"}, "Other": {"Type": "AWS::Demo::Other"}}}
    built = execution(template=template, permissions=fake(Thing=["demo:CreateThing", "demo:GetThing"],
                                                          Other=["other:PutOther"]))  # fmt: skip
    assert actions(built, on_everything=True) == {"demo:CreateThing", "demo:GetThing", "other:PutOther",
                                                  *UNSCOPED_CALLS}  # fmt: skip
    assert actions(built, on_everything=False) == set(STACK_CALLS) - set(UNSCOPED_CALLS)  # no transform, no fetches


def test_the_stack_sets_calls_are_on_its_own_stacks_in_the_sites_regions(committed_execution):
    (on_stacks,) = [s for s in statements(committed_execution) if s["Sid"] == "TheStackSetsStacks"]
    assert set(STACK_CALLS) - set(UNSCOPED_CALLS) <= set(on_stacks["Action"])
    assert [r["Fn::Sub"] for r in on_stacks["Resource"]] == [
        f"arn:${{AWS::Partition}}:cloudformation:{region}:${{AWS::AccountId}}:stack/StackSet-iot-platform-plants-*/*"
        for region in ("sa-east-1", "us-east-1")
    ]
    assert not [a for a in actions(committed_execution, on_everything=True) if a.startswith("cloudformation:")
                and a not in UNSCOPED_CALLS]  # fmt: skip


def test_the_transform_adds_its_nested_stacks_types_and_what_it_fetches(committed_execution):
    metadata = committed_execution["Metadata"]["iotstack"]
    assert set(TRANSFORM_TYPES["AWS::SecretsManager-2020-07-23"]) <= set(metadata["resource_types"])
    fetched = {s["Sid"]: s for s in statements(committed_execution) if s["Sid"].startswith("TransformFetches")}
    assert {a for s in fetched.values() for a in s["Action"]} == {
        "serverlessrepo:GetApplication",
        "serverlessrepo:CreateCloudFormationTemplate",
        "serverlessrepo:GetCloudFormationTemplate",
        "serverlessrepo:CreateCloudFormationChangeSet",
        "s3:GetObject",
    }
    assert "*" not in [r for s in fetched.values() for r in s["Resource"]]


def test_every_policy_fits_iams_limit_and_a_large_role_takes_more_policies():
    many = [f"demo:Action{n:04}" for n in range(600)]  # about 12,000 characters
    built = execution(template={"Resources": {"T": {"Type": "AWS::Demo::Thing"}}}, permissions=fake(Thing=many))
    documents = [r["Properties"]["PolicyDocument"] for r in built["Resources"].values()
                 if r["Type"] == "AWS::IAM::ManagedPolicy"]  # fmt: skip
    assert len(documents) == 3 and actions(built) >= set(many)
    assert all(len("".join(json.dumps(d).split())) <= MANAGED_POLICY_LIMIT for d in documents)
    with pytest.raises(ValueError, match=r"needs 1\d managed policies of 6,144 characters; IAM attaches 10"):
        execution(
            template={"Resources": {"T": {"Type": "AWS::Demo::Thing"}}},
            permissions=fake(Thing=[f"demo:Action{n:04}" for n in range(4_000)]),
        )


def test_an_action_iam_does_not_know_is_left_out_and_named(committed_execution):
    assert "lambda:AssociateRuntimeAlias" not in actions(committed_execution)
    assert committed_execution["Metadata"]["iotstack"]["not_iam_actions"]["lambda:AssociateRuntimeAlias"] == [
        "AWS::Lambda::Function"]  # fmt: skip


def test_the_handler_permissions_are_cached_and_cfn_lint_is_not_asked_again(tmp_path, monkeypatch):
    from generator.fleet import permissions

    first = schema_permissions(tmp_path)("sa-east-1", "AWS::Kinesis::Stream")
    assert first["granted"] and list(tmp_path.glob("handler-permissions-*-sa-east-1.json"))
    monkeypatch.setattr(permissions, "_handlers", lambda *_: pytest.fail("cfn-lint asked again"))
    assert schema_permissions(tmp_path)("sa-east-1", "AWS::Kinesis::Stream") == first


def test_without_an_administrator_account_the_templates_take_it_from_where_they_are_deployed():
    fleet = dataclasses.replace(FLEET, stack_set=dataclasses.replace(FLEET.stack_set, account=""))
    (trust,) = administration(fleet)["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Fn::Sub": "${AWS::AccountId}"}}
    built = execution(fleet)
    assert built["Parameters"]["AdministratorAccount"]["AllowedPattern"] == r"\d{12}"
    (trust,) = built["Resources"]["ExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Fn::Sub": ADMIN_ARN.replace("123456789012", "${AdministratorAccount}")}}
