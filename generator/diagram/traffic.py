"""What the network lets through: the routes out of public subnets, and the traffic each security
group rule allows, as edges between the nodes that show its two ends."""

from __future__ import annotations

from generator.cfn import references
from generator.diagram.model import Edge

NO_TRAFFIC = "127.0.0.1/32"  # an egress rule to loopback is how a group says "no outbound traffic"


def public_subnets(res: dict, refs: dict, at) -> dict[str, tuple[str, str]]:
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


def _ports(rule: dict) -> str:
    protocol = str(rule.get("IpProtocol", ""))
    if protocol == "-1":
        return "all traffic"
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return f"{low}/{protocol}" if low == high else f"{low}-{high}/{protocol}"


def traffic(res: dict, owners: dict) -> list[Edge]:
    """One labelled edge per (source, destination, ports) that a security group rule allows."""

    def group(value) -> str | None:
        found = [t for _, t in references(value) if t in res]
        return found[0] if found else None

    def peer(rule: dict, side: str) -> str | None:
        """The other end of a rule: a group of the stack, else its addresses (IPv4, IPv6 or a prefix list)."""
        found = group(rule.get(f"{side}SecurityGroupId")) or group(rule.get(f"{side}PrefixListId"))
        addresses = rule.get("CidrIp") or rule.get("CidrIpv6") or rule.get(f"{side}PrefixListId")
        return found or (addresses if isinstance(addresses, str) else None)

    rules = []  # (source, destination, rule): a group or addresses at either end
    for k, r in res.items():
        props = r.get("Properties", {})
        if r["Type"] == "AWS::EC2::SecurityGroup":
            rules += [(peer(x, "Source"), k, x) for x in props.get("SecurityGroupIngress", [])]
            rules += [(k, peer(x, "Destination"), x) for x in props.get("SecurityGroupEgress", [])]
        elif r["Type"] == "AWS::EC2::SecurityGroupIngress":
            rules.append((peer(props, "Source"), group(props.get("GroupId")), props))
        elif r["Type"] == "AWS::EC2::SecurityGroupEgress":
            rules.append((group(props.get("GroupId")), peer(props, "Destination"), props))
    edges = {}
    for source, destination, rule in rules:
        if not source or not destination or NO_TRAFFIC in (source, destination):
            continue
        a, b = owners.get(source, source), owners.get(destination, destination)
        if a != b:
            edges[(a, b, _ports(rule))] = Edge(a, b, _ports(rule))
    return [edges[k] for k in sorted(edges)]
