"""Alerting on the emulator: dev with ``[alerts]`` on (as staging and prod run it) is over the inline
limit, deploys through the bootstrap stack's bucket, and leaves nothing behind when destroyed. What
moto does not create for it (alarms, subscriptions, topic policies, RDS event subscriptions) is
listed in tests/support/emulator.py; this test says so too, so that a moto that learns them shows up.
"""

import json

import boto3

from generator import cfn
from tests.conftest import run

REGION = "sa-east-1"
ALERTING_DEV = """removal_policy = "destroy"
[aurora]
deletion_protection = false
[alerts]
emails = ["ops@example.com"]
[deploy]
termination_protection = false
stack_policy = false
"""
NOT_EMULATED_TYPES = {"AWS::CloudWatch::Alarm", "AWS::SNS::Subscription", "AWS::SNS::TopicPolicy",
                      "AWS::RDS::EventSubscription"}  # fmt: skip


def test_dev_with_alerting_deploys_through_the_bucket_and_is_destroyed_without_a_trace(aws, project):
    project.write("dev", ALERTING_DEV)  # password rotation on (the default): the rotation rule too
    template = json.loads((project.root / "templates" / "dev.json").read_text())
    assert len((project.root / "templates" / "dev.json").read_bytes()) > cfn.INLINE_TEMPLATE_LIMIT
    assert run("bootstrap", "--env", "dev", "--yes").exit_code == 0
    deployed = run("deploy", "--env", "dev", "--yes")
    assert deployed.exit_code == 0, deployed.output

    sns, cloudwatch, events = (boto3.client(s, region_name=REGION) for s in ("sns", "cloudwatch", "events"))
    topics = sorted(t["TopicArn"].rsplit(":", 1)[1] for t in sns.list_topics()["Topics"])
    assert topics == ["iot-alerts-dev", "iot-cache-events-dev"]
    (dashboard,) = cloudwatch.list_dashboards()["DashboardEntries"]
    assert dashboard["DashboardName"] == "iot-platform-dev"
    body = json.loads(cloudwatch.get_dashboard(DashboardName="iot-platform-dev")["DashboardBody"])
    assert body["widgets"][0]["type"] == "alarm" and '"region": "sa-east-1"' in json.dumps(body)
    rules = sorted(rule["Name"] for rule in events.list_rules()["Rules"])
    assert rules == ["db-break-glass-used-dev", "db-rotation-failed-dev", "kms-key-at-risk-dev"]
    for rule in rules:
        (target,) = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert target["Arn"].endswith(":iot-alerts-dev")
    outputs = json.loads((project.root / "outputs" / "dev.json").read_text())
    assert outputs["AlertTopicArn"] == f"arn:aws:sns:{REGION}:123456789012:iot-alerts-dev"

    # What moto skips: declared in the template, absent from the stack and from the emulated services.
    made = {r["ResourceType"] for r in boto3.client("cloudformation", region_name=REGION)
            .describe_stack_resources(StackName="iot-platform-dev")["StackResources"]}  # fmt: skip
    declared = {r["Type"] for r in template["Resources"].values()}
    assert declared >= NOT_EMULATED_TYPES and not NOT_EMULATED_TYPES & made
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert sns.list_subscriptions()["Subscriptions"] == []

    destroyed = run("destroy", "--env", "dev", "--yes")
    assert destroyed.exit_code == 0, destroyed.output
    assert sns.list_topics()["Topics"] == [] and cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert events.list_rules()["Rules"] == []
