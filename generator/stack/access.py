"""Access: what the platform's users may do, each with only what it needs, and who reads the master password.

Managed policies to attach to the roles of the applications that use the platform (their own roles,
in this account; the outputs give the ARNs):

- ``SensorStreamProducerPolicy``: put records on the sensor stream, and encrypt with its key through
  Kinesis only (``kms:ViaService``);
- ``SensorStreamConsumerPolicy``: read the stream, by polling or by enhanced fan-out (register a
  consumer of this stream, subscribe to its shards), and decrypt with its key through Kinesis only;
- ``DatabaseWriterPolicy`` and ``DatabaseReaderPolicy``: connect to the cluster as the database user
  ``iot_writer`` or ``iot_reader`` through IAM database authentication (``rds-db:connect`` for that one
  user of this cluster): no password at all. ``iotstack database-users`` creates the two users once
  (:mod:`generator.database_users`);
- ``CacheClientPolicy``: read the Redis AUTH token (the cache has no IAM authentication for it).

None of them reaches the master credential. The secret's resource policy denies reading it to every
principal, whatever its IAM policies say, but ``DatabaseBreakGlassRole`` (a role this account's
principals may assume where IAM lets them; each read tells the alert topic, :mod:`generator.stack.alerts`),
the rotation function, and calls CloudFormation makes (the cluster's dynamic references, the secret's
attachment; a principal that may read the secret by IAM can do so through a stack of its own: the policy
stops direct reads, docs/SECURITY.md says what that leaves).
"""

from __future__ import annotations

from typing import NamedTuple

from awacs import kinesis, kms, rds_db, secretsmanager, sts
from awacs.aws import (
    Allow,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    AWSPrincipal,
    Condition,
    Deny,
    ForAllValuesStringNotEquals,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
    StringNotEquals,
    StringNotLike,
)
from troposphere import GetAtt, Ref, Sub, Template
from troposphere.iam import ManagedPolicy, Role
from troposphere.iam import Policy as InlinePolicy
from troposphere.kinesis import Stream
from troposphere.kms import Key
from troposphere.secretsmanager import ResourcePolicy

from generator.config import Environment
from generator.database_users import READER, WRITER
from generator.stack.aurora import Aurora
from generator.stack.common import tags
from generator.stack.keys import ACCOUNT_ROOT
from generator.stack.rotation import Rotation
from generator.stack.secrets import Secrets

# The one service that may read the master credential on a deployer's behalf: CloudFormation, resolving the
# cluster's dynamic references and completing the secret's attachment (IAM's aws:CalledVia).
THROUGH_CLOUDFORMATION = "cloudformation.amazonaws.com"
# The hosted rotation function's role is made by the Secrets Manager transform in a nested stack of this stack;
# AWS documents no name for it and no way to refer to it (aws-cdk#22051). CloudFormation names the roles it
# names itself after the stack: "<stack>-<nested stack>-...". Of those roles, only the function's own session
# (Lambda names it after the function), through the stack's endpoint, may read; docs/SECURITY.md records that
# this is not proven against AWS.
ROTATION_ROLES = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-*"


class Access(NamedTuple):
    stream_producer: ManagedPolicy
    stream_consumer: ManagedPolicy
    database_writer: ManagedPolicy
    database_reader: ManagedPolicy
    cache_client: ManagedPolicy
    break_glass: Role


