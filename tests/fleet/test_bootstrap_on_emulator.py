"""``bootstrap --fleet`` on the emulator: the template bucket and the administration role in the administrator
account, the execution role's template and command named for the sites' accounts; ``--execution-role`` with a site
account's credentials (and refused with any other); a service-managed fleet makes no role."""

import json

import boto3
import pytest

from tests.conftest import run

REGION = "sa-east-1"  # prod's: the stack set's, where the role stacks live
ADMIN_STACK, EXEC_STACK = "iotstack-fleet-plants-administration", "iotstack-fleet-plants-execution"


def session(account: str | None = None) -> boto3.Session:
    """A session in the administrator account (the emulator's own), or, assuming a role there, in ``account``."""
    if account is None:
        return boto3.Session(region_name=REGION)
    credentials = boto3.Session(region_name=REGION).client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="site-admin")[
        "Credentials"]  # fmt: skip
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"], region_name=REGION,
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"])  # fmt: skip


def as_site(monkeypatch, account: str) -> None:
    """The shell's credentials become a site account's."""
    credentials = session(account).get_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", credentials.token)


def stacks(account: str | None = None) -> dict[str, dict]:
    found = session(account).client("cloudformation").describe_stacks()["Stacks"]
    return {s["StackName"]: s for s in found}


def role(name: str, account: str | None = None) -> dict:
    return session(account).client("iam").get_role(RoleName=name)["Role"]


@pytest.fixture
def bootstrapped(aws, project):
    result = run("bootstrap", "--fleet", "plants", "--yes")
    assert result.exit_code == 0, result.output
    return result


def test_bootstrap_makes_the_administration_role_and_names_the_execution_roles_command(bootstrapped):
    made = stacks()
    assert {"iotstack-bootstrap", ADMIN_STACK} <= set(made)
    assert made[ADMIN_STACK]["StackStatus"] == "CREATE_COMPLETE" and made[ADMIN_STACK]["EnableTerminationProtection"]
    admin = role("AWSCloudFormationStackSetAdministrationRole")
    (trust,) = admin["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
    output = bootstrapped.output
    assert "The execution role goes in each site's account (111111111111, 222222222222): " \
           "templates/fleet-plants-execution.json." in output  # fmt: skip
    assert "\n  iotstack bootstrap --fleet plants --execution-role\n" in output
    assert (
        "aws cloudformation deploy --region sa-east-1 --stack-name iotstack-fleet-plants-execution "
        "--template-file templates/fleet-plants-execution.json --capabilities CAPABILITY_NAMED_IAM"
    ) in output
    assert EXEC_STACK not in made  # the execution role is for the sites' accounts


def test_bootstrap_again_changes_nothing(bootstrapped):
    again = run("bootstrap", "--fleet", "plants", "--yes")
    assert again.exit_code == 0, again.output
    assert f"No changes: stack {ADMIN_STACK} already runs templates/fleet-plants-administration.json" in again.output


def test_the_execution_role_is_made_with_a_site_accounts_credentials_and_trusts_the_administration_role(
    bootstrapped, monkeypatch
):
    as_site(monkeypatch, "111111111111")
    result = run("bootstrap", "--fleet", "plants", "--execution-role", "--yes")
    assert result.exit_code == 0, result.output
    assert "the execution role is stack iotstack-fleet-plants-execution in account 111111111111" in result.output
    made = stacks("111111111111")[EXEC_STACK]
    assert made["StackStatus"] == "CREATE_COMPLETE" and made["EnableTerminationProtection"]
    execution = role("AWSCloudFormationStackSetExecutionRole", "111111111111")
    assert execution["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": ["sts:AssumeRole"],
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/AWSCloudFormationStackSetAdministrationRole"},
        }
    ]
    policies = session("111111111111").client("iam").list_attached_role_policies(
        RoleName="AWSCloudFormationStackSetExecutionRole")["AttachedPolicies"]  # fmt: skip
    assert len(policies) == 3


@pytest.mark.parametrize("account", [None, "333333333333"], ids=["administrator", "no-sites-account"])
def test_the_execution_role_is_refused_with_credentials_of_no_site_account(aws, project, monkeypatch, account):
    if account:
        as_site(monkeypatch, account)
    result = run("bootstrap", "--fleet", "plants", "--execution-role", "--yes")
    assert result.exit_code == 2, result.output
    actual = account or "123456789012"
    assert f"belong to account {actual}, which no site of fleet plants is in (111111111111, 222222222222)" in \
           result.output  # fmt: skip
    assert EXEC_STACK not in stacks(account)


def test_a_service_managed_fleet_gets_no_role(aws, project):
    (project.root / "fleets" / "org.toml").write_text(
        'environment = "dev"\n[stack_set]\naccount = "123456789012"\npermission_model = "service-managed"\n'
        'organizational_units = ["ou-ab12-cdef3456"]\n'
        '[[sites]]\nname = "north"\naccount = "111111111111"\nregion = "sa-east-1"\nvpc_cidr = "10.1.0.0/16"\n'
    )  # fmt: skip
    result = run("bootstrap", "--fleet", "org", "--yes")
    assert result.exit_code == 0, result.output
    assert "fleet org: the stack set is service-managed: AWS Organizations holds its roles; none was made" in \
           result.output  # fmt: skip
    assert set(stacks()) == {"iotstack-bootstrap"}
    refused = run("bootstrap", "--fleet", "org", "--execution-role", "--yes")
    assert refused.exit_code == 2 and "there is no execution role to deploy" in refused.output


def test_a_stale_administration_template_is_refused_by_the_gate_before_anything(aws, project):
    path = project.root / "templates" / "fleet-plants-administration.json"
    template = json.loads(path.read_text())
    statement = template["Resources"]["AdministrationRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    statement["Statement"][0]["Resource"] = ["*"]
    path.write_text(json.dumps(template, indent=2, sort_keys=True) + "\n")
    result = run("bootstrap", "--fleet", "plants", "--yes")
    assert result.exit_code != 0 and "fleet-plants-administration.json: stale" in result.output
    assert not {ADMIN_STACK, "iotstack-bootstrap"} & set(stacks())  # the gate refused before anything was made
