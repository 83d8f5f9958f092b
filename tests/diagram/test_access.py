"""generator/diagram/access.py: who may use what, read from the template's IAM documents alone."""

import pytest

from generator.diagram.access import access, grants, is_principal, verbs


def policy(*statements, **props) -> dict:
    return {
        "Type": "AWS::IAM::ManagedPolicy",
        "Properties": {"PolicyDocument": {"Statement": list(statements)}, **props},
    }


def allow(actions, *targets, effect="Allow") -> dict:
    return {"Effect": effect, "Action": actions, "Resource": [{"Fn::GetAtt": [t, "Arn"]} for t in targets]}


def role(principal: dict, *statements) -> dict:
    trust = {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}
    documents = [{"PolicyName": "p", "PolicyDocument": {"Statement": list(statements)}}] if statements else []
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": trust, "Policies": documents}}


@pytest.mark.parametrize(
    "actions, expected",
    [
        (["kinesis:PutRecord", "kinesis:PutRecords", "kinesis:ListShards"], ["writes"]),
        (["kinesis:GetRecords", "kinesis:SubscribeToShard"], ["reads"]),
        (["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"], ["reads"]),
        (["secretsmanager:PutSecretValue", "secretsmanager:RotateSecret"], ["writes"]),
        (["kinesis:DescribeStreamSummary", "kinesis:ListShards"], []),  # metadata only: no data moves
        (["kinesis:*"], ["writes", "reads"]),
        (["*"], ["writes", "reads"]),
        (["rds-db:connect"], ["login"]),
        (["kms:Decrypt"], []),
    ],
    ids=["put", "get", "read a secret", "rotate a secret", "describe", "service wildcard", "wildcard", "login", "kms"],
)
def test_what_actions_let_move(actions, expected):
    assert verbs(actions) == expected


@pytest.mark.parametrize(
    "resource, expected",
    [
        (policy(allow(["kinesis:PutRecord"], "Stream")), True),  # left for the users' roles
        (policy(allow(["kinesis:PutRecord"], "Stream"), Roles=[{"Ref": "AppRole"}]), False),  # part of that role
        (role({"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}), True),  # people assume it
        (role({"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}), True),
        (role({"Service": "monitoring.rds.amazonaws.com"}), False),  # a service's: plumbing
        ({"Type": "AWS::Kinesis::Stream", "Properties": {}}, False),
    ],
    ids=["unattached policy", "attached policy", "account's role", "federated role", "service role", "not IAM"],
)
def test_who_is_a_principal(resource, expected):
    assert is_principal(resource) is expected


def test_grants_come_from_allow_statements_that_name_the_stack():
    resource = role(
        {"AWS": "arn:aws:iam::1:root"},
        allow(["secretsmanager:GetSecretValue"], "Secret"),
        allow(["secretsmanager:GetSecretValue"], "Other", effect="Deny"),
        {"Effect": "Allow", "Action": "kinesis:GetRecords", "Resource": "*"},  # names nothing of the stack
    )
    assert grants(resource) == [("reads", "Secret", "")]


def test_a_login_names_its_database_user():
    user = {"Fn::Sub": ["arn:${AWS::Partition}:rds-db:${AWS::Region}:${AWS::AccountId}:dbuser:${C}/iot_writer",
                        {"C": {"Fn::GetAtt": ["Cluster", "DBClusterResourceId"]}}]}  # fmt: skip
    resource = policy({"Effect": "Allow", "Action": ["rds-db:connect"], "Resource": [user]})
    assert grants(resource) == [("login", "Cluster", "iot_writer")]


RESOURCES = {
    "Stream": {"Type": "AWS::Kinesis::Stream"},
    "Key": {"Type": "AWS::KMS::Key"},
    "Secret": {"Type": "AWS::SecretsManager::Secret"},
    "Rotation": {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": {"SecretId": {"Ref": "Secret"}}},
    "Producer": policy(allow(["kinesis:PutRecords"], "Stream"), allow(["kms:GenerateDataKey"], "Key")),
    "Consumer": policy(allow(["kinesis:GetRecords"], "Stream")),
    "Both": policy(allow(["kinesis:*"], "Stream")),
    "Admin": role({"AWS": "arn:aws:iam::1:root"}, allow(["secretsmanager:GetSecretValue"], "Secret")),
}


@pytest.mark.parametrize(
    "owners, expected",
    [
        (
            {},
            [
                ("Secret", "Admin", "read by", "data"),
                ("Both", "Stream", "writes", "data"),
                ("Stream", "Both", "read by", "data"),
                ("Stream", "Consumer", "read by", "data"),
                ("Producer", "Stream", "writes", "data"),  # its key statement left out: the stream's label names it
                ("Rotation", "Secret", "rotates", "data"),
            ],
        ),
        # a rotation function folded into its secret (not in a VPC) draws no edge to itself
        ({"Rotation": "Secret"}, None),
    ],
    ids=["each principal", "folded rotation"],
)
def test_access_edges_go_the_way_the_data_moves(owners, expected):
    found = access(RESOURCES, owners)
    if expected is None:
        assert not [e for e in found if e[2] == "rotates"]
    else:
        assert found == expected
