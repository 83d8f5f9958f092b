"""The alarms, per environment: every data store has its alarms, each telling the alert topic; the
thresholds follow the environment file; ``enabled = false`` removes alerting entirely."""

import pytest

from generator.config import load_environment
from tests.conftest import ROOT, build, environment, only, resources_of

TOPIC = [{"Ref": "AlertTopic"}]
STREAM_METRICS = {"GetRecords.IteratorAgeMilliseconds", "WriteProvisionedThroughputExceeded",
                  "ReadProvisionedThroughputExceeded"}  # fmt: skip
INSTANCE_METRICS = {"ACUUtilization", "CPUUtilization", "FreeableMemory"}
NODE_METRICS = {"DatabaseMemoryUsagePercentage", "Evictions", "EngineCPUUtilization", "ReplicationLag"}
# Every alerting resource type: none of them may exist with alerting off.
ALERTING = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy",
            "AWS::SNS::Subscription", "AWS::RDS::EventSubscription", "AWS::Events::Rule")  # fmt: skip

# id: the environment (the shipped files with alerting on, and shapes they do not have)
ENVIRONMENTS = {
    "staging": lambda: load_environment("staging", ROOT / "environments"),
    "prod": lambda: load_environment("prod", ROOT / "environments"),
    "defaults": lambda: environment("test"),
    "three-instances-six-nodes": lambda: environment("big", aurora={"instances": 3}, redis={"cache_clusters": 6}),
    "one-node-no-failover": lambda: environment("small", redis={"cache_clusters": 1, "automatic_failover": False}),
}


