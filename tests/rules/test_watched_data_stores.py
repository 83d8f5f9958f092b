import pytest

from generator.rules import WatchedDataStores
from tests.conftest import build, environment
from tests.rules import dev_template, findings


def unwatched(logical, store_type):
    return f"Resources/{logical}: {logical} ({store_type}): no alarm with an action watches it"


STREAM = unwatched("SensorDataStream", "AWS::Kinesis::Stream")
CLUSTER = unwatched("AuroraCluster", "AWS::RDS::DBCluster")
GROUP = unwatched("RedisReplicationGroup", "AWS::ElastiCache::ReplicationGroup")


def alarms_on(resources, logical):
    """The alarms whose dimensions refer to ``logical`` (as the rule reads them)."""
    return [k for k, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"
            and logical in str(r["Properties"]["Dimensions"])]  # fmt: skip


def drop_alarms(logical):
    return lambda resources: [resources.pop(k) for k in alarms_on(resources, logical)]


def silence_alarms(logical):
    """The alarms stay, but tell no one."""
    return lambda resources: [resources[k]["Properties"].pop("AlarmActions") for k in alarms_on(resources, logical)]


def alarms_to_elsewhere(logical):
    """The alarms tell an ARN from outside the template (an old topic, a typo): not the alert topic."""

    def change(resources):
        for k in alarms_on(resources, logical):
            resources[k]["Properties"]["AlarmActions"] = ["arn:aws:sns:sa-east-1:123456789012:somewhere-else"]

    return change


def keep_one_alarm(logical, keep):
    return lambda resources: [resources.pop(k) for k in alarms_on(resources, logical) if k != keep]


def drop_alerting(resources):
    for logical in [k for k, r in resources.items() if r["Type"].startswith(("AWS::SNS::", "AWS::CloudWatch::"))]:
        del resources[logical]


def alarm_by_literal_name(resources):
    """An alarm naming the stream by its physical name, not a reference: not recognised as watching it."""
    drop_alarms("SensorDataStream")(resources)
    resources["LiteralAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmActions": [{"Ref": "AlertTopic"}],
        "Dimensions": [{"Name": "StreamName", "Value": "sensor-data-stream-dev"}]}}  # fmt: skip


def alarm_by_metric_math(resources):
    """A metric-math alarm (Metrics instead of Dimensions) watches what its metrics name."""
    drop_alarms("SensorDataStream")(resources)
    metric = {"Metric": {"Namespace": "AWS/Kinesis", "MetricName": "IncomingRecords",
                         "Dimensions": [{"Name": "StreamName", "Value": {"Ref": "SensorDataStream"}}]}}  # fmt: skip
    resources["MathAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmActions": [{"Ref": "AlertTopic"}], "Metrics": [{"Id": "m1", "MetricStat": metric}]}}  # fmt: skip


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),
        (drop_alarms("SensorDataStream"), [STREAM]),
        (silence_alarms("SensorDataStream"), [STREAM]),
        (alarms_to_elsewhere("SensorDataStream"), [STREAM]),
        (keep_one_alarm("SensorDataStream", "SensorDataStreamReadThrottledAlarm"), []),  # one is enough
        (drop_alarms("AuroraInstance"), [CLUSTER]),  # the cluster is watched through its instance
        (drop_alarms("RedisReplicationGroup"), [GROUP]),  # ${RedisReplicationGroup}-001 refers to the group
        (keep_one_alarm("RedisReplicationGroup", "RedisNode002ReplicationLagAlarm"), []),
        (lambda r: [drop_alarms(k)(r) for k in ("SensorDataStream", "AuroraInstance", "RedisReplicationGroup")],
         [CLUSTER, GROUP, STREAM]),
        (drop_alerting, []),  # no alert topic: nothing to check
        (alarm_by_literal_name, [STREAM]),
        (alarm_by_metric_math, []),
    ],
    ids=["generated", "stream-without-alarms", "stream-alarms-without-actions",
         "stream-alarms-telling-no-topic-of-the-template", "one-alarm-is-enough",
         "instance-without-alarms", "cache-without-alarms", "one-node-alarm-is-enough", "nothing-watched",
         "no-alert-topic", "literal-name-is-not-a-reference", "metric-math-alarm"],
)  # fmt: skip
def test_every_data_store_is_watched_where_there_is_alerting(change, expected):
    assert findings(WatchedDataStores, dev_template(change)) == expected


@pytest.mark.parametrize("instances", [1, 3])
def test_a_cluster_with_several_instances_is_watched_through_any_of_them(instances):
    template = build(environment("prod", aurora={"instances": instances}))
    resources = template["Resources"]
    for number in range(2, instances + 1):
        drop_alarms(f"AuroraInstance{number}")(resources)
    assert findings(WatchedDataStores, template) == []


def test_a_template_without_alerting_is_not_checked():
    template = build(environment("dev", alerts={"enabled": False}))
    assert not [r for r in template["Resources"].values() if r["Type"] == "AWS::CloudWatch::Alarm"]
    assert findings(WatchedDataStores, template) == []
