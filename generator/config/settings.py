"""The settings of an environment: frozen dataclasses, each field with its default, doc and checks.

:class:`Environment` is one environment file; each section of the file (``[kinesis]``, ...) is a
dataclass of its own. Checks on one value are declared with the field; rules across fields (a
subnet inside the VPC, windows that must not overlap) are a section's ``problems()`` method,
which the loader calls once every field of the section is valid.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from generator.config.alerts import AlertSettings
from generator.config.checks import (
    aws_region,
    between,
    cidr_block,
    count,
    daily_window,
    each_matches,
    each_one_of,
    matches,
    multiple_of,
    one_of,
    private_networks,
    tag_map,
    weekly_window,
    windows_overlap,
)
from generator.config.fields import section, setting
from generator.config.usage import UsageSettings

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653)  # fmt: skip

# The shard-level metrics Kinesis can enable (EnableEnhancedMonitoring); ALL is every one of them.
SHARD_LEVEL_METRICS = ("IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                       "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
                       "IteratorAgeMilliseconds", "ALL")  # fmt: skip

# Redis OSS versions ElastiCache still creates with standard support (4.0 and 5.0 left it in 2026).
# Neither ElastiCache's API schema nor cfn-lint checks them, so they are checked here.
REDIS_VERSIONS = ("6.0", "6.2", "7.0", "7.1")
# ElastiCache's current-generation node families: burstable ones come in micro..medium only.
REDIS_NODE_TYPE = r"cache\.((t3|t4g)\.(micro|small|medium)|(m5|m6g|m7g|r5|r6g|r6gd|r7g|c7gn)\.(large|\d*xlarge))"

# The longest wait KMS allows before deleting a key: what an environment that keeps its data must use.
KEY_WINDOW_PROTECTED = 30

# No "retain" for the whole stack: a kept cluster would keep its subnet group, security group and
# subnets in use, and the stack's deletion would fail on them.
REMOVAL_POLICIES = ("destroy", "snapshot")

# A subnet is /16../28 in a VPC of /16../28 (Amazon VPC quotas).
_SUBNET = cidr_block(16, 28)


@dataclass(frozen=True)
class NetworkSettings:
    """``[network]``: the VPC, its subnets and who besides the consumers may reach the data stores."""

    vpc_cidr: str = setting("10.0.0.0/16", "The VPC's IPv4 block.", cidr_block(16, 28))
    public_subnet_cidrs: tuple[str, ...] = setting(
        ("10.0.1.0/24", "10.0.2.0/24"), "Public subnets, first AZ then second.", count(2, _SUBNET)
    )
    private_subnet_cidrs: tuple[str, ...] = setting(
        ("10.0.11.0/24", "10.0.12.0/24"), "Private subnets for the data stores, first AZ then second.",
        count(2, _SUBNET),
    )  # fmt: skip
    # The data stores admit the consumer security group; these networks (an on-site plant network
    # behind a VPN, say) are admitted too, only because an environment names them.
    consumer_cidrs: tuple[str, ...] = setting(
        (), "Networks besides the consumer security group that may reach the database and cache.",
        private_networks(),
    )  # fmt: skip

    def problems(self) -> list[tuple[str, Any, str]]:
        """``(key, value, what is wrong)`` for each rule across fields this section breaks."""
        vpc = ipaddress.IPv4Network(self.vpc_cidr)
        problems, seen = [], []
        for key in ("public_subnet_cidrs", "private_subnet_cidrs"):
            cidrs = getattr(self, key)
            for cidr in cidrs:
                subnet = ipaddress.IPv4Network(cidr)
                if not subnet.subnet_of(vpc):
                    problems.append((key, cidrs, f"{cidr} must lie inside vpc_cidr {vpc}"))
                for other, other_key in seen:
                    if subnet.overlaps(other):
                        problems.append((key, cidrs, f"{cidr} overlaps {other} of {other_key}"))
                seen.append((subnet, key))
        return problems


@dataclass(frozen=True)
class KinesisSettings:
    """``[kinesis]``: the sensor-data stream."""

    # 1..10,000 is what one provisioned stream allows (the account's shard quota may be lower).
    shard_count: int = setting(2, "Shards of the provisioned sensor-data stream.", between(1, 10000))
    retention_hours: int = setting(24, "How long records stay readable.", between(24, 8760))
    shard_level_metrics: tuple[str, ...] = setting(
        ("IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords"),
        "Enhanced (shard-level) CloudWatch metrics.", each_one_of(*SHARD_LEVEL_METRICS),
    )  # fmt: skip


@dataclass(frozen=True)
class AuroraSettings:
    """``[aurora]``: the Aurora Serverless v2 PostgreSQL cluster."""

    engine_version: str = setting(
        "15.10", "Aurora PostgreSQL version (15.4 of the architecture reached end of support).",
        matches(r"\d+\.\d+", "a major.minor version such as 15.10"),
    )  # fmt: skip
    min_capacity: float = setting(0.5, "Serverless v2 minimum ACUs.", between(0, 256), multiple_of(0.5))
    max_capacity: float = setting(2.0, "Serverless v2 maximum ACUs.", between(1, 256), multiple_of(0.5))
    instances: int = setting(1, "db.serverless instances; two or more spread over both AZs.", between(1, 16))
    backup_retention_days: int = setting(30, "Automated backup retention.", between(1, 35))
    backup_window: str = setting("03:00-04:00", "Daily backup window (UTC).", daily_window(30))
    maintenance_window: str = setting("mon:04:00-mon:05:00", "Weekly maintenance (UTC).", weekly_window(30))
    deletion_protection: bool = setting(True, "Refuse to delete the cluster.")
    password_rotation: bool = setting(
        True, "Rotate the master password (single-user rotation; adds a Secrets Manager VPC endpoint)."
    )
    # Secrets Manager allows 1..1000 days; FSBP SecretsManager.4 asks for at most 90.
    password_rotation_days: int = setting(30, "Days between password rotations.", between(1, 1000))

    def problems(self) -> list[tuple[str, Any, str]]:
        """``(key, value, what is wrong)`` for each rule across fields this section breaks."""
        problems = []
        if self.min_capacity > self.max_capacity:
            problems.append(("min_capacity", self.min_capacity, f"must not exceed max_capacity {self.max_capacity}"))
        if windows_overlap(self.backup_window, self.maintenance_window):
            problems.append(("backup_window", self.backup_window,
                             f"must not overlap maintenance_window {self.maintenance_window}"))  # fmt: skip
        return problems


@dataclass(frozen=True)
class RedisSettings:
    """``[redis]``: the ElastiCache Redis replication group."""

    engine_version: str = setting("7.0", "Redis OSS version.", one_of(*REDIS_VERSIONS))
    node_type: str = setting(
        "cache.t3.micro", "Node type of every cache cluster.",
        matches(REDIS_NODE_TYPE, "a current-generation node type: cache.t3|t4g.micro|small|medium, or "
                                 "cache.m5|m6g|m7g|r5|r6g|r6gd|r7g|c7gn.large|xlarge|<n>xlarge"),
    )  # fmt: skip
    cache_clusters: int = setting(2, "Primary plus replicas, spread over both AZs.", between(1, 6))
    automatic_failover: bool = setting(True, "Promote a replica when the primary fails (Multi-AZ).")
    snapshot_retention_days: int = setting(5, "Daily snapshots kept; 0 turns snapshots off.", between(0, 35))
    snapshot_window: str = setting("03:00-04:00", "Daily snapshot window (UTC).", daily_window(60))
    maintenance_window: str = setting("mon:05:00-mon:06:00", "Weekly maintenance (UTC).", weekly_window(60))

    def problems(self) -> list[tuple[str, Any, str]]:
        """``(key, value, what is wrong)`` for each rule across fields this section breaks."""
        problems = []
        if self.automatic_failover and self.cache_clusters < 2:
            problems.append(("cache_clusters", self.cache_clusters,
                             "automatic_failover needs at least 2 (a primary and a replica)"))  # fmt: skip
        if windows_overlap(self.snapshot_window, self.maintenance_window):
            problems.append(("snapshot_window", self.snapshot_window,
                             f"must not overlap maintenance_window {self.maintenance_window}"))  # fmt: skip
        return problems


@dataclass(frozen=True)
class KeySettings:
    """``[keys]``: the stack's customer-managed KMS keys."""

    # KMS waits 7..30 days before deleting a key scheduled for deletion (ScheduleKeyDeletion); 30 is its
    # default. Losing the RDS key loses the cluster and every snapshot: a protected environment keeps 30.
    pending_window_days: int = setting(
        30, "Days KMS waits before deleting a key scheduled for deletion (a month to notice and cancel); "
        'must be 30 where removal_policy = "snapshot".', between(7, 30),
    )  # fmt: skip


