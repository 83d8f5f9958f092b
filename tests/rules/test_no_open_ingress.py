import pytest

from generator.rules import NoOpenIngress
from tests.rules import dev_template, findings


def inline(**rule):
    base = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432}
    return lambda r: (
        r["DatabaseSecurityGroup"]["Properties"].setdefault("SecurityGroupIngress", []).append({**base, **rule})
    )


def standalone(**rule):
    props = {"GroupId": {"Fn::GetAtt": ["CacheSecurityGroup", "GroupId"]}, "IpProtocol": "tcp",
             "FromPort": 6379, "ToPort": 6379, **rule}  # fmt: skip
    return lambda r: r.update(OpenIngress={"Type": "AWS::EC2::SecurityGroupIngress", "Properties": props})


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),  # from the consumers' group only
        (inline(CidrIp="10.0.0.0/8"), []),
        (standalone(CidrIpv6="2001:db8::/32"), []),
        (inline(CidrIp="0.0.0.0/0"), ["Resources/DatabaseSecurityGroup/Properties/SecurityGroupIngress/0/CidrIp: "
                                      "DatabaseSecurityGroup: ingress from 0.0.0.0/0 (every address)"]),
        (inline(CidrIpv6="::/0"), ["Resources/DatabaseSecurityGroup/Properties/SecurityGroupIngress/0/CidrIpv6: "
                                   "DatabaseSecurityGroup: ingress from ::/0 (every address)"]),
        (standalone(CidrIp="0.0.0.0/0"), ["Resources/OpenIngress/Properties/CidrIp: "
                                          "OpenIngress: ingress from 0.0.0.0/0 (every address)"]),
        (standalone(CidrIpv6="::0/0"), ["Resources/OpenIngress/Properties/CidrIpv6: "
                                        "OpenIngress: ingress from ::0/0 (every address)"]),
    ],
    ids=["generated", "inline-private", "standalone-ipv6-range", "inline-ipv4-anywhere", "inline-ipv6-anywhere",
         "standalone-ipv4-anywhere", "standalone-ipv6-anywhere"],
)  # fmt: skip
def test_no_ingress_from_everywhere(change, expected):
    assert findings(NoOpenIngress, dev_template(change)) == expected
