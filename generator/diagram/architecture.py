"""The architecture of a stack, derived from its template's data alone.

What a reader of an AWS diagram expects: a region; in it the VPC; in the VPC one box per
availability zone holding its public and private subnets; a resource pinned to a zone (an Aurora
instance) inside its zone's private subnet; what spans the subnets (the cluster, the Redis
replication group, whose nodes' zones ElastiCache chooses) in the VPC; the services without a
network (Kinesis, KMS, Secrets Manager, CloudWatch Logs) beside it. Plumbing is folded into what it
serves (a key's alias into the key, a route table association into its subnet, an ingress rule and
a security group into the resource it guards, a subnet group into its cluster, an alarm or an event
subscription into the topic it notifies), so every drawn node is something a person talks about;
:attr:`Architecture.owner` says which node shows each resource.
Traffic is what the security groups allow: an edge from the source's node to the guarded node,
labelled with the port ("5432/tcp").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from generator.cfn import references
from generator.diagram.labels import facts, is_store, service, watch_marks

# Plumbing, folded into the resource a property refers to (the first that is present).
FOLD_INTO = {
    "AWS::KMS::Alias": ("TargetKeyId",),
    "AWS::EC2::SubnetRouteTableAssociation": ("SubnetId",),
    "AWS::EC2::RouteTable": ("VpcId",),
    "AWS::EC2::Route": ("GatewayId", "RouteTableId"),
    "AWS::EC2::VPCGatewayAttachment": ("InternetGatewayId", "VpcId"),
    "AWS::EC2::SecurityGroupIngress": ("GroupId",),
    "AWS::EC2::SecurityGroupEgress": ("GroupId",),
    "AWS::SecretsManager::SecretTargetAttachment": ("SecretId",),
    "AWS::SecretsManager::ResourcePolicy": ("SecretId",),
    # Access, into what it grants: a stream's, the cluster's, a secret's policies.
    "AWS::IAM::ManagedPolicy": ("PolicyDocument",),
    "AWS::EC2::FlowLog": ("ResourceId",),
    # Alerting, into the topic it notifies; what an alarm watches says so (``watched: 3 alarms``).
    "AWS::CloudWatch::Alarm": ("AlarmActions",),
    "AWS::RDS::EventSubscription": ("SnsTopicArn",),
    "AWS::Events::Rule": ("Targets",),
    "AWS::SNS::TopicPolicy": ("Topics",),
    "AWS::SNS::Subscription": ("TopicArn",),
}
# Plumbing folded into the resource that refers to it (the first, by logical id).
FOLD_INTO_USER = ("AWS::RDS::DBSubnetGroup", "AWS::ElastiCache::SubnetGroup", "AWS::EC2::SecurityGroup",
                  "AWS::IAM::Role", "AWS::SecretsManager::RotationSchedule",
                  "AWS::RDS::DBClusterParameterGroup")  # fmt: skip
RULE_TYPES = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
NETWORK = ("AWS::EC2::VPC", "AWS::EC2::Subnet")
# What places a resource in subnets: a subnet group, or the cluster an instance belongs to.
THROUGH = ("AWS::RDS::DBSubnetGroup", "AWS::ElastiCache::SubnetGroup", "AWS::RDS::DBCluster")
ROW = 5  # the services without a network are drawn in rows of at most this many nodes (a 900 px column)
NO_TRAFFIC = "127.0.0.1/32"  # an egress rule to loopback is how a group says "no outbound traffic"


@dataclass
class Node:
    id: str  # the logical id it is drawn for
    lines: list[str]  # the label after the logical id: short type and facts
    store: bool = False  # a data store: drawn as a cylinder, set apart by colour
    key: bool = False


@dataclass
class Box:
    id: str
    title: str
    kind: str  # "region", "vpc", "az", "public", "private" or "service"
    nodes: list[str] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""
    kind: str = "traffic"  # "traffic" (what a security group allows), "route" or "member"


@dataclass
class Architecture:
    root: Box
    nodes: dict[str, Node]
    edges: list[Edge]
    owner: dict[str, str]  # every logical id -> the node or box that shows it
    hints: list[tuple[str, str]]  # invisible links that keep the layout top to bottom
    refers: dict[str, set[str]] = field(default_factory=dict)  # logical id -> what its Properties refer to


def architecture(template: dict, region: str = "") -> Architecture:
    """The architecture of ``template`` (JSON data); ``region`` only titles the outer box."""
    res = template.get("Resources", {})
    refs = {k: sorted({(tuple(str(p) for p in path), t) for path, t in references(r.get("Properties", {}))
                       if t in res}) for k, r in res.items()}  # fmt: skip
    users = defaultdict(list)
    for k, found in refs.items():
        for _, t in found:
            if k not in users[t] and res[k]["Type"] not in RULE_TYPES:
                users[t].append(k)

    def at(k: str, prop: str) -> str | None:
        return next((t for path, t in refs[k] if path and path[0] == prop), None)

    def by_type(*types: str) -> list[str]:
        return sorted(k for k, r in res.items() if r["Type"] in types)

    parent: dict[str, str] = {}
    for k in sorted(res):
        kind = res[k]["Type"]
        target = next((t for prop in FOLD_INTO.get(kind, ()) if (t := at(k, prop))), None)
        if kind in FOLD_INTO_USER and not (kind == "AWS::SecretsManager::RotationSchedule" and _in_vpc_lambda(res[k])):
            target = next(iter(sorted(users[k])), None) or (at(k, "SecretId") if "Rotation" in kind else None)
        if target:
            parent[k] = target

    def owner(k: str) -> str:
        seen = set()
        while k in parent and k not in seen:
            seen.add(k)
            k = parent[k]
        return k

    owners = {k: owner(k) for k in res}
    drawn = sorted({o for o in owners.values()} - set(by_type(*NETWORK)))
    subnets = {s: _zone(res[s]["Properties"].get("AvailabilityZone")) for s in by_type("AWS::EC2::Subnet")}
    public = _public_subnets(res, refs, at)
    members = defaultdict(list)
    for k in res:
        members[owners[k]].append(k)

    def subnets_of(k: str, depth: int = 0) -> set[str]:
        """The subnets ``k`` lies in: referred to, or through its subnet group (or its cluster's)."""
        found = set()
        for _, t in refs[k]:
            if t in subnets:
                found.add(t)
            elif depth < 2 and res[t]["Type"] in THROUGH:
                found |= subnets_of(t, depth + 1)
        return found

    marks = watch_marks(res, refs)
    nodes = {k: Node(k, facts(k, res, members[k], refs) + ([marks[k]] if k in marks else []), is_store(res[k]["Type"]),
                     res[k]["Type"] == "AWS::KMS::Key") for k in drawn}  # fmt: skip
    vpcs = by_type("AWS::EC2::VPC")
    root = Box("region", f"Region {region}" if region else "Region", "region")
    placed: dict[str, str] = {}
    for vpc in vpcs:
        box = Box(vpc, facts(vpc, res, members[vpc], refs)[0], "vpc")
        root.boxes.append(box)
        zones = sorted({z for s, z in subnets.items() if at(s, "VpcId") == vpc})
        for zone in zones:
            az = Box(f"{vpc}_az_{zone}", f"AZ {zone}", "az")
            box.boxes.append(az)
            for s in sorted((s for s in subnets if subnets[s] == zone and at(s, "VpcId") == vpc),
                            key=lambda s: (s not in public, s)):  # fmt: skip
                kind = "public" if s in public else "private"
                az.boxes.append(Box(s, f"{s} · {kind} {res[s]['Properties'].get('CidrBlock', '')}", kind))
        for k in drawn:
            inside = subnets_of(k)
            if not inside and not _refers_to(k, vpc, members, refs):
                continue
            zone = _zone(res[k].get("Properties", {}).get("AvailabilityZone"))
            home = next((s for s in sorted(inside) if subnets[s] == zone and zone), None)
            placed[k] = home or vpc
    boxes = {b.id: b for b in _walk(root)}
    for k in drawn:
        if k in placed:
            boxes[placed[k]].nodes.append(k)
        else:
            name = service(res[k]["Type"])
            box_id = "service_" + re.sub(r"\W", "", name)
            if box_id not in boxes:
                root.boxes.append(boxes.setdefault(box_id, Box(box_id, name, "service")))
            boxes[box_id].nodes.append(k)
    edges = [Edge(gw, subnet, f"route to {to}, out", "route") for subnet, (gw, to) in sorted(public.items())] + [
        *_traffic(res, owners), *(Edge(owners[k], owners[c], "", "member") for k in by_type("AWS::RDS::DBInstance")
                                  if (c := at(k, "DBClusterIdentifier")) and owners[c] in nodes)]  # fmt: skip
    for k in subnets:  # a subnet with nothing in it is drawn as a node
        if not boxes[k].nodes:
            nodes[k] = Node(k, [boxes[k].title.split(" · ", 1)[1]])
    refers = {k: {target for _, target in found} for k, found in refs.items()}
    return Architecture(root, nodes, edges, owners, _hints(root, nodes, edges), refers)


def _walk(box: Box):
    yield box
    for inner in box.boxes:
        yield from _walk(inner)


def _in_vpc_lambda(resource: dict) -> bool:
    return "VpcSubnetIds" in (resource.get("Properties", {}).get("HostedRotationLambda") or {})


def _zone(value) -> str:
    """``a`` for ``Fn::Select [0, Fn::GetAZs]``, ``c`` for ``"sa-east-1c"``; "" when unknown."""
    if isinstance(value, dict) and isinstance(value.get("Fn::Select"), list):
        index = value["Fn::Select"][0]
        return chr(ord("a") + int(index)) if str(index).isdigit() else ""
    return value[-1] if isinstance(value, str) and value else ""


def _public_subnets(res: dict, refs: dict, at) -> dict[str, tuple[str, str]]:
    """Subnet -> (internet gateway, destination) for each subnet whose route table routes to a gateway."""
    gateways = {}
    for k, r in res.items():
        if (
            r["Type"] == "AWS::EC2::Route"
            and (gw := at(k, "GatewayId"))
            and res[gw]["Type"] == "AWS::EC2::InternetGateway"
        ):
            gateways[at(k, "RouteTableId")] = (gw, r["Properties"].get("DestinationCidrBlock", ""))
    return {at(k, "SubnetId"): gateways[at(k, "RouteTableId")] for k, r in sorted(res.items())
            if r["Type"] == "AWS::EC2::SubnetRouteTableAssociation" and at(k, "RouteTableId") in gateways}  # fmt: skip


def _refers_to(k: str, vpc: str, members: dict, refs: dict) -> bool:
    """Whether ``k`` or what is folded into it (a security group, a gateway attachment) refers to ``vpc``."""
    return any(t == vpc for m in members[k] for _, t in refs[m])


def _ports(rule: dict) -> str:
    protocol = str(rule.get("IpProtocol", ""))
    if protocol == "-1":
        return "all traffic"
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return f"{low}/{protocol}" if low == high else f"{low}-{high}/{protocol}"


def _traffic(res: dict, owners: dict) -> list[Edge]:
    """One labelled edge per (source, destination, ports) that a security group rule allows."""

    def group(value) -> str | None:
        found = [t for _, t in references(value) if t in res]
        return found[0] if found else None

    rules = []  # (source, destination, rule): a group or a CIDR at either end
    for k, r in res.items():
        props = r.get("Properties", {})
        if r["Type"] == "AWS::EC2::SecurityGroup":
            rules += [(group(x.get("SourceSecurityGroupId")) or x.get("CidrIp"), k, x)
                      for x in props.get("SecurityGroupIngress", [])]  # fmt: skip
            rules += [(k, group(x.get("DestinationSecurityGroupId")) or x.get("CidrIp"), x)
                      for x in props.get("SecurityGroupEgress", [])]  # fmt: skip
        elif r["Type"] == "AWS::EC2::SecurityGroupIngress":
            rules.append(
                (group(props.get("SourceSecurityGroupId")) or props.get("CidrIp"), group(props.get("GroupId")), props)
            )
        elif r["Type"] == "AWS::EC2::SecurityGroupEgress":
            rules.append((group(props.get("GroupId")), group(props.get("DestinationSecurityGroupId"))
                          or props.get("CidrIp"), props))  # fmt: skip
    edges = {}
    for source, destination, rule in rules:
        if not source or not destination or NO_TRAFFIC in (source, destination):
            continue
        a, b = owners.get(source, source), owners.get(destination, destination)
        if a != b:
            edges[(a, b, _ports(rule))] = Edge(a, b, _ports(rule))
    return [edges[k] for k in sorted(edges)]


def _hints(root: Box, nodes: dict, edges: list[Edge]) -> list[tuple[str, str]]:
    """Invisible links: public subnets above private ones in each zone, and the services without a
    network below the VPC, each in a column."""
    hints = []
    boxes = list(_walk(root))

    def anchor(box: Box) -> str | None:
        if box.id in nodes:
            return box.id
        return box.nodes[0] if box.nodes else next((a for b in box.boxes if (a := anchor(b))), None)

    for az in (b for b in boxes if b.kind == "az"):
        tops = [anchor(b) for b in az.boxes]
        hints += [(a, b) for a, b in pairwise(tops) if a and b]
    vpcs = [b for b in boxes if b.kind == "vpc"]
    targets = {e.target for e in edges if e.kind == "traffic"}
    bottom = next((n for v in vpcs for n in v.nodes if n in targets), None) or next(
        (anchor(v) for v in vpcs if anchor(v)), None)  # fmt: skip
    groups = sorted((b for b in root.boxes if b.kind == "service" and b.nodes), key=lambda b: (len(b.nodes), b.id))
    rows: list[list[Box]] = []
    for group in groups:  # rows of at most ROW nodes, smallest groups first
        if rows and sum(len(g.nodes) for g in rows[-1]) + len(group.nodes) <= ROW:
            rows[-1].append(group)
        else:
            rows.append([group])
    above = bottom
    for row in rows:
        hints += [(above, group.nodes[0]) for group in row if above]
        above = row[0].nodes[0]
    return hints
