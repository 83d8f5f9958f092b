"""The two IAM roles of a self-managed stack set (CloudFormation User Guide, "Grant self-managed permissions"):
``templates/fleet-<name>-administration.json`` for the administrator account, and
``templates/fleet-<name>-execution.json`` for every account of the fleet's sites.

**The administration role** (AWS's default name ``AWSCloudFormationStackSetAdministrationRole``, or the one
``[stack_set] administration_role_arn`` names) is assumed by CloudFormation (``cloudformation.amazonaws.com``,
and the Region's own principal for a site in a Region disabled by default) on behalf of this fleet's stack set
only: ``aws:SourceAccount`` is the administrator account and ``aws:SourceArn`` the stack set's ARN pattern,
``arn:<partition>:cloudformation:<its region>:<account>:stackset/<name>:*`` (the same page, "Set up global keys
to mitigate confused deputy problems": a stack set's id is its name, a colon and a UUID). It may do one thing:
``sts:AssumeRole`` the execution role in each account of the fleet's sites, by ARN, no ``*``.

**The execution role** (``AWSCloudFormationStackSetExecutionRole``, or ``[stack_set] execution_role_name``)
trusts that administration role's ARN and nothing else. Its permissions are exactly three parts:

1. the CloudFormation calls a stack set makes in a target account (:data:`STACK_CALLS`: create, update,
   delete, describe, drift and change sets of a stack), on the stacks StackSets names
   ``StackSet-<stack set>-<uuid>`` and their nested stacks (``StackSet-<stack set>-...-<logical id>-...``)
   in the sites' Regions of this account; the few that take no resource (:data:`UNSCOPED_CALLS`) on ``*``;
   ``CreateChangeSet`` on AWS's hosted transforms;
2. the ``create``, ``read``, ``update`` and ``delete`` handlers' permissions of AWS's resource schema (as
   cfn-lint ships it) of every resource type of the fleet's template, in every Region of its sites, plus
   the types a transform adds at deploy time (``permissions.TRANSFORM_TYPES``: the Secrets Manager
   transform's nested stack holds the rotation function, its role and its permission). The ``list`` handlers are left
   out: CloudFormation calls them for the Cloud Control API's ListResources, never in a stack operation.
   An action IAM does not know (cfn-lint's list of IAM actions, the one W3037 checks) cannot be granted
   and is left out; the Metadata names each with its types;
3. for a template with the Secrets Manager transform, what it fetches from the Serverless Application
   Repository (:data:`TRANSFORM_CALLS`: the rotation application's template, on
   ``applications/SecretsManager*``, and the template and code objects in AWS's buckets).

Part 2 is granted on ``*``: most of these actions take no resource ARN (EC2's Describe calls, Create calls
whose resource does not exist yet) and every name is made at deploy time, by CloudFormation, in accounts this
template does not know; the Metadata says so, and docs/fleets-roles.md. The policies are IAM managed
policies of at most 6,144 characters each (``permissions.MANAGED_POLICY_LIMIT``), as many as it takes and at
most IAM's default ten per role (:mod:`generator.fleet.permissions` looks the handlers up and packs the policies).

cfn-lint is imported only for a (Region, type) not in the cache yet
(``<cache>/handler-permissions-<cfn-lint version>-<region>.json``, written through
:func:`generator.files.write_all`), as :mod:`generator.drift_role` does: a warm ``make template`` stays fast.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from awacs import sts
from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals, StringLike
from troposphere import GetAtt, Output, Parameter, Ref, Sub, Tags, Template
from troposphere.iam import ManagedPolicy, Policy, Role

from generator import __version__
from generator.fleet.permissions import (
    HANDLERS,
    MANAGED_POLICY_LIMIT,
    MOST_MANAGED_POLICIES,
    WILDCARD_REASON,
    Permissions,
    findings,
    pack,
    resource_types,
    schema_permissions,
    transforms,
)
from generator.fleet.settings import Fleet
from generator.stack.common import MANAGED_BY, PROJECT, suppress

ADMINISTRATION, EXECUTION = "administration", "execution"  # templates/fleet-<name>-<role>.json

# The CloudFormation calls a stack set makes with the execution role, on the stack of each instance (and
# its nested stacks). AWS says only "full AWS CloudFormation permissions, which include permissions to create,
# update, delete, and describe stacks" ("Grant self-managed permissions"): these are the stack-level calls of
# IAM's list for CloudFormation that a stack set operation, its drift detection and a transform's change set
# may make, so nothing the service does on its own stacks is refused.
STACK_CALLS = (
    "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
    "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents", "cloudformation:DescribeStackResource",
    "cloudformation:DescribeStackResources", "cloudformation:ListStackResources", "cloudformation:GetTemplate",
    "cloudformation:GetTemplateSummary", "cloudformation:GetStackPolicy", "cloudformation:SetStackPolicy",
    "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet",
    "cloudformation:DeleteChangeSet", "cloudformation:ListChangeSets", "cloudformation:CancelUpdateStack",
    "cloudformation:ContinueUpdateRollback", "cloudformation:RollbackStack",
    "cloudformation:UpdateTerminationProtection", "cloudformation:DetectStackDrift",
    "cloudformation:DetectStackResourceDrift", "cloudformation:DescribeStackResourceDrifts",
    "cloudformation:TagResource", "cloudformation:UntagResource",
)  # fmt: skip
# IAM's list gives these no resource type: a policy allows them only on "*".
UNSCOPED_CALLS = ("cloudformation:ValidateTemplate", "cloudformation:DescribeStackDriftDetectionStatus")
# A change set of a template with a transform needs CreateChangeSet on the transform, which AWS owns
# (CloudFormation User Guide, "Controlling access with IAM": arn:aws:cloudformation:<region>:aws:transform/...).
TRANSFORM_ARN = "arn:${AWS::Partition}:cloudformation:%s:aws:transform/*"
# What the Secrets Manager transform fetches: the rotation application from the Serverless Application
# Repository, as AWS's SecretsManagerReadWrite managed policy grants it for setting up rotation
# (serverlessrepo on applications/SecretsManager*, s3:GetObject on AWS's change-set and rotation-app buckets),
# and the calls a nested application makes (CreateCloudFormationTemplate, then GetCloudFormationTemplate).
TRANSFORM_CALLS = {
    "AWS::SecretsManager": (
        (("serverlessrepo:GetApplication", "serverlessrepo:CreateCloudFormationTemplate",
          "serverlessrepo:GetCloudFormationTemplate", "serverlessrepo:CreateCloudFormationChangeSet"),
         ("arn:${AWS::Partition}:serverlessrepo:*:*:applications/SecretsManager*",)),
        (("s3:GetObject",),
         ("arn:${AWS::Partition}:s3:::awsserverlessrepo-changesets*",
          "arn:${AWS::Partition}:s3:::secrets-manager-rotation-apps-*/*")),
    ),
}  # fmt: skip

# Regions disabled by default: CloudFormation assumes the administration role there through the Region's own
# service principal, cloudformation.<region>.amazonaws.com ("Grant self-managed permissions"); the Regions
# launched after 20 March 2019 (AWS General Reference, "Enable or disable AWS Regions").
OPT_IN_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
    "me-central-1", "me-south-1", "mx-central-1",
})  # fmt: skip

# IAM: a managed policy holds at most 6,144 characters, whitespace not counted; a role takes ten managed
# policies by default (IAM User Guide, "IAM and AWS STS quotas").

# --- the administration role ----------------------------------------------------------------------------------


def build_administration_template(fleet: Fleet) -> Template:
    """The administration role's template, for the administrator account (``[stack_set] account``)."""
    path, name = fleet.administration_role
    template = Template(
        Description=f"iotstack fleet {fleet.name}: the stack set's administration role, which may assume the "
        f"execution role of each site's account - generated by iotstack {__version__}",
        Metadata={"iotstack": {"fleet": fleet.name, "role": ADMINISTRATION, "stack_set": fleet.stack_set_name,
                               "version": __version__}},
    )  # fmt: skip
    account = fleet.stack_set.account or "${AWS::AccountId}"
    region = fleet.environment.region  # where the stack set lives: generator.aws.accounts.for_fleet
    services = ["cloudformation.amazonaws.com"]
    services += [f"cloudformation.{r}.amazonaws.com" for r in sorted(set(fleet.regions) & OPT_IN_REGIONS)]
    trust = Statement(
        Effect=Allow, Principal=Principal("Service", services if len(services) > 1 else services[0]),
        Action=[sts.AssumeRole],
        Condition=Condition([
            StringEquals("aws:SourceAccount", Sub(account) if "${" in account else account),
            StringLike("aws:SourceArn", Sub(f"arn:${{AWS::Partition}}:cloudformation:{region}:{account}:stackset/"
                                            f"{fleet.stack_set_name}:*")),
        ]),
    )  # fmt: skip
    execution = fleet.execution_role
    targets = [Sub(f"arn:${{AWS::Partition}}:iam::{a}:role/{execution}") for a in fleet.accounts]
    role = template.add_resource(Role(
        "AdministrationRole",
        RoleName=name, Path=path,
        Description=f"iotstack fleet {fleet.name}: CloudFormation assumes it for stack set {fleet.stack_set_name}, "
        f"to assume {execution} in the sites' accounts",
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[trust]),
        Policies=[Policy(PolicyName="assume-the-execution-role", PolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[Statement(Sid="AssumeTheExecutionRoleOfEachSite", Effect=Allow, Action=[sts.AssumeRole],
                                 Resource=targets)]))],
        Tags=_tags(fleet),
    ))  # fmt: skip
    template.add_output(Output("RoleArn", Value=GetAtt(role, "Arn"),
                               Description="The administration role: the stack set's AdministrationRoleARN")
                        )  # fmt: skip
    return template


