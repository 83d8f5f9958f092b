"""templates/<env>.md: an architecture a person can read, parsed back from its Mermaid: the containers
(VPC > zones > subnets, services), nodes in the right place, traffic edges labelled with their ports,
plumbing folded away, keys, logs and alerting listed under the picture, a legend, and the same bytes for
the same template. Whether it fits a 900 px column is measured where it is drawn (`make pictures`,
scripts/pictures_measure.py); here, what keeps it narrow: blocks Mermaid lays out alone, stacked."""

import json
import re
from dataclasses import dataclass, field

import pytest

from generator.diagram import architecture, diagram
from generator.diagram.mermaid import mermaid
from tests.conftest import ROOT, build, environment

PICTURES = sorted(
    p
    for p in (ROOT / "templates").glob("*.md")
    if p.stem not in ("bootstrap", "drift-role", "fleet-plants-administration", "fleet-plants-execution")
)  # the environments (and the fleet's: its environment's)
NODE = re.compile(r'(\w+)(\[\("|\["|\(\[")(.*?)("\)\]|"\]|"\]\))')
EDGE = re.compile(r'(\w+) (?:(?:--|-\.|==) "([^"]+)" )?(-->|\.-|==>|===|-\.-|~~~) (\w+)')
PLUMBING = ("AWS::KMS::Alias", "AWS::EC2::SubnetRouteTableAssociation", "AWS::EC2::RouteTable", "AWS::EC2::Route",
            "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::SecurityGroupIngress", "AWS::RDS::DBSubnetGroup",
            "AWS::ElastiCache::SubnetGroup", "AWS::SecretsManager::SecretTargetAttachment",
            "AWS::SecretsManager::ResourcePolicy")  # fmt: skip


@dataclass
class Picture:
    title: str = ""
    nodes: dict[str, str] = field(default_factory=dict)  # node -> the box it is in ("" at the top)
    labels: dict[str, str] = field(default_factory=dict)
    shapes: dict[str, str] = field(default_factory=dict)  # node -> its opening bracket: [( cylinder, ([ rounded
    boxes: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # box -> (title, parent)
    order: list[str] = field(default_factory=list)  # boxes in the order they are written
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # (source, arrow, target, label)
    classes: dict[str, set[str]] = field(default_factory=dict)  # class -> members

    def inside(self, node: str) -> list[str]:
        """The boxes around ``node``, innermost first."""
        chain, box = [], self.nodes[node]
        while box:
            chain.append(box)
            box = self.boxes[box][1]
        return chain

    def drawn(self) -> set[str]:
        """The nodes of the stack (the legend's samples left out)."""
        return {n for n in self.nodes if not n.startswith("legend_")}


def parse(markdown: str) -> Picture:
    """The first Mermaid block; fails on any line it does not understand."""
    block = re.search(r"```mermaid\n(.*?)```", markdown, re.DOTALL)[1]
    return parse_mermaid(block)


def parse_mermaid(block: str) -> Picture:
    lines = block.splitlines()
    assert lines[0] == "---" and lines[1].startswith("title: ") and lines[2] == "---", "a front matter title"
    assert lines[3].startswith("%%{init:") and lines[4] == "flowchart LR"
    picture, stack = Picture(title=lines[1].removeprefix("title: ")), []
    for line in (line.strip() for line in lines[5:]):
        if m := re.fullmatch(r'subgraph (\w+)\["(.+)"\]', line):
            picture.boxes[m[1]] = (m[2], stack[-1] if stack else None)
            picture.order.append(m[1])
            stack.append(m[1])
        elif line == "end":
            stack.pop()
        elif line.startswith("direction ") or line.startswith("classDef "):
            continue
        elif m := re.fullmatch(r"class ([\w,]+) (\w+)", line):
            picture.classes[m[2]] = set(m[1].split(","))
        elif m := NODE.fullmatch(line):
            assert m[1] not in picture.nodes, line
            picture.nodes[m[1]], picture.labels[m[1]], picture.shapes[m[1]] = stack[-1] if stack else "", m[3], m[2]
        elif m := EDGE.fullmatch(line):
            picture.edges.append((m[1], m[3], m[4], m[2] or ""))
        else:
            pytest.fail(f"unexpected line {line!r}")
    assert not stack, "a subgraph is not closed"
    return picture


