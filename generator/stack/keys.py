"""KMS: one customer-managed key per service, rotated yearly, each with a least-privilege policy.

Separate keys (Kinesis, RDS, Secrets Manager, ElastiCache, CloudWatch Logs) give each service its
own audit trail and let access to one data store be revoked without touching the others. Each key
has an alias ``alias/{service}-{env}`` and an explicit key policy written with awacs: the account
administers the key and delegates its use to IAM policies (services that encrypt on a caller's
behalf, such as RDS or Kinesis, use the caller's IAM permissions through grants). Only the logs key
names a service principal, CloudWatch Logs, which encrypts on its own behalf; it may use the key
only for this account's log groups in this region (the encryption context CloudWatch Logs sends).
With alerting on (``alerts.enabled``) a sixth key encrypts the alert topic; its policy lets exactly
the services that publish to that topic use it: CloudWatch alarms and RDS events of this account
and region (``aws:SourceAccount``, ``aws:SourceArn``), and EventBridge (the rules on a key scheduled for
deletion or disabled, and on a failed rotation), without source conditions, which AWS does not support
for EventBridge to an encrypted topic (SNS developer guide, "Key management").
No statement has a wildcard principal. A key scheduled for deletion waits ``keys.pending_window_days``
(30, the most KMS allows, wherever the environment keeps its data).
"""

from __future__ import annotations

from typing import NamedTuple

from awacs import kms as kms_actions
from awacs.aws import Allow, ArnLike, AWSPrincipal, Condition, PolicyDocument, Principal, Statement, StringEquals
from troposphere import Ref, Sub, Template
from troposphere.kms import Alias, Key

from generator.config import Environment
from generator.stack.common import name, protect, suppress, tags

ROOT_WILDCARD_REASON = (
    "kms:* for the account root is the key policy statement that lets IAM policies grant use of the key "
    "(KMS's default policy); it gives no principal anything by itself, and no statement has a wildcard principal"
)
ACCOUNT_ROOT = Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
# What CloudWatch Logs needs to encrypt and read a log group (CloudWatch Logs user guide, "Encrypt
# log data in CloudWatch Logs using AWS KMS").
LOGS_ACTIONS = [
    kms_actions.Encrypt, kms_actions.Decrypt, kms_actions.ReEncryptFrom, kms_actions.ReEncryptTo,
    kms_actions.GenerateDataKey, kms_actions.GenerateDataKeyWithoutPlaintext, kms_actions.DescribeKey,
]  # fmt: skip


# What a service needs to publish to an encrypted topic (SNS developer guide, "Key management": kms:GenerateDataKey*
# and kms:Decrypt for the service's principal).
PUBLISHER_ACTIONS = [kms_actions.Action("GenerateDataKey*"), kms_actions.Decrypt]


class Publisher(NamedTuple):
    """A service that publishes to the alert topic, as its documentation writes the topic policy's statement
    (docs/SECURITY.md, "Who may publish", names each page)."""

    sid: str
    service: str  # the service principal
    source: (
        str | None
    )  # the ARN pattern of what publishes (aws:SourceArn), None where the service's page has no condition


# The key admits them, the topic's policy lets them publish. EventBridge's page writes its statement without a
# condition ("You can't use Condition blocks in Amazon SNS topic policies for EventBridge"), and the SNS guide
# says source conditions are not supported in a key policy for EventBridge to an encrypted topic.
ALERT_PUBLISHERS = (
    Publisher("AllowCloudWatchAlarmsOfThisAccount", "cloudwatch.amazonaws.com",
              "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:*"),
    Publisher("AllowRdsEventsOfThisAccount", "events.rds.amazonaws.com",
              "arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:*"),
    Publisher("AllowEventBridgeRules", "events.amazonaws.com", None),
)  # fmt: skip
SOURCE_ACCOUNT = StringEquals("aws:SourceAccount", Ref("AWS::AccountId"))
ALERT_TOPIC = "iot-alerts"  # the alert topic's name before the environment's suffix (generator.stack.alerts)


