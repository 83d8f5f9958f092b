"""E9002: automatic failover on a Redis replication group needs a replica to fail over to."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class FailoverReplicas(CloudFormationLintRule):
    id = "E9002"
    shortdesc = "Automatic failover needs at least 2 cache clusters"
    description = (
        "AutomaticFailoverEnabled promises that a replica takes over when the primary fails; with a "
        "single cache cluster (no replica) there is nothing to promote, so the promise is false. Give "
        "NumCacheClusters >= 2, or at least one replica per node group in cluster mode."
    )
    source_url = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html"
    tags = ["iotstack", "elasticache"]

    def match(self, cfn):
        matches = []
        for logical, resource in cfn.get_resources(["AWS::ElastiCache::ReplicationGroup"]).items():
            props = resource.get("Properties", {})
            if props.get("AutomaticFailoverEnabled") is not True or _has_replicas(props):
                continue
            path = ["Resources", logical, "Properties", "AutomaticFailoverEnabled"]
            matches.append(RuleMatch(path, f"{logical}: automatic failover with fewer than 2 cache clusters "
                                           "(NumCacheClusters, ReplicasPerNodeGroup or ReplicaCount)"))  # fmt: skip
        return matches


def _has_replicas(props: dict) -> bool:
    """At least a primary and a replica: two cache clusters, or a replica in every node group."""
    if isinstance(props.get("NumCacheClusters"), int) and props["NumCacheClusters"] >= 2:
        return True
    if isinstance(props.get("ReplicasPerNodeGroup"), int) and props["ReplicasPerNodeGroup"] >= 1:
        return True
    groups = props.get("NodeGroupConfiguration")
    return (
        isinstance(groups, list)
        and bool(groups)
        and all(isinstance(g, dict) and isinstance(g.get("ReplicaCount"), int) and g["ReplicaCount"] >= 1
                for g in groups)
    )  # fmt: skip
