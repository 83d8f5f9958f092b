"""What every resource module shares: physical names, tags and removal policies."""

from __future__ import annotations

from troposphere import AWSObject, Tags

from generator.config import Environment

PROJECT = "IndustrialIoT"
MANAGED_BY = "iotstack"

# CloudFormation can take a final snapshot of these types only (DeletionPolicy "Snapshot").
_SNAPSHOT_TYPES = {"AWS::RDS::DBCluster", "AWS::ElastiCache::ReplicationGroup"}


def name(env: Environment, kind: str) -> str:
    """The architecture's naming pattern ``{resource-type}-{env}``, e.g. ``aurora-cluster-dev``."""
    return f"{kind}-{env.name}"


def tags(env: Environment, name: str | None = None, **extra: str) -> Tags:
    """The tags every resource carries: Environment, Project, ManagedBy, the environment's own
    extra tags, and ``Name`` where the resource has one."""
    values = {"Environment": env.name, "Project": PROJECT, "ManagedBy": MANAGED_BY, **env.tags, **extra}
    if name:
        values["Name"] = name
    return Tags(**values)


def protect(resource: AWSObject, env: Environment) -> AWSObject:
    """Set ``DeletionPolicy`` and ``UpdateReplacePolicy`` from the environment's removal policy.

    ``destroy`` deletes, ``retain`` keeps the resource, ``snapshot`` keeps a final snapshot where
    CloudFormation can take one and keeps the resource otherwise (as AWS CDK's RemovalPolicy).
    """
    policy = {"destroy": "Delete", "retain": "Retain", "snapshot": "Retain"}[env.removal_policy]
    if env.removal_policy == "snapshot" and resource.resource_type in _SNAPSHOT_TYPES:
        policy = "Snapshot"
    resource.DeletionPolicy = policy
    resource.UpdateReplacePolicy = policy
    return resource
