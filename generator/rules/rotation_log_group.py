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
            _text(r.get("Properties", {}).get("LogGroupName"))
            for r in cfn.get_resources(["AWS::Logs::LogGroup"]).values()
        ]
        groups = {name for name in names if name is not None}
        matches = []
        for logical, resource in sorted(cfn.get_resources(["AWS::SecretsManager::RotationSchedule"]).items()):
            hosted = resource.get("Properties", {}).get("HostedRotationLambda") or {}
            function = _text(hosted.get("RotationLambdaName"))
            if function is not None and f"/aws/lambda/{function}" not in groups:
                matches.append(
                    RuleMatch(
                        ["Resources", logical, "Properties", "HostedRotationLambda"],
                        f"{logical}: no log group /aws/lambda/{function}: Lambda would make one, "
                        "unencrypted and kept forever",
                    )
                )
        return matches


def _text(name: object) -> str | None:
    """A name as written: a string, or the string of an ``Fn::Sub`` (a fleet's ``db-rotation-prod-${SiteName}``);
    None for a name made otherwise, which is not compared."""
    if isinstance(name, dict) and set(name) == {"Fn::Sub"}:
        name = name["Fn::Sub"]
    return name if isinstance(name, str) else None
