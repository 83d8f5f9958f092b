import pytest

from generator.rules import MasterSecretKept
from tests.rules import dev_template, findings

READ_ALL = {"Effect": "Allow", "Action": ["secretsmanager:Get*"], "Resource": "*"}


def granted(policy_type, statement):
    return lambda r: r.update(Leak={"Type": policy_type, "Properties": {
        "PolicyName": "leak", "Roles": ["someone"], "PolicyDocument": {"Statement": [statement]}}})  # fmt: skip


UNGUARDED = (
    "Resources/DatabaseSecret: DatabaseSecret: no resource policy denies reading the master credential to "
    "all but named principals"
)


LEAK = "Resources/Leak/Properties/PolicyDocument: Leak: lets whoever holds it read the master credential"


def guard_statements(change):
    def apply(resources):
        for statement in resources["DatabaseSecretResourcePolicy"]["Properties"]["ResourcePolicy"]["Statement"]:
            change(statement)

    return apply


def guard_for_one_principal(resources):
    for statement in resources["DatabaseSecretResourcePolicy"]["Properties"]["ResourcePolicy"]["Statement"]:
        statement["Principal"] = {"AWS": "arn:aws:iam::111122223333:root"}


def output(template):
    template["Outputs"]["SecretsManagerSecretArn"] = {"Value": {"Ref": "DatabaseSecret"}}
    return template


@pytest.mark.parametrize(
    "template, expected",
    [
        (dev_template(), []),
        (dev_template(granted("AWS::IAM::ManagedPolicy", {**READ_ALL, "Resource": {"Ref": "RedisAuthSecret"}})), []),
        (dev_template(granted("AWS::IAM::Role", READ_ALL)), []),  # a role of the stack is no consumer's to attach
        (output(dev_template()), ["Outputs/SecretsManagerSecretArn/Value: output SecretsManagerSecretArn gives out "
                                  "DatabaseSecret, the master credential's secret"]),
        (dev_template(granted("AWS::IAM::ManagedPolicy", READ_ALL)),
         ["Resources/Leak/Properties/PolicyDocument: Leak: lets whoever holds it read the master credential"]),
        (dev_template(granted("AWS::IAM::Policy", {**READ_ALL, "Resource": [{"Ref": "DatabaseSecret"}]})),
         ["Resources/Leak/Properties/PolicyDocument: Leak: lets whoever holds it read the master credential"]),
        (dev_template(lambda r: r.pop("DatabaseSecretResourcePolicy")), [UNGUARDED]),
        (dev_template(granted("AWS::IAM::ManagedPolicy", {
            **READ_ALL, "Resource": "arn:aws:secretsmanager:sa-east-1:111122223333:secret:db-master-*"})),
         ["Resources/Leak/Properties/PolicyDocument: Leak: lets whoever holds it read the master credential"]),
        (dev_template(lambda r: r["AuroraCluster"]["Properties"].update(MasterUserPassword={"Fn::Join": [
            "", ["{{resolve:secretsmanager:", {"Ref": "DatabaseSecret"}, ":SecretString:password}}"]]})
            or r.pop("DatabaseSecretResourcePolicy")), [UNGUARDED]),
        (dev_template(guard_for_one_principal), [UNGUARDED]),
        (dev_template(guard_statements(lambda s: s.update(Condition={"StringEquals": {"aws:username": "nobody"}}))),
         [UNGUARDED]),
        (dev_template(lambda r: r["DatabaseSecretResourcePolicy"]["Properties"]["ResourcePolicy"]["Statement"].append(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
             "Action": "secretsmanager:GetSecretValue", "Resource": "*"})),
         ["Resources/DatabaseSecret: DatabaseSecret: its resource policy allows someone: the master credential's "
          "policy only denies", UNGUARDED]),
        (dev_template(granted("AWS::IAM::ManagedPolicy", {**READ_ALL, "Resource": {"Fn::Sub":
            "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:db-master-*"}})), [LEAK]),
        (dev_template(granted("AWS::IAM::ManagedPolicy", {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})),
         [LEAK]),
        (dev_template(granted("AWS::IAM::UserPolicy", READ_ALL)), [LEAK]),
    ],
    ids=["generated", "another-secret", "a-role", "output", "managed-policy-star", "policy-by-ref", "no-guard",
         "by-arn-pattern", "password-by-join", "a-guard-for-one-principal", "a-guard-that-never-applies",
         "an-allow-beside-the-guard", "by-sub-pattern", "not-action", "user-policy"],
)  # fmt: skip
def test_the_master_credential_reaches_no_consumer(template, expected):
    assert findings(MasterSecretKept, template) == expected
