"""Security groups: who may talk to whom, every rule explicit and described.

The data stores admit their one port only from the **consumer** security group (attached to the
applications and processors that use the data) and from networks an environment names explicitly
(``network.consumer_cidrs``); never from the whole VPC. Every group has explicit egress: the
consumers and the rotation function reach exactly the stores and the Secrets Manager endpoint; the
data stores and the endpoint open no connections, so their only egress rule is a loopback
placeholder (a group without egress rules would get AWS's allow-all).

Egress is written inside each group; all ingress is separate ``AWS::EC2::SecurityGroupIngress``
resources, so that two groups that name each other form no dependency cycle, and no group mixes
inline and separate rules of one direction (CloudFormation would revoke one with the other). When
password rotation is on, the rotation function's group and the Secrets Manager endpoint's group
are added.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from troposphere import GetAtt, Ref, Template
from troposphere.ec2 import SecurityGroup, SecurityGroupIngress, SecurityGroupRule

from generator.config import Environment
from generator.stack.common import name, tags
from generator.stack.network import Network

POSTGRES_PORT = 5432
REDIS_PORT = 6379
HTTPS_PORT = 443

# Egress to the loopback address matches no packet that leaves an interface: it stands in for "no
# egress", which a security group cannot express (with no rule, AWS adds allow-all to anywhere).
NO_EGRESS = SecurityGroupRule(
    Description="No outbound traffic: this group opens no connections", IpProtocol="-1", CidrIp="127.0.0.1/32"
)


class SecurityGroups(NamedTuple):
    consumers: SecurityGroup
    database: SecurityGroup
    cache: SecurityGroup
    rotation: SecurityGroup | None  # the password rotation function, when rotation is on
    endpoint: SecurityGroup | None  # the Secrets Manager VPC endpoint, when rotation is on


def add_security_groups(template: Template, env: Environment, network: Network) -> SecurityGroups:
    """Add the consumer, database and cache groups (and rotation's two) with their rules."""
    database = _add_store_group(template, env, network, "DatabaseSecurityGroup", "rds-sg",
                                "RDS Aurora cluster", POSTGRES_PORT, "PostgreSQL")  # fmt: skip
    cache = _add_store_group(template, env, network, "CacheSecurityGroup", "elasticache-sg",
                             "ElastiCache Redis", REDIS_PORT, "Redis")  # fmt: skip
    rotating = env.aurora.password_rotation
    endpoint = (
        _add_group(template, env, network, "SecretsEndpointSecurityGroup", "secrets-endpoint-sg",
                   "the Secrets Manager VPC endpoint", [NO_EGRESS])
        if rotating else None
    )  # fmt: skip
    consumers = _add_group(template, env, network, "ConsumerSecurityGroup", "data-consumers-sg",
                           "applications and processors that use the data stores",
                           _egress_to(database, cache, endpoint))  # fmt: skip
    _allow(template, "DatabaseIngressFromConsumers", database, consumers, POSTGRES_PORT, "PostgreSQL from consumers")
    _allow(template, "CacheIngressFromConsumers", cache, consumers, REDIS_PORT, "Redis from consumers")
    rotation = None
    if endpoint is not None:
        rotation = _add_group(template, env, network, "RotationSecurityGroup", "db-rotation-sg",
                              "the database password rotation function",
                              _egress_to(database, None, endpoint))  # fmt: skip
        _allow(template, "DatabaseIngressFromRotation", database, rotation, POSTGRES_PORT,
               "PostgreSQL from the password rotation function")  # fmt: skip
        _allow(template, "SecretsEndpointIngressFromRotation", endpoint, rotation, HTTPS_PORT,
               "HTTPS from the password rotation function")  # fmt: skip
        _allow(template, "SecretsEndpointIngressFromConsumers", endpoint, consumers, HTTPS_PORT,
               "HTTPS from consumers reading the credentials")  # fmt: skip
    return SecurityGroups(consumers, database, cache, rotation, endpoint)


def _add_store_group(
    template: Template, env: Environment, network: Network,
    logical: str, kind: str, purpose: str, port: int, protocol: str,
) -> SecurityGroup:  # fmt: skip
    group = _add_group(template, env, network, logical, kind, purpose, [NO_EGRESS])
    for cidr in env.network.consumer_cidrs:  # logical ids from the network itself, never a list position
        _allow(template, f"{logical.removesuffix('SecurityGroup')}IngressFrom{re.sub('[./]', 'x', cidr)}", group,
               cidr, port, f"{protocol} from {cidr} (network.consumer_cidrs)")  # fmt: skip
    return group


def _add_group(
    template: Template, env: Environment, network: Network, logical: str, kind: str, purpose: str,
    egress: list[SecurityGroupRule],
) -> SecurityGroup:  # fmt: skip
    group_name = name(env, kind)
    return template.add_resource(
        SecurityGroup(
            logical,
            GroupName=group_name,
            # Unchanged wording for the two original groups: a new description would replace them.
            GroupDescription=f"Security group for {purpose} - {env.name}",
            VpcId=Ref(network.vpc),
            SecurityGroupEgress=egress,
            Tags=tags(env, group_name),
        )
    )


def _egress_to(
    database: SecurityGroup, cache: SecurityGroup | None, endpoint: SecurityGroup | None
) -> list[SecurityGroupRule]:
    targets = [(database, POSTGRES_PORT, "PostgreSQL to the database"), (cache, REDIS_PORT, "Redis to the cache"),
               (endpoint, HTTPS_PORT, "HTTPS to the Secrets Manager endpoint")]  # fmt: skip
    return [
        SecurityGroupRule(Description=description, IpProtocol="tcp", FromPort=port, ToPort=port,
                          DestinationSecurityGroupId=GetAtt(group, "GroupId"))
        for group, port, description in targets
        if group is not None
    ]  # fmt: skip


def _allow(
    template: Template, logical: str, group: SecurityGroup, source: SecurityGroup | str, port: int, why: str
) -> None:
    """One ingress rule on ``group`` from another group or from a named network."""
    origin = {"CidrIp": source} if isinstance(source, str) else {"SourceSecurityGroupId": GetAtt(source, "GroupId")}
    template.add_resource(
        SecurityGroupIngress(
            logical, GroupId=GetAtt(group, "GroupId"), Description=why, IpProtocol="tcp", FromPort=port, ToPort=port,
            **origin,
        )
    )  # fmt: skip
