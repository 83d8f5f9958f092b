import pytest
from troposphere import Template
from troposphere.kms import Key

from generator.stack.logs import add_log_group
from tests.conftest import environment


@pytest.mark.parametrize(
    "removal_policy, retention_days, expected_policy",
    [("destroy", 7, "Delete"), ("snapshot", 90, "Retain")],
)
def test_log_group_has_the_environments_retention_policy_and_key(removal_policy, retention_days, expected_policy):
    env = environment("dev", removal_policy=removal_policy, logs={"retention_days": retention_days})
    group = add_log_group(Template(), env, "Logs", "/aws/rds/cluster/x/postgresql", Key("LogsKey")).to_dict()
    assert group["Properties"]["LogGroupName"] == "/aws/rds/cluster/x/postgresql"
    assert group["Properties"]["RetentionInDays"] == retention_days
    assert group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (expected_policy, expected_policy)
    assert {"Key": "Environment", "Value": "dev"} in group["Properties"]["Tags"]
