"""What every resource module shares: physical names, tags and removal policies."""

from __future__ import annotations

from collections.abc import Mapping

from troposphere import AWSObject, Tags

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