def alarms_watching(template: dict, dimension: str, value) -> dict[str, dict]:
    """``{metric name: alarm properties}`` of the alarms whose one dimension is ``dimension = value``."""
    found = {}
    for alarm in resources_of(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props["Dimensions"] == [{"Name": dimension, "Value": value}]:
            assert props["MetricName"] not in found, f"two alarms on {props['MetricName']} of {value}"
            found[props["MetricName"]] = props
    return found


@pytest.mark.parametrize("make_env", ENVIRONMENTS.values(), ids=ENVIRONMENTS.keys())
def test_every_store_instance_and_node_has_its_alarms_telling_the_alert_topic(make_env):
    env = make_env()
    template = build(env)
    streams = resources_of(template, "AWS::Kinesis::Stream")
    instances = resources_of(template, "AWS::RDS::DBInstance")
    (group_id,) = resources_of(template, "AWS::ElastiCache::ReplicationGroup")
    assert len(instances) == env.aurora.instances
    expected = [("StreamName", {"Ref": s}, STREAM_METRICS) for s in streams]
    expected += [("DBInstanceIdentifier", {"Ref": i}, INSTANCE_METRICS) for i in instances]
    node_metrics = NODE_METRICS if env.redis.cache_clusters > 1 else NODE_METRICS - {"ReplicationLag"}  # no replica
    expected += [("CacheClusterId", {"Fn::Sub": f"${{{group_id}}}-{n:03d}"}, node_metrics)
                 for n in range(1, env.redis.cache_clusters + 1)]  # fmt: skip
    seen = 0
    for dimension, value, metrics in expected:
        alarms = alarms_watching(template, dimension, value)
        assert set(alarms) == metrics, value
        for props in alarms.values():
            assert props["AlarmActions"] == props["OKActions"] == TOPIC
            # a gauge that falls silent tells the topic (INSUFFICIENT_DATA); a count that is silent is calm
            silence = {"missing": TOPIC, "notBreaching": None}[props["TreatMissingData"]]
            assert props.get("InsufficientDataActions") == silence
            assert "First check:" in props["AlarmDescription"] and len(props["AlarmDescription"]) <= 1024
        seen += len(alarms)
    assert seen == len(resources_of(template, "AWS::CloudWatch::Alarm"))  # no alarm watches anything else


# Missing data: counts reported only when something happens, and the primary's absent lag, are no breach;
# a gauge that stops reporting for the whole window turns the alarm INSUFFICIENT_DATA, which tells the topic.
MISSING = {
    "GetRecords.IteratorAgeMilliseconds": ("Maximum", "GreaterThanThreshold", "missing"),
    "WriteProvisionedThroughputExceeded": ("Sum", "GreaterThanThreshold", "notBreaching"),
    "ReadProvisionedThroughputExceeded": ("Sum", "GreaterThanThreshold", "notBreaching"),
    "ACUUtilization": ("Maximum", "GreaterThanThreshold", "missing"),
    "CPUUtilization": ("Average", "GreaterThanThreshold", "missing"),
    "FreeableMemory": ("Minimum", "LessThanThreshold", "missing"),
    "DatabaseMemoryUsagePercentage": ("Maximum", "GreaterThanThreshold", "missing"),
    "Evictions": ("Sum", "GreaterThanThreshold", "notBreaching"),
    "EngineCPUUtilization": ("Average", "GreaterThanThreshold", "missing"),
    "ReplicationLag": ("Maximum", "GreaterThanThreshold", "notBreaching"),
}


def test_each_metric_has_its_statistic_comparison_and_missing_data():
    seen = set()
    for alarm in resources_of(build(environment()), "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        expected = MISSING[props["MetricName"]]
        assert (props["Statistic"], props["ComparisonOperator"], props["TreatMissingData"]) == expected
        assert (props["Period"], props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (60, 5, 5)
        seen.add(props["MetricName"])
    assert seen == set(MISSING)


GIB = 2**30
# id: ([alerts] and other settings, {metric: the threshold it gives})
THRESHOLDS = {
    "defaults": ({}, {
        "GetRecords.IteratorAgeMilliseconds": 300_000, "WriteProvisionedThroughputExceeded": 0,
        "ReadProvisionedThroughputExceeded": 0, "ACUUtilization": 90, "CPUUtilization": 90,
        "FreeableMemory": round(0.10 * 2.0 * 2 * GIB), "DatabaseMemoryUsagePercentage": 80, "Evictions": 0,
        "EngineCPUUtilization": 90, "ReplicationLag": 30,
    }),
    "every-threshold-set": ({"alerts": {
        "kinesis_iterator_age_seconds": 900, "kinesis_write_throttled": 10, "kinesis_read_throttled": 20,
        "aurora_capacity_percent": 75, "aurora_cpu_percent": 80, "aurora_freeable_memory_percent": 25,
        "redis_memory_percent": 70, "redis_evictions": 100, "redis_cpu_percent": 60,
        "redis_replication_lag_seconds": 5,
    }, "aurora": {"max_capacity": 16.0}}, {
        "GetRecords.IteratorAgeMilliseconds": 900_000, "WriteProvisionedThroughputExceeded": 10,
        "ReadProvisionedThroughputExceeded": 20, "ACUUtilization": 75, "CPUUtilization": 80,
        "FreeableMemory": round(0.25 * 16 * 2 * GIB), "DatabaseMemoryUsagePercentage": 70, "Evictions": 100,
        "EngineCPUUtilization": 60, "ReplicationLag": 5,
    }),
}  # fmt: skip


@pytest.mark.parametrize("settings, expected", THRESHOLDS.values(), ids=THRESHOLDS.keys())
def test_thresholds_follow_the_environment_file(settings, expected):
    seen = set()
    for alarm in resources_of(build(environment(**settings)), "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        assert props["Threshold"] == expected[props["MetricName"]], props["AlarmName"]
        seen.add(props["MetricName"])
    assert seen == set(expected)


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_the_shipped_files_thresholds_are_in_their_templates(name):
    env = load_environment(name, ROOT / "environments")
    stream = alarms_watching(build(env), "StreamName", {"Ref": "SensorDataStream"})
    assert stream["GetRecords.IteratorAgeMilliseconds"]["Threshold"] == env.alerts.kinesis_iterator_age_seconds * 1000
    assert stream["GetRecords.IteratorAgeMilliseconds"]["EvaluationPeriods"] == env.alerts.evaluation_minutes


@pytest.mark.parametrize("minutes", [1, 15])
def test_every_alarm_looks_at_the_evaluation_window(minutes):
    alarms = resources_of(build(environment(alerts={"evaluation_minutes": minutes})), "AWS::CloudWatch::Alarm")
    assert len(alarms) == 3 + 3 + 4 * 2  # the stream, one instance, two nodes
    for alarm in alarms.values():
        props = alarm["Properties"]
        assert (props["EvaluationPeriods"], props["DatapointsToAlarm"]) == (minutes, minutes)
        assert (f"{minutes} minutes in a row" if minutes > 1 else "1 minute") in props["AlarmDescription"]


def test_names_and_descriptions_say_what_is_watched():
    template = build(environment("dev", aurora={"instances": 2}))
    alarms = {a["Properties"]["AlarmName"]: a["Properties"] for a in resources_of(template, "AWS::CloudWatch::Alarm")
              .values()}  # fmt: skip
    iterator_age = alarms["sensor-data-stream-iterator-age-dev"]["AlarmDescription"]
    assert "Consumers of sensor-data-stream-dev are more than 300 s behind" in iterator_age
    assert alarms["aurora-instance-2-capacity-dev"]["AlarmDescription"].startswith(
        "aurora-instance-2-dev runs above 90 % of aurora.max_capacity (2 ACU)"
    )
    memory = alarms["aurora-instance-freeable-memory-dev"]["AlarmDescription"]
    assert "less than 410 MiB free, 10 % of its memory at 2 ACU" in memory
    assert alarms["redis-002-replication-lag-dev"]["AlarmDescription"].startswith("redis-dev-002 is more than 30 s")
    assert "/aws/elasticache/redis-dev/slow-log" in alarms["redis-001-cpu-dev"]["AlarmDescription"]


@pytest.mark.parametrize("make_env", ENVIRONMENTS.values(), ids=ENVIRONMENTS.keys())
def test_alerting_off_removes_it_entirely_and_changes_nothing_else(make_env):
    import dataclasses

    env = make_env()
    off = build(dataclasses.replace(env, alerts=dataclasses.replace(env.alerts, enabled=False)))
    on = build(env)
    assert not [k for k, r in off["Resources"].items() if r["Type"] in ALERTING]
    assert "AlertsKey" not in off["Resources"] and "AlertTopicArn" not in off["Outputs"]
    assert "NotificationTopicArn" not in only(off, "AWS::ElastiCache::ReplicationGroup")["Properties"]
    # Turning it on only adds: every resource of the template without alerting is there unchanged, but the
    # replication group, which gains its notification topic.
    changed = [k for k, r in off["Resources"].items() if on["Resources"][k] != r]
    assert changed == ["RedisReplicationGroup"]
    assert set(on["Outputs"]) - set(off["Outputs"]) == {"AlertTopicArn"}
