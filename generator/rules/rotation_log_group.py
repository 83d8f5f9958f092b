"""E9015: a hosted rotation function writes to a log group the stack made."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch


class RotationLogGroup(CloudFormationLintRule):
    id = "E9015"
    shortdesc = "A hosted rotation function's log group is made by the stack"
    description = (
        "Lambda makes a function's log group on its first run when none exists: not encrypted with the stack's "
        "key, kept forever, left behind when the stack is deleted. For each AWS::SecretsManager::RotationSchedule "
        "with a HostedRotationLambda, an AWS::Logs::LogGroup named /aws/lambda/<RotationLambdaName> must be in "
        "the template (E9003 checks its key)."
    )
    source_url = "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"
    tags = ["iotstack", "logs", "lambda"]

    def match(self, cfn):
        names = [
            r.get("Properties", {}).get("LogGroupName") for r in cfn.get_resources(["AWS::Logs::LogGroup"]).values()
        ]
        groups = {name for name in names if isinstance(name, str)}  # a name made by Fn::Sub is not compared
        matches = []
        for logical, resource in sorted(cfn.get_resources(["AWS::SecretsManager::RotationSchedule"]).items()):
            function = (resource.get("Properties", {}).get("HostedRotationLambda") or {}).get("RotationLambdaName")
            if function is not None and f"/aws/lambda/{function}" not in groups:
                matches.append(
                    RuleMatch(
                        ["Resources", logical, "Properties", "HostedRotationLambda"],
                        f"{logical}: no log group /aws/lambda/{function}: Lambda would make one, "
                        "unencrypted and kept forever",
                    )
                )
        return matches
