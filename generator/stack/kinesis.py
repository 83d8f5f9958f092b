"""Kinesis: the provisioned sensor-data stream, encrypted with its own KMS key."""

from __future__ import annotations

from troposphere import Ref, Template
from troposphere.kinesis import Stream, StreamEncryption, StreamModeDetails
from troposphere.kms import Key

from generator.config import Environment
from generator.stack.common import name, protect, tags


def add_sensor_stream(template: Template, env: Environment, key: Key) -> Stream:
    """Add ``sensor-data-stream-{env}``: provisioned shards, KMS encryption, shard-level metrics."""
    stream_name = name(env, "sensor-data-stream")
    stream = template.add_resource(
        Stream(
            "SensorDataStream",
            Name=stream_name,
            StreamModeDetails=StreamModeDetails(StreamMode="PROVISIONED"),
            ShardCount=env.kinesis.shard_count,
            RetentionPeriodHours=env.kinesis.retention_hours,
            StreamEncryption=StreamEncryption(EncryptionType="KMS", KeyId=Ref(key)),
            DesiredShardLevelMetrics=list(env.kinesis.shard_level_metrics),
            Tags=tags(env, stream_name),
        )
    )
    return protect(stream, env)
