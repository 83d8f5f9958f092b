"""Network: a VPC over two availability zones, public and private subnets, no NAT gateway.

The data stores live in the private subnets, whose route table has no route out of the VPC. The
public subnets route to an internet gateway; nothing of this stack runs there (they are kept, as
the architecture has them, for ingestion endpoints added later), and they do not hand out public
IPs: whatever is launched there later asks for one explicitly (FSBP EC2.15). AZs come from ``Fn::GetAZs``, so
the template does not hard-code the region's zone names.
"""

from __future__ import annotations

from typing import NamedTuple

from troposphere import GetAZs, Ref, Select, Template
from troposphere.ec2 import (
    VPC,
    InternetGateway,
    Route,
    RouteTable,
    Subnet,
    SubnetRouteTableAssociation,
    VPCGatewayAttachment,
)

from generator.config import Environment
from generator.stack.common import name, tags


class Network(NamedTuple):
    vpc: VPC
    public_subnets: list[Subnet]
    private_subnets: list[Subnet]


def availability_zone(index: int) -> Select:
    """The region's ``index``-th availability zone (0 or 1)."""
    return Select(index, GetAZs(Ref("AWS::Region")))


def add_network(template: Template, env: Environment) -> Network:
    """Add the VPC, internet gateway, four subnets and their route tables."""
    vpc = template.add_resource(
        VPC(
            "Vpc",
            CidrBlock=env.network.vpc_cidr,
            EnableDnsSupport=True,
            EnableDnsHostnames=True,
            Tags=tags(env, name(env, "iot-vpc")),
        )
    )
    gateway = template.add_resource(InternetGateway("InternetGateway", Tags=tags(env, name(env, "iot-igw"))))
    attachment = template.add_resource(
        VPCGatewayAttachment("InternetGatewayAttachment", VpcId=Ref(vpc), InternetGatewayId=Ref(gateway))
    )

    public_table = template.add_resource(
        RouteTable("PublicRouteTable", VpcId=Ref(vpc), Tags=tags(env, name(env, "iot-public-rt")))
    )
    template.add_resource(
        Route(
            "PublicInternetRoute",
            DependsOn=attachment,  # the route fails until the gateway is attached to the VPC
            RouteTableId=Ref(public_table),
            DestinationCidrBlock="0.0.0.0/0",
            GatewayId=Ref(gateway),
        )
    )
    # No NAT gateway: the private subnets have no route out, by design (cost, and nothing there
    # needs the internet).
    private_table = template.add_resource(
        RouteTable("PrivateRouteTable", VpcId=Ref(vpc), Tags=tags(env, name(env, "iot-private-rt")))
    )

    public = _add_subnets(template, env, vpc, "Public", env.network.public_subnet_cidrs, public_table)
    private = _add_subnets(template, env, vpc, "Private", env.network.private_subnet_cidrs, private_table)
    return Network(vpc, public, private)


def _add_subnets(
    template: Template, env: Environment, vpc: VPC, kind: str, cidrs: tuple[str, ...], table: RouteTable
) -> list[Subnet]:
    subnets = []
    for number, cidr in enumerate(cidrs, start=1):
        subnet_name = name(env, f"iot-{kind.lower()}-subnet-{number}")
        subnet = template.add_resource(
            Subnet(
                f"{kind}Subnet{number}",
                VpcId=Ref(vpc),
                CidrBlock=cidr,
                AvailabilityZone=availability_zone(number - 1),
                MapPublicIpOnLaunch=False,  # FSBP EC2.15; the architecture's public subnets had True
                Tags=tags(env, subnet_name, Type=kind),
            )
        )
        template.add_resource(
            SubnetRouteTableAssociation(
                f"{kind}Subnet{number}RouteTableAssociation", SubnetId=Ref(subnet), RouteTableId=Ref(table)
            )
        )
        subnets.append(subnet)
    return subnets
