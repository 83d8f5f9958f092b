import pytest

from generator.rules import FailoverReplicas
from tests.rules import dev_template, findings

BAD = [
    "Resources/RedisReplicationGroup/Properties/AutomaticFailoverEnabled: RedisReplicationGroup: automatic failover "
    "with fewer than 2 cache clusters (NumCacheClusters, ReplicasPerNodeGroup or ReplicaCount)"
]


def redis(**props):
    def change(resources):
        properties = resources["RedisReplicationGroup"]["Properties"]
        properties.pop("NumCacheClusters")
        properties.update(props)

    return change


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),
        (redis(NumCacheClusters=1, AutomaticFailoverEnabled=False), []),
        (redis(NumNodeGroups=2, ReplicasPerNodeGroup=1), []),
        (redis(NodeGroupConfiguration=[{"ReplicaCount": 1}, {"ReplicaCount": 2}]), []),
        (redis(NumCacheClusters=1), BAD),
        (redis(), BAD),  # NumCacheClusters defaults to 1
        (redis(NumNodeGroups=2, ReplicasPerNodeGroup=0), BAD),
        (redis(NodeGroupConfiguration=[{"ReplicaCount": 1}, {"ReplicaCount": 0}]), BAD),
    ],
    ids=["generated", "no-failover-one-cluster", "replicas-per-node-group", "replica-count-everywhere",
         "one-cluster", "clusters-not-given", "no-replica-per-node-group", "one-node-group-without-replica"],
)  # fmt: skip
def test_failover_needs_replicas(change, expected):
    assert findings(FailoverReplicas, dev_template(change)) == expected