# --- the execution role ---------------------------------------------------------------------------------------


def build_execution_template(fleet: Fleet, fleet_template: Mapping, regions: Sequence[str], cache: Path | None = None,
                             permissions: Permissions | None = None) -> Template:  # fmt: skip
    """The execution role's template for every account of the fleet's sites: what the stack set needs to
    deploy ``fleet_template`` (its data) in ``regions``. ``permissions`` looks up a type's handler permissions
    (default: AWS's resource schemas in cfn-lint, cached in the folder ``cache`` when one is given)."""
    if not regions:
        raise ValueError(f"fleet {fleet.name}: no region: the execution role deploys to the sites' regions")
    lookup = permissions or schema_permissions(cache)
    types = resource_types(fleet_template)
    granted: set[str] = set()
    unknown: dict[str, set[str]] = {}
    without: set[str] = set()
    for resource_type in types:
        for region in sorted(set(regions)):
            found = lookup(region, resource_type)
            if found is None:
                without.add(resource_type)
                continue
            granted |= set(found["granted"])
            for action in found["unknown"]:
                unknown.setdefault(action, set()).add(resource_type)
    return _execution_template(fleet, fleet_template, sorted(set(regions)), types, granted, unknown, sorted(without))


def _execution_template(fleet: Fleet, fleet_template: Mapping, regions: list[str], types: list[str],
                        granted: set[str], unknown: dict[str, set[str]], without: list[str]) -> Template:  # fmt: skip
    name = fleet.execution_role
    template = Template(
        Description=f"iotstack fleet {fleet.name}: the stack set's execution role in a site's account, allowed "
        f"what the fleet's template needs - generated by iotstack {__version__}",
        Metadata={"iotstack": {
            "fleet": fleet.name, "role": EXECUTION, "stack_set": fleet.stack_set_name, "version": __version__,
            "regions": regions, "resource_types": types, "handlers": list(HANDLERS),
            "resource_wildcard": WILDCARD_REASON,
            "not_iam_actions": {a: sorted(of) for a, of in sorted(unknown.items())},
            "types_without_handlers": without,
        }},
    )  # fmt: skip
    admin_account = fleet.stack_set.account
    if not admin_account:  # the fleet file names none: whoever deploys the template says which
        template.add_parameter(Parameter(
            "AdministratorAccount", Type="String", AllowedPattern=r"\d{12}",
            Description=f"The administrator account of fleet {fleet.name} (its stack set's account)"))  # fmt: skip
        admin_account = "${AdministratorAccount}"
    path, admin = fleet.administration_role
    principal = Sub(f"arn:${{AWS::Partition}}:iam::{admin_account}:role{path}{admin}")
    role = template.add_resource(Role(
        "ExecutionRole",
        RoleName=name,
        Description=f"iotstack fleet {fleet.name}: stack set {fleet.stack_set_name} deploys the fleet's stack in "
        "this account with it",
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[
            Statement(Effect=Allow, Principal=Principal("AWS", principal), Action=[sts.AssumeRole])]),
        Tags=_tags(fleet),
    ))  # fmt: skip
    documents = pack([*_stack_set_statements(fleet, fleet_template, regions, granted),
                       *_service_statements(a for a in granted if not a.startswith("cloudformation:"))])  # fmt: skip
    if len(documents) > MOST_MANAGED_POLICIES:
        raise ValueError(f"fleet {fleet.name}: the execution role needs {len(documents)} managed policies of "
                         f"{MANAGED_POLICY_LIMIT:,} characters; IAM attaches {MOST_MANAGED_POLICIES} to a role by "
                         "default")  # fmt: skip
    for number, statements in enumerate(documents, 1):
        policy = template.add_resource(ManagedPolicy(
            f"ExecutionPolicy{number}",
            Description=f"iotstack fleet {fleet.name}: execution role, part {number} of {len(documents)}",
            PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=statements),
            Roles=[Ref(role)],
        ))  # fmt: skip
        cfripper, checkov = findings(statements)
        suppress(policy, cfripper=cfripper, checkov=checkov)
    template.add_output(Output("RoleArn", Value=GetAtt(role, "Arn"),
                               Description=f"The execution role ({name}) the stack set assumes in this account")
                        )  # fmt: skip
    return template


