"""generator/diagram/change.py: the picture of a change marks a node for its own resource only, and says
what changes in it, before → after."""

import json

import pytest

from generator.diagram import change_picture
from generator.diagram.change import _ends_cut, before_after
from tests.conftest import build, environment
from tests.diagram.test_picture import parse_mermaid


@pytest.fixture(scope="module")
def dev() -> dict:
    return build(environment("dev"))


@pytest.fixture(scope="module")
def prod() -> dict:
    return build(environment("prod", aurora={"instances": 2}))


def changed(template: dict, **properties) -> dict:
    """A copy of ``template`` with ``Logical={"Property": value}`` set."""
    after = json.loads(json.dumps(template))
    for logical, props in properties.items():
        after["Resources"][logical]["Properties"].update(props)
    return after


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (["Kinesis stream · 2 shards"], ["Kinesis stream · 4 shards"], ["Kinesis stream · 2 → 4 shards"]),
        (
            ["log group · 7 d", "KMS LogsKey"],
            ["log group · 90 d", "KMS LogsKey"],
            ["log group · 7 → 90 d", "KMS LogsKey"],
        ),
        (["secret"], ["secret rotated"], ["secret → secret rotated"]),  # nothing left in between: both said whole
        (["a", "watched: 3 alarms"], ["a"], ["a", "was: watched: 3 alarms"]),
        (["a"], ["a", "watched: events"], ["a", "now: watched: events"]),
        (["same", "lines"], ["same", "lines"], ["same", "lines"]),
    ],
    ids=["a number", "first of two", "a word added", "a line goes", "a line comes", "unchanged"],
)
def test_label_lines_before_and_after(old, new, expected):
    assert before_after(old, new) == expected


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("aurora-cluster-dev", "aurora-db-dev", ("aurora-cluster-dev", "aurora-db-dev")),  # short: whole
        ("/aws/rds/cluster/aurora-cluster-prod/postgresql", "/aws/rds/cluster/aurora-db-prod/postgresql",
         ("…/aurora-cluster-prod/…", "…/aurora-db-prod/…")),
        ("arn:aws:kms:sa-east-1:111122223333:key/one", "arn:aws:kms:sa-east-1:111122223333:key/two",
         ("…/one", "…/two")),
    ],
    ids=["short", "a path", "an ARN"],
)  # fmt: skip
def test_long_values_leave_out_what_both_share(old, new, expected):
    assert _ends_cut(old, new) == expected


def test_a_changed_shard_count_reads_before_and_after(dev):
    after = changed(dev, SensorDataStream={"ShardCount": 4})
    picture = parse_mermaid(change_picture(dev, after, "sa-east-1", {"SensorDataStream": "modify"}))
    assert picture.classes["modified"] == {"SensorDataStream", "legend_modified"}
    assert "<br/>Kinesis stream · 2 → 4 shards<br/>" in picture.labels["SensorDataStream"]
    assert "ShardCount" not in picture.labels["SensorDataStream"]  # its label says it: not twice


def test_a_renamed_cluster_shows_its_old_and_new_name(dev):
    after = changed(dev, AuroraCluster={"DBClusterIdentifier": "aurora-db-dev"})
    picture = parse_mermaid(change_picture(dev, after, "sa-east-1", {"AuroraCluster": "replace"}))
    assert picture.labels["AuroraCluster"].startswith("<b>replaced</b><br/>AuroraCluster<br/>")
    assert picture.labels["AuroraCluster"].endswith(
        "<br/>DBClusterIdentifier:<br/>aurora-cluster-dev →<br/>aurora-db-dev"
    )


def test_what_follows_a_replacement_says_so(dev):
    picture = parse_mermaid(change_picture(dev, dev, "sa-east-1", {"AuroraCluster": "replace",
                                                                   "AuroraInstance": "replace"}))  # fmt: skip
    assert picture.labels["AuroraInstance"].endswith("<br/>as AuroraCluster<br/>is replaced")


def test_folded_changes_are_a_note_not_a_mark(prod):
    """An alarm folded into the alert topic changes: the topic is drawn (it is listed otherwise) with a note,
    and not marked modified: its own properties do not change."""
    folded = {"AuroraInstanceCpuAlarm": "modify", "AuroraInstance2CpuAlarm": "modify", "RdsKeyAlias": "modify"}
    text = change_picture(prod, prod, "sa-east-1", folded)
    picture = parse_mermaid(text)
    assert "AlertTopic" in picture.nodes and "RdsKey" in picture.nodes
    assert picture.labels["AlertTopic"].endswith("<br/><i>folded in: 2 alarms modified</i>")
    assert picture.labels["RdsKey"].endswith("<br/><i>folded in: 1 KMS alias modified</i>")
    assert "modified" not in picture.classes and "<b>" not in picture.labels["AlertTopic"]


@pytest.mark.parametrize(
    "changes, drawn, not_drawn",
    [
        ({"SensorDataStream": "modify"}, {"SensorDataStream"}, {"RdsKey", "AlertTopic", "VpcFlowLogGroup"}),
        ({"RdsKey": "modify"}, {"RdsKey"}, {"AlertTopic", "LogsKey"}),
        ({"VpcFlowLogGroup": "replace"}, {"VpcFlowLogGroup"}, {"RdsKey"}),
    ],
    ids=["a stream", "a key", "a log group"],
)
def test_listed_nodes_are_drawn_only_when_they_change(prod, changes, drawn, not_drawn):
    picture = parse_mermaid(change_picture(prod, prod, "sa-east-1", changes))
    assert drawn <= set(picture.nodes) and not not_drawn & set(picture.nodes)


def test_the_picture_of_a_change_marks_what_changes(dev):
    after = json.loads(json.dumps(dev))
    del after["Resources"]["RedisReplicationGroup"]
    text = change_picture(dev, after, "sa-east-1", {
        "RedisReplicationGroup": "remove", "AuroraCluster": "replace", "RdsKeyAlias": "modify",
        "DatabaseSecretAttachment": "modify"})  # fmt: skip
    picture = parse_mermaid(text)
    assert picture.classes["removed"] == {"RedisReplicationGroup", "legend_removed"}  # still drawn, from the base
    assert picture.classes["replaced"] == {"AuroraCluster", "legend_replaced"}
    assert "modified" not in picture.classes  # plumbing is a note in what it is folded into, not a mark
    assert picture.labels["AuroraCluster"].startswith("<b>replaced</b><br/>AuroraCluster")
    assert picture.labels["DatabaseSecret"].endswith("<i>folded in: 1 secret attachment modified</i>")
    legend = {n.removeprefix("legend_") for n in picture.nodes if n.startswith("legend_")}
    assert {"removed", "replaced"} <= legend and not {"added", "modified"} & legend  # the colours it uses
