import pytest

from tests.conftest import build, environment, resources_of

ROOT = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}


SERVICE_KEYS = ["KinesisKey", "LogsKey", "RdsKey", "RedisKey", "SecretsKey"]


@pytest.mark.parametrize("alerting, expected", [(False, SERVICE_KEYS), (True, ["AlertsKey", *SERVICE_KEYS])])
def test_five_rotated_keys_each_with_its_alias_and_the_alert_topics_where_alerting_is_on(alerting, expected):
    template = build(environment("dev", alerts={"enabled": alerting}))
    keys = resources_of(template, "AWS::KMS::Key")
    assert sorted(keys) == expected
    assert all(k["Properties"]["EnableKeyRotation"] is True for k in keys.values())
    aliases = {
        a["Properties"]["AliasName"]: a["Properties"]["TargetKeyId"]["Ref"]
        for a in resources_of(template, "AWS::KMS::Alias").values()
    }
    assert aliases == {
        **({"alias/alerts-dev": "AlertsKey"} if alerting else {}),
        "alias/kinesis-dev": "KinesisKey",
        "alias/rds-dev": "RdsKey",
        "alias/secrets-dev": "SecretsKey",
        "alias/elasticache-dev": "RedisKey",
        "alias/logs-dev": "LogsKey",
    }


@pytest.mark.parametrize("logical_id", ["KinesisKey", "RdsKey", "SecretsKey", "RedisKey"])
def test_service_keys_are_administered_by_the_account_only(logical_id):
    (statement,) = build()["Resources"][logical_id]["Properties"]["KeyPolicy"]["Statement"]
    assert statement["Principal"] == ROOT
    assert statement["Effect"] == "Allow"


def test_logs_key_lets_cloudwatch_logs_use_it_only_for_this_accounts_log_groups():
    root, logs = build()["Resources"]["LogsKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert root["Principal"] == ROOT
    assert logs["Principal"] == {"Service": {"Fn::Sub": "logs.${AWS::Region}.amazonaws.com"}}
    assert "kms:*" not in logs["Action"] and "kms:CreateGrant" not in logs["Action"]
    assert logs["Condition"] == {
        "ArnLike": {
            "kms:EncryptionContext:aws:logs:arn": {
                "Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"
            }
        }
    }


@pytest.mark.parametrize("removal_policy, expected", [("destroy", "Delete"), ("snapshot", "Retain")])
def test_prod_keeps_keys_dev_deletes_them(removal_policy, expected):
    for key in resources_of(build(environment(removal_policy=removal_policy)), "AWS::KMS::Key").values():
        assert (key["DeletionPolicy"], key["UpdateReplacePolicy"]) == (expected, expected)


@pytest.mark.parametrize(
    "settings, days",
    [({}, 30), ({"removal_policy": "destroy", "keys": {"pending_window_days": 7}}, 7)],
    ids=["default-30", "a-throwaway-environment-says-7"],
)
def test_a_key_scheduled_for_deletion_waits_the_environments_window(settings, days):
    keys = resources_of(build(environment(**settings)), "AWS::KMS::Key").values()
    assert {key["Properties"]["PendingWindowInDays"] for key in keys} == {days}


SOURCED = {
    "cloudwatch.amazonaws.com": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*",
    "events.rds.amazonaws.com": "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:*",
}


@pytest.mark.parametrize("rotation", [True, False], ids=["rotation", "no-rotation"])
def test_the_alerts_key_lets_exactly_the_publishers_use_it(rotation):
    """CloudWatch alarms and RDS events of this account and region; EventBridge (the rule on a key at risk,
    and on a failed rotation) without source conditions, which the SNS guide says it does not support; all
    only for the alert topic."""
    env = environment("dev", aurora={"password_rotation": rotation})
    root, *publishers = build(env)["Resources"]["AlertsKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert root["Principal"] == ROOT
    services = [p["Principal"]["Service"] for p in publishers]
    assert services == [*SOURCED, "events.amazonaws.com"]
    topic = {"kms:EncryptionContext:aws:sns:topicArn": {
        "Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:iot-alerts-dev"}}  # fmt: skip
    for statement in publishers:
        assert statement["Action"] == ["kms:GenerateDataKey*", "kms:Decrypt"]  # to publish, nothing more
        assert statement["Effect"] == "Allow" and statement["Resource"] == ["*"]  # "*" is this key
        service = statement["Principal"]["Service"]
        if service in SOURCED:
            assert statement["Condition"] == {
                "StringEquals": {**topic, "aws:SourceAccount": {"Ref": "AWS::AccountId"}},
                "ArnLike": {"aws:SourceArn": {"Fn::Sub": SOURCED[service]}},
            }
        else:
            assert statement["Condition"] == {"StringEquals": topic}
