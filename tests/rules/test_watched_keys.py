import json

import pytest

from generator.rules import WatchedKeys
from tests.rules import dev_template, findings, protected_template

KEYS = ("AlertsKey", "KinesisKey", "LogsKey", "RdsKey", "RedisKey", "SecretsKey")


def pattern(change):
    return lambda r: change(r["KeyDeletionOrDisableRule"]["Properties"]["EventPattern"])


def unwatched(*keys, by="id and arn"):
    return [f"Resources/{k}: {k}: no rule tells a topic when it is disabled or scheduled for deletion (by its {by})"
            for k in keys]  # fmt: skip


def key_ids(change):
    return pattern(lambda p: change(p["detail"]["requestParameters"]["keyId"]))


@pytest.mark.parametrize(
    "template, expected",
    [
        (protected_template(), []),
        (dev_template(), []),  # no alert topic: nothing to tell
        (protected_template(lambda r: r.pop("KeyDeletionOrDisableRule")), unwatched(*KEYS)),
        (protected_template(key_ids(lambda ids: ids.remove({"Ref": "AlertsKey"}))), unwatched("AlertsKey", by="id")),
        (protected_template(key_ids(lambda ids: ids.remove({"Fn::GetAtt": ["RdsKey", "Arn"]}))),
         unwatched("RdsKey", by="arn")),  # a caller may give the ARN: a rule on the id alone misses it
        (protected_template(pattern(lambda p: p["detail"].update(eventName=["DisableKey"]))), unwatched(*KEYS)),
        (protected_template(pattern(lambda p: p.update(source=["aws.secretsmanager"]))), unwatched(*KEYS)),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"]["Targets"][0].update(
            Arn={"Fn::GetAtt": ["SensorDataStream", "Arn"]})), unwatched(*KEYS)),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"].update(State="DISABLED")),
         unwatched(*KEYS)),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"].update(
            State="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")), []),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"].update(EventBusName="my-bus")),
         unwatched(*KEYS)),  # CloudTrail's events reach the default bus only
        (protected_template(pattern(lambda p: p.update({"detail-type": ["Object Created"]}))), unwatched(*KEYS)),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"].update(
            EventPattern=json.dumps(r["KeyDeletionOrDisableRule"]["Properties"]["EventPattern"]))), []),
    ],
    ids=["generated", "no-topic", "no-rule", "one-key-id-left-out", "one-key-arn-left-out", "disable-only",
         "other-source", "not-a-topic", "disabled-rule", "with-read-only-events", "custom-bus", "other-detail-type",
         "pattern-as-text"],
)  # fmt: skip
def test_every_key_at_risk_tells_a_topic(template, expected):
    assert findings(WatchedKeys, template) == expected
