from tests.conftest import build, environment, only


def test_stream_carries_the_environment_settings_and_its_key():
    env = environment("dev", kinesis={"shard_count": 3, "retention_hours": 48, "shard_level_metrics": ("ALL",)})
    stream = only(build(env), "AWS::Kinesis::Stream")["Properties"]
    assert stream["Name"] == "sensor-data-stream-dev"
    assert stream["StreamModeDetails"] == {"StreamMode": "PROVISIONED"}
    assert (stream["ShardCount"], stream["RetentionPeriodHours"]) == (3, 48)
    assert stream["StreamEncryption"] == {"EncryptionType": "KMS", "KeyId": {"Ref": "KinesisKey"}}
    assert stream["DesiredShardLevelMetrics"] == ["ALL"]


def test_defaults_are_the_architecture_values():
    stream = only(build(), "AWS::Kinesis::Stream")["Properties"]
    assert (stream["ShardCount"], stream["RetentionPeriodHours"]) == (2, 24)
    assert stream["DesiredShardLevelMetrics"] == [
        "IncomingBytes",
        "IncomingRecords",
        "OutgoingBytes",
        "OutgoingRecords",
    ]
