import pytest
from troposphere.kinesis import Stream
from troposphere.kms import Key
from troposphere.rds import DBCluster

from generator.stack.common import name, protect, suppress, tags
from tests.conftest import environment


@pytest.mark.parametrize(
    "removal_policy, resource, expected",
    [
        ("destroy", DBCluster("C"), "Delete"),
        ("destroy", Key("K"), "Delete"),
        ("snapshot", DBCluster("C"), "Snapshot"),
        ("snapshot", Key("K"), "Retain"),  # a key cannot be snapshotted: it is kept
        ("snapshot", Stream("S"), "Retain"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.resource_type,
)
def test_protect_sets_both_policies_from_the_removal_policy(removal_policy, resource, expected):
    protect(resource, environment(removal_policy=removal_policy))
    assert (resource.DeletionPolicy, resource.UpdateReplacePolicy) == (expected, expected)


def test_name_follows_the_architecture_pattern():
    assert name(environment("dev"), "aurora-cluster") == "aurora-cluster-dev"


def test_tags_carry_the_standard_set_extra_tags_and_name():
    env = environment("prod", tags={"CostCenter": "iot"})
    assert tags(env, "redis-prod", Service="RDS").to_dict() == [
        {"Key": "CostCenter", "Value": "iot"},
        {"Key": "Environment", "Value": "prod"},
        {"Key": "ManagedBy", "Value": "iotstack"},
        {"Key": "Name", "Value": "redis-prod"},
        {"Key": "Project", "Value": "IndustrialIoT"},
        {"Key": "Service", "Value": "RDS"},
    ]


@pytest.mark.parametrize(
    "checkov, cfripper, expected",
    [
        ({"CKV_AWS_2": "b", "CKV_AWS_1": "a"}, None,
         {"checkov": {"skip": [{"id": "CKV_AWS_1", "comment": "a"}, {"id": "CKV_AWS_2", "comment": "b"}]}}),
        (None, {"RuleB": "b", "RuleA": "a"}, {"cfripper_ignore": {"RuleA": "a", "RuleB": "b"}}),
        (None, None, {}),
    ],
    ids=["checkov-as-checkov-reads-it", "cfripper-as-the-filter-reads-it", "nothing"],
)  # fmt: skip
def test_suppress_writes_each_scanners_shape_sorted_and_keeps_other_metadata(checkov, cfripper, expected):
    key = Key("K", Metadata={"other": 1})
    suppress(key, checkov=checkov, cfripper=cfripper)
    assert key.Metadata == {"other": 1, **expected}
    assert list(key.Metadata.get("cfripper_ignore", {})) == sorted(key.Metadata.get("cfripper_ignore", {}))
