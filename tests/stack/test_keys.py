import pytest

from tests.conftest import build, environment, resources_of


def test_three_rotated_keys_each_with_its_alias():
    template = build(environment("dev"))
    keys = resources_of(template, "AWS::KMS::Key")
    assert sorted(keys) == ["KinesisKey", "RdsKey", "SecretsKey"]
    assert all(k["Properties"]["EnableKeyRotation"] is True for k in keys.values())
    aliases = {
        a["Properties"]["AliasName"]: a["Properties"]["TargetKeyId"]["Ref"]
        for a in resources_of(template, "AWS::KMS::Alias").values()
    }
    assert aliases == {"alias/kinesis-dev": "KinesisKey", "alias/rds-dev": "RdsKey", "alias/secrets-dev": "SecretsKey"}


def test_key_policy_is_explicit_and_names_the_account_not_a_wildcard():
    for key in resources_of(build(), "AWS::KMS::Key").values():
        (statement,) = key["Properties"]["KeyPolicy"]["Statement"]
        assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
        assert statement["Effect"] == "Allow"


@pytest.mark.parametrize("removal_policy, expected", [("destroy", "Delete"), ("snapshot", "Retain")])
def test_prod_keeps_keys_dev_deletes_them(removal_policy, expected):
    for key in resources_of(build(environment(removal_policy=removal_policy)), "AWS::KMS::Key").values():
        assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == (expected, expected)
