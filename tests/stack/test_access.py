"""Access for the platform's users: each with only what it needs, and the master credential kept from them."""

import pytest

from tests.conftest import build, environment

THROUGH = "{}.${{AWS::Region}}.amazonaws.com"


def statements(template: dict, logical: str) -> list[dict]:
    return template["Resources"][logical]["Properties"]["PolicyDocument"]["Statement"]


def key_use(action: str, key: str, service: str) -> dict:
    return {"Effect": "Allow", "Action": [action], "Resource": [{"Fn::GetAtt": [key, "Arn"]}],
            "Condition": {"StringEquals": {"kms:ViaService": {"Fn::Sub": THROUGH.format(service)}}}}  # fmt: skip


@pytest.mark.parametrize("policy, expected", [
    ("SensorStreamProducerPolicy", [
        (["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:DescribeStreamSummary", "kinesis:ListShards"],
         [{"Fn::GetAtt": ["SensorDataStream", "Arn"]}]),
        key_use("kms:GenerateDataKey", "KinesisKey", "kinesis"),
    ]),
    ("SensorStreamConsumerPolicy", [
        (["kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
          "kinesis:ListShards", "kinesis:ListStreamConsumers", "kinesis:RegisterStreamConsumer"],
         [{"Fn::GetAtt": ["SensorDataStream", "Arn"]}]),
        (["kinesis:DescribeStreamConsumer", "kinesis:SubscribeToShard", "kinesis:DeregisterStreamConsumer"],
         [{"Fn::Sub": ["${Stream}/consumer/*", {"Stream": {"Fn::GetAtt": ["SensorDataStream", "Arn"]}}]}]),
        key_use("kms:Decrypt", "KinesisKey", "kinesis"),
    ]),
    ("CacheClientPolicy", [
        (["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], [{"Ref": "RedisAuthSecret"}]),
        key_use("kms:Decrypt", "SecretsKey", "secretsmanager"),
    ]),
], ids=["producer", "consumer", "cache-client"])  # fmt: skip
def test_each_user_gets_only_what_it_needs(policy, expected):
    found = statements(build(), policy)
    shown = [s if "Condition" in s else (s["Action"], s["Resource"]) for s in found]
    assert [{k: v for k, v in s.items() if k != "Sid"} if isinstance(s, dict) else s for s in shown] == expected
    assert all(s["Effect"] == "Allow" for s in found)


@pytest.mark.parametrize(
    "policy, user", [("DatabaseWriterPolicy", "iot_writer"), ("DatabaseReaderPolicy", "iot_reader")]
)
def test_database_users_connect_with_iam_as_one_named_user_of_this_cluster(policy, user):
    (statement,) = statements(build(), policy)
    assert statement["Action"] == ["rds-db:connect"]
    assert statement["Resource"] == [{"Fn::Sub": [
        f"arn:${{AWS::Partition}}:rds-db:${{AWS::Region}}:${{AWS::AccountId}}:dbuser:${{Cluster}}/{user}",
        {"Cluster": {"Fn::GetAtt": ["AuroraCluster", "DBClusterResourceId"]}}]}]  # fmt: skip


def test_break_glass_reads_the_master_credential_and_nothing_else():
    role = build()["Resources"]["DatabaseBreakGlassRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    (policy,) = role["Policies"]
    read, decrypt = policy["PolicyDocument"]["Statement"]
    assert (read["Action"], read["Resource"]) == (
        ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], [{"Ref": "DatabaseSecret"}],
    )  # fmt: skip
    assert {k: v for k, v in decrypt.items() if k != "Sid"} == key_use("kms:Decrypt", "SecretsKey", "secretsmanager")


@pytest.mark.parametrize("rotation", [True, False], ids=["rotation", "no-rotation"])
def test_the_master_secret_refuses_all_but_break_glass_rotation_and_cloudformation(rotation):
    template = build(environment(aurora={"password_rotation": rotation}))
    props = template["Resources"]["DatabaseSecretResourcePolicy"]["Properties"]
    assert props["SecretId"] == {"Ref": "DatabaseSecret"} and props["BlockPublicPolicy"] is True
    everyone, *stack_roles = props["ResourcePolicy"]["Statement"]
    glass = {"Fn::GetAtt": ["DatabaseBreakGlassRole", "Arn"]}
    roles = {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-*"}
    not_cloudformation = {"aws:CalledVia": ["cloudformation.amazonaws.com"]}
    for statement in (everyone, *stack_roles):
        assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
            "Deny", "*", ["secretsmanager:GetSecretValue"],
        )  # fmt: skip
        assert statement["Condition"]["ForAllValues:StringNotEquals"] == not_cloudformation
    assert everyone["Condition"]["ArnNotLike"] == {"aws:PrincipalArn": [glass, *([roles] if rotation else [])]}
    if rotation:  # of the stack's roles, the rotation function's session only (break-glass is one of them too),
        # and only through its endpoint: role and session names are whoever makes and assumes the role's choice
        only_the_function, only_through_its_endpoint = stack_roles
        for statement in stack_roles:
            assert statement["Condition"]["ArnLike"] == {"aws:PrincipalArn": roles}
            assert statement["Condition"]["ArnNotEquals"] == {"aws:PrincipalArn": glass}
        assert only_the_function["Condition"]["StringNotLike"] == {"aws:userid": "*:db-rotation-test"}
        assert only_through_its_endpoint["Condition"]["StringNotEquals"] == {
            "aws:SourceVpce": {"Ref": "SecretsManagerEndpoint"}
        }
    else:
        assert stack_roles == []
