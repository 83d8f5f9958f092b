"""ElastiCache Redis: the replication group ``redis-{env}`` for real-time processing.

Cluster mode disabled: one primary and ``cache_clusters - 1`` replicas spread over the private
subnets' AZs. With two or more cache clusters a failed primary is replaced by a replica
automatically (automatic failover with Multi-AZ). Encrypted at rest and in transit.
"""

from __future__ import annotations

from troposphere import GetAtt, Ref, Template
from troposphere.ec2 import SecurityGroup
from troposphere.elasticache import ReplicationGroup, SubnetGroup

from generator.config import Environment
from generator.stack.common import name, protect, tags
from generator.stack.network import Network
from generator.stack.security_groups import REDIS_PORT


def add_redis(
    template: Template, env: Environment, network: Network, security_group: SecurityGroup
) -> ReplicationGroup:
    """Add the cache subnet group and the replication group."""
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
            TransitEncryptionEnabled=True,
            AutoMinorVersionUpgrade=True,
            PreferredMaintenanceWindow=settings.maintenance_window,
            SnapshotRetentionLimit=settings.snapshot_retention_days,
            SnapshotWindow=settings.snapshot_window,
            Tags=tags(env, name(env, "redis-cluster")),
        )
    )
    return protect(group, env)
