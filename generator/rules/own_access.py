"""E9014: the platform's users have access of their own: to write and read the stream, to connect to the
database as a named user."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references
from generator.rules._policies import allows, statements

# What a user of each type needs, by the action that proves it: (type, action, who lacks it).
NEEDS = (
    ("AWS::Kinesis::Stream", "kinesis:PutRecords", "producers"),
    ("AWS::Kinesis::Stream", "kinesis:GetRecords", "consumers"),
    ("AWS::RDS::DBCluster", "rds-db:connect", "database users (IAM authentication)"),
)


class OwnAccess(CloudFormationLintRule):
    id = "E9014"
    shortdesc = "Producers, consumers and database users each have a managed policy of their own"
    description = (
        "A platform with no least-privilege access of its own gets used with whatever is at hand: an "
        "administrator's role, the master credential. Each AWS::Kinesis::Stream needs an AWS::IAM::ManagedPolicy "
        "that allows kinesis:PutRecords on it and one that allows kinesis:GetRecords on it; each "
        "AWS::RDS::DBCluster with IAM database authentication one that allows rds-db:connect on a user of it."
    )
    source_url = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege"
    tags = ["iotstack", "iam"]

    def match(self, cfn):
        granted = set()  # (resource, action)
        for policy in cfn.get_resources(["AWS::IAM::ManagedPolicy"]).values():
            for statement in statements(policy.get("Properties", {}).get("PolicyDocument")):
                for _, action, _ in NEEDS:
                    if allows(statement, action):
                        granted |= {(t, action) for _, t in references(statement.get("Resource"))}
        matches = []
        for resource_type, action, who in NEEDS:
            for logical, resource in sorted(cfn.get_resources([resource_type]).items()):
                iam_auth = resource.get("Properties", {}).get("EnableIAMDatabaseAuthentication")
                if resource_type == "AWS::RDS::DBCluster" and iam_auth is not True:
                    continue
                if (logical, action) not in granted:
                    matches.append(
                        RuleMatch(["Resources", logical], f"{logical}: no managed policy gives {who} {action} on it")
                    )
        return matches
