"""E9004: every stateful resource says what deleting or replacing it does to its data."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import STATEFUL_TYPES


class StatefulPolicies(CloudFormationLintRule):
    id = "E9004"
    shortdesc = "Stateful resources have DeletionPolicy and UpdateReplacePolicy"
    description = (
        "CloudFormation deletes a resource by default when it is removed from the stack or replaced. "
        "For a resource that holds data or identity (the project's STATEFUL_TYPES: database, cache, "
        "stream, keys, secret, log groups) that choice must be explicit, so a reviewer sees it."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
    tags = ["iotstack", "policies"]

    def match(self, cfn):
        matches = []
        for logical, resource in cfn.get_resources(sorted(STATEFUL_TYPES)).items():
            missing = [p for p in ("DeletionPolicy", "UpdateReplacePolicy") if p not in resource]
            if missing:
                matches.append(RuleMatch(["Resources", logical],
                                         f"{logical} ({resource['Type']}): no {' and no '.join(missing)}"))  # fmt: skip
        return matches
