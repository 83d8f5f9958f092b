"""review.impact: what AWS documents for the updates this stack makes, each note from both sides."""

import pytest

from generator.review.impact import cache_engine_upgrade, engine_upgrade, node_type_change, shard_limits
from generator.review.model import ERROR, INFO, WARNING, ResourceChange

STREAM = "AWS::Kinesis::Stream"


def shards(count: int) -> dict:
    return {"Type": STREAM, "Properties": {"ShardCount": count}}


@pytest.mark.parametrize("before, after, severity, said", [
    (2, 4, INFO, "S: ShardCount 2 → 4: one of the 10 scalings a stream may make in a rolling 24 hours"),
    (4, 2, INFO, "S: ShardCount 4 → 2: one of the 10 scalings"),
    (5, 3, INFO, "S: ShardCount 5 → 3: one of the 10 scalings"),  # 3 is not below half of 5
    (2, 6, ERROR, "S: ShardCount 2 → 6: Kinesis refuses to more than double or halve a stream's shards in one "
                  "update, so the deploy fails (Kinesis API reference, UpdateShardCount); go 2 → 4 → 6, one deploy "
                  "each (at most 10 a day)"),
    (5, 2, ERROR, "go 5 → 3 → 2, one deploy each"),  # 2 is below half of 5
    (16, 1, ERROR, "go 16 → 8 → 4 → 2 → 1, one deploy each"),
], ids=["double", "half", "just-above-half", "triple", "below-half", "to-one"])  # fmt: skip
def test_a_shard_count_kinesis_refuses_in_one_update_fails_the_plan(before, after, severity, said):
    change = ResourceChange("S", STREAM, "modify", True)
    note = shard_limits(change, shards(before), shards(after))
    assert note.severity == severity and said in note.text


@pytest.mark.parametrize("change", [
    ResourceChange("S", STREAM, "replace", True),  # a new stream starts at its count
    ResourceChange("S", STREAM, "modify", True, may_replace=True),
    ResourceChange("S", "AWS::SNS::Topic", "modify", False),
], ids=["replaced", "may-be-replaced", "not-a-stream"])  # fmt: skip
def test_only_a_streams_update_in_place_is_held_to_the_scaling_limits(change):
    assert shard_limits(change, shards(2), shards(8)) is None


GROUP = "AWS::ElastiCache::ReplicationGroup"


def group(node_type: str, clusters: int = 2, version: str = "7.0") -> dict:
    return {"Type": GROUP, "Properties": {"CacheNodeType": node_type, "NumCacheClusters": clusters,
                                          "EngineVersion": version}}  # fmt: skip


@pytest.mark.parametrize("before, after, severity, said", [
    (group("cache.t3.micro"), group("cache.t3.medium"), WARNING,
     "R: node type cache.t3.micro → cache.t3.medium: online vertical scaling, the group serves while new nodes sync; "
     "the switch interrupts about 1 s"),
    (group("cache.t3.micro", clusters=1), group("cache.t3.small", clusters=1), WARNING, "interrupts about 60 s"),
    (group("cache.m5.large", version="5.0"), group("cache.m5.xlarge", version="5.0"), WARNING, "about 10 s"),
    (group("cache.r6g.large"), group("cache.r6gd.xlarge"), ERROR,
     "ElastiCache does not scale between a data-tiering node type (r6gd) and one without, so the deploy fails"),
], ids=["with-a-replica", "one-node", "redis-5.0", "to-data-tiering"])  # fmt: skip
def test_a_node_type_change_says_what_it_interrupts_or_that_it_fails(before, after, severity, said):
    note = node_type_change(ResourceChange("R", GROUP, "modify", True), before, after)
    assert note.severity == severity and said in note.text


def test_an_unchanged_node_type_says_nothing():
    assert node_type_change(ResourceChange("R", GROUP, "modify", True), group("cache.t3.micro", clusters=2),
                            group("cache.t3.micro", clusters=3)) is None  # fmt: skip


CLUSTER = "AWS::RDS::DBCluster"


def cluster(version: str) -> dict:
    return {"Type": CLUSTER, "Properties": {"EngineVersion": version}}


@pytest.mark.parametrize("before, after, said", [
    ("15.4", "15.7", "A: engine 15.4 → 15.7: an outage while the engine restarts (RDS API reference, "
                     "ModifyDBCluster); zero-downtime patching tries to keep connections"),
    ("15.7", "16.4", "A: engine 15.7 → 16.4, a new major version: an outage while the cluster upgrades (RDS API "
                     "reference, ModifyDBCluster), without zero-downtime patching (minor versions only); if the deploy "
                     "fails, its rollback leaves the engine at 16.4"),
    ("9.6.1", "9.6.8", "A: engine 9.6.1 → 9.6.8: an outage while the engine restarts"),  # before 10: two numbers
    ("9.5.2", "9.6.1", "A: engine 9.5.2 → 9.6.1, a new major version"),
], ids=["minor", "major", "minor-before-10", "major-before-10"])  # fmt: skip
def test_an_engine_version_change_says_it_interrupts_the_database(before, after, said):
    note = engine_upgrade(ResourceChange("A", CLUSTER, "modify", True), cluster(before), cluster(after))
    assert note.severity == WARNING and said in note.text


@pytest.mark.parametrize("change, before, after", [
    (ResourceChange("A", CLUSTER, "modify", True), cluster("15.4"), cluster("15.4")),  # another property changed
    (ResourceChange("A", CLUSTER, "replace", True), cluster("15.4"), cluster("15.7")),  # a new cluster: no upgrade
    (ResourceChange("A", "AWS::RDS::DBInstance", "modify", True), cluster("15.4"), cluster("15.7")),
], ids=["same-version", "replaced", "not-a-cluster"])  # fmt: skip
def test_no_engine_note_without_an_upgrade_in_place(change, before, after):
    assert engine_upgrade(change, before, after) is None


def redis(version: str, clusters: int = 2, multi_az: bool = True) -> dict:
    return {"Type": GROUP, "Properties": {"EngineVersion": version, "NumCacheClusters": clusters,
                                          "MultiAZEnabled": multi_az}}  # fmt: skip


@pytest.mark.parametrize("before, after, said", [
    (redis("7.0"), redis("7.1"), "R: Redis 7.0 → 7.1: new nodes are made and synced, then a failover; reads are "
                                 "served throughout, writes pause for the failover, a few seconds"),
    (redis("5.0.4"), redis("5.0.6"), "the failover may take 30 s to 1 min (DNS)"),
    (redis("7.0", clusters=1), redis("7.1", clusters=1), "the primary serves no requests during the upgrade"),
    (redis("7.0", multi_az=False), redis("7.1", multi_az=False), "the primary serves no requests during the upgrade"),
], ids=["with-a-replica", "before-5.0.5", "one-node", "multi-az-off"])  # fmt: skip
def test_a_redis_engine_upgrade_says_what_it_interrupts(before, after, said):
    note = cache_engine_upgrade(ResourceChange("R", GROUP, "modify", True), before, after)
    assert note.severity == WARNING and said in note.text


@pytest.mark.parametrize("change, before, after", [
    (ResourceChange("R", GROUP, "modify", True), redis("7.0"), redis("7.0")),
    (ResourceChange("R", GROUP, "replace", True), redis("7.0"), redis("7.1")),
    (ResourceChange("R", CLUSTER, "modify", True), redis("7.0"), redis("7.1")),
], ids=["same-version", "replaced", "not-a-cache"])  # fmt: skip
def test_no_redis_engine_note_without_an_upgrade_in_place(change, before, after):
    assert cache_engine_upgrade(change, before, after) is None
