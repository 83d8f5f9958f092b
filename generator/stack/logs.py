"""CloudWatch Logs: log groups created ahead of the services that write to them.

A log group a service creates by itself has no retention (logs kept forever) and no tags, and
outlives the stack. Creating it here, under the exact name the service writes to, gives it the
environment's retention and removal policy. Only groups that something writes to are created.
"""

from __future__ import annotations

from troposphere import Template
from troposphere.logs import LogGroup

from generator.config import Environment
from generator.stack.common import protect, tags


def add_log_group(template: Template, env: Environment, logical: str, log_group_name: str) -> LogGroup:
    """Add a log group with the environment's retention."""
    group = template.add_resource(
        LogGroup(
            logical,
            LogGroupName=log_group_name,
            RetentionInDays=env.logs.retention_days,
            Tags=tags(env),
        )
    )
    return protect(group, env)
