"""review.verdict: what becomes of the data of a stateful resource at stake, from the base's policy,
and an export in use makes the plan fail."""

import pytest

from generator.review.diff import with_importers
from generator.review.model import ERROR, INFO, WARNING, OutputChange, Plan, ResourceChange
from generator.review.verdict import fate, node_type_change, shard_limits

CLUSTER = "AWS::RDS::DBCluster"

FATES = {
    "replace-delete": ("replace", ("UpdateReplacePolicy", "Delete"),
                       "C is replaced: UpdateReplacePolicy Delete: the old one is deleted with its databases, no "
                       "snapshot; the new cluster starts empty"),
    "replace-snapshot": ("replace", ("UpdateReplacePolicy", "Snapshot"),
                         "C is replaced: UpdateReplacePolicy Snapshot: a final snapshot of the old one is kept (its "
                         "databases: restore it by hand); the new cluster starts empty"),
    "remove-retain": ("remove", ("DeletionPolicy", "Retain"),
                      "C is removed: DeletionPolicy Retain: it is kept, outside the stack, with its databases (delete "
                      "it by hand when done)"),
    "remove-unset": ("remove", ("DeletionPolicy", None),
                     "C is removed: no DeletionPolicy (CloudFormation's default: mostly Delete): it is deleted with "
                     "its databases, no snapshot"),
}  # fmt: skip


@pytest.mark.parametrize("action, policy, said", FATES.values(), ids=FATES)
def test_the_fate_of_the_data_follows_the_base_policy(action, policy, said):
    change = ResourceChange("C", CLUSTER, action, True, policy=policy)
    assert vars(fate(change, {"Properties": {}})) == {"severity": WARNING, "text": said}


def test_an_aurora_instance_holds_no_data_of_its_own():
    change = ResourceChange("I", "AWS::RDS::DBInstance", "replace", True, policy=("UpdateReplacePolicy", "Delete"))
    note = fate(change, {"Properties": {"DBClusterIdentifier": {"Ref": "C"}}})
    assert "the data lives in the cluster's storage" in note.text


def exported(importers):
    output = OutputChange("ClusterId", "modify", {"Ref": "C"}, {"Ref": "C"}, ("refers to C, which is replaced",),
                          export="stack-ClusterId")  # fmt: skip
    return with_importers(Plan("dev", "HEAD", outputs=(output,)), lambda name: importers)


def test_an_export_in_use_makes_the_deploy_fail():
    p = exported(["telemetry", "api"])
    assert p.will_fail
    assert [(n.severity, n.text) for n in p.notes] == [(ERROR, (
        "export stack-ClusterId (ClusterId) is imported by api, telemetry: CloudFormation cannot change or remove "
        "an export in use, so the update fails"))]  # fmt: skip


def test_an_export_nobody_imports_is_no_note_and_offline_it_is_a_question():
    assert exported([]).notes == () and not exported([]).will_fail
    removed = OutputChange("ClusterId", "remove", {"Ref": "C"}, None, export="stack-ClusterId")
    offline = Plan("dev", "HEAD", outputs=(removed,))
    (note,) = offline.notes
    assert note.severity == INFO and "`iotstack diff --deployed` asks CloudFormation" in note.text


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
