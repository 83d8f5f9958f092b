"""E9001: a Kinesis stream keeps its records for at least 24 hours."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

MINIMUM_HOURS = 24


class KinesisRetention(CloudFormationLintRule):
    id = "E9001"
    shortdesc = "Kinesis streams keep records for at least 24 hours"
    description = (
        "A consumer that is down for a night must be able to catch up: the sensor data is replayed "
        "from the stream, so it keeps at least a day of records (Kinesis allows 24..8760 hours)."
    )
    source_url = "https://docs.aws.amazon.com/streams/latest/dev/kinesis-extended-retention.html"
    tags = ["iotstack", "kinesis"]

    def match(self, cfn):
        matches = []
        for logical, resource in cfn.get_resources(["AWS::Kinesis::Stream"]).items():
            hours = resource.get("Properties", {}).get("RetentionPeriodHours", MINIMUM_HOURS)  # AWS's default: 24
            if isinstance(hours, int) and hours < MINIMUM_HOURS:
                path = ["Resources", logical, "Properties", "RetentionPeriodHours"]
                matches.append(RuleMatch(path, f"{logical}: RetentionPeriodHours is {hours}; must be at least 24"))
        return matches
