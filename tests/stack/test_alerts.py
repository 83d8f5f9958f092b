"""The alert topics, who may publish to them, who reads them, and the events routed there."""

import json

import pytest

from generator.stack.alerts import RDS_EVENT_CATEGORIES, address_id
from tests.conftest import build, environment, only, resources_of

HERE = "${AWS::Region}:${AWS::AccountId}"
ACCOUNT = {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def statements(template: dict, policy: str) -> dict[str, dict]:
    """``{Sid: statement}`` of a topic policy."""
    document = template["Resources"][policy]["Properties"]["PolicyDocument"]
    return {s["Sid"]: s for s in document["Statement"]}


TLS_ONLY = {"Effect": "Deny", "Principal": "*", "Action": ["sns:Publish"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}  # fmt: skip


def test_the_alert_topic_is_encrypted_with_its_own_key_and_the_cache_topic_is_the_documented_exception():
    resources = build(environment("dev"))["Resources"]
    alerts, cache = resources["AlertTopic"]["Properties"], resources["CacheEventsTopic"]
    assert (alerts["TopicName"], alerts["KmsMasterKeyId"]) == ("iot-alerts-dev", {"Ref": "AlertsKey"})
    assert cache["Properties"]["TopicName"] == "iot-cache-events-dev"
    assert "KmsMasterKeyId" not in cache["Properties"]
    (skip,) = cache["Metadata"]["checkov"]["skip"]
    assert skip["id"] == "CKV_AWS_26" and "ElastiCache cannot publish to an encrypted topic" in skip["comment"]


@pytest.mark.parametrize("rotation", [True, False], ids=["rotation", "no-rotation"])
def test_only_this_accounts_alarms_rds_events_and_rules_may_publish_alerts(rotation):
    """Each statement as its service's guide writes it: CloudWatch and RDS limited to this account's alarms and
    databases; EventBridge without a condition, which its guide says a topic policy for it cannot have."""
    template = build(environment("dev", aurora={"password_rotation": rotation}))
    found = statements(template, "AlertTopicPolicy")
    sources = {
        "cloudwatch.amazonaws.com": f"arn:${{AWS::Partition}}:cloudwatch:{HERE}:alarm:*",
        "events.rds.amazonaws.com": f"arn:${{AWS::Partition}}:rds:{HERE}:*",
        "events.amazonaws.com": None,
    }
    tls = found.pop("DenyPublishingWithoutTls")
    assert {s["Principal"]["Service"]: s.get("Condition") for s in found.values()} == {
        service: {"StringEquals": ACCOUNT, "ArnLike": {"aws:SourceArn": {"Fn::Sub": source}}} if source else None
        for service, source in sources.items()
    }
    for statement in found.values():
        assert (statement["Effect"], statement["Action"], statement["Resource"]) == (
            "Allow", ["sns:Publish"], [{"Ref": "AlertTopic"}],
        )  # fmt: skip
    assert tls == {**TLS_ONLY, "Sid": "DenyPublishingWithoutTls", "Resource": [{"Ref": "AlertTopic"}]}
    assert template["Resources"]["AlertTopicPolicy"]["Properties"]["Topics"] == [{"Ref": "AlertTopic"}]


def test_only_elasticache_of_this_account_may_publish_cache_events():
    """The statement ElastiCache's guide gives: any principal, on behalf of this account (AWS:SourceOwner; with
    aws:SourceAccount ElastiCache sets the topic inactive, silently); and no publishing without TLS."""
    found = statements(build(), "CacheEventsTopicPolicy")
    assert found == {
        "AllowElastiCacheOfThisAccount": {
            "Sid": "AllowElastiCacheOfThisAccount", "Effect": "Allow", "Principal": {"AWS": "*"},
            "Action": ["sns:Publish"], "Resource": [{"Ref": "CacheEventsTopic"}],
            "Condition": {"StringEquals": {"AWS:SourceOwner": {"Ref": "AWS::AccountId"}}},
        },
        "DenyPublishingWithoutTls": {**TLS_ONLY, "Sid": "DenyPublishingWithoutTls",
                                     "Resource": [{"Ref": "CacheEventsTopic"}]},
    }  # fmt: skip


@pytest.mark.parametrize("emails", [(), ("ops@example.com",), ("ops@example.com", "first.last+iot@plant-7.example")])
def test_each_address_subscribes_to_both_topics(emails):
    subscriptions = resources_of(build(environment(alerts={"emails": emails})), "AWS::SNS::Subscription")
    pairs = (("AlertEmail", "AlertTopic"), ("CacheEventsEmail", "CacheEventsTopic"))
    expected = {f"{prefix}{address_id(a)}": (a, topic) for a in emails for prefix, topic in pairs}
    assert {k: (s["Properties"]["Endpoint"], s["Properties"]["TopicArn"]["Ref"]) for k, s in subscriptions.items()} == (
        expected
    )
    assert all(s["Properties"]["Protocol"] == "email" for s in subscriptions.values())


@pytest.mark.parametrize(
    "address, logical",
    [("ops@example.com", "OpsExampleCom"), ("first.last+iot@plant-7.example.co.uk", "FirstLastIotPlant7ExampleCoUk"),
     ("IOT-Oncall@Example.com", "IotOncallExampleCom")],
)  # fmt: skip
def test_a_subscriptions_logical_id_is_made_of_its_address(address, logical):
    assert address_id(address) == logical


@pytest.mark.parametrize("instances", [1, 3])
def test_rds_events_of_the_cluster_and_every_instance_go_to_the_alert_topic(instances):
    resources = build(environment("dev", aurora={"instances": instances}))["Resources"]
    cluster, members = resources["AuroraClusterEventSubscription"], resources["AuroraInstanceEventSubscription"]
    for subscription in (cluster, members):
        props = subscription["Properties"]
        assert (props["SnsTopicArn"], props["EventCategories"], props["Enabled"]) == (
            {"Ref": "AlertTopic"}, ["failover", "failure", "maintenance", "notification"], True,
        )  # fmt: skip
        assert subscription["DependsOn"] == ["AlertTopicPolicy"]
    assert RDS_EVENT_CATEGORIES == ["failover", "failure", "maintenance", "notification"]
    assert (cluster["Properties"]["SourceType"], cluster["Properties"]["SourceIds"]) == (
        "db-cluster", [{"Ref": "AuroraCluster"}],
    )  # fmt: skip
    names = ["AuroraInstance"] + [f"AuroraInstance{n}" for n in range(2, instances + 1)]
    assert (members["Properties"]["SourceType"], members["Properties"]["SourceIds"]) == (
        "db-instance", [{"Ref": n} for n in names],
    )  # fmt: skip


def test_the_replication_groups_events_go_to_the_cache_topic():
    group = only(build(), "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert group["NotificationTopicArn"] == {"Ref": "CacheEventsTopic"}


@pytest.mark.parametrize("rotation", [True, False], ids=["rotation", "no-rotation"])
def test_a_failed_rotation_reaches_the_alert_topic_where_the_password_rotates(rotation):
    rules = resources_of(build(environment("prod", aurora={"password_rotation": rotation})), "AWS::Events::Rule")
    rules.pop("KeyDeletionOrDisableRule"), rules.pop("BreakGlassUseRule")
    if not rotation:
        assert rules == {}
        return
    props = rules["DatabaseRotationFailedRule"]["Properties"]
    assert props["Name"] == "db-rotation-failed-prod" and props["State"] == "ENABLED"
    assert props["EventPattern"] == {
        "source": ["aws.secretsmanager"],
        "detail": {"eventSource": ["secretsmanager.amazonaws.com"], "eventName": ["RotationFailed"],
                   "additionalEventData": {"SecretId": [{"Ref": "DatabaseSecret"}]}},
    }  # fmt: skip
    (target,) = props["Targets"]
    assert target["Arn"] == {"Ref": "AlertTopic"}
    message = json.loads(target["InputTransformer"]["InputTemplate"])  # a JSON string: the email's text
    assert message.startswith("Password rotation of <secret> failed at <time>. First check: the log group "
                              "/aws/lambda/db-rotation-prod")  # fmt: skip


STACK_KEYS = ("KinesisKey", "RdsKey", "SecretsKey", "RedisKey", "LogsKey", "AlertsKey")


def test_a_key_scheduled_for_deletion_or_disabled_reaches_the_alert_topic():
    template = build(environment("prod"))
    keys = sorted(resources_of(template, "AWS::KMS::Key"))
    props = template["Resources"]["KeyDeletionOrDisableRule"]["Properties"]
    assert props["EventPattern"] == {
        "source": ["aws.kms"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"],
                   "requestParameters": {"keyId": [form for k in STACK_KEYS
                                                   for form in ({"Ref": k}, {"Fn::GetAtt": [k, "Arn"]})]}},
    }  # fmt: skip
    assert len(keys) == 6  # every key of the stack
    (target,) = props["Targets"]
    assert target["Arn"] == {"Ref": "AlertTopic"}
    message = json.loads(target["InputTransformer"]["InputTemplate"])
    assert "CancelKeyDeletion and EnableKey undo them" in message


GLASS = {"Fn::GetAtt": ["DatabaseBreakGlassRole", "Arn"]}


def test_a_read_with_the_break_glass_role_reaches_the_alert_topic():
    props = build(environment("prod"))["Resources"]["BreakGlassUseRule"]["Properties"]
    assert props["EventPattern"]["detail"] == {
        "eventSource": ["secretsmanager.amazonaws.com"], "eventName": ["GetSecretValue"],
        "userIdentity": {"sessionContext": {"sessionIssuer": {"arn": [GLASS]}}},
    }  # fmt: skip
    (target,) = props["Targets"]
    assert target["Arn"] == {"Ref": "AlertTopic"}
    assert (
        "read the database master credential with the break-glass role" in target["InputTransformer"]["InputTemplate"]
    )


def test_the_alert_topic_is_an_output_for_other_stacks_alarms():
    output = build()["Outputs"]["AlertTopicArn"]
    assert output["Value"] == {"Ref": "AlertTopic"}
    assert output["Export"] == {"Name": {"Fn::Sub": "${AWS::StackName}-AlertTopicArn"}}
