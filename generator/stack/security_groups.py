"""Security groups: PostgreSQL (5432) and Redis (6379), reachable from inside the VPC only.

As the architecture has them: ingress on the one port each data store listens on, from the VPC's
CIDR block; every rule carries a description, so a reviewer can tell why it exists.
"""

from __future__ import annotations

from typing import NamedTuple

from troposphere import GetAtt, Ref, Template
from troposphere.ec2 import SecurityGroup, SecurityGroupRule

from generator.config import Environment
from generator.stack.common import name, tags
from generator.stack.network import Network

POSTGRES_PORT = 5432
REDIS_PORT = 6379


class SecurityGroups(NamedTuple):
    database: SecurityGroup
    cache: SecurityGroup


def add_security_groups(template: Template, env: Environment, network: Network) -> SecurityGroups:
    """Add the database and cache security groups."""
    return SecurityGroups(
        database=_add_group(template, env, network, "DatabaseSecurityGroup", "rds-sg",
                            "RDS Aurora cluster", POSTGRES_PORT, "PostgreSQL"),
        cache=_add_group(template, env, network, "CacheSecurityGroup", "elasticache-sg",
                         "ElastiCache Redis", REDIS_PORT, "Redis"),
    )  # fmt: skip


def _add_group(
    template: Template, env: Environment, network: Network,
    logical: str, kind: str, purpose: str, port: int, protocol: str,
) -> SecurityGroup:  # fmt: skip
    group_name = name(env, kind)
    return template.add_resource(
        SecurityGroup(
            logical,
            GroupName=group_name,
            GroupDescription=f"Security group for {purpose} - {env.name}",
            VpcId=Ref(network.vpc),
            SecurityGroupIngress=[
                SecurityGroupRule(
                    Description=f"{protocol} access from the VPC",
                    IpProtocol="tcp",
                    FromPort=port,
                    ToPort=port,
                    CidrIp=GetAtt(network.vpc, "CidrBlock"),
                )
            ],
            # The architecture's allow-all egress, kept as it is for now; a data store opens no
            # connections of its own, so this is the first rule to narrow for least privilege.
            SecurityGroupEgress=[
                SecurityGroupRule(
                    Description="Allow all outbound traffic",
                    IpProtocol="-1",
                    CidrIp="0.0.0.0/0",
                )
            ],
            Tags=tags(env, group_name),
        )
    )