@pytest.mark.parametrize("path", PICTURES, ids=lambda p: p.stem)
def test_committed_pictures_are_architectures(path):
    template = json.loads(path.with_suffix(".json").read_text())
    text = path.read_text()
    picture = parse(text)
    titles = {title for title, _ in picture.boxes.values()}
    assert picture.title == "Region sa-east-1"
    assert {"AZ a", "AZ b", "Kinesis", "Secrets Manager", "Legend"} <= titles
    assert any(t.startswith(("Vpc · VPC 10.", "Vpc · VPC {VpcCidr}")) for t in titles)  # a fleet: each site its own
    # AZ a is written first: Mermaid keeps the order it is given (make pictures checks it as drawn)
    assert picture.order.index("Vpc_az_a") < picture.order.index("Vpc_az_b")
    drawn = set(picture.nodes) | set(picture.boxes)
    assert {a for s, _, t, _ in picture.edges for a in (s, t)} <= drawn  # every edge joins known things
    types = {k: r["Type"] for k, r in template["Resources"].items()}
    assert not [n for n in picture.nodes if types.get(n) in PLUMBING]  # plumbing is folded into its parent
    traffic = {(s, t, label) for s, arrow, t, label in picture.edges if arrow == "-->" and "/" in label}
    assert ("ConsumerSecurityGroup", "AuroraCluster", "5432/tcp") in traffic
    assert ("ConsumerSecurityGroup", "RedisReplicationGroup", "6379/tcp") in traffic
    assert picture.classes["store"] >= {"AuroraCluster", "RedisReplicationGroup", "SensorDataStream"}
    # keys, logs and alerting: listed under the picture, each with what its node would say, not drawn
    listed = re.findall(r"^\| `(\w+)` \| (?:KMS|CloudWatch Logs|SNS|CloudWatch) \|", text, re.MULTILINE)
    assert {"RdsKey", "VpcFlowLogGroup"} <= set(listed) and not set(listed) & picture.drawn()
    assert "| `RdsKey` | KMS | alias/rds-" in text
    for output in template["Outputs"]:
        assert f"| `{output}` |" in text
    for logical in template["Resources"]:  # every resource is in the table of where it is shown
        assert f"| `{logical}` |" in text


@pytest.mark.parametrize("path", PICTURES, ids=lambda p: p.stem)
def test_what_keeps_the_picture_narrow(path):
    """Blocks Mermaid lays out alone, one under the other (written last first, the VPC's on top, the legend
    last), and in the VPC's block each box outside the VPC held under the one above by an invisible link."""
    picture = parse(path.read_text())
    blocks = [b for b, (_, parent) in picture.boxes.items() if parent is None]
    assert blocks[0] == "legend_box" and blocks[-1] == "block_0" and "service_Kinesis" in blocks
    hints = {(s, t) for s, arrow, t, _ in picture.edges if arrow == "~~~"}
    for box, (_, parent) in picture.boxes.items():
        if parent == "block_0" and box != "Vpc":
            inside = {n for n, b in picture.nodes.items() if b == box}
            assert any(t in inside and picture.nodes[s] != box for s, t in hints), box


def test_places_follow_the_aws_convention():
    picture = parse(diagram(build(environment("dev", aurora={"instances": 2})), "dev", "sa-east-1"))
    title = {box: t for box, (t, _) in picture.boxes.items()}
    # Aurora instances are pinned: each in its zone's private subnet, and say which cluster they are of.
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
    assert picture.labels["AuroraInstance2"].startswith(
        "AuroraInstance2<br/>DB instance · db.serverless<br/>in AuroraCluster"
    )
    # The replication group spans the private subnets (ElastiCache picks its nodes' zones): in the VPC, no zone.
    assert picture.inside("RedisReplicationGroup") == ["Vpc", "block_0"]
    assert "nodes in the private subnets" in picture.labels["RedisReplicationGroup"]
    for outside in ("SensorDataStream", "DatabaseSecret"):
        assert "Vpc" not in picture.inside(outside)
    assert picture.nodes["PublicSubnet1"] == "Vpc_az_a"  # an empty subnet is a node in its zone
    # A route is a dotted line without a head, saying which way: not an arrow in (read as open ingress).
    assert ("InternetGateway", ".-", "PublicSubnet1", "route to 0.0.0.0/0, out") in picture.edges


