"""The architecture of a stack, derived from its template's data alone.

What a reader of an AWS diagram expects: a region; in it the VPC; in the VPC one box per
availability zone holding its public and private subnets; a resource pinned to a zone (an Aurora
instance) inside its zone's private subnet; what spans the subnets (the cluster, the Redis
replication group, whose nodes' zones ElastiCache chooses) in the VPC; the services without a
network (Kinesis, Secrets Manager, ...) in a box each. Plumbing is folded into what it serves (a key's
alias into the key, a route table association into its subnet, an ingress rule and a security group
into the resource it guards, a subnet group into its cluster, a service's role into what uses it, an
alarm or an event subscription into the topic it notifies), so every node is something a person talks
about; :attr:`Architecture.owner` says which node shows each resource.
Edges: the routes out of public subnets and the traffic the security groups allow (:mod:`.traffic`),
and who may write or read the data (:mod:`.access`: the principals, drawn beside what they may use).
Keys, log groups, topics and dashboards no edge joins are :attr:`Architecture.listed`: the page lists
them under the picture rather than drawing them.
"""

from __future__ import annotations

import re
from collections import defaultdict

from generator.cfn import references
from generator.diagram.access import access, is_principal
from generator.diagram.labels import facts, fitted, is_store, service, watch_marks
from generator.diagram.model import Architecture, Box, Edge, Node, walk
from generator.diagram.traffic import public_subnets, traffic

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
    # A policy attached to a role of the stack is part of that role; one left for the users' roles is drawn.
    "AWS::IAM::ManagedPolicy": ("Roles", "Users", "Groups"),
    "AWS::IAM::Policy": ("Roles", "Users", "Groups"),
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
# What supports the platform rather than carries its data: listed under the picture unless an edge joins it.
LISTED = ("AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SNS::Topic", "AWS::CloudWatch::Dashboard")


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
        drawn_alone = is_principal(res[k]) or (kind.endswith("RotationSchedule") and _in_vpc_lambda(res[k]))
        if kind in FOLD_INTO_USER and not drawn_alone:
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
    public = public_subnets(res, refs, at)
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
    nodes = {k: Node(k, fitted(facts(k, res, members[k], refs) + ([marks[k]] if k in marks else [])),
                     is_store(res[k]["Type"]), res[k]["Type"] == "AWS::KMS::Key", is_principal(res[k]))
             for k in drawn}  # fmt: skip
    edges = [Edge(gw, subnet, f"route to {to}, out", "route") for subnet, (gw, to) in sorted(public.items())]
    edges += [*traffic(res, owners), *(Edge(*e) for e in access(res, owners))]
    # Addresses a rule allows (a CIDR, a prefix list) are nodes of their own: a rule that opens a port to
    # 10.0.0.0/8 must show in the picture, not vanish for want of a node to draw it to.
    addresses = sorted({n for e in edges for n in (e.source, e.target)} - nodes.keys() - res.keys())
    named = {a: f"Addresses{i}" for i, a in enumerate(addresses, 1)}
    for a, ident in named.items():
        nodes[ident] = Node(ident, [a, "addresses a security group rule names"])
    edges = [Edge(named.get(e.source, e.source), named.get(e.target, e.target), e.label, e.kind) for e in edges]
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
        for k in (k for k in drawn if not nodes[k].who):  # IAM is in no network, whatever it names
            inside = subnets_of(k)
            if not inside and not _refers_to(k, vpc, members, refs):
                continue
            zone = _zone(res[k].get("Properties", {}).get("AvailabilityZone"))
            home = next((s for s in sorted(inside) if subnets[s] == zone and zone), None)
            placed[k] = home or vpc
    boxes = {b.id: b for b in walk(root)}
    # A principal is drawn beside what it may use (the stream's producers in the Kinesis box), or in IAM's
    # box when that is in a VPC (the cluster's logins) or when it names nothing of the stack.
    for k in [*drawn, *named.values()]:
        if k in placed:
            boxes[placed[k]].nodes.append(k)
            continue
        if k not in res:  # addresses: a box of their own, outside every network of the stack
            if "service_Addresses" not in boxes:
                root.boxes.append(
                    boxes.setdefault("service_Addresses", Box("service_Addresses", "Addresses", "service"))
                )
            boxes["service_Addresses"].nodes.append(k)
            continue
        partners = sorted(n for n in _ends(edges, k) if n not in placed) if nodes[k].who else []
        name = service(res[partners[0] if partners else k]["Type"])
        box_id = "service_" + re.sub(r"\W", "", name)
        if box_id not in boxes:
            root.boxes.append(boxes.setdefault(box_id, Box(box_id, name, "service")))
        boxes[box_id].nodes.append(k)
    for k in subnets:  # a subnet with nothing in it is drawn as a node
        if not boxes[k].nodes:
            nodes[k] = Node(k, [boxes[k].title.split(" · ", 1)[1]])
    joined = {n for e in edges for n in (e.source, e.target)}
    listed = {k for k in nodes if k in res and res[k]["Type"] in LISTED and k not in joined}
    refers = {k: {target for _, target in found} for k, found in refs.items()}
    return Architecture(root, nodes, edges, owners, refers, listed)


def _ends(edges: list[Edge], node: str) -> set[str]:
    """The nodes an edge joins to ``node``."""
    return {e.target if e.source == node else e.source for e in edges if node in (e.source, e.target)}


def _in_vpc_lambda(resource: dict) -> bool:
    return "VpcSubnetIds" in (resource.get("Properties", {}).get("HostedRotationLambda") or {})


def _zone(value) -> str:
    """``a`` for ``Fn::Select [0, Fn::GetAZs]``, ``c`` for ``"sa-east-1c"``; "" when unknown."""
    if isinstance(value, dict) and isinstance(value.get("Fn::Select"), list):
        index = value["Fn::Select"][0]
        return chr(ord("a") + int(index)) if str(index).isdigit() else ""
    return value[-1] if isinstance(value, str) and value else ""


def _refers_to(k: str, vpc: str, members: dict, refs: dict) -> bool:
    """Whether ``k`` or what is folded into it (a security group, a gateway attachment) refers to ``vpc``."""
    return any(t == vpc for m in members[k] for _, t in refs[m])
