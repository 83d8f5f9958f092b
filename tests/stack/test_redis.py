import pytest

from tests.conftest import build, environment, only


def test_replication_group_matches_the_architecture():
    props = only(build(environment("dev")), "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert props["ReplicationGroupId"] == "redis-dev"
    assert (props["Engine"], props["EngineVersion"], props["CacheNodeType"]) == ("redis", "7.0", "cache.t3.micro")
    assert (props["NumCacheClusters"], props["Port"]) == (2, 6379)
    assert props["AutomaticFailoverEnabled"] is True and props["MultiAZEnabled"] is True
    assert props["AtRestEncryptionEnabled"] is True and props["TransitEncryptionEnabled"] is True
    assert props["AutoMinorVersionUpgrade"] is True
    assert (props["SnapshotRetentionLimit"], props["SnapshotWindow"]) == (5, "03:00-04:00")
    assert props["PreferredMaintenanceWindow"] == "mon:05:00-mon:06:00"
    assert props["CacheSubnetGroupName"] == {"Ref": "RedisSubnetGroup"}
    assert props["SecurityGroupIds"] == [{"Fn::GetAtt": ["CacheSecurityGroup", "GroupId"]}]


def test_encrypted_with_its_own_key_and_authenticated_with_the_generated_token():
    props = only(build(), "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert props["KmsKeyId"] == {"Ref": "RedisKey"}
    assert props["TransitEncryptionEnabled"] is True  # AUTH needs it
    assert props["AuthToken"] == {"Fn::Sub": "{{resolve:secretsmanager:${RedisAuthSecret}:SecretString}}"}


@pytest.mark.parametrize(
    "version, expected",
    [("6.0", ["slow-log"]), ("6.2", ["slow-log", "engine-log"]), ("7.1", ["slow-log", "engine-log"])],
)
def test_logs_go_to_encrypted_groups_where_the_version_delivers_them(version, expected):
    template = build(environment("dev", redis={"engine_version": version}))
    deliveries = only(template, "AWS::ElastiCache::ReplicationGroup")["Properties"]["LogDeliveryConfigurations"]
    assert [d["LogType"] for d in deliveries] == expected
    for delivery in deliveries:
        assert (delivery["DestinationType"], delivery["LogFormat"]) == ("cloudwatch-logs", "json")
        group_ref = delivery["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]["Ref"]
        group = template["Resources"][group_ref]["Properties"]
        assert group["LogGroupName"] == f"/aws/elasticache/redis-dev/{delivery['LogType']}"
        assert group["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}
    assert ("RedisEngineLogGroup" in template["Resources"]) == ("engine-log" in expected)


def test_subnet_group_uses_the_private_subnets():
    group = only(build(environment("dev")), "AWS::ElastiCache::SubnetGroup")["Properties"]
    assert group["CacheSubnetGroupName"] == "redis-subnet-group-dev"
    assert group["SubnetIds"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]


@pytest.mark.parametrize("failover, clusters", [(True, 3), (False, 1)])
def test_failover_and_size_follow_the_environment(failover, clusters):
    env = environment(
        redis={"automatic_failover": failover, "cache_clusters": clusters, "node_type": "cache.m6g.large"}
    )
    props = only(build(env), "AWS::ElastiCache::ReplicationGroup")["Properties"]
    assert (props["AutomaticFailoverEnabled"], props["MultiAZEnabled"]) == (failover, failover)
    assert (props["NumCacheClusters"], props["CacheNodeType"]) == (clusters, "cache.m6g.large")


@pytest.mark.parametrize("removal_policy, expected", [("destroy", "Delete"), ("snapshot", "Snapshot")])
def test_removal_policy(removal_policy, expected):
    group = only(build(environment(removal_policy=removal_policy)), "AWS::ElastiCache::ReplicationGroup")
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == (expected, expected)
