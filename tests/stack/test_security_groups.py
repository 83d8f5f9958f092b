import pytest

from tests.conftest import build, environment, resources_of

LOOPBACK_ONLY = [
    {
        "CidrIp": "127.0.0.1/32",
        "Description": "No outbound traffic: this group opens no connections",
        "IpProtocol": "-1",
    }
]


def ingress_rules(template: dict) -> dict[str, dict]:
    return {k: r["Properties"] for k, r in resources_of(template, "AWS::EC2::SecurityGroupIngress").items()}


def group_id(logical: str) -> dict:
    return {"Fn::GetAtt": [logical, "GroupId"]}


@pytest.mark.parametrize(
    "logical_id, group_name, port",
    [("DatabaseSecurityGroup", "rds-sg-dev", 5432), ("CacheSecurityGroup", "elasticache-sg-dev", 6379)],
)
def test_data_stores_admit_only_the_consumer_group_and_open_no_connections(logical_id, group_name, port):
    template = build(environment("dev", aurora={"password_rotation": False}))
    props = template["Resources"][logical_id]["Properties"]
    assert props["GroupName"] == group_name
    assert "SecurityGroupIngress" not in props  # all ingress is separate rules, never the VPC's CIDR
    assert props["SecurityGroupEgress"] == LOOPBACK_ONLY
    (rule,) = [r for r in ingress_rules(template).values() if r["GroupId"] == group_id(logical_id)]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", port, port)
    assert rule["SourceSecurityGroupId"] == group_id("ConsumerSecurityGroup")


@pytest.mark.parametrize(
    "rotation, expected",
    [
        (False, {("ConsumerSecurityGroup", "DatabaseSecurityGroup", 5432),
                 ("ConsumerSecurityGroup", "CacheSecurityGroup", 6379)}),
        (True, {("ConsumerSecurityGroup", "DatabaseSecurityGroup", 5432),
                ("ConsumerSecurityGroup", "CacheSecurityGroup", 6379),
                ("ConsumerSecurityGroup", "SecretsEndpointSecurityGroup", 443),
                ("RotationSecurityGroup", "DatabaseSecurityGroup", 5432),
                ("RotationSecurityGroup", "SecretsEndpointSecurityGroup", 443)}),
    ],
    ids=["no-rotation", "rotation"],
)  # fmt: skip
def test_every_allowed_flow_is_an_egress_rule_and_a_matching_ingress_rule(rotation, expected):
    template = build(environment(aurora={"password_rotation": rotation}))
    egress = {
        (logical, rule["DestinationSecurityGroupId"]["Fn::GetAtt"][0], rule["FromPort"])
        for logical, group in resources_of(template, "AWS::EC2::SecurityGroup").items()
        for rule in group["Properties"]["SecurityGroupEgress"]
        if "DestinationSecurityGroupId" in rule
    }
    ingress = {
        (r["SourceSecurityGroupId"]["Fn::GetAtt"][0], r["GroupId"]["Fn::GetAtt"][0], r["FromPort"])
        for r in ingress_rules(template).values()
    }
    assert egress == ingress == expected


def test_named_networks_are_admitted_to_both_stores_with_stable_ids():
    env = environment(network={"consumer_cidrs": ("192.168.10.0/24",)}, aurora={"password_rotation": False})
    rules = ingress_rules(build(env))
    assert rules["DatabaseIngressFrom192x168x10x0x24"] == {
        "CidrIp": "192.168.10.0/24",
        "Description": "PostgreSQL from 192.168.10.0/24 (network.consumer_cidrs)",
        "FromPort": 5432,
        "GroupId": group_id("DatabaseSecurityGroup"),
        "IpProtocol": "tcp",
        "ToPort": 5432,
    }
    assert rules["CacheIngressFrom192x168x10x0x24"]["CidrIp"] == "192.168.10.0/24"


def test_no_group_keeps_aws_allow_all_egress():
    """A group without egress rules gets allow-all; every group here has its own, none to the world."""
    for logical, group in resources_of(build(), "AWS::EC2::SecurityGroup").items():
        egress = group["Properties"]["SecurityGroupEgress"]
        assert egress, logical
        assert all(rule.get("CidrIp") not in ("0.0.0.0/0",) and "CidrIpv6" not in rule for rule in egress), logical


def test_the_original_groups_keep_their_description():
    """GroupDescription cannot change in place: a new wording would replace the group."""
    resources = build(environment("dev"))["Resources"]
    assert resources["DatabaseSecurityGroup"]["Properties"]["GroupDescription"] == (
        "Security group for RDS Aurora cluster - dev"
    )
    assert resources["CacheSecurityGroup"]["Properties"]["GroupDescription"] == (
        "Security group for ElastiCache Redis - dev"
    )
