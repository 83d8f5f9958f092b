import pytest

from generator.rules import WatchedKeys
from tests.rules import dev_template, findings, protected_template

KEYS = ("AlertsKey", "KinesisKey", "LogsKey", "RdsKey", "RedisKey", "SecretsKey")


def pattern(change):
    return lambda r: change(r["KeyDeletionOrDisableRule"]["Properties"]["EventPattern"])


def unwatched(*keys):
    return [f"Resources/{k}: {k}: no rule tells a topic when it is disabled or scheduled for deletion" for k in keys]


@pytest.mark.parametrize(
    "template, expected",
    [
        (protected_template(), []),
        (dev_template(), []),  # no alert topic: nothing to tell
        (protected_template(lambda r: r.pop("KeyDeletionOrDisableRule")), unwatched(*KEYS)),
        (protected_template(pattern(lambda p: p["detail"]["resources"]["ARN"].pop())), unwatched("AlertsKey")),
        (protected_template(pattern(lambda p: p["detail"].update(eventName=["DisableKey"]))), unwatched(*KEYS)),
        (protected_template(pattern(lambda p: p.update(source=["aws.secretsmanager"]))), unwatched(*KEYS)),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"]["Targets"][0].update(
            Arn={"Fn::GetAtt": ["SensorDataStream", "Arn"]})), unwatched(*KEYS)),
        (protected_template(lambda r: r["KeyDeletionOrDisableRule"]["Properties"].update(State="DISABLED")),
         unwatched(*KEYS)),
        (protected_template(pattern(lambda p: p["detail"]["resources"]["ARN"].__setitem__(0, {"Ref": "KinesisKey"}))),
         unwatched("KinesisKey")),  # CloudTrail records the key's ARN, never its id
    ],
    ids=["generated", "no-topic", "no-rule", "one-key-left-out", "disable-only", "other-source", "not-a-topic",
         "disabled-rule", "key-id-not-arn"],
)  # fmt: skip
def test_every_key_at_risk_tells_a_topic(template, expected):
    assert findings(WatchedKeys, template) == expected
