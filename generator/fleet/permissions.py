"""What the execution role of a fleet's stack set may do, from AWS's resource schemas as cfn-lint ships them
(:func:`schema_permissions`, cached per cfn-lint version and Region), and how its statements are packed into IAM
managed policies of at most :data:`MANAGED_POLICY_LIMIT` characters (:func:`pack`), and which scanner findings
each policy carries on purpose, with their reasons (:func:`findings`). The role itself is
:mod:`generator.fleet.roles`'.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from awacs.aws import PolicyDocument, Statement
from troposphere import encode_to_dict

# What a stack operation calls: not "list" (the Cloud Control API's ListResources).
HANDLERS = ("create", "read", "update", "delete")  # what a stack operation calls; not "list"
# What a transform adds to the processed template, which the execution role then creates: the
# AWS::SecretsManager transform puts a HostedRotationLambda's function in a nested stack (CloudFormation User
# Guide, "AWS::SecretsManager transform"), built from the Secrets Manager rotation application of the
# Serverless Application Repository: a Lambda function, its IAM role, and the permission that lets Secrets
# Manager invoke it.

_ROTATION = ("AWS::CloudFormation::Stack", "AWS::IAM::Role", "AWS::Lambda::Function", "AWS::Lambda::Permission")
TRANSFORM_TYPES = {"AWS::SecretsManager-2020-07-23": _ROTATION, "AWS::SecretsManager-2024-09-16": _ROTATION}
MANAGED_POLICY_LIMIT = 6_144
MOST_MANAGED_POLICIES = 10

Permissions = Callable[[str, str], "dict | None"]  # (region, type) -> {"granted": [...], "unknown": [...]}, or None


def resource_types(template: Mapping) -> list[str]:
    """Every resource type of ``template``, and those its transforms add, sorted."""
    found = {resource["Type"] for resource in template.get("Resources", {}).values()}
    for transform in transforms(template):
        found |= set(TRANSFORM_TYPES.get(transform, ()))
    return sorted(found)


def transforms(template: Mapping) -> list[str]:
    transforms = template.get("Transform", [])
    return [transforms] if isinstance(transforms, str) else list(transforms)


def schema_permissions(cache: Path | None = None) -> Permissions:
    """A lookup of the :data:`HANDLERS`' permissions in AWS's resource schema of a type, as cfn-lint ships it:
    ``{"granted": [...], "unknown": [...]}`` (``unknown``: those IAM does not know), None where there is no
    schema or it has none of those handlers. With ``cache``, the answers are kept in
    ``cache/handler-permissions-<cfn-lint version>-<region>.json`` and cfn-lint is imported only for a type not
    in it yet."""
    from generator.schema_cache import cached

    return cached(cache, "handler-permissions", lambda region, kind: _handlers(region, kind))  # looked up when called


def _handlers(region: str, resource_type: str) -> dict | None:
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        handlers = PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, resource_type).schema.get("handlers", {})
    except ResourceNotFoundError:
        return None
    listed = {p for h in HANDLERS for p in handlers.get(h, {}).get("permissions", [])}
    if not any(h in handlers for h in HANDLERS):
        return None
    iam = _iam_actions()
    unknown = sorted(p for p in listed if p.split(":", 1)[-1].lower() not in iam.get(p.split(":", 1)[0].lower(), ()))
    return {"granted": sorted(listed - set(unknown)), "unknown": unknown}


_IAM: dict[str, frozenset[str]] = {}


def _iam_actions() -> dict[str, frozenset[str]]:
    """IAM's actions by service, lowercase, as cfn-lint's W3037 checks them (half a second to load: once)."""
    if not _IAM:
        from cfnlint.data import AdditionalSpecs
        from cfnlint.helpers import load_resource

        for service, spec in load_resource(AdditionalSpecs, "Policies.json").items():
            _IAM[service] = frozenset(spec.get("Actions", {}))
    return _IAM


def pack(statements: list[Statement]) -> list[list[Statement]]:
    """The statements in as few managed policies as fit :data:`MANAGED_POLICY_LIMIT`, in order; a statement
    too large for one policy is split by its actions. Sizes are of the template's JSON without whitespace,
    which is never shorter than the policy IAM stores (``${AWS::Partition}`` becomes ``aws``)."""
    documents: list[list[Statement]] = [[]]
    for statement in statements:
        for part in _split(statement):
            if documents[-1] and _size([*documents[-1], part]) > MANAGED_POLICY_LIMIT:
                documents.append([])
            documents[-1].append(part)
    return documents


def _split(statement: Statement) -> list[Statement]:
    if _size([statement]) <= MANAGED_POLICY_LIMIT:
        return [statement]
    actions = statement.Action
    if len(actions) < 2:
        raise ValueError(f"statement {statement.Sid}: over IAM's {MANAGED_POLICY_LIMIT:,} characters with one action")
    half = len(actions) // 2
    return [part for n, chunk in enumerate((actions[:half], actions[half:]), 1)
            for part in _split(Statement(Sid=f"{statement.Sid}{n}", Effect=statement.Effect, Action=chunk,
                                         Resource=statement.Resource))]  # fmt: skip


def _size(statements: list[Statement]) -> int:
    document = encode_to_dict(PolicyDocument(Version="2012-10-17", Statement=statements))
    return len("".join(json.dumps(document).split()))


# Why part 2 is on "*" (the template's Metadata, the scanners' suppressions, docs/fleets-roles.md).
WILDCARD_REASON = (
    "a stack set creates, updates and deletes this fleet's resources with this role: the create, read, update and "
    "delete handlers' actions of AWS's resource schema of each type of templates/fleet-<name>.json, no other; most "
    "take no resource ARN (EC2's Describe calls, a Create before its resource exists) and every name is made at "
    "deploy time by CloudFormation, so they are granted on *; only the administration role of the stack set may "
    "assume the role"
)
PERMISSIONS_REASON = (
    "the fleet's template makes IAM roles and managed policies, key, topic, secret and bucket policies and a Lambda "
    "permission, and passes roles to RDS, VPC Flow Logs and Lambda: these are the IAM::Role, IAM::ManagedPolicy, "
    "KMS::Key, SNS::Topic, SecretsManager::ResourcePolicy, EC2::FlowLog and Lambda handlers' actions, on * because "
    "CloudFormation names those resources at deploy time; only the stack set's administration role may assume the "
    "role (docs/fleets-roles.md)"
)
ESCALATION_REASON = (
    "a role that makes roles and policies can grant itself more (docs/fleets-roles.md says so): the IAM::Role and "
    "IAM::ManagedPolicy handlers' actions, which the fleet's roles and managed policies need, and the Lambda "
    "handler's, which the rotation function needs; CloudFormation names them at deploy time; only CloudFormation, "
    "for this fleet's stack set, through its administration role, may assume the role"
)
DATA_REASON = (
    "the handlers read what they configure: the Lambda handler reads the rotation function's code object "
    "(s3:GetObject), the Secrets Manager handlers read the database secret they make and attach; AWS's handler "
    "permissions for the fleet's types, granted as listed"
)


# Scanner findings the execution role's policies carry on purpose (docs/SECURITY.md lists them), and the actions
# that raise each, as the scanners flag them one action at a time (checkov 3's CKV_AWS_108/109/110, cfripper's
# PrivilegeEscalationRule); CKV_AWS_111 and WildcardResourceRule fire on any action on "*".
_DATA_READS = frozenset({"s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter", "ssm:GetParameters"})
_PERMISSIONS = frozenset({
    "kms:CreateGrant", "kms:PutKeyPolicy", "lambda:AddPermission", "lambda:RemovePermission", "s3:PutBucketPolicy",
    "secretsmanager:DeleteResourcePolicy", "secretsmanager:PutResourcePolicy", "sns:CreateTopic",
    "sns:SetTopicAttributes",
})  # fmt: skip
_ESCALATING = frozenset({
    "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreatePolicy",
    "iam:CreatePolicyVersion", "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "lambda:UpdateFunctionCode",
})  # fmt: skip


def _iam_writes(names: set[str]) -> set[str]:
    return {n for n in names if n.startswith("iam:") and not n.split(":", 1)[1].startswith(("Get", "List"))}


def findings(statements: list[Statement]) -> tuple[dict[str, str], dict[str, str]]:
    """``(cfripper, checkov)``: the suppressions one managed policy carries, each with its reason."""
    names = {f"{a.prefix}:{a.action}" for s in statements if s.Resource == ["*"] for a in s.Action}
    cfripper, checkov = {}, {}
    if names:
        cfripper["WildcardResourceRule"] = checkov["CKV_AWS_111"] = WILDCARD_REASON
    if names & _DATA_READS:
        checkov["CKV_AWS_108"] = DATA_REASON
    if names & _PERMISSIONS or _iam_writes(names):
        checkov["CKV_AWS_109"] = PERMISSIONS_REASON
    if names & _ESCALATING:
        cfripper["PrivilegeEscalationRule"] = checkov["CKV_AWS_110"] = ESCALATION_REASON
    return cfripper, checkov
