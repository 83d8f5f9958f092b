"""E9008: every VPC endpoint has a policy that admits only this account's principals."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.rules._policies import as_list, condition_value, statements

# The condition keys that tie a statement to this account (by AWS::AccountId: a literal account may be anyone's)
# or to an organisation.
ACCOUNT_KEYS = ("aws:PrincipalAccount", "aws:ResourceAccount")
ORGANISATION_KEY = "aws:PrincipalOrgID"
THIS_ACCOUNT = {"Ref": "AWS::AccountId"}


class EndpointPolicies(CloudFormationLintRule):
    id = "E9008"
    shortdesc = "Every VPC endpoint has a policy that admits only this account's principals"
    description = (
        "Without a PolicyDocument a VPC endpoint gets AWS's default policy, which lets any principal use it on "
        "any account's resources: in a VPC without NAT, the one way out for data, with someone else's "
        "credentials. Each AWS::EC2::VPCEndpoint needs a PolicyDocument, and each of its Allow statements a "
        "StringEquals condition that aws:PrincipalAccount or aws:ResourceAccount is this account (Ref "
        "AWS::AccountId), or on aws:PrincipalOrgID."
    )
    source_url = "https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html"
    tags = ["iotstack", "vpc", "endpoint"]

    def match(self, cfn):
        matches = []
        for logical, resource in sorted(cfn.get_resources(["AWS::EC2::VPCEndpoint"]).items()):
            document = resource.get("Properties", {}).get("PolicyDocument")
            path = ["Resources", logical, "Properties", "PolicyDocument"]
            if not statements(document):
                matches.append(
                    RuleMatch(
                        path[:-1],
                        f"{logical}: no PolicyDocument: AWS's default lets any "
                        "principal use the endpoint on any account's resources",
                    )
                )
                continue
            for index, statement in enumerate(as_list(document.get("Statement"))):
                if statement.get("Effect") != "Allow":
                    continue
                ours = any(condition_value(statement, "StringEquals", key) == THIS_ACCOUNT for key in ACCOUNT_KEYS)
                if not ours and not condition_value(statement, "StringEquals", ORGANISATION_KEY):
                    matches.append(
                        RuleMatch(
                            [*path, "Statement", index],
                            f"{logical}: statement {index} allows without a StringEquals condition that "
                            f"{' or '.join(ACCOUNT_KEYS)} is this account, or on {ORGANISATION_KEY}",
                        )
                    )
        return matches