def test_encryption_retention_and_folded_plumbing_are_labels():
    arch = architecture(build(environment("prod", kinesis={"retention_hours": 168})), "sa-east-1")
    assert arch.nodes["SensorDataStream"].lines[:2] == ["Kinesis stream · 2 shards", "KMS KinesisKey · 168 h"]
    assert "alias/rds-prod" in arch.nodes["RdsKey"].lines  # the alias, folded into its key
    assert arch.nodes["AuroraPostgresqlLogGroup"].lines == ["log group · 7 d", "KMS LogsKey"]
    assert arch.nodes["DatabaseSecret"].lines[:3] == ["secret", "KMS SecretsKey", "rotated every 30 d"]  # cut at ·


def test_alerting_is_folded_into_its_topics_and_marks_what_it_watches():
    template = build(environment("prod", aurora={"instances": 2}, alerts={"emails": ("ops@example.com",)}))
    arch = architecture(template, "sa-east-1")
    alerting = ("AWS::CloudWatch::Alarm", "AWS::RDS::EventSubscription", "AWS::Events::Rule", "AWS::SNS::TopicPolicy",
                "AWS::SNS::Subscription")  # fmt: skip
    folded = {k: arch.owner[k] for k, r in template["Resources"].items() if r["Type"] in alerting}
    # 17 alarms, 2 RDS event subscriptions, the rules on a failed rotation, a key at risk and a break-glass read,
    # 2 topic policies, the address on each topic
    assert len(folded) == 17 + 2 + 3 + 2 + 2 and set(folded.values()) == {"AlertTopic", "CacheEventsTopic"}
    lines = {k: arch.nodes[k].lines for k in arch.nodes}
    assert lines["AlertTopic"] == ["topic · KMS AlertsKey", "17 alarms", "2 event subscriptions", "3 rules",
                                   "1 subscriber"]  # fmt: skip
    assert lines["CacheEventsTopic"] == ["topic", "events of RedisReplicationGroup", "1 subscriber"]
    assert {"AlertTopic", "CacheEventsTopic"} <= arch.listed  # no edge joins a topic: listed, not drawn
    assert lines["SensorDataStream"][-1] == "watched: 3 alarms"
    assert lines["AuroraInstance2"][-1] == "watched: 3 alarms, events"  # alarms and RDS events
    assert lines["AuroraCluster"][-1] == "watched: events"
    assert lines["RedisReplicationGroup"][-1] == "watched: 8 alarms, events"
    assert lines["DatabaseSecret"][-1] == "watched: events"  # a failed rotation is an event
    assert lines["DatabaseBreakGlassRole"][-1] == "watched: events"  # each use tells the topic
    assert not [k for k, n in lines.items() if "watched" in " ".join(n) and "Topic" in k]


def test_without_alerting_nothing_is_watched():
    text = diagram(build(environment("dev", alerts={"enabled": False})), "dev", "sa-east-1")
    assert "watched" not in text and "Topic" not in text and "alarms" not in text


def test_the_password_rotation_function_is_drawn_with_its_traffic_and_its_secret():
    picture = parse(diagram(build(environment("prod")), "prod", "sa-east-1"))
    edges = {(s, arrow, t, label) for s, arrow, t, label in picture.edges if label}
    assert ("DatabaseSecretRotation", "-->", "AuroraCluster", "5432/tcp") in edges
    assert ("DatabaseSecretRotation", "-->", "SecretsManagerEndpoint", "443/tcp") in edges
    assert ("DatabaseSecretRotation", "==>", "DatabaseSecret", "rotates") in edges
    assert "rotated every 30 d" in picture.labels["DatabaseSecret"]


