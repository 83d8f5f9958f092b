"""E9011: where a template has an alert topic, a key scheduled for deletion or disabled tells it."""

import json

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references
from generator.rules._policies import as_list

EVENTS = ("DisableKey", "ScheduleKeyDeletion")
API_CALL = "AWS API Call via CloudTrail"
ENABLED = ("ENABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")


class WatchedKeys(CloudFormationLintRule):
    id = "E9011"
    shortdesc = "Every key is watched for ScheduleKeyDeletion and DisableKey (where the template has an alert topic)"
    description = (
        "Disabling a key stops every read of what it encrypted, and a scheduled deletion loses it for good when "
        "the waiting period ends; nothing shows either in a metric. In a template with an AWS::SNS::Topic, each "
        "AWS::KMS::Key must be named, by its id (Ref) and its ARN (Fn::GetAtt Key.Arn): CloudTrail records the "
        "KeyId as the caller gave it, in detail.requestParameters.keyId of an ENABLED AWS::Events::Rule whose "
        "pattern has source aws.kms and both DisableKey and ScheduleKeyDeletion in detail.eventName, with a topic "
        "of the template as a target."
    )
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys-creating-cloudwatch-alarm.html"
    tags = ["iotstack", "kms", "alarms"]

    def match(self, cfn):
        resources = cfn.template.get("Resources", {})
        if not cfn.get_resources(["AWS::SNS::Topic"]):
            return []
        named: set[tuple[str, str]] = set()  # (key, "id" or "arn")
        for rule in cfn.get_resources(["AWS::Events::Rule"]).values():
            props = rule.get("Properties", {})
            pattern = props.get("EventPattern")
            pattern = json.loads(pattern) if isinstance(pattern, str) else pattern  # CloudFormation takes either
            if not isinstance(pattern, dict) or not isinstance(pattern.get("detail"), dict):
                continue
            detail = pattern["detail"]
            if "aws.kms" not in as_list(pattern.get("source")) or not set(EVENTS) <= set(
                as_list(detail.get("eventName"))
            ):
                continue
            if as_list(pattern.get("detail-type")) not in ([], [API_CALL]):
                continue  # CloudTrail's records come as this type, and no other
            if props.get("State", "ENABLED") not in ENABLED or props.get("EventBusName", "default") != "default":
                continue  # a disabled rule tells no one; CloudTrail's events reach the default bus only
            targets = {t for _, t in references(props.get("Targets", []))}
            if any(resources.get(t, {}).get("Type") == "AWS::SNS::Topic" for t in targets):
                named |= {form for value in as_list((detail.get("requestParameters") or {}).get("keyId"))
                          if (form := _form(value))}  # fmt: skip
        return [
            RuleMatch(
                ["Resources", logical],
                f"{logical}: no rule tells a topic when it is disabled or scheduled "
                f"for deletion (by its {' and '.join(missing)})",
            )
            for logical in sorted(cfn.get_resources(["AWS::KMS::Key"]))
            if (missing := [f for f in ("id", "arn") if (logical, f) not in named])
        ]


def _form(value: object) -> tuple[str, str] | None:
    """``(key, "id")`` for ``Ref key``, ``(key, "arn")`` for ``Fn::GetAtt [key, Arn]``, else None."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    if isinstance(value.get("Ref"), str):
        return value["Ref"], "id"
    argument = value.get("Fn::GetAtt")
    target, attribute = (
        (argument.split(".", 1) if isinstance(argument, str) else [*argument, None][:2]) if argument else (None, None)
    )
    return (target, "arn") if attribute == "Arn" else None
