"""E9011: where a template has an alert topic, a key scheduled for deletion or disabled tells it."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references
from generator.rules._policies import as_list

EVENTS = ("DisableKey", "ScheduleKeyDeletion")


class WatchedKeys(CloudFormationLintRule):
    id = "E9011"
    shortdesc = "Every key is watched for ScheduleKeyDeletion and DisableKey (where the template has an alert topic)"
    description = (
        "Disabling a key stops every read of what it encrypted, and a scheduled deletion loses it for good when "
        "the waiting period ends; nothing shows either in a metric. In a template with an AWS::SNS::Topic, each "
        "AWS::KMS::Key must be named in detail.resources.ARN of an AWS::Events::Rule whose pattern has source "
        "aws.kms and both DisableKey and ScheduleKeyDeletion in detail.eventName (by Fn::GetAtt Key.Arn: CloudTrail "
        "records the key's ARN, never its id), is ENABLED, and has a topic of the template as a target."
    )
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-creating-cloudwatch-alarm.html"
    tags = ["iotstack", "kms", "alarms"]

    def match(self, cfn):
        resources = cfn.template.get("Resources", {})
        if not cfn.get_resources(["AWS::SNS::Topic"]):
            return []
        watched = set()
        for rule in cfn.get_resources(["AWS::Events::Rule"]).values():
            props = rule.get("Properties", {})
            pattern = props.get("EventPattern") or {}
            detail = pattern.get("detail") or {} if isinstance(pattern, dict) else {}
            if "aws.kms" not in (pattern.get("source") or []) or not set(EVENTS) <= set(detail.get("eventName") or []):
                continue
            if props.get("State", "ENABLED") != "ENABLED":
                continue  # a disabled rule tells no one
            targets = {t for _, t in references(props.get("Targets", []))}
            if any(resources.get(t, {}).get("Type") == "AWS::SNS::Topic" for t in targets):
                watched |= {_arn_of(value) for value in as_list((detail.get("resources") or {}).get("ARN"))}
        return [
            RuleMatch(
                ["Resources", logical],
                f"{logical}: no rule tells a topic when it is disabled or scheduled for deletion",
            )
            for logical in sorted(cfn.get_resources(["AWS::KMS::Key"]))
            if logical not in watched
        ]


def _arn_of(value: object) -> str | None:
    """The key whose ARN ``value`` is (``Fn::GetAtt [Key, Arn]``), or None: a ``Ref`` is the key's id."""
    argument = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    target, attribute = (
        (argument.split(".", 1) if isinstance(argument, str) else [*argument, None][:2]) if argument else (None, None)
    )
    return target if attribute == "Arn" else None