@dataclass(frozen=True)
class LogSettings:
    """``[logs]``: CloudWatch log groups."""

    retention_days: int = setting(7, "Retention of every log group.", one_of(*LOG_RETENTION_DAYS))


# Stack names: a letter, then letters, digits and hyphens, at most 128 characters (CloudFormation).
STACK_NAME = r"[A-Za-z][A-Za-z0-9-]{0,127}"
# S3 bucket names: 3..63 lowercase letters, digits, dots and hyphens, a letter or digit at each end.
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"


@dataclass(frozen=True)
class DeploySettings:
    """``[deploy]``: how ``iotstack deploy`` ships the template."""

    stack_name: str = setting(
        "", 'The CloudFormation stack; "" means iot-platform-<env>.',
        matches(f"({STACK_NAME})?", "a letter, then letters, digits and hyphens (at most 128)"),
    )  # fmt: skip
    template_bucket: str = setting(
        "", "S3 bucket for templates over CloudFormation's 51,200-byte inline limit; \"\" means none.",
        matches(f"({BUCKET_NAME})?", "an S3 bucket name: 3..63 lowercase letters, digits, dots and hyphens"),
    )  # fmt: skip
    termination_protection: bool = setting(True, "Refuse to delete the stack (iotstack destroy refuses too).")
    stack_policy: bool = setting(
        True, "A stack policy that denies replacing or deleting stateful resources; --allow-replace lifts it "
        "for one deploy.",
    )  # fmt: skip
    timeout_minutes: int = setting(
        90, "How long deploy, destroy and recover wait for the stack (Aurora and ElastiCache take tens of minutes).",
        between(5, 720),
    )  # fmt: skip
    # The account guard: every command that talks to AWS for this environment first asks STS whose
    # credentials it holds, and refuses before any other call when the account differs.
    account: str = setting(
        "", 'The AWS account the stack belongs to; every AWS command refuses other credentials. "" means any.',
        matches(r"(\d{12})?", "twelve digits, such as 123456789012"),
    )  # fmt: skip
    profile: str = setting(
        "", "AWS profile for this environment, used only when the shell brings no credentials of its own "
        '(AWS_PROFILE, access keys, a web-identity token); "" means none.',
        matches(r"([A-Za-z0-9_.+=,@/-]{1,128})?", "a profile name of your AWS config file (letters, digits, ._+=,@/-)"),
    )  # fmt: skip
    # CloudFormation takes at most 5 notification ARNs per stack.
    notification_arns: tuple[str, ...] = setting(
        (), "SNS topics for the stack's events, added to those the stack already has (never removed).",
        each_matches(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}", "an SNS topic ARN", 5),
    )  # fmt: skip


