"""generator/diagram/change.py: the picture of a change marks what changes."""

import json

import pytest

from generator.diagram import change_picture
from tests.conftest import build, environment
from tests.diagram.test_picture import parse_mermaid


@pytest.fixture(scope="module")
def dev() -> dict:
    return build(environment("dev"))


@pytest.fixture(scope="module")
def prod() -> dict:
    return build(environment("prod", aurora={"instances": 2}))


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
    # plumbing marks what it is folded into
    assert picture.classes["modified"] == {"RdsKey", "DatabaseSecret", "legend_modified"}
    assert picture.labels["AuroraCluster"].startswith("<b>replaced</b><br/>AuroraCluster")
    legend = {n.removeprefix("legend_") for n in picture.nodes if n.startswith("legend_")}
    assert {"removed", "replaced", "modified"} <= legend and "added" not in legend  # the colours it uses