class Keys(NamedTuple):
    kinesis: Key
    rds: Key
    secrets: Key
    redis: Key
    logs: Key
    alerts: Key | None = None  # the alert topic's, where alerting is on


def add_keys(template: Template, env: Environment) -> Keys:
    """Add the five service keys, the alert topic's where alerting is on, and their aliases."""
    return Keys(
        kinesis=_add_key(template, env, "Kinesis", "kinesis", "Kinesis", "Kinesis Data Stream encryption"),
        rds=_add_key(template, env, "Rds", "rds", "RDS", "RDS Aurora encryption"),
        secrets=_add_key(template, env, "Secrets", "secrets", "SecretsManager", "Secrets Manager encryption"),
        redis=_add_key(template, env, "Redis", "elasticache", "ElastiCache", "ElastiCache Redis encryption"),
        logs=_add_key(template, env, "Logs", "logs", "CloudWatchLogs", "CloudWatch Logs encryption",
                      key_policy(_logs_statement())),
        alerts=_add_key(template, env, "Alerts", "alerts", "SNS", "the alert topic's encryption",
                        key_policy(*_publisher_statements(env))) if env.alerts.enabled else None,
    )  # fmt: skip


def key_policy(*service_statements: Statement) -> PolicyDocument:
    """The account administers the key and delegates its use through IAM; plus what a service needs."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="AllowAccountAdministration",
                Effect=Allow,
                Principal=AWSPrincipal(ACCOUNT_ROOT),
                Action=[kms_actions.Action("*")],
                Resource=["*"],
            ),
            *service_statements,
        ],
    )


def _logs_statement() -> Statement:
    return Statement(
        Sid="AllowCloudWatchLogsForThisAccountsLogGroups",
        Effect=Allow,
        Principal=Principal("Service", Sub("logs.${AWS::Region}.amazonaws.com")),
        Action=LOGS_ACTIONS,
        Resource=["*"],  # in a key policy "*" is this key
        Condition=Condition(
            ArnLike(
                "kms:EncryptionContext:aws:logs:arn",
                Sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"),
            )
        ),
    )


def _publisher_statements(env: Environment) -> list[Statement]:
    """Each publisher may use the key only for the alert topic (SNS passes the topic's ARN as encryption
    context); CloudWatch and RDS also only on behalf of this account's alarms and databases. EventBridge
    sends no source to KMS when it publishes to an encrypted topic, so its statement has the topic only."""
    topic = Sub(f"arn:${{AWS::Partition}}:sns:${{AWS::Region}}:${{AWS::AccountId}}:{name(env, ALERT_TOPIC)}")
    for_the_topic = {"kms:EncryptionContext:aws:sns:topicArn": topic}
    # One StringEquals with both keys: given two conditions with one operator, awacs keeps only the last.
    of_this_account = {**for_the_topic, "aws:SourceAccount": Ref("AWS::AccountId")}
    return [
        Statement(
            Sid=p.sid, Effect=Allow, Principal=Principal("Service", p.service), Action=PUBLISHER_ACTIONS,
            Resource=["*"],
            Condition=Condition([StringEquals(of_this_account), ArnLike("aws:SourceArn", Sub(p.source))] if p.source
                                else [StringEquals(for_the_topic)]),
        )
        for p in ALERT_PUBLISHERS
    ]  # fmt: skip


def _add_key(
    template: Template, env: Environment, logical: str, service: str, tag: str, purpose: str,
    policy: PolicyDocument | None = None,
) -> Key:  # fmt: skip
    key = template.add_resource(
        Key(
            f"{logical}Key",
            Description=f"KMS key for {purpose} - {env.name}",
            EnableKeyRotation=True,
            PendingWindowInDays=env.keys.pending_window_days,
            KeyPolicy=policy or key_policy(),
            Tags=tags(env, name(env, f"{service}-kms-key"), Service=tag),
        )
    )
    protect(key, env)
    suppress(key, cfripper={"GenericResourceWildcardPolicyRule": ROOT_WILDCARD_REASON})
    template.add_resource(Alias(f"{logical}KeyAlias", AliasName=f"alias/{name(env, service)}", TargetKeyId=Ref(key)))
    return key