@pytest.mark.parametrize(
    "source, arrow, target, label, box",
    [
        ("SensorStreamProducerPolicy", "==>", "SensorDataStream", "writes", "service_Kinesis"),
        ("SensorDataStream", "==>", "SensorStreamConsumerPolicy", "read by", "service_Kinesis"),
        ("DatabaseSecret", "==>", "DatabaseBreakGlassRole", "read by", "service_SecretsManager"),
        ("RedisAuthSecret", "==>", "CacheClientPolicy", "read by", "service_SecretsManager"),
        ("AuroraCluster", "===", "DatabaseWriterPolicy", "login iot_writer", "service_IAM"),
        ("AuroraCluster", "===", "DatabaseReaderPolicy", "login iot_reader", "service_IAM"),
    ],
    ids=["producer", "consumer", "break-glass", "cache client", "writer", "reader"],
)
def test_who_writes_and_reads_the_data_is_drawn(source, arrow, target, label, box):
    """In the direction the data moves (a writer into the store, out of it to a reader), a login without a head;
    the principal rounded, beside what it may use (the cluster's logins in IAM's box: the cluster is in the VPC)."""
    picture = parse((ROOT / "templates" / "prod.md").read_text())
    assert (source, arrow, target, label) in picture.edges
    who = source if source.endswith("Policy") else target
    assert picture.shapes[who] == '(["' and who in picture.classes["who"]
    assert picture.nodes[who] == box


@pytest.mark.parametrize(
    "path, kinds",
    [
        (ROOT / "templates" / "prod.md", {"traffic", "data", "login", "route"}),
        (ROOT / "templates" / "drift-role.md", set()),
    ],
    ids=["prod", "drift-role"],
)
def test_the_legend_explains_what_the_picture_uses(path, kinds):
    picture = parse(path.read_text())
    samples = {n.removeprefix("legend_").removesuffix("_from") for n in picture.nodes if n.startswith("legend_")}
    assert {k for k in kinds} <= samples and "who" in samples
    assert not {"added", "modified", "replaced", "removed"} & samples  # a stack's picture has no change colours


def test_same_template_same_bytes():
    template = build(environment("dev"))
    shuffled = json.loads(json.dumps(template))
    shuffled["Resources"] = dict(reversed(list(shuffled["Resources"].items())))
    assert diagram(template, "dev", "sa-east-1") == diagram(shuffled, "dev", "sa-east-1")


def test_every_resource_has_a_shown_owner():
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


@pytest.mark.parametrize("rule, shown", [
    ({"CidrIp": "10.0.0.0/8"}, "10.0.0.0/8"),
    ({"CidrIpv6": "::/0"}, "::/0"),
    ({"SourcePrefixListId": "pl-0123456789abcdef0"}, "pl-0123456789abcdef0"),
], ids=["cidr", "ipv6", "prefix-list"])  # fmt: skip
def test_a_rule_open_to_addresses_is_drawn_to_them(rule, shown):
    """A port opened to addresses outside the stack is an edge to a node that names them, never left out."""
    t = json.loads((ROOT / "templates" / "prod.json").read_text())
    t["Resources"]["WideIngress"] = {"Type": "AWS::EC2::SecurityGroupIngress", "Properties": {
        "GroupId": {"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}, "IpProtocol": "tcp", "FromPort": 5432,
        "ToPort": 5432, **rule}}  # fmt: skip
    text = "\n".join(mermaid(architecture(t, "sa-east-1")))
    assert text.count('subgraph service_Addresses["Addresses"]') == 1
    assert f'Addresses1["Addresses1<br/>{shown}' in text
    assert re.search(r"Addresses1 -- \"5432/tcp\" --> AuroraCluster", text), text


def test_a_logical_id_mermaid_keeps_for_itself_is_drawn_under_another_name():
    t = json.loads((ROOT / "templates" / "dev.json").read_text())
    text = json.dumps(t).replace('"SensorDataStream"', '"End"')  # the stream, and every reference to it
    picture = "\n".join(mermaid(architecture(json.loads(text), "sa-east-1")))
    assert re.search(r"^\s+End_\[\(", picture, re.M) and not re.search(r"^\s+End\[", picture, re.M)
    assert "==> End_" in picture and "End_ ==" in picture
