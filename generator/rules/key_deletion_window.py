"""E9010: a key that protects kept data waits 30 days before KMS deletes it."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# The most KMS allows, and its default (ScheduleKeyDeletion: PendingWindowInDays 7..30); the settings' rule for an
# environment that keeps its data asks for the same (generator/config/settings.py KEY_WINDOW_PROTECTED).
LONGEST = 30

KEPT = ("Retain", "RetainExceptOnCreate")


class KeyDeletionWindow(CloudFormationLintRule):
    id = "E9010"
    shortdesc = "A key kept with the stack's data waits 30 days before it is deleted"
    description = (
        "A key scheduled for deletion is deleted when its waiting period ends, and with it every snapshot and "
        "byte it encrypted. Where the key is kept (DeletionPolicy Retain, an environment that keeps its data), "
        "PendingWindowInDays must be 30, the most KMS allows (or left out: 30 is KMS's default), so that "
        "someone notices and cancels in time."
    )
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html#deleting-keys-how-it-works"
    tags = ["iotstack", "kms"]

    def match(self, cfn):
        matches = []
        for logical, resource in sorted(cfn.get_resources(["AWS::KMS::Key"]).items()):
            if resource.get("DeletionPolicy") not in KEPT:
                continue
            window = resource.get("Properties", {}).get("PendingWindowInDays", LONGEST)
            if str(window) != str(LONGEST):  # CloudFormation takes "30" as 30
                matches.append(
                    RuleMatch(
                        ["Resources", logical, "Properties", "PendingWindowInDays"],
                        f"{logical}: PendingWindowInDays {window}: a kept key must wait {LONGEST} days",
                    )
                )
        return matches
