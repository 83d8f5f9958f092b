"""CloudWatch alarms on every data store, each telling the alert topic when it goes off and when it clears.

:func:`watches` describes every alarm as data (:class:`Watch`): the store and the metric it watches,
the statistic, the threshold from ``[alerts]``, what missing data means, and a description that says
what the alarm means and the first thing to check. :func:`add_alarms` turns each into an
``AWS::CloudWatch::Alarm``; :mod:`generator.stack.dashboard` draws the same watches.

- Kinesis, per stream: the consumers' iterator age (maximum), and write and read throttling (sum).
- Aurora, per instance (each Serverless v2 instance scales on its own, so every one of these metrics
  is the instance's): capacity near ``aurora.max_capacity`` (ACUUtilization, already a percentage of
  it), CPU, and freeable memory (which Serverless v2 reports as what would be free at maximum capacity).
- Redis, per node: the metrics are per cache cluster (``<group>-001``, ``-002``, ...); the primary
  moves on failover, so replication lag is watched on every node, and the primary's missing lag is
  not a breach.

Every alarm looks at one-minute periods and goes off when ``alerts.evaluation_minutes`` of them in a
row breach. Missing data: ``notBreaching`` for counts that are only reported when something happens
(throttles, evictions) and for replication lag (the primary reports none). The gauges are always
reported while their resource works, so their silence is news: ``missing`` turns such an alarm
INSUFFICIENT_DATA once the whole window is empty, and its insufficient-data action tells the topic
(a consumer that stopped reading no longer publishes an iterator age at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import Ref, Sub, Template
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.elasticache import ReplicationGroup
from troposphere.kinesis import Stream
from troposphere.sns import Topic

from generator.config import Environment
from generator.stack.aurora import Aurora
from generator.stack.common import name, tags

PERIOD_SECONDS = 60  # Kinesis, RDS and ElastiCache all publish these metrics every minute
GIB = 2**30
ACU_MEMORY = 2 * GIB  # an Aurora capacity unit is about 2 GiB of memory (Aurora user guide)
ABOVE, BELOW = "GreaterThanThreshold", "LessThanThreshold"
MISSING, NOT_BREACHING = "missing", "notBreaching"  # TreatMissingData: a gauge's silence is news, a count's is not


@dataclass(frozen=True)
class Watch:
    """One alarm as data. ``target`` is the watched dimension's value as a ``Fn::Sub`` text
    (``${SensorDataStream}``, ``${RedisReplicationGroup}-001``), so that the alarm and the dashboard
    refer to the same resource."""

    logical_id: str  # SensorDataStreamIteratorAgeAlarm
    alarm_name: str  # sensor-data-stream-iterator-age-dev
    title: str  # the dashboard graph it is drawn in, e.g. "Kinesis: iterator age (ms)"
    namespace: str
    metric: str
    dimension: str
    target: str
    statistic: str
    comparison: str
    threshold: float
    missing: str  # TreatMissingData
    description: str

    @property
    def dimension_value(self) -> Ref | Sub:
        """The dimension's value in the template: a ``Ref`` when it is one resource's name, else a ``Sub``."""
        inner = self.target[2:-1]
        plain = self.target.startswith("${") and self.target.endswith("}") and "$" not in inner
        return Ref(inner) if plain else Sub(self.target)


def watches(env: Environment, stream: Stream, aurora: Aurora, redis: ReplicationGroup) -> list[Watch]:
    """Every alarm of the environment, as data (none when alerting is off)."""
    if not env.alerts.enabled:
        return []
    return [*_kinesis(env, stream), *_aurora(env, aurora), *_redis(env, redis)]


def add_alarms(template: Template, env: Environment, topic: Topic | None, watched: list[Watch]) -> list[Alarm]:
    """Add one alarm per watch, with alarm and OK actions to the alert topic."""
    minutes = env.alerts.evaluation_minutes
    alarms = []
    for w in watched:
        assert topic is not None  # watches exist only when alerting is on
        alarms.append(template.add_resource(Alarm(
            w.logical_id, AlarmName=w.alarm_name, AlarmDescription=w.description, Namespace=w.namespace,
            MetricName=w.metric, Dimensions=[MetricDimension(Name=w.dimension, Value=w.dimension_value)],
            Statistic=w.statistic, Period=PERIOD_SECONDS, EvaluationPeriods=minutes, DatapointsToAlarm=minutes,
            ComparisonOperator=w.comparison, Threshold=w.threshold, TreatMissingData=w.missing,
            AlarmActions=[Ref(topic)], OKActions=[Ref(topic)], Tags=tags(env, w.alarm_name),
            **({"InsufficientDataActions": [Ref(topic)]} if w.missing == MISSING else {}),
        )))  # fmt: skip
    return alarms


def _kinesis(env: Environment, stream: Stream) -> list[Watch]:
    a, stream_name = env.alerts, stream.properties["Name"]
    window = _window(env)
    shards = f"{env.kinesis.shard_count} shard(s)"
    watch = _watcher(env, stream.title, "sensor-data-stream", "AWS/Kinesis", "StreamName", f"${{{stream.title}}}")
    return [
        watch("IteratorAge", "iterator-age", "Kinesis: iterator age (ms)", "GetRecords.IteratorAgeMilliseconds",
              "Maximum", ABOVE, a.kinesis_iterator_age_seconds * 1000, MISSING,
              f"Consumers of {stream_name} are more than {a.kinesis_iterator_age_seconds} s behind the newest record "
              f"(GetRecords.IteratorAgeMilliseconds, maximum, {window}): sensor data is processed late, and records "
              f"older than {env.kinesis.retention_hours} h are lost. First check: the consumer application's errors "
              "and health; then whether it needs more workers or the stream more shards. No data at all "
              "(INSUFFICIENT_DATA) means no consumer is reading."),
        watch("WriteThrottled", "write-throttled", "Kinesis: records rejected (write throttled)",
              "WriteProvisionedThroughputExceeded", "Sum", ABOVE, a.kinesis_write_throttled, NOT_BREACHING,
              f"Producers writing to {stream_name} are throttled: more than {a.kinesis_write_throttled} records a "
              f"minute rejected for the shards' write limit (1 MB/s or 1,000 records/s per shard; "
              f"WriteProvisionedThroughputExceeded, sum, {window}). Producers retry, but sensor data is delayed or "
              f"dropped. First check: IncomingBytes and IncomingRecords against {shards}; then raise "
              "kinesis.shard_count or spread the partition keys."),
        watch("ReadThrottled", "read-throttled", "Kinesis: GetRecords calls throttled",
              "ReadProvisionedThroughputExceeded", "Sum", ABOVE, a.kinesis_read_throttled, NOT_BREACHING,
              f"Reads from {stream_name} are throttled: more than {a.kinesis_read_throttled} GetRecords calls a "
              f"minute over the shards' read limit (5 calls/s and 2 MB/s per shard; "
              f"ReadProvisionedThroughputExceeded, sum, {window}). First check: how many consumers poll each of "
              f"the {shards}; then enhanced fan-out or more shards."),
    ]  # fmt: skip


def _aurora(env: Environment, aurora: Aurora) -> list[Watch]:
    a, window, most = env.alerts, _window(env), env.aurora.max_capacity
    free = round(most * ACU_MEMORY * a.aurora_freeable_memory_percent / 100)
    found = []
    for instance in aurora.instances:
        instance_id = instance.properties["DBInstanceIdentifier"]
        kind = instance_id.removesuffix(f"-{env.name}")  # aurora-instance, aurora-instance-2
        watch = _watcher(env, instance.title, kind, "AWS/RDS", "DBInstanceIdentifier", f"${{{instance.title}}}")
        found += [
            watch("Capacity", "capacity", "Aurora: capacity (% of max ACU)", "ACUUtilization", "Maximum", ABOVE,
                  a.aurora_capacity_percent, MISSING,
                  f"{instance_id} runs above {a.aurora_capacity_percent} % of aurora.max_capacity ({most:g} ACU) "
                  f"(ACUUtilization, maximum, {window}): it can hardly scale further, so queries slow down. First "
                  "check: the slowest and most frequent queries (Performance Insights, the postgresql log); then "
                  "raise aurora.max_capacity."),
            watch("Cpu", "cpu", "Aurora: CPU (%)", "CPUUtilization", "Average", ABOVE, a.aurora_cpu_percent, MISSING,
                  f"{instance_id} uses more than {a.aurora_cpu_percent} % CPU (CPUUtilization, average, {window}); "
                  "at its maximum capacity queries wait for CPU. First check: the top queries by CPU "
                  "(pg_stat_statements, Performance Insights); then the capacity alarm."),
            watch("FreeableMemory", "freeable-memory", "Aurora: freeable memory (bytes)", "FreeableMemory", "Minimum",
                  BELOW, free, MISSING,
                  f"{instance_id} has less than {free / 2**20:,.0f} MiB free, {a.aurora_freeable_memory_percent} % of "
                  f"its memory at {most:g} ACU (FreeableMemory, minimum, {window}): it is at its maximum capacity "
                  "and short of memory. First check: connections and their work_mem, large sorts and hashes; "
                  "then raise aurora.max_capacity."),
        ]  # fmt: skip
    return found


def _redis(env: Environment, redis: ReplicationGroup) -> list[Watch]:
    a, window, group = env.alerts, _window(env), redis.properties["ReplicationGroupId"]
    found = []
    for number in range(1, env.redis.cache_clusters + 1):
        node = f"{number:03d}"  # ElastiCache names a group's cache clusters <group>-001, -002, ...
        watch = _watcher(env, f"RedisNode{node}", f"redis-{node}", "AWS/ElastiCache", "CacheClusterId",
                         f"${{{redis.title}}}-{node}")  # fmt: skip
        node_id = f"{group}-{node}"
        found += [
            watch("Memory", "memory", "Redis: memory used (%)", "DatabaseMemoryUsagePercentage", "Maximum", ABOVE,
                  a.redis_memory_percent, MISSING,
                  f"{node_id} uses more than {a.redis_memory_percent} % of its memory (DatabaseMemoryUsagePercentage, "
                  f"maximum, {window}); when it is full, Redis evicts keys. First check: the number and size of keys "
                  "and whether writers set TTLs; then a larger redis.node_type."),
            watch("Evictions", "evictions", "Redis: keys evicted", "Evictions", "Sum", ABOVE, a.redis_evictions,
                  NOT_BREACHING,
                  f"{node_id} evicts more than {a.redis_evictions} keys a minute (Evictions, sum, {window}): it is "
                  "full and drops data that readers expect. First check: the memory alarm and the writers' TTLs; "
                  "then a larger redis.node_type."),
            watch("Cpu", "cpu", "Redis: engine CPU (%)", "EngineCPUUtilization", "Average", ABOVE, a.redis_cpu_percent,
                  MISSING,
                  f"The Redis engine thread of {node_id} uses more than {a.redis_cpu_percent} % CPU "
                  f"(EngineCPUUtilization, average, {window}): commands queue up. First check: the slow log "
                  f"(/aws/elasticache/{group}/slow-log) for expensive commands (KEYS, large ranges)."),
            watch("ReplicationLag", "replication-lag", "Redis: replication lag (s)", "ReplicationLag", "Maximum",
                  ABOVE, a.redis_replication_lag_seconds, NOT_BREACHING,
                  f"{node_id} is more than {a.redis_replication_lag_seconds} s behind its primary (ReplicationLag, "
                  f"maximum, {window}): reads from it are stale, and a failover to it would lose writes. The primary "
                  "reports no lag, which is not a breach. First check: the primary's write rate and the network "
                  "between the nodes; then the engine log."),
        ]  # fmt: skip
    if env.redis.cache_clusters == 1:  # a lone node has no replica that could lag: its alarm would never fire
        found = [w for w in found if w.metric != "ReplicationLag"]
    return found


def _watcher(env: Environment, owner: str, kind: str, namespace: str, dimension: str, target: str):
    """A function making the watches of one resource: ``owner`` starts their logical ids, ``kind`` their names."""

    def watch(suffix, slug, title, metric, statistic, comparison, threshold, missing, description) -> Watch:
        return Watch(f"{owner}{suffix}Alarm", name(env, f"{kind}-{slug}"), title, namespace, metric, dimension,
                     target, statistic, comparison, threshold, missing, description)  # fmt: skip

    return watch


def _window(env: Environment) -> str:
    minutes = env.alerts.evaluation_minutes
    return "1 minute" if minutes == 1 else f"{minutes} minutes in a row"
