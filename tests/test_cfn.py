"""generator.cfn: facts about CloudFormation, as tables."""

import json

import pytest

from generator import cfn
from generator.cfn import capabilities, references

CAPABILITY_CASES = {
    "none": ({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}}}, []),
    "unnamed-role": ({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {}}}}, ["CAPABILITY_IAM"]),
    "named-role": ({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}},
                   ["CAPABILITY_NAMED_IAM"]),
    "secrets-manager-transform": ({"Transform": "AWS::SecretsManager-2020-07-23", "Resources": {}},
                                  ["CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"]),
    "unknown-macro": ({"Transform": ["MyMacro"], "Resources": {}}, ["CAPABILITY_AUTO_EXPAND"]),
}  # fmt: skip


@pytest.mark.parametrize("body, expected", CAPABILITY_CASES.values(), ids=CAPABILITY_CASES)
def test_capabilities_are_only_those_the_template_needs(body, expected):
    assert capabilities(body) == expected


REFERENCE_CASES = {
    "ref": ({"VpcId": {"Ref": "Vpc"}}, [(["VpcId"], "Vpc")]),
    "pseudo-parameter": ({"Region": {"Ref": "AWS::Region"}}, []),
    "getatt-list": ({"Arn": {"Fn::GetAtt": ["Key", "Arn"]}}, [(["Arn"], "Key")]),
    "getatt-string": ({"Arn": {"Fn::GetAtt": "Key.Arn"}}, [(["Arn"], "Key")]),
    "sub": ({"Name": {"Fn::Sub": "${Cluster}-${AWS::Region}-${!Literal}"}}, [(["Name"], "Cluster")]),
    "sub-with-variables": ({"Name": {"Fn::Sub": ["${X}-${Y}", {"X": {"Ref": "Stream"}}]}},
                           [(["Name"], "Y"), (["Name", "X"], "Stream")]),
    "inside-join-and-lists": ({"Subnets": [{"Ref": "A"}, {"Fn::Join": ["", [{"Ref": "B"}]]}]},
                              [(["Subnets", 0], "A"), (["Subnets", 1, 1, 0], "B")]),
}  # fmt: skip


@pytest.mark.parametrize("value, expected", REFERENCE_CASES.values(), ids=REFERENCE_CASES)
def test_references(value, expected):
    assert list(references(value)) == expected


def _sent_inline_slowly(text: str) -> str | None:
    """What inline_body must give: the text, else its compact form when that fits, else None."""
    if len(text.encode()) <= cfn.INLINE_TEMPLATE_LIMIT:
        return text
    compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    return compact if len(compact.encode()) <= cfn.INLINE_TEMPLATE_LIMIT else None


@pytest.mark.parametrize("filler", [
    "plain", 'a key separator inside a value: "x": y', "ünïcödé escaped as \\u00fc by the indented text",
    "  spaces  inside  a  value  ",
], ids=["plain", "separator-in-a-string", "unicode", "double-spaces"])  # fmt: skip
@pytest.mark.parametrize("resources", [200, 600, 670, 700, 800, 1200])  # 670: only the compact form fits
def test_a_template_goes_inline_unindented_exactly_when_that_fits(filler, resources):
    from generator.render import render

    body = {"Resources": {f"R{n}": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": f"{filler} {n}"}}
                          for n in range(resources)}}  # fmt: skip
    text = render(body)
    assert cfn.inline_body(text) == _sent_inline_slowly(text)