@dataclass(frozen=True)
class Environment:
    """One environment: everything the generator needs to build its template."""

    name: str = field(metadata={"doc": "The file's name without .toml.", "checks": (), "derived": True})
    region: str = setting(
        "sa-east-1", "AWS region the stack is deployed to and linted for.",
        aws_region(),
    )  # fmt: skip
    removal_policy: str = setting(
        "snapshot",
        "What deleting the stack or replacing a stateful resource does: destroy deletes; snapshot "
        "keeps a final snapshot of the database and cache, and keeps keys, stream, secret and logs.",
        one_of(*REMOVAL_POLICIES),
    )
    tags: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}),
        metadata={"doc": "Extra tags on every resource.", "checks": (tag_map,)},
    )
    network: NetworkSettings = section(NetworkSettings, "VPC and subnets.")
    kinesis: KinesisSettings = section(KinesisSettings, "The sensor-data stream.")
    aurora: AuroraSettings = section(AuroraSettings, "The Aurora Serverless v2 PostgreSQL cluster.")
    redis: RedisSettings = section(RedisSettings, "The ElastiCache Redis replication group.")
    keys: KeySettings = section(KeySettings, "The customer-managed KMS keys.")
    logs: LogSettings = section(LogSettings, "CloudWatch log groups.")
    alerts: AlertSettings = section(AlertSettings, "Alarms, alert topics, event notifications and the dashboard.")
    deploy: DeploySettings = section(DeploySettings, "How iotstack deploy ships the template.")
    usage: UsageSettings = section(UsageSettings, "What the stack carries a month: the cost estimate's assumptions.")

    def problems(self) -> list[tuple[str, Any, str]]:
        """``(key, value, what is wrong)`` for each rule across sections this environment breaks."""
        problems = []
        if not self.alerts.enabled and self.removal_policy != "destroy":
            why = 'may be false only where removal_policy = "destroy" (a throwaway environment such as dev)'
            problems.append(("alerts.enabled", False, f"{why}: an environment that keeps its data is watched"))
        if self.removal_policy != "destroy" and self.keys.pending_window_days != KEY_WINDOW_PROTECTED:
            why = f'must be {KEY_WINDOW_PROTECTED} where removal_policy = "{self.removal_policy}"'
            lost = "a key deleted a week after someone scheduled it takes the kept data with it"
            problems.append(("keys.pending_window_days", self.keys.pending_window_days, f"{why}: {lost}"))
        age, retention = self.alerts.kinesis_iterator_age_seconds, self.kinesis.retention_hours
        if self.alerts.enabled and age >= retention * 3600:
            why = f"({retention} h = {retention * 3600} s): a consumer that far behind has lost records"
            problems.append(
                ("alerts.kinesis_iterator_age_seconds", age, f"must be below kinesis.retention_hours {why}")
            )
        return problems

    @property
    def stack_name(self) -> str:
        """The stack this environment deploys to."""
        return self.deploy.stack_name or f"iot-platform-{self.name}"
