"""Alerts: where the stack's alarms and events go, and who reads them.

Two SNS topics per environment, each subscribed by every address of ``alerts.emails``:

- ``iot-alerts-{env}``, encrypted with the alerts key (:mod:`generator.stack.keys`): the alarms of
  :mod:`generator.stack.alarms`, the RDS events of the cluster and its instances (failover, failure,
  maintenance, notification), a rule on a key scheduled for deletion or disabled and, where the
  password rotates, a rule on a failed rotation. Its policy lets only those services publish, each
  with the statement its own documentation gives: CloudWatch alarms and RDS events on behalf of this
  account (``aws:SourceAccount``) and of its alarms and databases in this region (``aws:SourceArn``),
  EventBridge without a condition (its guide: conditions are not supported there).
- ``iot-cache-events-{env}``, unencrypted: ElastiCache cannot publish to an encrypted topic (the
  topic would go inactive), so the replication group's events (failover, node replacement, ...) go
  here. They are event metadata (an event name and the node's id), never cached data; only
  ElastiCache of this account may publish (``AWS:SourceOwner``, as ElastiCache's guide writes it).
  docs/SECURITY.md records the exception.

Both topics refuse publishing without TLS (:func:`tls_only`).

Nothing here exists when ``alerts.enabled`` is false.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from awacs import sns as sns_actions
from awacs.aws import (
    Allow,
    ArnLike,
    AWSPrincipal,
    Bool,
    Condition,
    Deny,
    PolicyDocument,
    Principal,
    Statement,
    StringEquals,
)
from troposphere import GetAtt, Ref, Sub, Template
from troposphere.events import InputTransformer, Rule, Target
from troposphere.iam import Role
from troposphere.rds import EventSubscription
from troposphere.secretsmanager import Secret
from troposphere.sns import SubscriptionResource, Topic, TopicPolicy

from generator.config import Environment
from generator.stack.aurora import Aurora
from generator.stack.common import name, suppress, tags
from generator.stack.keys import ALERT_PUBLISHERS, ALERT_TOPIC, SOURCE_ACCOUNT, Keys
from generator.stack.rotation import ROTATION_FUNCTION, Rotation

# The RDS event categories worth a message (a subscription without categories would send all of them).
RDS_EVENT_CATEGORIES = ["failover", "failure", "maintenance", "notification"]
UNENCRYPTED_REASON = (
    "ElastiCache cannot publish to an encrypted topic (it would go inactive); this topic carries "
    "ElastiCache's event metadata only (event name, node id), and only ElastiCache of this account may publish"
)


class AlertTopics(NamedTuple):
    alerts: Topic  # encrypted: alarms, RDS events, rotation failures
    alerts_policy: TopicPolicy
    cache_events: Topic  # unencrypted: ElastiCache events


def add_alerts(
    template: Template, env: Environment, keys: Keys, aurora: Aurora, secret: Secret,
    rotation: Rotation | None, break_glass: Role,
) -> AlertTopics | None:  # fmt: skip
    """Add both topics, their policies and subscriptions, the RDS event subscriptions, the rules on a key
    scheduled for deletion or disabled and on a use of the break-glass role, and the rule on a failed
    rotation; None (and nothing added) when alerting is off."""
    if not env.alerts.enabled:
        return None
    assert keys.alerts is not None  # made by add_keys when alerting is on
    alerts = template.add_resource(
        Topic("AlertTopic", TopicName=name(env, ALERT_TOPIC), DisplayName=f"IoT alerts ({env.name})",
              KmsMasterKeyId=Ref(keys.alerts), Tags=tags(env, name(env, ALERT_TOPIC)))
    )  # fmt: skip
    statements = [
        Statement(Sid=p.sid, Effect=Allow, Principal=Principal("Service", p.service), Action=[sns_actions.Publish],
                  Resource=[Ref(alerts)],
                  **({"Condition": Condition([SOURCE_ACCOUNT, ArnLike("aws:SourceArn", Sub(p.source))])} if p.source
                     else {}))
        for p in ALERT_PUBLISHERS
    ]  # fmt: skip
    alerts_policy = template.add_resource(
        TopicPolicy("AlertTopicPolicy", Topics=[Ref(alerts)],
                    PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[*statements, tls_only(alerts)]))
    )  # fmt: skip
    cache_events = template.add_resource(
        Topic("CacheEventsTopic", TopicName=name(env, "iot-cache-events"),
              DisplayName=f"IoT cache events ({env.name})", Tags=tags(env, name(env, "iot-cache-events")))
    )  # fmt: skip
    suppress(cache_events, checkov={"CKV_AWS_26": UNENCRYPTED_REASON})
    # ElastiCache's guide ("Managing ElastiCache Amazon SNS notifications") writes the statement this way, and
    # sets a topic inactive, without an error, whose policy uses aws:SourceAccount instead of aws:SourceOwner.
    only_elasticache = Statement(
        Sid="AllowElastiCacheOfThisAccount", Effect=Allow, Principal=AWSPrincipal("*"),
        Action=[sns_actions.Publish], Resource=[Ref(cache_events)],
        Condition=Condition(StringEquals("AWS:SourceOwner", Ref("AWS::AccountId"))),
    )  # fmt: skip
    template.add_resource(
        TopicPolicy("CacheEventsTopicPolicy", Topics=[Ref(cache_events)],
                    PolicyDocument=PolicyDocument(Version="2012-10-17",
                                                  Statement=[only_elasticache, tls_only(cache_events)]))
    )  # fmt: skip
    for address in env.alerts.emails:
        for prefix, topic in (("AlertEmail", alerts), ("CacheEventsEmail", cache_events)):
            subscription = SubscriptionResource(prefix + address_id(address), Protocol="email", Endpoint=address,
                                                TopicArn=Ref(topic))  # fmt: skip
            template.add_resource(subscription)
    topics = AlertTopics(alerts, alerts_policy, cache_events)
    _add_rds_events(template, env, topics, aurora)
    _add_key_watch_rule(template, env, topics, keys)
    _add_break_glass_rule(template, env, topics, break_glass)
    if rotation is not None:
        _add_rotation_failure_rule(template, env, topics, secret)
    return topics


def tls_only(topic: Topic) -> Statement:
    """Refuse publishing to ``topic`` over plain HTTP, whoever asks (SNS developer guide, "Enforce encryption
    of data in transit"): the one statement with a wildcard principal, and it only denies."""
    return Statement(
        Sid="DenyPublishingWithoutTls", Effect=Deny, Principal=Principal("*"), Action=[sns_actions.Publish],
        Resource=[Ref(topic)], Condition=Condition(Bool("aws:SecureTransport", "false")),
    )  # fmt: skip


def address_id(address: str) -> str:
    """The part of a subscription's logical id that names its address: ``ops.team@example.com`` gives
    ``OpsTeamExampleCom`` (config checks that no two addresses give the same)."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", address) if part)


def _add_rds_events(template: Template, env: Environment, topics: AlertTopics, aurora: Aurora) -> None:
    # One subscription per source type: a subscription has a single one (RDS CreateEventSubscription).
    for logical, kind, source_type, sources in (
        ("AuroraClusterEventSubscription", "aurora-cluster-events", "db-cluster", [aurora.cluster]),
        ("AuroraInstanceEventSubscription", "aurora-instance-events", "db-instance", aurora.instances),
    ):
        template.add_resource(
            EventSubscription(
                logical,
                DependsOn=[topics.alerts_policy.title],  # RDS checks that it may publish to the topic
                SubscriptionName=name(env, kind),
                SourceType=source_type,
                SourceIds=[Ref(s) for s in sources],
                EventCategories=RDS_EVENT_CATEGORIES,
                SnsTopicArn=Ref(topics.alerts),
                Enabled=True,
                Tags=tags(env, name(env, kind)),
            )
        )


# What puts a key's data out of reach (KMS developer guide, "Monitoring AWS KMS keys" and "Deleting AWS KMS
# keys": an alarm on ScheduleKeyDeletion and DisableKey). EventBridge receives these management events from
# CloudTrail only where the account has a trail recording management events (docs/alerting.md, "The topics").
KEY_EVENTS = ["DisableKey", "ScheduleKeyDeletion"]
API_CALL = "AWS API Call via CloudTrail"
WITH_READ_ONLY_EVENTS = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


def _add_key_watch_rule(template: Template, env: Environment, topics: AlertTopics, keys: Keys) -> None:
    # CloudTrail records the call's KeyId as the caller gave it; ScheduleKeyDeletion and DisableKey take a key's
    # id or its ARN (KMS API reference), so the rule names both of each key.
    forms = [form for key in keys if key is not None for form in (Ref(key), GetAtt(key, "Arn"))]
    _add_rule(
        template, env, topics, "KeyDeletionOrDisableRule", "kms-key-at-risk",
        "A key of the stack scheduled for deletion or disabled",
        {"source": ["aws.kms"], "detail-type": [API_CALL],
         "detail": {"eventSource": ["kms.amazonaws.com"], "eventName": KEY_EVENTS,
                    "requestParameters": {"keyId": forms}}},
        {"who": "$.detail.userIdentity.arn", "event": "$.detail.eventName", "key": "$.detail.requestParameters.keyId",
         "time": "$.time"},
        "<who> called <event> on the KMS key <key> at <time>. Its data cannot be read while it is disabled, and is "
        "lost for good when a scheduled deletion runs: CancelKeyDeletion and EnableKey undo them.",
    )  # fmt: skip


def _add_break_glass_rule(template: Template, env: Environment, topics: AlertTopics, role: Role) -> None:
    # Reading a secret is a read-only management event of CloudTrail, recorded in the secret's region, with the
    # role the caller's session was issued by (userIdentity.sessionContext.sessionIssuer). A rule receives
    # read-only events (Get*, List*, Describe*) only in the state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    # (EventBridge user guide, "Receiving read-only management events from AWS services").
    _add_rule(
        template, env, topics, "BreakGlassUseRule", "db-break-glass-used",
        "A read of the database master credential by the break-glass role",
        {"source": ["aws.secretsmanager"], "detail-type": [API_CALL],
         "detail": {"eventSource": ["secretsmanager.amazonaws.com"], "eventName": ["GetSecretValue"],
                    "userIdentity": {"sessionContext": {"sessionIssuer": {"arn": [GetAtt(role, "Arn")]}}}}},
        {"who": "$.detail.userIdentity.arn", "time": "$.time"},
        "<who> read the database master credential with the break-glass role at <time>. If nobody announced it, "
        "find out who, and rotate the password (aws secretsmanager rotate-secret).",
        state=WITH_READ_ONLY_EVENTS,
    )  # fmt: skip


def _add_rotation_failure_rule(template: Template, env: Environment, topics: AlertTopics, secret: Secret) -> None:
    # Secrets Manager reports a failed rotation as the CloudTrail event RotationFailed, naming the
    # secret's ARN in additionalEventData.SecretId.
    function = name(env, ROTATION_FUNCTION)  # the function rotation.py has Secrets Manager build
    _add_rule(
        template, env, topics, "DatabaseRotationFailedRule", "db-rotation-failed",
        "A failed rotation of the database password",
        {"source": ["aws.secretsmanager"],
         "detail": {"eventSource": ["secretsmanager.amazonaws.com"], "eventName": ["RotationFailed"],
                    "additionalEventData": {"SecretId": [Ref(secret)]}}},
        {"secret": "$.detail.additionalEventData.SecretId", "time": "$.time"},
        f"Password rotation of <secret> failed at <time>. First check: the log group /aws/lambda/{function}, then "
        "whether the function reaches the database and the Secrets Manager endpoint.",
    )  # fmt: skip


def _add_rule(
    template: Template, env: Environment, topics: AlertTopics, logical: str, kind: str, what: str, pattern: dict,
    paths: dict[str, str], message: str, state: str = "ENABLED",
) -> None:  # fmt: skip
    """An EventBridge rule ``{kind}-{env}`` that sends ``message`` (its ``<placeholders>`` filled from the event
    by ``paths``) to the alert topic when an event matches ``pattern``."""
    template.add_resource(
        Rule(
            logical,
            Name=name(env, kind),
            Description=f"{what}, to the alert topic - {env.name}",
            EventPattern=pattern,
            State=state,
            Tags=tags(env, name(env, kind)),
            Targets=[
                Target(
                    Id="AlertTopic",
                    Arn=Ref(topics.alerts),
                    # A JSON string: the email's text.
                    InputTransformer=InputTransformer(InputPathsMap=paths, InputTemplate=json.dumps(message)),
                )
            ],
        )
    )