def _stack_set_statements(fleet: Fleet, fleet_template: Mapping, regions: list[str], granted: set[str]
                          ) -> list[Statement]:  # fmt: skip
    """Part 1 and 3: the stack set's own stacks (and the schemas' CloudFormation actions, which are on them
    too: a nested stack is one of them), the calls without a resource, and what the transforms fetch."""
    prefix = f"StackSet-{fleet.stack_set_name}-"
    stacks = [Sub(f"arn:${{AWS::Partition}}:cloudformation:{r}:${{AWS::AccountId}}:stack/{prefix}*/*") for r in regions]
    on_stacks = sorted({*STACK_CALLS, *(a for a in granted if a.startswith("cloudformation:"))} - set(UNSCOPED_CALLS))
    statements = [
        Statement(Sid="TheStackSetsStacks", Effect=Allow, Action=_actions(on_stacks), Resource=stacks),
        Statement(Sid="CallsWithoutResource", Effect=Allow, Action=_actions(UNSCOPED_CALLS), Resource=["*"]),
    ]
    used = transforms(fleet_template)
    if used:
        statements.append(Statement(Sid="HostedTransforms", Effect=Allow,
                                    Action=_actions(["cloudformation:CreateChangeSet"]),
                                    Resource=[Sub(TRANSFORM_ARN % r) for r in regions]))  # fmt: skip
    fetches = [call for t in used for family, calls in TRANSFORM_CALLS.items() if t.startswith(family)
               for call in calls]  # fmt: skip
    for number, (actions, resources) in enumerate(fetches, 1):
        statements.append(Statement(Sid=f"TransformFetches{number}", Effect=Allow, Action=_actions(actions),
                                    Resource=[Sub(r) for r in resources]))  # fmt: skip
    return statements


def _service_statements(actions: Iterable[str]) -> list[Statement]:
    """Part 2: one statement per service, on ``*``."""
    by_service: dict[str, list[str]] = {}
    for action in sorted(set(actions)):
        by_service.setdefault(action.split(":", 1)[0], []).append(action)
    return [Statement(Sid=_sid(service), Effect=Allow, Action=_actions(names), Resource=["*"])
            for service, names in sorted(by_service.items())]  # fmt: skip


def _sid(service: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", service))


def _actions(names: Iterable[str]) -> list[Action]:
    return [Action(*name.split(":", 1)) for name in sorted(names)]


def _tags(fleet: Fleet) -> Tags:
    return Tags(Project=PROJECT, ManagedBy=MANAGED_BY, Fleet=fleet.name)
