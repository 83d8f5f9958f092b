"""templates/<env>.md: a Mermaid flowchart that parses, names every resource, and is deterministic."""

import json
import re

import pytest

from generator.diagram import ALERTING, diagram, tier
from tests.conftest import ROOT, build, environment

PICTURES = sorted((ROOT / "templates").glob("*.md"))
NODE = re.compile(r"^    (\w+)(\[\(|\[)\"(.+)\"(\)\]|\])$")
EDGE = re.compile(r"^  (\w+) --> (\w+)$")


def mermaid(markdown: str) -> list[str]:
    """The lines of the one Mermaid block."""
    (block,) = re.findall(r"```mermaid\n(.*?)```", markdown, re.DOTALL)
    return block.splitlines()


def parse(markdown: str) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    """Nodes (id -> subgraph), edges, and the subgraphs; fails on anything it does not understand."""
    lines = mermaid(markdown)
    assert lines[0] == "flowchart LR"
    nodes, edges, subgraphs, current = {}, [], {}, None
    for line in lines[1:]:
        if m := re.fullmatch(r'  subgraph (\w+)\["(.+)"\]', line):
            assert current is None, "nested or unclosed subgraph"
            current = m[1]
            subgraphs[current] = m[2]
        elif line == "  end":
            assert current is not None, "end without subgraph"
            current = None
        elif m := NODE.fullmatch(line):
            assert current is not None and m[1] not in nodes
            nodes[m[1]] = current
        elif m := EDGE.fullmatch(line):
            edges.append((m[1], m[2]))
        else:
            pytest.fail(f"unexpected line {line!r}")
    assert current is None, "subgraph not closed"
    return nodes, edges, subgraphs


@pytest.mark.parametrize("path", PICTURES, ids=lambda p: p.stem)
def test_committed_pictures_parse_and_show_every_resource(path):
    template = json.loads(path.with_suffix(".json").read_text())
    nodes, edges, subgraphs = parse(path.read_text())
    assert set(nodes) == {k for k, r in template["Resources"].items() if r["Type"] not in ALERTING}
    assert {a for edge in edges for a in edge} <= set(nodes)  # every edge joins known nodes
    assert set(subgraphs) <= {"keys", "network", "security", "data", "secrets", "logs", "other"}
    for output in template["Outputs"]:
        assert f"| `{output}` |" in path.read_text()


def test_picture_names_tiers_and_references():
    nodes, edges, _ = parse(diagram(build(environment("dev", aurora={"instances": 2})), "dev"))
    assert (nodes["Vpc"], nodes["RdsKey"], nodes["DatabaseSecurityGroup"], nodes["AuroraCluster"]) == (
        "network", "keys", "security", "data",
    )  # fmt: skip
    assert (nodes["DatabaseSecret"], nodes["AuroraPostgresqlLogGroup"]) == ("secrets", "logs")
    # Ref, GetAtt and ${...} in Fn::Sub (the secret in the cluster's dynamic reference) all draw an arrow.
    for edge in [("AuroraInstance2", "AuroraCluster"), ("AuroraCluster", "RdsKey"), ("AuroraCluster", "DatabaseSecret"),
                 ("AuroraCluster", "DatabaseSecurityGroup")]:  # fmt: skip
        assert edge in edges
    assert edges == sorted(set(edges))


def test_alerting_is_marks_on_what_it_watches_not_nodes():
    template = build(environment("prod", aurora={"instances": 2}))
    text = diagram(template, "prod")
    nodes, edges, _ = parse(text)
    assert not [k for k in nodes if template["Resources"][k]["Type"] in ALERTING]
    assert 'SensorDataStream[("SensorDataStream<br/>AWS::Kinesis::Stream<br/>watched: 3 alarms")]' in text
    assert "AuroraInstance2<br/>AWS::RDS::DBInstance<br/>watched: 3 alarms, RDS events" in text
    assert "AuroraCluster<br/>AWS::RDS::DBCluster<br/>watched: RDS events" in text
    assert "RedisReplicationGroup<br/>AWS::ElastiCache::ReplicationGroup<br/>watched: 8 alarms" in text
    assert ("RedisReplicationGroup", "CacheEventsTopic") not in edges  # no arrow into what is not drawn
    assert "Alerting, not drawn (17 AWS::CloudWatch::Alarm, 1 AWS::CloudWatch::Dashboard, " in text


def test_without_alerting_there_is_no_mark_and_no_note():
    text = diagram(build(environment("dev", alerts={"enabled": False})), "dev")
    assert "watched" not in text and "Alerting" not in text


def test_stateful_resources_are_cylinders():
    text = diagram(build(environment("dev", alerts={"enabled": False})), "dev")
    assert 'AuroraCluster[("AuroraCluster<br/>AWS::RDS::DBCluster")]' in text
    assert 'Vpc["Vpc<br/>AWS::EC2::VPC"]' in text


@pytest.mark.parametrize(
    "resource_type, expected",
    [("AWS::EC2::SecurityGroupIngress", "security"), ("AWS::IAM::Role", "security"),
     ("AWS::EC2::VPCGatewayAttachment", "network"), ("AWS::EC2::FlowLog", "network"), ("AWS::SNS::Topic", "other")],
)  # fmt: skip
def test_tiers(resource_type, expected):
    assert tier(resource_type) == expected


def test_same_template_same_bytes():
    template = build(environment("dev"))
    shuffled = json.loads(json.dumps(template))
    shuffled["Resources"] = dict(reversed(list(shuffled["Resources"].items())))
    assert diagram(template, "dev") == diagram(shuffled, "dev")


@pytest.mark.parametrize(
    "row",
    [
        "| `VpcId` | `Ref Vpc` | `${AWS::StackName}-VpcId` | VPC identifier |",
        "| `AuroraClusterPort` | `AuroraCluster.Endpoint.Port` | `${AWS::StackName}-AuroraClusterPort` | Aurora port |",
        '| `PrivateSubnetIds` | `Join ",": Ref PrivateSubnet1, Ref PrivateSubnet2` | '
        "`${AWS::StackName}-PrivateSubnetIds` | Private subnet IDs, comma-separated |",
    ],
    ids=["ref", "get-att", "join"],
)
def test_outputs_are_listed_as_a_reviewer_reads_them(row):
    assert row in diagram(build(environment("dev")), "dev").splitlines()
