"""Stack outputs: the architecture's outputs under CloudFormation-legal names, each exported.

Exports are named ``${AWS::StackName}-<Output>`` so that other stacks import them with
``Fn::ImportValue`` without knowing this stack's internals.
"""

from __future__ import annotations

from troposphere import AWSObject, Export, GetAtt, Join, Output, Ref, Sub, Template
from troposphere.elasticache import ReplicationGroup
from troposphere.kinesis import Stream

from generator.database_users import READER, WRITER
from generator.stack.access import Access
from generator.stack.alerts import AlertTopics
from generator.stack.aurora import Aurora
from generator.stack.keys import Keys
from generator.stack.network import Network
from generator.stack.secrets import Secrets
from generator.stack.security_groups import SecurityGroups


def add_outputs(
    template: Template, network: Network, keys: Keys, groups: SecurityGroups,
    stream: Stream, aurora: Aurora, redis: ReplicationGroup, secrets: Secrets, access: Access,
    topics: AlertTopics | None = None,
) -> None:  # fmt: skip
    """Add one exported output per value other systems need: never the master credential's secret
    (consumers connect with their own access, policy rule E9013)."""
    outputs = {
        "VpcId": (Ref(network.vpc), "VPC identifier"),
        "VpcCidr": (GetAtt(network.vpc, "CidrBlock"), "VPC CIDR block"),
        "PublicSubnetIds": (_ids(network.public_subnets), "Public subnet IDs, comma-separated"),
        "PrivateSubnetIds": (_ids(network.private_subnets), "Private subnet IDs, comma-separated"),
        "KinesisStreamName": (Ref(stream), "Sensor data stream name"),
        "KinesisStreamArn": (GetAtt(stream, "Arn"), "Sensor data stream ARN"),
        "AuroraClusterId": (Ref(aurora.cluster), "Aurora cluster identifier"),
        "AuroraClusterEndpoint": (GetAtt(aurora.cluster, "Endpoint.Address"), "Aurora writer endpoint"),
        "AuroraClusterReaderEndpoint": (GetAtt(aurora.cluster, "ReadEndpoint.Address"), "Aurora reader endpoint"),
        "AuroraClusterPort": (GetAtt(aurora.cluster, "Endpoint.Port"), "Aurora port"),
        "RedisClusterId": (Ref(redis), "Redis replication group identifier"),
        "RedisPrimaryEndpoint": (GetAtt(redis, "PrimaryEndPoint.Address"), "Redis primary endpoint address"),
        "RedisReaderEndpoint": (GetAtt(redis, "ReaderEndPoint.Address"), "Redis reader endpoint address"),
        "RedisAuthSecretArn": (Ref(secrets.redis_auth), "Redis AUTH token secret ARN"),
        "StreamProducerPolicyArn": (Ref(access.stream_producer), "Managed policy: put records on the sensor stream"),
        "StreamConsumerPolicyArn": (Ref(access.stream_consumer), "Managed policy: read the sensor stream"),
        "DatabaseWriterPolicyArn": (Ref(access.database_writer), f"Managed policy: connect as {WRITER} (IAM auth)"),
        "DatabaseReaderPolicyArn": (Ref(access.database_reader), f"Managed policy: connect as {READER} (IAM auth)"),
        "DatabaseWriterUser": (WRITER, "Database user for writers (IAM authentication, no password)"),
        "DatabaseReaderUser": (READER, "Database user for readers (IAM authentication, no password)"),
        "CacheClientPolicyArn": (Ref(access.cache_client), "Managed policy: read the Redis AUTH token"),
        "DatabaseBreakGlassRoleArn": (
            GetAtt(access.break_glass, "Arn"),
            "Role that reads the database master credential (emergencies only)",
        ),
        "KinesisKmsKeyId": (Ref(keys.kinesis), "Kinesis KMS key ID"),
        "RdsKmsKeyId": (Ref(keys.rds), "RDS KMS key ID"),
        "SecretsKmsKeyId": (Ref(keys.secrets), "Secrets Manager KMS key ID"),
        "RedisKmsKeyId": (Ref(keys.redis), "ElastiCache Redis KMS key ID"),
        "LogsKmsKeyId": (Ref(keys.logs), "CloudWatch Logs KMS key ID"),
        "RdsSecurityGroupId": (GetAtt(groups.database, "GroupId"), "RDS security group ID"),
        "ElasticacheSecurityGroupId": (GetAtt(groups.cache, "GroupId"), "ElastiCache security group ID"),
        "ConsumerSecurityGroupId": (
            GetAtt(groups.consumers, "GroupId"),
            "Security group to attach to what uses the database and cache",
        ),
    }
    if topics is not None:  # for other stacks' alarms of this account
        outputs["AlertTopicArn"] = (Ref(topics.alerts), "Alert topic ARN (alarms and events of this stack)")
    for title, (value, description) in outputs.items():
        template.add_output(
            Output(title, Description=description, Value=value, Export=Export(Sub(f"${{AWS::StackName}}-{title}")))
        )


def _ids(resources: list[AWSObject]) -> Join:
    return Join(",", [Ref(r) for r in resources])
