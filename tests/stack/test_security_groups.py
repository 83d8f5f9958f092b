import pytest

from tests.conftest import build, environment


@pytest.mark.parametrize(
    "logical_id, group_name, port",
    [("DatabaseSecurityGroup", "rds-sg-dev", 5432), ("CacheSecurityGroup", "elasticache-sg-dev", 6379)],
)
def test_each_data_store_admits_its_port_from_the_vpc_only(logical_id, group_name, port):
    props = build(environment("dev"))["Resources"][logical_id]["Properties"]
    assert props["GroupName"] == group_name
    assert props["VpcId"] == {"Ref": "Vpc"}
    (ingress,) = props["SecurityGroupIngress"]
    assert (ingress["IpProtocol"], ingress["FromPort"], ingress["ToPort"]) == ("tcp", port, port)
    assert ingress["CidrIp"] == {"Fn::GetAtt": ["Vpc", "CidrBlock"]}


def test_every_rule_has_a_description():
    for resource in build()["Resources"].values():
        if resource["Type"] == "AWS::EC2::SecurityGroup":
            rules = resource["Properties"]["SecurityGroupIngress"] + resource["Properties"]["SecurityGroupEgress"]
            assert all(rule.get("Description") for rule in rules)
