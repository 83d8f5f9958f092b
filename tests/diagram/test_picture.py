"""templates/<env>.md: an architecture a person can read, parsed back from its Mermaid: the containers
(region > VPC > zones > subnets), nodes in the right place, traffic edges labelled with their ports,
plumbing folded away, a size that fits a page column, and the same bytes for the same template."""

import json
import re
from dataclasses import dataclass, field

import pytest

from generator.diagram import architecture, change_picture, diagram
from tests.conftest import ROOT, build, environment

PICTURES = sorted(
    p for p in (ROOT / "templates").glob("*.md") if p.stem not in ("bootstrap", "drift-role")
)  # the environments
NODE = re.compile(r'(\w+)(\[\("|\[")(.+?)("\)\]|"\])')
EDGE = re.compile(r'(\w+) (?:(?:--|-\.) "([^"]+)" )?(-->|---|~~~|\.-|-\.-) (\w+)')
PLUMBING = ("AWS::KMS::Alias", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::RouteTable", "AWS::EC2::Route",
            "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::SecurityGroupIngress", "AWS::RDS::DBSubnetGroup",
            "AWS::ElastiCache::SubnetGroup", "AWS::SecretsManager::SecretTargetAttachment",
            "AWS::IAM::Role")  # fmt: skip


@dataclass
class Picture:
    nodes: dict[str, str] = field(default_factory=dict)  # node -> the box it is in
    labels: dict[str, str] = field(default_factory=dict)
    boxes: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # box -> (title, parent)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # (source, arrow, target, label)
    classes: dict[str, set[str]] = field(default_factory=dict)  # class -> members

    def inside(self, node: str) -> list[str]:
        """The boxes around ``node``, innermost first."""
        chain, box = [], self.nodes[node]
        while box:
            chain.append(box)
            box = self.boxes[box][1]
        return chain


def parse(markdown: str) -> Picture:
    """The first Mermaid block; fails on any line it does not understand."""
    block = re.search(r"```mermaid\n(.*?)```", markdown, re.DOTALL)[1]
    return parse_mermaid(block)


def parse_mermaid(block: str) -> Picture:
    lines = block.splitlines()
    assert lines[0].startswith("%%{init:") and lines[1] == "flowchart TB"
    picture, stack = Picture(), []
    for line in (line.strip() for line in lines[2:]):
        if m := re.fullmatch(r'subgraph (\w+)\["(.+)"\]', line):
            picture.boxes[m[1]] = (m[2], stack[-1] if stack else None)
            stack.append(m[1])
        elif line == "end":
            stack.pop()
        elif line == "direction TB" or line.startswith("classDef "):
            continue
        elif m := re.fullmatch(r"class ([\w,]+) (\w+)", line):
            picture.classes[m[2]] = set(m[1].split(","))
        elif m := NODE.fullmatch(line):
            assert stack and m[1] not in picture.nodes, line
            picture.nodes[m[1]], picture.labels[m[1]] = stack[-1], m[3]
        elif m := EDGE.fullmatch(line):
            picture.edges.append((m[1], m[3], m[4], m[2] or ""))
        else:
            pytest.fail(f"unexpected line {line!r}")
    assert not stack, "a subgraph is not closed"
    return picture


@pytest.mark.parametrize("path", PICTURES, ids=lambda p: p.stem)
def test_committed_pictures_are_architectures_of_a_readable_size(path):
    template = json.loads(path.with_suffix(".json").read_text())
    picture = parse(path.read_text())
    titles = {title for title, _ in picture.boxes.values()}
    assert {"Region sa-east-1", "AZ a", "AZ b", "CloudWatch Logs", "KMS", "Kinesis", "Secrets Manager"} <= titles
    assert any(t.startswith("Vpc · VPC 10.") for t in titles)
    assert 18 <= len(picture.nodes) <= 27  # readable at 100% in a 900 px column (prod's: 884 px wide)
    drawn = set(picture.nodes) | set(picture.boxes)
    assert {a for s, _, t, _ in picture.edges for a in (s, t)} <= drawn  # every edge joins known things
    types = {k: r["Type"] for k, r in template["Resources"].items()}
    assert not [n for n in picture.nodes if types.get(n) in PLUMBING]  # plumbing is folded into its parent
    traffic = {(s, t, label) for s, arrow, t, label in picture.edges if arrow == "-->" and "/" in label}
    assert ("ConsumerSecurityGroup", "AuroraCluster", "5432/tcp") in traffic
    assert ("ConsumerSecurityGroup", "RedisReplicationGroup", "6379/tcp") in traffic
    assert picture.classes["store"] >= {"AuroraCluster", "RedisReplicationGroup", "SensorDataStream"}
    for output in template["Outputs"]:
        assert f"| `{output}` |" in path.read_text()
    for logical in template["Resources"]:  # every resource is in the table of where it is drawn
        assert f"| `{logical}` |" in path.read_text()


def test_places_follow_the_aws_convention():
    picture = parse(diagram(build(environment("dev", aurora={"instances": 2})), "dev", "sa-east-1"))
    title = {box: t for box, (t, _) in picture.boxes.items()}
    # Aurora instances are pinned: each in its zone's private subnet.
    vpc = "Vpc · VPC 10.0.0.0/16 · flow logs to VpcFlowLogGroup"
    assert [title[b] for b in picture.inside("AuroraInstance")][:3] == [
        "PrivateSubnet1 · private 10.0.11.0/24",
        "AZ a",
        vpc,
    ]
    assert [title[b] for b in picture.inside("AuroraInstance2")][:2] == [
        "PrivateSubnet2 · private 10.0.12.0/24",
        "AZ b",
    ]
    # The replication group spans the private subnets (ElastiCache picks its nodes' zones): in the VPC, no zone.
    assert picture.inside("RedisReplicationGroup") == ["Vpc", "region"]
    assert "nodes in the private subnets" in picture.labels["RedisReplicationGroup"]
    for outside in ("SensorDataStream", "RdsKey", "DatabaseSecret", "VpcFlowLogGroup"):
        assert "Vpc" not in picture.inside(outside)
    assert picture.nodes["PublicSubnet1"] == "Vpc_az_a"  # an empty subnet is a node in its zone
    # A route is a dotted line without a head, saying which way: not an arrow in (read as open ingress).
    assert ("InternetGateway", ".-", "PublicSubnet1", "route to 0.0.0.0/0, out") in picture.edges
    assert ("AuroraInstance2", "---", "AuroraCluster", "") in picture.edges


