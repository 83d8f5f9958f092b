"""``templates/drift-role.json``: the IAM role the scheduled drift job assumes (.github/workflows/drift.yml),
allowed what ``iotstack drift`` needs and no read of data.

**Trust.** The account's GitHub OIDC provider (``token.actions.githubusercontent.com``, its ARN built
from the account id; the provider is created once per account, outside this template), for a token
whose audience is ``sts.amazonaws.com`` and whose subject is
``repo:<GitHubRepository>:environment:<GitHubEnvironment>``: one repository's job in one GitHub
environment (the drift job names its environment, so the subject carries it), nothing else.

**Policy**, exactly two parts:

1. the CloudFormation calls ``iotstack drift`` makes (:data:`DRIFT_CALLS`, from
   :mod:`generator.deploy.drift` and :mod:`generator.aws.drift_calls`), on the stack ``StackName``
   where the action has a resource to scope to. (The account guard's STS GetCallerIdentity needs no
   permission.)
2. The read permissions of every resource type the stack holds: drift detection reads each resource
   with the caller's permissions. The types come from the environments' generated templates (so a
   new type widens the role by itself, and a test fails while the committed file is stale), plus what
   a transform adds at deploy time (:data:`TRANSFORM_TYPES`: a nested stack, whose reads are scoped to
   ``<StackName>-*``); the permissions are the ``read`` handler's of AWS's resource schema for the
   type, as cfn-lint ships it, less what is not a read of configuration (:data:`EXCLUDED`, each with
   its reason; any other permission whose verb is not Describe, Get or List stops the build until
   someone decides). The drift of what an excluded permission would read is not readable by this
   role; the template's Metadata lists the exclusions with their types, and the types whose schema
   has no read handler.

cfn-lint is imported only where a type's permissions are not in the cache yet
(``<cache>/read-permissions-<cfn-lint version>-<region>.json``, written through
:func:`generator.files.write_all`): ``iotstack template`` builds this template when it lints, and a
warm run stays as fast as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from awacs import sts
from awacs.aws import Action, Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Output, Parameter, Sub, Tags, Template
from troposphere.iam import Policy, Role

from generator import __version__
from generator.render import plain
from generator.stack.common import MANAGED_BY, PROJECT, suppress

NAME = "drift-role"  # templates/drift-role.json, and its picture
OIDC_HOST = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"  # what aws-actions/configure-aws-credentials asks the token for

# What iotstack drift calls (generator/deploy/drift.py through generator/aws/drift_calls.py and
# gateway.Cloud.stack): action -> whether it has a resource to scope to (the stack). A test runs
# `iotstack drift` on a Stubber conversation and compares the operations it sends with these.
DRIFT_CALLS = {
    "cloudformation:DescribeStacks": True,  # gateway.Cloud.stack: is the stack there and at rest
    "cloudformation:DetectStackDrift": True,  # DriftCalls.detect_drift
    "cloudformation:DescribeStackResourceDrifts": True,  # DriftCalls.resource_drifts
    # DriftCalls.drift_detection: it takes a detection id, not a stack; the action has no resource type.
    "cloudformation:DescribeStackDriftDetectionStatus": False,
}

# Types a transform adds to the processed template, which drift detection then reads. The
# AWS::SecretsManager transform puts the function of a HostedRotationLambda in a nested stack, an
# AWS::CloudFormation::Stack resource (AWS CloudFormation User Guide, "AWS::SecretsManager transform");
# the function, its role and permission live inside that nested stack, which DetectStackDrift on the
# parent does not examine (API reference, DetectStackDrift): their types need no permission here.
TRANSFORM_TYPES = {
    "AWS::SecretsManager-2020-07-23": ("AWS::CloudFormation::Stack",),
    "AWS::SecretsManager-2024-09-16": ("AWS::CloudFormation::Stack",),
}

# Read handlers' permissions this role never gets: reads of data (not configuration), and what is not
# a read at all. The drift of what they would read is then not readable by this role.
EXCLUDED = {
    "secretsmanager:GetSecretValue": "reads a secret's value (the database password): data, not configuration; "
    "what a read handler reads through it is not readable by this role, and CloudFormation may report the "
    "detection of those resources as failed (DETECTION_FAILED: iotstack drift exits 1)",
    "kms:Decrypt": "decrypts data (a Lambda function's environment variables): data, not configuration",
    "s3:GetObject": "reads an object's content: data",
    "s3:GetObjectVersion": "reads an object's content: data",
    "logs:GetLogEvents": "reads log events: data",
    "logs:FilterLogEvents": "reads log events: data",
    "kinesis:GetRecords": "reads a stream's records: data",
    "kinesis:GetShardIterator": "opens a stream for reading its records: data",
    "iam:PassRole": "not a read: it lets the holder hand a role to a service; a read handler passes no role, "
    "so nothing is lost",
    "vpc-lattice:DescribeServiceNetworkVpcEndpointAssociation": "IAM's list of VPC Lattice actions (as cfn-lint "
    "checks it, W3037) has no such action, so a policy cannot grant it; by its name it concerns endpoints "
    "of a VPC Lattice service network, which this stack does not make",
}
_EXCLUDED_BY_CASE = {action.lower(): action for action in EXCLUDED}
# Every other permission must read configuration, by its verb; anything else stops the build until it
# is added to EXCLUDED (with its reason) or found to be a read.
READ_VERBS = ("Describe", "Get", "List")

# The one scanner finding the role carries on purpose (docs/SECURITY.md lists it).
WILDCARD_REASON = (
    "drift detection reads every resource of the stack with the caller's permissions: these are the read "
    "handlers' Describe, Get and List actions, most of which (EC2's Describe calls) take no resource ARN, on "
    "resources named at deploy time; none reads data (generator/drift_role.py EXCLUDED)"
)

# IAM's limit for a role's inline policies together: 10,240 characters, whitespace not counted.
INLINE_POLICY_LIMIT = 10_240

Reads = Callable[[str, str], "list[str] | None"]  # (region, type) -> the read handler's permissions


def build_drift_role_template(templates: Mapping[str, dict], regions: Sequence[str], cache: Path | None = None,
                              reads: Reads | None = None) -> Template:  # fmt: skip
    """The drift role's template for the stacks of ``templates`` (``{environment: template data}``)
    in ``regions``. ``reads`` looks up a type's read permissions (default: AWS's resource schemas in
    cfn-lint, cached in the folder ``cache`` when one is given)."""
    if not templates:
        raise ValueError("no environment template: the drift role reads the resource types of at least one")
    lookup = reads or schema_reads(cache)
    types = resource_types(templates.values())
    granted: set[str] = set()
    excluded: dict[str, set[str]] = {}
    unreadable: set[str] = set()
    for resource_type in types:
        for region in sorted(set(regions)):
            permissions = lookup(region, resource_type)
            if permissions is None:
                unreadable.add(resource_type)
                continue
            for action in permissions:
                if (known := _EXCLUDED_BY_CASE.get(action.lower())) is not None:  # IAM ignores the case
                    excluded.setdefault(known, set()).add(resource_type)
                elif action.split(":", 1)[-1].startswith(READ_VERBS):
                    granted.add(action)
                else:
                    raise ValueError(f"{resource_type}: its read handler lists {action}, which is neither a "
                                     f"read ({', '.join(READ_VERBS)}) nor in generator.drift_role.EXCLUDED: "
                                     "decide which, with a reason")  # fmt: skip
    return _template(types, sorted(granted), excluded, sorted(unreadable))


def resource_types(templates: Iterable[dict]) -> list[str]:
    """Every resource type of ``templates``, and those their transforms add, sorted."""
    found: set[str] = set()
    for template in templates:
        found |= {resource["Type"] for resource in template.get("Resources", {}).values()}
        transforms = template.get("Transform", [])
        for transform in [transforms] if isinstance(transforms, str) else transforms:
            found |= set(TRANSFORM_TYPES.get(transform, ()))
    return sorted(found)


def schema_reads(cache: Path | None = None) -> Reads:
    """A lookup of the read handler's permissions in AWS's resource schema of a type, as cfn-lint
    ships it (None: the schema has no read handler, or there is no schema). With ``cache``, the answers
    are kept in ``cache/read-permissions-<cfn-lint version>-<region>.json`` and cfn-lint is imported
    only for a type not in it yet."""
    from generator.schema_cache import cached

    return cached(cache, "read-permissions", lambda region, kind: _read_handler(region, kind))  # looked up when called


def _read_handler(region: str, resource_type: str) -> list[str] | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema
    except ResourceNotFoundError:
        return None
    read = schema.get("handlers", {}).get("read")
    return sorted(read["permissions"]) if read and "permissions" in read else None


def _template(types: list[str], granted: list[str], excluded: dict[str, set[str]], unreadable: list[str]
              ) -> Template:  # fmt: skip
    template = Template(
        Description=f"iotstack drift role: what iotstack drift needs, for one GitHub environment's job - "
        f"generated by iotstack {__version__}",
        Metadata={"iotstack": {
            "version": __version__,
            "resource_types": types,
            "excluded_permissions": {action: {"reason": EXCLUDED[action], "types": sorted(of)}
                                     for action, of in sorted(excluded.items())},
            "types_without_read_handler": unreadable,
        }},
    )  # fmt: skip
    template.add_parameter([
        Parameter("GitHubRepository", Type="String", AllowedPattern=r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+",
                  Description="The repository whose drift job may assume the role: OWNER/REPO"),
        Parameter("GitHubEnvironment", Type="String", AllowedPattern=r"[A-Za-z0-9_.-]+",
                  Description="The GitHub environment the drift job runs in: the iotstack environment (prod)"),
        Parameter("StackName", Type="String", AllowedPattern=r"[A-Za-z][A-Za-z0-9-]{0,127}",
                  Description="The stack whose drift the role detects, in this stack's region (iot-platform-prod)"),
    ])  # fmt: skip
    provider = Sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:oidc-provider/{OIDC_HOST}")
    trust = Statement(Effect=Allow, Principal=Principal("Federated", provider), Action=[sts.AssumeRoleWithWebIdentity],
                      Condition=Condition(StringEquals({
                          f"{OIDC_HOST}:aud": AUDIENCE,
                          f"{OIDC_HOST}:sub": Sub("repo:${GitHubRepository}:environment:${GitHubEnvironment}"),
                      })))  # fmt: skip
    stack = "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${StackName}"
    scoped = [a for a, has_resource in DRIFT_CALLS.items() if has_resource]
    unscoped = [a for a, has_resource in DRIFT_CALLS.items() if not has_resource]
    # AWS::CloudFormation::Stack's reads: the nested stacks a transform adds, <stack>-<logical id>-<suffix>.
    nested = [a for a in granted if a.startswith("cloudformation:")]
    reads = [a for a in granted if not a.startswith("cloudformation:")]
    statements = [
        Statement(Sid="DriftOfTheStack", Effect=Allow, Action=_actions(scoped), Resource=[Sub(f"{stack}/*")]),
        Statement(Sid="DriftDetectionStatus", Effect=Allow, Action=_actions(unscoped), Resource=["*"]),
        *([Statement(Sid="ReadTheNestedStacks", Effect=Allow, Action=_actions(nested),
                     Resource=[Sub(f"{stack}-*/*")])] if nested else []),
        Statement(Sid="ReadTheResources", Effect=Allow, Action=_actions(reads), Resource=["*"]),
    ]  # fmt: skip
    role = template.add_resource(Role(
        "DriftRole",
        Description="iotstack drift: detect drift of one stack from one GitHub environment's job, reading no data",
        AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[trust]),
        Policies=[Policy(PolicyName="iotstack-drift", PolicyDocument=PolicyDocument(Version="2012-10-17",
                                                                                     Statement=statements))],
        Tags=Tags(Project=PROJECT, ManagedBy=MANAGED_BY),
    ))  # fmt: skip
    suppress(role, cfripper={"WildcardResourceRule": WILDCARD_REASON})
    template.add_output(
        Output(
            "RoleArn",
            Value=GetAtt(role, "Arn"),
            Description="The role's ARN: the repository variable IOTSTACK_DRIFT_ROLE_<ENV>",
        )
    )
    policy = plain(template)["Resources"]["DriftRole"]["Properties"]["Policies"]
    size = len("".join(json.dumps(policy).split()))
    if size > INLINE_POLICY_LIMIT:
        raise ValueError(f"the drift role's policy has {size:,} characters: IAM allows {INLINE_POLICY_LIMIT:,} "
                         "in a role's inline policies")  # fmt: skip
    return template


def _actions(names: Iterable[str]) -> list[Action]:
    return [Action(*name.split(":", 1)) for name in sorted(names)]
