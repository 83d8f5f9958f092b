import pytest
from troposphere import Template

from generator.stack.logs import add_log_group
from tests.conftest import environment


@pytest.mark.parametrize(
    "removal_policy, retention_days, expected_policy",
    [("destroy", 7, "Delete"), ("snapshot", 90, "Retain")],
)
def test_log_group_has_the_environments_retention_and_policy(removal_policy, retention_days, expected_policy):
    env = environment("dev", removal_policy=removal_policy, logs={"retention_days": retention_days})
    group = add_log_group(Template(), env, "Logs", "/aws/rds/cluster/x/postgresql").to_dict()
    assert group["Properties"]["LogGroupName"] == "/aws/rds/cluster/x/postgresql"
    assert group["Properties"]["RetentionInDays"] == retention_days
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (expected_policy, expected_policy)
    assert {"Key": "Environment", "Value": "dev"} in group["Properties"]["Tags"]