def test_encryption_retention_and_folded_plumbing_are_labels():
    picture = parse(diagram(build(environment("prod", kinesis={"retention_hours": 168})), "prod", "sa-east-1"))
    assert "<br/>KMS KinesisKey · 168 h<br/>" in picture.labels["SensorDataStream"]
    assert "alias/rds-prod" in picture.labels["RdsKey"]  # the alias, folded into its key
    assert "log group · 7 d<br/>KMS LogsKey" in picture.labels["AuroraPostgresqlLogGroup"]


def test_alerting_is_folded_into_its_topics_and_marks_what_it_watches():
    template = build(environment("prod", aurora={"instances": 2}, alerts={"emails": ("ops@example.com",)}))
    arch = architecture(template, "sa-east-1")
    picture = parse(diagram(template, "prod", "sa-east-1"))
    alerting = ("AWS::CloudWatch::Alarm", "AWS::RDS::EventSubscription", "AWS::Events::Rule", "AWS::SNS::TopicPolicy",
                "AWS::SNS::Subscription")  # fmt: skip
    folded = {k: arch.owner[k] for k, r in template["Resources"].items() if r["Type"] in alerting}
    # 17 alarms, 2 RDS event subscriptions, the rules on a failed rotation, a key at risk and a break-glass read,
    # 2 topic policies, the address on each topic
    assert len(folded) == 17 + 2 + 3 + 2 + 2 and set(folded.values()) == {"AlertTopic", "CacheEventsTopic"}
    assert (
        folded["CacheEventsTopicPolicy"] == "CacheEventsTopic" and folded["DatabaseRotationFailedRule"] == "AlertTopic"
    )
    assert picture.labels["AlertTopic"] == ("AlertTopic<br/>topic · KMS AlertsKey<br/>17 alarms · 2 event "
                                            "subscriptions · 3 rules<br/>1 subscriber")  # fmt: skip
    assert (
        picture.labels["CacheEventsTopic"]
        == "CacheEventsTopic<br/>topic<br/>events of RedisReplicationGroup<br/>1 subscriber"
    )
    assert picture.labels["SensorDataStream"].endswith("<br/>watched: 3 alarms")
    assert picture.labels["AuroraInstance2"].endswith("<br/>watched: 3 alarms, events")  # alarms and RDS events
    assert picture.labels["AuroraCluster"].endswith("<br/>watched: events")
    assert picture.labels["RedisReplicationGroup"].endswith("<br/>watched: 8 alarms, events")
    assert picture.labels["DatabaseSecret"].endswith("<br/>watched: events")  # a failed rotation is an event
    assert not [label for node, label in picture.labels.items() if "watched" in label and "Topic" in node]


def test_without_alerting_nothing_is_watched():
    text = diagram(build(environment("dev", alerts={"enabled": False})), "dev", "sa-east-1")
    assert "watched" not in text and "Topic" not in text and "alarms" not in text


def test_the_password_rotation_function_is_drawn_with_its_traffic():
    picture = parse(diagram(build(environment("prod")), "prod", "sa-east-1"))
    traffic = {(s, t, label) for s, _, t, label in picture.edges if label}
    assert ("DatabaseSecretRotation", "AuroraCluster", "5432/tcp") in traffic
    assert ("DatabaseSecretRotation", "SecretsManagerEndpoint", "443/tcp") in traffic
    assert "rotated every 30 d" in picture.labels["DatabaseSecret"]


def test_same_template_same_bytes():
    template = build(environment("dev"))
    shuffled = json.loads(json.dumps(template))
    shuffled["Resources"] = dict(reversed(list(shuffled["Resources"].items())))
    assert diagram(template, "dev", "sa-east-1") == diagram(shuffled, "dev", "sa-east-1")


def test_every_resource_has_a_drawn_owner():
    template = build(environment("prod"))
    arch = architecture(template, "sa-east-1")
    boxes = set()
    stack = [arch.root]
    while stack:
        box = stack.pop()
        boxes.add(box.id)
        stack += box.boxes
    assert set(arch.owner) == set(template["Resources"])
    assert set(arch.owner.values()) <= set(arch.nodes) | boxes


def test_the_picture_of_a_change_marks_what_changes():
    before = build(environment("dev"))
    after = json.loads(json.dumps(before))
    del after["Resources"]["RedisReplicationGroup"]
    text = change_picture(before, after, "sa-east-1", {
        "RedisReplicationGroup": "remove", "AuroraCluster": "replace", "RdsKeyAlias": "modify",
        "DatabaseSecretAttachment": "modify"})  # fmt: skip
    picture = parse_mermaid(text)
    assert picture.classes["removed"] == {"RedisReplicationGroup"}  # still drawn, from the base
    assert picture.classes["replaced"] == {"AuroraCluster"}
    assert picture.classes["modified"] == {"RdsKey", "DatabaseSecret"}  # plumbing marks what it is folded into
    assert picture.labels["AuroraCluster"].startswith("<b>replaced</b><br/>AuroraCluster")
