"""ElastiCache Redis: the replication group ``redis-{env}`` for real-time processing.

Cluster mode disabled: one primary and ``cache_clusters - 1`` replicas spread over the private
subnets' AZs. With two or more cache clusters a failed primary is replaced by a replica
automatically (automatic failover with Multi-AZ). Encrypted at rest with its own key and in
transit; clients authenticate with the AUTH token from Secrets Manager (a dynamic reference, so the
token is never in the template). The slow log (Redis 6.0+) and the engine log (6.2+) are delivered
to encrypted log groups. Where alerting is on, the group's events (failover, node replacement, ...)
go to the unencrypted cache-events topic of :mod:`generator.stack.alerts`.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Template
from troposphere.ec2 import SecurityGroup
from troposphere.elasticache import (
    CloudWatchLogsDestinationDetails,
    DestinationDetails,
    LogDeliveryConfigurationRequest,
    ReplicationGroup,
    SubnetGroup,
)
from troposphere.kms import Key
from troposphere.secretsmanager import Secret
from troposphere.sns import Topic

from generator.config import Environment
from generator.stack.common import name, protect, tags
from generator.stack.logs import add_log_group
from generator.stack.network import Network
from generator.stack.secrets import resolve
from generator.stack.security_groups import REDIS_PORT

# The first Redis version that delivers each log (ElastiCache user guide, "Log delivery").
LOG_TYPES = {"slow-log": (6, 0), "engine-log": (6, 2)}


def add_redis(
    template: Template, env: Environment, network: Network, security_group: SecurityGroup,
    key: Key, logs_key: Key, auth_secret: Secret, events_topic: Topic | None = None,
) -> ReplicationGroup:  # fmt: skip
    """Add the cache subnet group, the log groups and the replication group (its events to
    ``events_topic`` when given)."""
    subnet_group_name = name(env, "redis-subnet-group")
    subnet_group = template.add_resource(
        SubnetGroup(
            "RedisSubnetGroup",
            CacheSubnetGroupName=subnet_group_name,
            Description=f"Subnet group for ElastiCache Redis - {env.name}",
            SubnetIds=[Ref(s) for s in network.private_subnets],
            Tags=tags(env, subnet_group_name),
        )
    )
    settings = env.redis
    group_id = name(env, "redis")
    version = tuple(int(part) for part in settings.engine_version.split("."))
    deliveries = []
    for log_type, since in LOG_TYPES.items():
        if version < since:
            continue
        logical = "Redis" + "".join(part.title() for part in log_type.split("-")) + "Group"  # RedisSlowLogGroup
        log_group = add_log_group(template, env, logical, f"/aws/elasticache/{group_id}/{log_type}", logs_key)
        deliveries.append(
            LogDeliveryConfigurationRequest(
                LogType=log_type,
                LogFormat="json",
                DestinationType="cloudwatch-logs",
                DestinationDetails=DestinationDetails(
                    CloudWatchLogsDetails=CloudWatchLogsDestinationDetails(LogGroup=Ref(log_group))
                ),
            )
        )
    group = template.add_resource(
        ReplicationGroup(
            "RedisReplicationGroup",
            ReplicationGroupId=group_id,
            ReplicationGroupDescription=f"Redis cluster for real-time data processing - {env.name}",
            Engine="redis",
            EngineVersion=settings.engine_version,
            CacheNodeType=settings.node_type,
            NumCacheClusters=settings.cache_clusters,
            AutomaticFailoverEnabled=settings.automatic_failover,
            MultiAZEnabled=settings.automatic_failover,  # Multi-AZ is what makes failover cross AZs
            Port=REDIS_PORT,
            CacheSubnetGroupName=Ref(subnet_group),
            SecurityGroupIds=[GetAtt(security_group, "GroupId")],
            AtRestEncryptionEnabled=True,
            KmsKeyId=Ref(key),
            TransitEncryptionEnabled=True,
            AuthToken=resolve(auth_secret),  # AUTH needs encryption in transit
            LogDeliveryConfigurations=deliveries,
            AutoMinorVersionUpgrade=True,
            PreferredMaintenanceWindow=settings.maintenance_window,
            SnapshotRetentionLimit=settings.snapshot_retention_days,
            SnapshotWindow=settings.snapshot_window,
            Tags=tags(env, name(env, "redis-cluster")),
        )
    )
    if events_topic is not None:
        group.NotificationTopicArn = Ref(events_topic)
    return protect(group, env)
