import pytest

from tests.conftest import build, environment, only, resources_of

AZ = {"Fn::Select": [0, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}
AZ2 = {"Fn::Select": [1, {"Fn::GetAZs": {"Ref": "AWS::Region"}}]}


def test_vpc_has_dns_support_and_hostnames():
    vpc = only(build(), "AWS::EC2::VPC")["Properties"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    assert vpc["EnableDnsSupport"] is True and vpc["EnableDnsHostnames"] is True


@pytest.mark.parametrize(
    "logical_id, cidr, az",
    [
        ("PublicSubnet1", "10.0.1.0/24", AZ),
        ("PublicSubnet2", "10.0.2.0/24", AZ2),
        ("PrivateSubnet1", "10.0.11.0/24", AZ),
        ("PrivateSubnet2", "10.0.12.0/24", AZ2),
    ],
)
def test_subnets_spread_over_two_zones_and_hand_out_no_public_ip(logical_id, cidr, az):
    props = build()["Resources"][logical_id]["Properties"]
    # FSBP EC2.15: not even the public subnets (nothing of this stack runs there).
    assert (props["CidrBlock"], props["AvailabilityZone"], props["MapPublicIpOnLaunch"]) == (cidr, az, False)


def test_subnet_cidrs_come_from_the_environment():
    env = environment(network={"vpc_cidr": "10.9.0.0/16", "private_subnet_cidrs": ("10.9.20.0/24", "10.9.21.0/24")})
    template = build(env)
    assert template["Resources"]["PrivateSubnet2"]["Properties"]["CidrBlock"] == "10.9.21.0/24"
    assert only(template, "AWS::EC2::VPC")["Properties"]["CidrBlock"] == "10.9.0.0/16"


def test_only_the_public_route_table_routes_out_and_there_is_no_nat():
    template = build()
    (route,) = resources_of(template, "AWS::EC2::Route").values()
    assert route["Properties"]["RouteTableId"] == {"Ref": "PublicRouteTable"}
    assert route["Properties"]["GatewayId"] == {"Ref": "InternetGateway"}
    assert route["DependsOn"] == "InternetGatewayAttachment"
    assert not resources_of(template, "AWS::EC2::NatGateway")


def test_each_subnet_is_associated_with_its_route_table():
    associations = resources_of(build(), "AWS::EC2::SubnetRouteTableAssociation").values()
    pairs = {(a["Properties"]["SubnetId"]["Ref"], a["Properties"]["RouteTableId"]["Ref"]) for a in associations}
    assert pairs == {
        ("PublicSubnet1", "PublicRouteTable"),
        ("PublicSubnet2", "PublicRouteTable"),
        ("PrivateSubnet1", "PrivateRouteTable"),
        ("PrivateSubnet2", "PrivateRouteTable"),
    }


def test_names_follow_the_architecture():
    template = build(environment("dev"))
    names = {
        logical: {t["Key"]: t["Value"] for t in r["Properties"]["Tags"]}["Name"]
        for logical, r in template["Resources"].items()
        if r["Type"] in ("AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::InternetGateway")
    }
    assert names == {
        "Vpc": "iot-vpc-dev",
        "InternetGateway": "iot-igw-dev",
        "PublicSubnet1": "iot-public-subnet-1-dev",
        "PublicSubnet2": "iot-public-subnet-2-dev",
        "PrivateSubnet1": "iot-private-subnet-1-dev",
        "PrivateSubnet2": "iot-private-subnet-2-dev",
    }
