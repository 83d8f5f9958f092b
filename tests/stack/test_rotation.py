import pytest

from generator.stack.rotation import TRANSFORM
from tests.conftest import build, environment, resources_of


def test_rotation_is_single_user_postgresql_in_the_private_subnets():
    template = build(environment("prod", aurora={"password_rotation": True, "password_rotation_days": 45}))
    assert template["Transform"] == TRANSFORM == "AWS::SecretsManager-2020-07-23"
    (schedule,) = resources_of(template, "AWS::SecretsManager::RotationSchedule").values()
    props = schedule["Properties"]
    assert props["SecretId"] == {"Ref": "DatabaseSecret"}
    assert props["RotationRules"] == {"AutomaticallyAfterDays": 45}
    hosted = props["HostedRotationLambda"]
    assert hosted["RotationType"] == "PostgreSQLSingleUser"
    assert hosted["RotationLambdaName"] == "db-rotation-prod"
    assert hosted["KmsKeyArn"] == {"Fn::GetAtt": ["SecretsKey", "Arn"]}
    assert hosted["VpcSecurityGroupIds"] == {"Fn::GetAtt": ["RotationSecurityGroup", "GroupId"]}
    assert hosted["VpcSubnetIds"] == {"Fn::Join": [",", [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]]}
    assert set('/@" ') <= set(hosted["ExcludeCharacters"])  # new passwords obey RDS's rules too
    # It rotates at once: the secret must be complete, the writer up, the endpoint reachable, and the log group
    # made before the function's first line (else Lambda makes it: unencrypted, kept forever).
    assert schedule["DependsOn"] == ["DatabaseSecretAttachment", "AuroraInstance", "SecretsManagerEndpoint",
                                     "RotationFunctionLogGroup"]  # fmt: skip
    group = template["Resources"]["RotationFunctionLogGroup"]
    assert group["Properties"]["LogGroupName"] == "/aws/lambda/db-rotation-prod"
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}
    assert group["Properties"]["RetentionInDays"] == 7 and group["DeletionPolicy"] == "Retain"  # the environment's


def test_without_nat_rotation_reaches_secrets_manager_through_a_private_endpoint():
    template = build(environment(aurora={"password_rotation": True}))
    endpoint = template["Resources"]["SecretsManagerEndpoint"]["Properties"]
    assert endpoint["ServiceName"] == {"Fn::Sub": "com.amazonaws.${AWS::Region}.secretsmanager"}
    assert (endpoint["VpcEndpointType"], endpoint["PrivateDnsEnabled"]) == ("Interface", True)
    assert endpoint["SubnetIds"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]
    assert endpoint["SecurityGroupIds"] == [{"Fn::GetAtt": ["SecretsEndpointSecurityGroup", "GroupId"]}]


def test_the_endpoint_admits_only_this_accounts_principals_on_this_accounts_secrets():
    """Without a policy the endpoint would take any principal to any account's secrets: a way out of a VPC
    without NAT."""
    document = build(environment(aurora={"password_rotation": True}))["Resources"]["SecretsManagerEndpoint"]
    statements = document["Properties"]["PolicyDocument"]["Statement"]
    this_account = {"StringEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}}
    assert [(s["Effect"], s["Action"], s["Resource"], s["Condition"]) for s in statements] == [
        ("Allow", ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
                   "secretsmanager:UpdateSecretVersionStage"],
         [{"Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*"}], this_account),
        ("Allow", ["secretsmanager:GetRandomPassword"], ["*"], this_account),  # names no secret
    ]  # fmt: skip


@pytest.mark.parametrize(
    "absent", ["SecretsManagerEndpoint", "RotationSecurityGroup", "SecretsEndpointSecurityGroup",
               "DatabaseIngressFromRotation", "DatabaseSecretRotation", "RotationFunctionLogGroup"],
)  # fmt: skip
def test_no_rotation_no_endpoint_and_no_transform(absent):
    template = build(environment(aurora={"password_rotation": False}))
    assert absent not in template["Resources"]
    assert "Transform" not in template