def add_access(
    template: Template, env: Environment, stream: Stream, stream_key: Key, secrets_key: Key, aurora: Aurora,
    secrets: Secrets, rotation: Rotation | None,
) -> Access:  # fmt: skip
    """Add the five managed policies, the break-glass role and the master secret's resource policy."""
    stream_arn = GetAtt(stream, "Arn")
    through_kinesis = _via(stream_key, "kinesis")
    access = Access(
        stream_producer=_policy(template, env, "SensorStreamProducerPolicy", "put records on the sensor stream", [
            _allow("PutRecordsOnTheSensorStream", [kinesis.PutRecord, kinesis.PutRecords, kinesis.DescribeStreamSummary,
                                                    kinesis.ListShards], stream_arn),
            through_kinesis("EncryptWithTheStreamKeyThroughKinesis", kms.GenerateDataKey),
        ]),
        stream_consumer=_policy(template, env, "SensorStreamConsumerPolicy", "read the sensor stream", [
            _allow("ReadTheSensorStream", [kinesis.GetRecords, kinesis.GetShardIterator, kinesis.DescribeStream,
                                           kinesis.DescribeStreamSummary, kinesis.ListShards,
                                           kinesis.ListStreamConsumers, kinesis.RegisterStreamConsumer], stream_arn),
            _allow("FanOutFromTheSensorStream", [kinesis.DescribeStreamConsumer, kinesis.SubscribeToShard,
                                                 kinesis.DeregisterStreamConsumer],
                   Sub("${Stream}/consumer/*", Stream=stream_arn)),
            through_kinesis("DecryptWithTheStreamKeyThroughKinesis", kms.Decrypt),
        ]),
        database_writer=_database_user(template, env, aurora, "DatabaseWriterPolicy", WRITER),
        database_reader=_database_user(template, env, aurora, "DatabaseReaderPolicy", READER),
        cache_client=_policy(template, env, "CacheClientPolicy", "read the Redis AUTH token", [
            _allow("ReadTheRedisAuthToken", [secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
                   Ref(secrets.redis_auth)),
            _via(secrets_key, "secretsmanager")("DecryptTheTokenThroughSecretsManager", kms.Decrypt),
        ]),
        break_glass=_break_glass_role(template, env, secrets, secrets_key),
    )  # fmt: skip
    template.add_resource(
        ResourcePolicy("DatabaseSecretResourcePolicy", SecretId=Ref(secrets.database), BlockPublicPolicy=True,
                       ResourcePolicy=PolicyDocument(Version="2012-10-17",
                                                     Statement=_master_secret_readers(access, rotation)))
    )  # fmt: skip
    return access


def _master_secret_readers(access: Access, rotation: Rotation | None) -> list[Statement]:
    """Deny reading the master credential but to break-glass, rotation and CloudFormation: one statement for
    everyone else, and where the password rotates two for the stack's other roles: but the function's session,
    and but through the function's endpoint (role and session names are chosen by whoever makes the role and
    assumes it; the endpoint is the function's only way out of a VPC without NAT)."""
    not_through_cloudformation = ForAllValuesStringNotEquals("aws:CalledVia", [THROUGH_CLOUDFORMATION])
    read = {"Effect": Deny, "Principal": Principal("*"), "Action": [secretsmanager.GetSecretValue], "Resource": ["*"]}
    readers = [GetAtt(access.break_glass, "Arn"), *([Sub(ROTATION_ROLES)] if rotation is not None else [])]
    statements = [
        Statement(
            Sid="OnlyBreakGlassRotationAndCloudFormationReadTheMasterCredential",
            **read,
            Condition=Condition([ArnNotLike("aws:PrincipalArn", readers), not_through_cloudformation]),
        )
    ]
    if rotation is not None:
        stack_role = [
            ArnLike("aws:PrincipalArn", Sub(ROTATION_ROLES)),  # break-glass is one of them
            ArnNotEquals("aws:PrincipalArn", GetAtt(access.break_glass, "Arn")),
            not_through_cloudformation,
        ]
        statements += [
            Statement(Sid="OfTheStacksRolesOnlyTheRotationFunctionReadsIt", **read,
                      Condition=Condition([*stack_role, StringNotLike("aws:userid", f"*:{rotation.function}")])),
            Statement(Sid="AndOnlyThroughItsEndpoint", **read,
                      Condition=Condition([*stack_role, StringNotEquals("aws:SourceVpce", Ref(rotation.endpoint))])),
        ]  # fmt: skip
    return statements


def _allow(sid: str, actions: list, resource: object) -> Statement:
    return Statement(Sid=sid, Effect=Allow, Action=actions, Resource=[resource])


def _via(key: Key, service: str):
    """A statement maker for using ``key`` only through ``service`` in this region (``kms:ViaService``)."""

    through = Condition(StringEquals("kms:ViaService", Sub(f"{service}.${{AWS::Region}}.amazonaws.com")))

    def statement(sid: str, action: kms.Action) -> Statement:
        return Statement(Sid=sid, Effect=Allow, Action=[action], Resource=[GetAtt(key, "Arn")], Condition=through)

    return statement


def _policy(template: Template, env: Environment, logical: str, purpose: str, statements: list) -> ManagedPolicy:
    return template.add_resource(
        ManagedPolicy(logical, Description=f"Lets its holder {purpose} - {env.name}",
                      PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=statements))
    )  # fmt: skip


def _database_user(template: Template, env: Environment, aurora: Aurora, logical: str, user: str) -> ManagedPolicy:
    """``rds-db:connect`` as one database user of this cluster (RDS user guide, "Creating and using an IAM
    policy for IAM database access")."""
    user_arn = Sub(f"arn:${{AWS::Partition}}:rds-db:${{AWS::Region}}:${{AWS::AccountId}}:dbuser:${{Cluster}}/{user}",
                   Cluster=GetAtt(aurora.cluster, "DBClusterResourceId"))  # fmt: skip
    return _policy(template, env, logical, f"connect to the database as {user} (IAM authentication)",
                   [_allow(f"ConnectAs{user.title().replace('_', '')}", [rds_db.connect], user_arn)])  # fmt: skip


def _break_glass_role(template: Template, env: Environment, secrets: Secrets, key: Key) -> Role:
    """The one role besides rotation that reads the master credential: for ``iotstack database-users`` and
    emergencies. This account's principals may assume it where their IAM policies let them."""
    trust = Statement(Effect=Allow, Principal=AWSPrincipal(ACCOUNT_ROOT), Action=[sts.AssumeRole])
    read = PolicyDocument(Version="2012-10-17", Statement=[
        _allow("ReadTheMasterCredential", [secretsmanager.GetSecretValue, secretsmanager.DescribeSecret],
               Ref(secrets.database)),
        _via(key, "secretsmanager")("DecryptItThroughSecretsManager", kms.Decrypt),
    ])  # fmt: skip
    return template.add_resource(
        Role("DatabaseBreakGlassRole", Description=f"Reads the database master credential, in emergencies - {env.name}",
             AssumeRolePolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[trust]),
             MaxSessionDuration=3600, Policies=[InlinePolicy(PolicyName="read-master-credential", PolicyDocument=read)],
             Tags=tags(env))
    )  # fmt: skip
