"""Aurora Serverless v2 PostgreSQL: the persistent store for sensor data.

The cluster lives in the private subnets, encrypted with the RDS key, with the architecture's
backup retention and windows. Its master credentials come from the Secrets Manager secret through
dynamic references only. Its instances are ``db.serverless``; with two or more they alternate
between the two AZs, so that losing the writer's AZ fails over to a reader in the other one (one
instance, as in dev, has no failover target). The ``postgresql`` log is exported to an encrypted
log group created here under the name RDS writes to (FSBP RDS.37). IAM database authentication is
on (RDS.12), and every instance sends enhanced monitoring through a role only RDS monitoring of this
account may assume (RDS.6). The cluster's parameter group forces TLS on every connection
(``rds.force_ssl``): without it, the engine's default lets clients inside the VPC connect in plain text.
"""

from __future__ import annotations

from typing import NamedTuple

from troposphere import GetAtt, PropsDictType, Ref, Sub, Template
from troposphere.ec2 import SecurityGroup
from troposphere.iam import Role
from troposphere.kms import Key
from troposphere.rds import (
    DBCluster,
    DBClusterParameterGroup,
    DBInstance,
    DBSubnetGroup,
    ServerlessV2ScalingConfiguration,
)
from troposphere.secretsmanager import Secret, SecretTargetAttachment

from generator.config import Environment
from generator.stack.common import name, protect, service_role, suppress, tags
from generator.stack.logs import add_log_group
from generator.stack.network import Network, availability_zone
from generator.stack.secrets import DB_NAME, resolve
from generator.stack.security_groups import POSTGRES_PORT

ENGINE = "aurora-postgresql"
# Seconds between enhanced-monitoring samples (RDS allows 1, 5, 10, 15, 30, 60); 60 costs least.
MONITORING_INTERVAL = 60
MONITORING_POLICY = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
# The cluster parameters this stack sets. rds.force_ssl = 1 refuses connections without TLS (Aurora user guide,
# "Securing Aurora PostgreSQL data with SSL/TLS"); it is a cluster parameter of every aurora-postgresql family.
CLUSTER_PARAMETERS = {"rds.force_ssl": "1"}


def parameter_group_family(engine_version: str) -> str:
    """The parameter group family of an Aurora PostgreSQL version: ``15.10`` gives ``aurora-postgresql15``."""
    return f"{ENGINE}{engine_version.split('.')[0]}"


class ScalingConfiguration(ServerlessV2ScalingConfiguration):
    """troposphere 4.11 still enforces the 2022 limits (0.5..128 ACU); AWS now accepts 0..256
    (0 pauses the cluster on PostgreSQL 15.7 and later). generator/config/ checks the current limits."""

    props: PropsDictType = {  # noqa: RUF012  (how troposphere declares properties)
        **ServerlessV2ScalingConfiguration.props,
        "MinCapacity": (float, False),
        "MaxCapacity": (float, False),
    }


class Aurora(NamedTuple):
    cluster: DBCluster
    instances: list[DBInstance]
    attachment: SecretTargetAttachment  # the secret is a complete connection description once it exists


