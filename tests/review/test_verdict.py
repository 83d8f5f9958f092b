"""review.verdict: what becomes of the data of a stateful resource at stake, from the base's policy,
and an export in use makes the plan fail."""

import pytest

from generator.review.diff import with_importers
from generator.review.model import ERROR, INFO, WARNING, OutputChange, Plan, ResourceChange
from generator.review.verdict import fate

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


@pytest.mark.parametrize("action, said", [
    ("replace", "I is replaced: the old instance is deleted (the data lives in the cluster's storage); a new one "
                "joins the cluster"),
    ("remove", "I is removed: it is deleted (the data lives in the cluster's storage); the cluster has one instance "
               "fewer"),
])  # fmt: skip
def test_an_aurora_instance_holds_no_data_of_its_own(action, said):
    change = ResourceChange("I", "AWS::RDS::DBInstance", action, True, policy=("UpdateReplacePolicy", "Delete"))
    note = fate(change, {"Properties": {"DBClusterIdentifier": {"Ref": "C"}}})
    assert note.text == said


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
