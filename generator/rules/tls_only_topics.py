"""E9012: every topic refuses publishing without TLS."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references
from generator.rules._policies import condition_value, covers, everyone, statements


class TlsOnlyTopics(CloudFormationLintRule):
    id = "E9012"
    shortdesc = "Every topic's policy denies publishing without TLS (aws:SecureTransport false)"
    description = (
        "SNS accepts a publish over plain HTTP unless the topic's policy refuses it. Each AWS::SNS::Topic must be "
        'in the Topics of an AWS::SNS::TopicPolicy with a Deny statement for sns:Publish by any principal ("*") '
        "whose condition is Bool aws:SecureTransport false."
    )
    source_url = (
        "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit"
    )
    tags = ["iotstack", "sns", "tls"]

    def match(self, cfn):
        refused = set()
        for policy in cfn.get_resources(["AWS::SNS::TopicPolicy"]).values():
            props = policy.get("Properties", {})
            if any(
                s.get("Effect") == "Deny"
                and everyone(s)
                and covers(s, "sns:Publish")
                and str(condition_value(s, "Bool", "aws:SecureTransport")).lower() == "false"
                for s in statements(props.get("PolicyDocument"))
            ):
                refused |= {t for _, t in references(props.get("Topics"))}
        return [
            RuleMatch(["Resources", logical], f"{logical}: no topic policy denies publishing without TLS")
            for logical in sorted(cfn.get_resources(["AWS::SNS::Topic"]))
            if logical not in refused
        ]
