"""KMS: one customer-managed key per service (Kinesis, RDS, Secrets Manager), rotated yearly.

Separate keys give each service its own audit trail and let access to one data store be revoked
without touching the others. Each key has an alias ``alias/{service}-{env}`` and an explicit key
policy, so that nothing depends on the policy AWS would otherwise attach by default.
"""

from __future__ import annotations

from typing import NamedTuple

from awacs import kms as kms_actions
from awacs.aws import Allow, AWSPrincipal, PolicyDocument, Statement
from troposphere import Ref, Sub, Template
from troposphere.kms import Alias, Key

from generator.config import Environment
from generator.stack.common import name, protect, tags

# Days KMS waits before deleting a key scheduled for deletion (the document's 7; AWS allows 7..30).
PENDING_WINDOW_DAYS = 7


class Keys(NamedTuple):
    kinesis: Key
    rds: Key
    secrets: Key


def add_keys(template: Template, env: Environment) -> Keys:
    """Add the three service keys and their aliases."""
    return Keys(
        kinesis=_add_key(template, env, "Kinesis", "kinesis", "Kinesis", "Kinesis Data Stream encryption"),
        rds=_add_key(template, env, "Rds", "rds", "RDS", "RDS Aurora encryption"),
        secrets=_add_key(template, env, "Secrets", "secrets", "SecretsManager", "Secrets Manager encryption"),
    )


def key_policy() -> PolicyDocument:
    """The account administers the key and delegates its use through IAM policies."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="AllowAccountAdministration",
                Effect=Allow,
                Principal=AWSPrincipal(Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")),
                Action=[kms_actions.Action("*")],
                Resource=["*"],
            )
        ],
    )


def _add_key(template: Template, env: Environment, logical: str, service: str, tag: str, purpose: str) -> Key:
    key = template.add_resource(
        Key(
            f"{logical}Key",
            Description=f"KMS key for {purpose} - {env.name}",
            EnableKeyRotation=True,
            PendingWindowInDays=PENDING_WINDOW_DAYS,
            KeyPolicy=key_policy(),
            Tags=tags(env, name(env, f"{service}-kms-key"), Service=tag),
        )
    )
    protect(key, env)
    template.add_resource(Alias(f"{logical}KeyAlias", AliasName=f"alias/{name(env, service)}", TargetKeyId=Ref(key)))
    return key
