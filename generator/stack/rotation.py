"""Password rotation: Secrets Manager rotates the database's master password on a schedule.

Single-user PostgreSQL rotation, by a Lambda function that Secrets Manager builds and hosts
(``HostedRotationLambda``), expanded at deploy time by the ``AWS::SecretsManager-2020-07-23``
transform; deploying the template therefore needs CAPABILITY_AUTO_EXPAND and CAPABILITY_IAM. The
function runs in the private subnets with its own security group. Those subnets have no way out of
the VPC (no NAT), so an interface endpoint for Secrets Manager, with private DNS, lets the function
(and the consumers) reach Secrets Manager. The endpoint's policy lets only this account's principals
reach this account's secrets through it: without one, AWS's default lets anyone use it for any
account's secrets, an exfiltration path out of a VPC that has no other way out. The function's log
group is created here, encrypted with the logs key and kept for the environment's retention (Lambda
would make one on first run, unencrypted and kept forever). Only when the environment asks for
rotation (``aurora.password_rotation``).
"""

from __future__ import annotations

from typing import NamedTuple

from awacs import secretsmanager as secrets_actions
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import GetAtt, Join, Ref, Sub, Template
from troposphere.ec2 import VPCEndpoint
from troposphere.kms import Key
from troposphere.secretsmanager import HostedRotationLambda, RotationRules, RotationSchedule, Secret

from generator.config import Environment
from generator.stack.aurora import Aurora
from generator.stack.common import name, tags
from generator.stack.logs import add_log_group
from generator.stack.network import Network
from generator.stack.secrets import PASSWORD_EXCLUDED
from generator.stack.security_groups import SecurityGroups

TRANSFORM = "AWS::SecretsManager-2020-07-23"
# The function's name before the environment's suffix. Until iotstack 0.1.0 it was "db-password-rotation": that
# function had run, so Lambda had made its log group, and the stack could not create one of the same name. A new
# name gets a new function and a log group the stack makes (the old group stays: delete it by hand).
ROTATION_FUNCTION = "db-rotation"
THIS_ACCOUNT = Ref("AWS::AccountId")
# What goes through the endpoint: the rotation function's calls (Secrets Manager user guide, "Permissions for
# rotation": describe, read, write and stage a version, and a random password) and the consumers' reads.
# GetRandomPassword names no secret: a policy allows it only on "*" (the same page).
SECRET_ACTIONS = [secrets_actions.DescribeSecret, secrets_actions.GetSecretValue, secrets_actions.PutSecretValue,
                  secrets_actions.UpdateSecretVersionStage]  # fmt: skip
ENDPOINT_STATEMENTS = (
    ("OnlyThisAccountsPrincipalsOnThisAccountsSecrets", SECRET_ACTIONS,
     Sub("arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*")),
    ("OnlyThisAccountsPrincipalsForRandomPasswords", [secrets_actions.GetRandomPassword], "*"),
)  # fmt: skip
RANDOM_PASSWORD_REASON = (
    'secretsmanager:GetRandomPassword names no resource: AWS allows it only on Resource "*"; the statement admits '
    "only this account's principals (aws:PrincipalAccount)"
)


def endpoint_policy() -> PolicyDocument:
    """This account's principals, on this account's secrets (Secrets Manager user guide, "Using an AWS Secrets
    Manager VPC endpoint": an endpoint policy with ``aws:PrincipalAccount``)."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(Sid=sid, Effect=Allow, Principal=Principal("*"), Action=actions,
                      Resource=[resource],
                      Condition=Condition(StringEquals("aws:PrincipalAccount", THIS_ACCOUNT)))
            for sid, actions, resource in ENDPOINT_STATEMENTS
        ],
    )  # fmt: skip


class Rotation(NamedTuple):
    schedule: RotationSchedule
    endpoint: VPCEndpoint  # the function's only way to Secrets Manager (no NAT)
    function: str  # the function's name


def add_password_rotation(
    template: Template, env: Environment, network: Network, groups: SecurityGroups,
    secret: Secret, key: Key, logs_key: Key, aurora: Aurora,
) -> Rotation | None:  # fmt: skip
    """Add the Secrets Manager endpoint, the function's log group and the rotation schedule, when the
    environment rotates."""
    if not env.aurora.password_rotation:
        return None
    assert groups.rotation is not None and groups.endpoint is not None  # made when rotation is on
    function = name(env, ROTATION_FUNCTION)
    log_group = add_log_group(template, env, "RotationFunctionLogGroup", f"/aws/lambda/{function}", logs_key)
    endpoint = template.add_resource(
        VPCEndpoint(
            "SecretsManagerEndpoint",
            VpcId=Ref(network.vpc),
            ServiceName=Sub("com.amazonaws.${AWS::Region}.secretsmanager"),
            VpcEndpointType="Interface",
            PrivateDnsEnabled=True,  # the function calls the public name; it resolves to the endpoint
            SubnetIds=[Ref(s) for s in network.private_subnets],
            SecurityGroupIds=[GetAtt(groups.endpoint, "GroupId")],
            PolicyDocument=endpoint_policy(),
            Tags=tags(env, name(env, "secretsmanager-endpoint")),
        )
    )
    template.set_transform(TRANSFORM)
    schedule = template.add_resource(
        RotationSchedule(
            "DatabaseSecretRotation",
            # Rotation starts at once: it needs the complete secret, a writer, the endpoint, and its log group
            # before the function first writes (else Lambda makes one, unencrypted and kept forever).
            DependsOn=[aurora.attachment.title, aurora.instances[0].title, endpoint.title, log_group.title],
            SecretId=Ref(secret),
            HostedRotationLambda=HostedRotationLambda(
                RotationType="PostgreSQLSingleUser",
                RotationLambdaName=function,
                KmsKeyArn=GetAtt(key, "Arn"),  # the secret's key, which the function must use
                ExcludeCharacters=PASSWORD_EXCLUDED,  # new passwords obey the same rules as the first
                VpcSecurityGroupIds=GetAtt(groups.rotation, "GroupId"),
                VpcSubnetIds=Join(",", [Ref(s) for s in network.private_subnets]),
            ),
            RotationRules=RotationRules(AutomaticallyAfterDays=env.aurora.password_rotation_days),
        )
    )
    return Rotation(schedule, endpoint, function)
