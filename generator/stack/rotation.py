"""Password rotation: Secrets Manager rotates the database's master password on a schedule.

Single-user PostgreSQL rotation, by a Lambda function that Secrets Manager builds and hosts
(``HostedRotationLambda``), expanded at deploy time by the ``AWS::SecretsManager-2020-07-23``
transform; deploying the template therefore needs CAPABILITY_AUTO_EXPAND and CAPABILITY_IAM. The
function runs in the private subnets with its own security group. Those subnets have no way out of
the VPC (no NAT), so an interface endpoint for Secrets Manager, with private DNS, lets the function
(and the consumers) reach Secrets Manager. Only when the environment asks for rotation
(``aurora.password_rotation``).
"""

from __future__ import annotations

from troposphere import GetAtt, Join, Ref, Sub, Template
from troposphere.ec2 import VPCEndpoint
from troposphere.kms import Key
from troposphere.secretsmanager import HostedRotationLambda, RotationRules, RotationSchedule, Secret

from generator.config import Environment
from generator.stack.aurora import Aurora
from generator.stack.common import name, tags
from generator.stack.network import Network
from generator.stack.secrets import PASSWORD_EXCLUDED
from generator.stack.security_groups import SecurityGroups

TRANSFORM = "AWS::SecretsManager-2020-07-23"


def add_password_rotation(
    template: Template, env: Environment, network: Network, groups: SecurityGroups,
    secret: Secret, key: Key, aurora: Aurora,
) -> RotationSchedule | None:  # fmt: skip
    """Add the Secrets Manager endpoint and the rotation schedule, when the environment rotates."""
    if not env.aurora.password_rotation:
        return None
    assert groups.rotation is not None and groups.endpoint is not None  # made when rotation is on
    endpoint = template.add_resource(
        VPCEndpoint(
            "SecretsManagerEndpoint",
            VpcId=Ref(network.vpc),
            ServiceName=Sub("com.amazonaws.${AWS::Region}.secretsmanager"),
            VpcEndpointType="Interface",
            PrivateDnsEnabled=True,  # the function calls the public name; it resolves to the endpoint
            SubnetIds=[Ref(s) for s in network.private_subnets],
            SecurityGroupIds=[GetAtt(groups.endpoint, "GroupId")],
            Tags=tags(env, name(env, "secretsmanager-endpoint")),
        )
    )
    template.set_transform(TRANSFORM)
    return template.add_resource(
        RotationSchedule(
            "DatabaseSecretRotation",
            # Rotation starts at once: it needs the complete secret, a writer and the endpoint.
            DependsOn=[aurora.attachment.title, aurora.instances[0].title, endpoint.title],
            SecretId=Ref(secret),
            HostedRotationLambda=HostedRotationLambda(
                RotationType="PostgreSQLSingleUser",
                RotationLambdaName=name(env, "db-password-rotation"),
                KmsKeyArn=GetAtt(key, "Arn"),  # the secret's key, which the function must use
                ExcludeCharacters=PASSWORD_EXCLUDED,  # new passwords obey the same rules as the first
                VpcSecurityGroupIds=GetAtt(groups.rotation, "GroupId"),
                VpcSubnetIds=Join(",", [Ref(s) for s in network.private_subnets]),
            ),
            RotationRules=RotationRules(AutomaticallyAfterDays=env.aurora.password_rotation_days),
        )
    )
