"""What every resource module shares: physical names, tags, removal policies, scanner suppressions and
the shape of a role an AWS service assumes."""

from __future__ import annotations

from collections.abc import Mapping

from awacs import sts
from awacs.aws import Allow, ArnLike, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import AWSObject, Ref, Sub, Tags
from troposphere.iam import Role

from generator.config import Environment

PROJECT = "IndustrialIoT"
MANAGED_BY = "iotstack"

# The types of this stack whose data a final snapshot keeps (DeletionPolicy "Snapshot"). Aurora
# instances are left out: their data is the cluster's.
_SNAPSHOT_TYPES = {"AWS::RDS::DBCluster", "AWS::ElastiCache::ReplicationGroup"}


def name(env: Environment, kind: str) -> str:
    """The architecture's naming pattern ``{resource-type}-{env}``, e.g. ``aurora-cluster-dev``."""
    return f"{kind}-{env.name}"


def tags(env: Environment, resource_name: str | None = None, **extra: str) -> Tags:
    """The tags every taggable resource carries: Environment, Project, ManagedBy, the environment's
    own extra tags, ``Name`` where the resource has one, and ``extra`` (``Service``, ``Type``)."""
    values = {"Environment": env.name, "Project": PROJECT, "ManagedBy": MANAGED_BY, **env.tags, **extra}
    if resource_name:
        values["Name"] = resource_name
    return Tags(**values)


def protect(resource: AWSObject, env: Environment) -> AWSObject:
    """Set ``DeletionPolicy`` and ``UpdateReplacePolicy`` from the environment's removal policy.

    ``destroy`` deletes; ``snapshot`` keeps a final snapshot of the database and the cache and keeps
    the other stateful resources (keys, stream, secret, log groups), as AWS CDK's RemovalPolicy.
    """
    if env.removal_policy == "destroy":
        policy = "Delete"
    else:
        policy = "Snapshot" if resource.resource_type in _SNAPSHOT_TYPES else "Retain"
    resource.DeletionPolicy = policy
    resource.UpdateReplacePolicy = policy
    return resource


def suppress(
    resource: AWSObject, *, checkov: Mapping[str, str] | None = None, cfripper: Mapping[str, str] | None = None
) -> AWSObject:
    """Record deliberate exceptions to the scanners' checks in the resource's ``Metadata``, each with
    its reason: ``checkov.skip`` as checkov reads it (``[{"id", "comment"}]``), and
    ``cfripper_ignore`` (``{rule: reason}``), which the filter in ``scanners/cfripper_filters`` reads.
    docs/SECURITY.md lists every one (a test compares them)."""
    metadata = dict(getattr(resource, "Metadata", None) or {})
    if checkov:
        metadata["checkov"] = {"skip": [{"id": check, "comment": why} for check, why in sorted(checkov.items())]}
    if cfripper:
        metadata["cfripper_ignore"] = dict(sorted(cfripper.items()))
    resource.Metadata = metadata
    return resource


def service_role(logical_id: str, env: Environment, service: str, description: str, source_arn: str | None = None,
                 **properties) -> Role:  # fmt: skip
    """An IAM role that only ``service`` (``monitoring.rds.amazonaws.com``) may assume, and only on behalf
    of this account (``aws:SourceAccount``) and, when given, of the resources ``source_arn`` matches
    (``aws:SourceArn``): the confused-deputy guard. ``properties`` add its policies."""
    account = StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))
    conditions = Condition([account, ArnLike("aws:SourceArn", Sub(source_arn))] if source_arn else account)
    trust = Statement(Effect=Allow, Principal=Principal("Service", service), Action=[sts.AssumeRole],
                      Condition=conditions)  # fmt: skip
    return Role(logical_id, Description=f"{description} - {env.name}",
                AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[trust]), Tags=tags(env),
                **properties)  # fmt: skip
