"""E9007: where a template has alerting, every data store is watched by an alarm that tells someone."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references

# What holds the platform's data; keys, secrets and log groups are not watched by alarms.
DATA_STORES = ("AWS::Kinesis::Stream", "AWS::RDS::DBCluster", "AWS::ElastiCache::ReplicationGroup")
# A member's metrics watch its store: an Aurora instance's are its cluster's (Serverless v2 scales per instance).
MEMBERS = {"AWS::RDS::DBInstance": "DBClusterIdentifier"}


class WatchedDataStores(CloudFormationLintRule):
    id = "E9007"
    shortdesc = "Every data store is watched by an alarm that tells a topic (where the template has an alert topic)"
    description = (
        "A stream whose consumers fall behind, a database at its maximum capacity or a cache that evicts "
        "shows only in metrics. In a template with an alert topic (AWS::SNS::Topic), each Kinesis stream, "
        "Aurora cluster and replication group must be named in the Dimensions of at least one "
        "AWS::CloudWatch::Alarm whose AlarmActions name a topic of the template (by Ref, Fn::GetAtt or ${} "
        "in Fn::Sub, such as ${RedisReplicationGroup}-001); a cluster is watched through any of its "
        "instances. A template without an alert topic has no alerting to check."
    )
    source_url = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html"
    tags = ["iotstack", "cloudwatch", "alarms"]

    def match(self, cfn):
        resources = cfn.template.get("Resources", {})
        if not cfn.get_resources(["AWS::SNS::Topic"]):
            return []
        watched = set()
        for alarm in cfn.get_resources(["AWS::CloudWatch::Alarm"]).values():
            props = alarm.get("Properties", {})
            told = {t for _, t in references(props.get("AlarmActions", []))}
            if not any(resources.get(t, {}).get("Type") == "AWS::SNS::Topic" for t in told):
                continue  # an alarm that tells none of the template's topics watches nothing
            for _, target in references([props.get("Dimensions", []), props.get("Metrics", [])]):
                watched.add(target)
                member_of = MEMBERS.get(resources.get(target, {}).get("Type"))
                if member_of:
                    watched |= {t for _, t in references(resources[target].get("Properties", {}).get(member_of))}
        return [
            RuleMatch(["Resources", logical], f"{logical} ({resource['Type']}): no alarm with an action watches it")
            for logical, resource in sorted(cfn.get_resources(list(DATA_STORES)).items())
            if logical not in watched
        ]
