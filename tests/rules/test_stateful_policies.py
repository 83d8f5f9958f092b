import pytest

from generator.cfn import STATEFUL_TYPES
from generator.rules import StatefulPolicies
from tests.rules import dev_template, findings


def drop(logical, *policies):
    return lambda r: [r[logical].pop(p) for p in policies]


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),  # the VPC, subnets, groups have no policies: nothing of theirs to keep
        (drop("SensorDataStream", "UpdateReplacePolicy"),
         ["Resources/SensorDataStream: SensorDataStream (AWS::Kinesis::Stream): no UpdateReplacePolicy"]),
        (drop("AuroraCluster", "DeletionPolicy", "UpdateReplacePolicy"),
         ["Resources/AuroraCluster: AuroraCluster (AWS::RDS::DBCluster): "
          "no DeletionPolicy and no UpdateReplacePolicy"]),
    ],
    ids=["generated", "stream-without-replace-policy", "cluster-without-both"],
)  # fmt: skip
def test_stateful_resources_have_both_policies(change, expected):
    assert findings(StatefulPolicies, dev_template(change)) == expected


def test_every_stateful_type_is_checked():
    template = {"Resources": {f"R{i}": {"Type": t, "Properties": {}} for i, t in enumerate(sorted(STATEFUL_TYPES))}}
    assert len(findings(StatefulPolicies, template)) == len(STATEFUL_TYPES)