def add_aurora(
    template: Template, env: Environment, network: Network, security_group: SecurityGroup,
    key: Key, logs_key: Key, secret: Secret,
) -> Aurora:  # fmt: skip
    """Add the subnet group, log group, cluster, its instances, their monitoring role and the
    secret's attachment."""
    cluster_id = name(env, "aurora-cluster")
    subnet_group_name = name(env, "aurora-subnet-group")
    subnet_group = template.add_resource(
        DBSubnetGroup(
            "AuroraSubnetGroup",
            DBSubnetGroupName=subnet_group_name,
            DBSubnetGroupDescription=f"Subnet group for Aurora cluster - {env.name}",
            SubnetIds=[Ref(s) for s in network.private_subnets],
            Tags=tags(env, subnet_group_name),
        )
    )
    log_group = add_log_group(
        template, env, "AuroraPostgresqlLogGroup", f"/aws/rds/cluster/{cluster_id}/postgresql", logs_key
    )
    # No name: a new engine major version needs a new family, so the group is replaced, which CloudFormation
    # cannot do to a named resource.
    parameters = template.add_resource(
        DBClusterParameterGroup(
            "AuroraClusterParameterGroup",
            Description=f"Aurora PostgreSQL cluster parameters: TLS required - {env.name}",
            Family=parameter_group_family(env.aurora.engine_version),
            Parameters=CLUSTER_PARAMETERS,
            Tags=tags(env, name(env, "aurora-cluster-parameters")),
        )
    )
    cluster = template.add_resource(
        DBCluster(
            "AuroraCluster",
            # RDS would create the log group itself, without retention, if it came first.
            DependsOn=[log_group],
            DBClusterIdentifier=cluster_id,
            Engine=ENGINE,
            EngineMode="provisioned",  # Serverless v2 is the provisioned mode with db.serverless instances
            EngineVersion=env.aurora.engine_version,
            DatabaseName=DB_NAME,
            MasterUsername=resolve(secret, "username"),
            MasterUserPassword=resolve(secret, "password"),
            Port=POSTGRES_PORT,
            DBClusterParameterGroupName=Ref(parameters),
            DBSubnetGroupName=Ref(subnet_group),
            VpcSecurityGroupIds=[GetAtt(security_group, "GroupId")],
            StorageEncrypted=True,
            KmsKeyId=GetAtt(key, "Arn"),  # DBCluster wants the key's ARN, not its id
            BackupRetentionPeriod=env.aurora.backup_retention_days,
            PreferredBackupWindow=env.aurora.backup_window,
            PreferredMaintenanceWindow=env.aurora.maintenance_window,
            ServerlessV2ScalingConfiguration=ScalingConfiguration(
                MinCapacity=env.aurora.min_capacity, MaxCapacity=env.aurora.max_capacity
            ),
            EnableCloudwatchLogsExports=["postgresql"],
            EnableIAMDatabaseAuthentication=True,
            DeletionProtection=env.aurora.deletion_protection,
            CopyTagsToSnapshot=True,
            Tags=tags(env, cluster_id),
        )
    )
    protect(cluster, env)
    suppress(cluster, cfripper={"HardcodedRDSPasswordRule": (
        "the master password is a Secrets Manager dynamic reference to a generated secret, not a "
        "literal or a parameter; cfripper only recognises NoEcho parameters as safe"
    )})  # fmt: skip
    monitoring = _add_monitoring_role(template, env)
    instances = [
        _add_instance(template, env, cluster, monitoring, number) for number in range(1, env.aurora.instances + 1)
    ]
    attachment = template.add_resource(
        SecretTargetAttachment(
            "DatabaseSecretAttachment",
            SecretId=Ref(secret),
            TargetId=Ref(cluster),
            TargetType="AWS::RDS::DBCluster",
        )
    )
    return Aurora(cluster, instances, attachment)


def _add_monitoring_role(template: Template, env: Environment) -> Role:
    # AWS's own policy for exactly this role: write to the RDSOSMetrics log group only.
    return template.add_resource(
        service_role("AuroraMonitoringRole", env, "monitoring.rds.amazonaws.com",
                     "Lets RDS enhanced monitoring publish the Aurora instances' metrics",
                     ManagedPolicyArns=[Sub(MONITORING_POLICY)])
    )  # fmt: skip


def _add_instance(
    template: Template, env: Environment, cluster: DBCluster, monitoring: Role, number: int
) -> DBInstance:
    # The first instance keeps the architecture's name; the others are numbered.
    instance_id = name(env, "aurora-instance" if number == 1 else f"aurora-instance-{number}")
    instance = DBInstance(
        "AuroraInstance" if number == 1 else f"AuroraInstance{number}",
        DBInstanceIdentifier=instance_id,
        DBClusterIdentifier=Ref(cluster),
        Engine=ENGINE,  # no EngineVersion: an Aurora instance runs its cluster's version
        DBInstanceClass="db.serverless",
        PubliclyAccessible=False,
        AutoMinorVersionUpgrade=True,
        MonitoringInterval=MONITORING_INTERVAL,
        MonitoringRoleArn=GetAtt(monitoring, "Arn"),
        # Always pinned, even when alone: an instance's AZ cannot change in place, so adding the
        # property later (going from one instance to two) would force a replacement, which a
        # named instance cannot have.
        AvailabilityZone=availability_zone((number - 1) % 2),
        Tags=tags(env, instance_id),
    )
    # The data lives in the cluster, which carries the removal policy. An Aurora instance cannot be
    # snapshotted on its own, and a retained one would block the deletion of its cluster.
    instance.DeletionPolicy = "Delete"
    instance.UpdateReplacePolicy = "Delete"
    return template.add_resource(instance)
