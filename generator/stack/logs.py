"""CloudWatch Logs: encrypted log groups created ahead of the services that write to them.

A log group a service creates by itself has no retention (logs kept forever), no encryption with
our key and no tags, and outlives the stack. Creating it here, under the exact name the service
writes to, gives it the environment's retention and removal policy and the logs key (whose policy
lets CloudWatch Logs use it for this account's log groups). Only groups that something writes to
are created.
"""

from __future__ import annotations

from troposphere import GetAtt, Template
from troposphere.kms import Key
from troposphere.logs import LogGroup

from generator.config import Environment
from generator.stack.common import protect, tags


def add_log_group(template: Template, env: Environment, logical: str, log_group_name: str, key: Key) -> LogGroup:
    """Add a log group with the environment's retention, encrypted with ``key``."""
    group = template.add_resource(
        LogGroup(
            logical,
            LogGroupName=log_group_name,
            RetentionInDays=env.logs.retention_days,
            KmsKeyId=GetAtt(key, "Arn"),  # CloudWatch Logs wants the key's ARN
            Tags=tags(env),
        )
    )
    return protect(group, env)
