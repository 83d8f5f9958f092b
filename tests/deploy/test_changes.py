"""The rules a change set is judged by: the stateful guard and the stack policy, as tables."""

import json

import pytest

from generator.aws.views import ResourceChange
from generator.deploy.changes import Predicted, change_set_name, guard, stack_policy
from tests.support.stubs import REPLACE_CLUSTER, change

# --- the guard, as a table ----------------------------------------------------------------------

GUARD_CASES = {
    "replaced-cluster": (REPLACE_CLUSTER, (), "refused"),
    "conditional-replacement-of-the-stream": (
        change("Modify", "SensorDataStream", "AWS::Kinesis::Stream", "Conditional"), (), "refused"),
    "removed-log-group": (change("Remove", "AuroraPostgresqlLogGroup", "AWS::Logs::LogGroup"), (), "refused"),
    "removed-secret": (change("Remove", "DatabaseSecret", "AWS::SecretsManager::Secret"), (), "refused"),
    "replaced-key": (change("Modify", "RdsKey", "AWS::KMS::Key", "True"), (), "refused"),
    "replaced-cache": (change("Modify", "RedisReplicationGroup", "AWS::ElastiCache::ReplicationGroup", "True"), (),
                       "refused"),
    "replaced-instance-allowed": (change("Modify", "AuroraInstance", "AWS::RDS::DBInstance", "True"),
                                  ("AuroraInstance",), "allowed"),
    "in-place-change-of-the-cluster": (change("Modify", "AuroraCluster", "AWS::RDS::DBCluster", "False"), (), "safe"),
    "replaced-security-group-is-not-stateful": (
        change("Modify", "DatabaseSecurityGroup", "AWS::EC2::SecurityGroup", "True"), (), "safe"),
    "added-stream": (change("Add", "SensorDataStream", "AWS::Kinesis::Stream"), (), "safe"),
}  # fmt: skip


@pytest.mark.parametrize("one, allowed, verdict", GUARD_CASES.values(), ids=GUARD_CASES)
def test_the_stateful_guard(one, allowed, verdict):
    result = guard([ResourceChange.of(one["ResourceChange"])], allowed)
    logical_id = [one["ResourceChange"]["LogicalResourceId"]]
    expected = {"refused": (logical_id, []), "allowed": ([], logical_id), "safe": ([], [])}[verdict]
    assert ([c.logical_id for c in result.refused], [c.logical_id for c in result.allowed]) == expected


def test_an_allowance_the_change_set_does_not_need_is_reported():
    result = guard([ResourceChange.of(REPLACE_CLUSTER["ResourceChange"])], ["AuroraCluster", "RedisKey"])
    assert result.unused == ("RedisKey",)


def test_the_stack_policy_denies_replacing_stateful_resources_except_those_allowed():
    closed, lifted = json.loads(stack_policy()), json.loads(stack_policy(allow=["AuroraCluster"]))
    allow, deny = closed["Statement"]
    assert allow == {"Effect": "Allow", "Principal": "*", "Action": ["Update:*"], "Resource": ["*"]}
    assert deny["Action"] == ["Update:Replace", "Update:Delete"] and deny["Resource"] == ["*"]
    assert "AWS::RDS::DBCluster" in deny["Condition"]["StringEquals"]["ResourceType"]
    assert lifted["Statement"][1]["NotResource"] == ["LogicalResourceId/AuroraCluster"]
    assert "Resource" not in lifted["Statement"][1]


def test_change_set_names_carry_version_template_and_time_to_the_millisecond():
    assert change_set_name("0123456789ab", now=1764158400.123) == "iotstack-0-1-0-0123456789ab-20251126120000123"


PLAN_ONLY = Predicted("AuroraCluster", "AWS::RDS::DBCluster", False, "DBClusterIdentifier create-only")
EYES = {
    "change-set-only": ([REPLACE_CLUSTER], [], ("the change set says Replacement: True",)),
    "plan-only": ([change("Modify", "AuroraCluster", "AWS::RDS::DBCluster")], [PLAN_ONLY],
                  ("iotstack's plan predicts it (DBClusterIdentifier create-only)",)),
    "both": ([REPLACE_CLUSTER], [PLAN_ONLY], ("the change set says Replacement: True",
                                              "iotstack's plan predicts it (DBClusterIdentifier create-only)")),
    "plan-sees-a-stateless-resource": ([], [Predicted("Sg", "AWS::EC2::SecurityGroup", False, "GroupName")], None),
}  # fmt: skip


@pytest.mark.parametrize("rows, predicted, seen_by", EYES.values(), ids=EYES)
def test_either_eye_is_enough_and_the_refusal_says_which_saw_it(rows, predicted, seen_by):
    result = guard([ResourceChange.of(r["ResourceChange"]) for r in rows], (), predicted)
    assert [r.seen_by for r in result.refused] == ([seen_by] if seen_by else [])


def test_more_notification_topics_than_cloudformation_takes_are_refused_before_anything():
    from generator.deploy.changes import notification_arns
    from generator.errors import UsageError

    theirs = [f"arn:aws:sns:sa-east-1:123456789012:t{i}" for i in range(4)]
    assert notification_arns(theirs, [*theirs[:1], "arn:aws:sns:sa-east-1:123456789012:ours"])[0].endswith("ours")
    with pytest.raises(UsageError, match=r"would have 6 notification topics .*CloudFormation takes at most 5"):
        notification_arns(theirs, ["arn:aws:sns:sa-east-1:123456789012:a", "arn:aws:sns:sa-east-1:123456789012:b"])
