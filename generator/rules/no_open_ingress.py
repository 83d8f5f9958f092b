"""E9006: no security group lets the whole internet in."""

import ipaddress

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class NoOpenIngress(CloudFormationLintRule):
    id = "E9006"
    shortdesc = "No security-group ingress from 0.0.0.0/0 or ::/0"
    description = (
        "The data stores sit in private subnets and are reached from inside the VPC; an ingress rule "
        "open to every address (IPv4 0.0.0.0/0 or IPv6 ::/0) exposes them the moment a route exists."
    )
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["iotstack", "ec2", "security"]

    def match(self, cfn):
        matches = []
        for logical, resource in cfn.get_resources(["AWS::EC2::SecurityGroup"]).items():
            rules = resource.get("Properties", {}).get("SecurityGroupIngress", [])
            for index, rule in enumerate(rules if isinstance(rules, list) else []):
                path = ["Resources", logical, "Properties", "SecurityGroupIngress", index]
                matches += _open(rule, path, logical)
        for logical, resource in cfn.get_resources(["AWS::EC2::SecurityGroupIngress"]).items():
            matches += _open(resource.get("Properties", {}), ["Resources", logical, "Properties"], logical)
        return matches


def _open(rule: object, path: list, logical: str) -> list[RuleMatch]:
    found = []
    for key in ("CidrIp", "CidrIpv6") if isinstance(rule, dict) else ():
        value = rule.get(key)
        if isinstance(value, str) and _everywhere(value):
            found.append(RuleMatch([*path, key], f"{logical}: ingress from {value} (every address)"))
    return found


def _everywhere(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False
