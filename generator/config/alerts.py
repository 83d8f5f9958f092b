"""``[alerts]``: who is told when a data store is in trouble, and at which thresholds.

Every alarm of :mod:`generator.stack.alarms` has its threshold here, with a documented default and
range; ``evaluation_minutes`` is the window every alarm looks at (one-minute periods, all of them
breaching). The defaults follow AWS's recommended alarms where AWS gives a number, and are meant to
page only for trouble that lasts: a throttle or an eviction in a single minute does not alarm.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.config.checks import between, email_addresses
from generator.config.fields import setting

# How many addresses may be subscribed: each is two subscriptions (both topics) in the template, and a
# team's list address serves better than many personal ones.
MOST_EMAILS = 10


@dataclass(frozen=True)
class AlertSettings:
    """``[alerts]``: alarms on every data store, the alert topics, event notifications and the dashboard."""

    enabled: bool = setting(
        True, "Alarms on every data store, the alert topics, RDS and ElastiCache event notifications and the "
        "dashboard; false removes them all (dev may; staging and prod keep them).",
    )  # fmt: skip
    emails: tuple[str, ...] = setting(
        (), "Addresses subscribed to both alert topics; each confirms by email before it receives anything.",
        email_addresses(MOST_EMAILS),
    )  # fmt: skip
    # CloudWatch evaluates at most a day of periods; an hour of one-minute periods is plenty.
    evaluation_minutes: int = setting(
        5, "Minutes in a row every alarm's metric must breach before it goes off (one-minute periods).",
        between(1, 60),
    )  # fmt: skip
    kinesis_iterator_age_seconds: int = setting(
        300, "How far behind the newest record a consumer may fall (GetRecords.IteratorAgeMilliseconds, maximum); "
        "below kinesis.retention_hours.", between(60, 86400),
    )  # fmt: skip
    kinesis_write_throttled: int = setting(
        0, "Records a minute the stream may reject for its shards' write limit before producers are alerted "
        "(WriteProvisionedThroughputExceeded, sum).", between(0, 1_000_000),
    )  # fmt: skip
    kinesis_read_throttled: int = setting(
        0, "GetRecords calls a minute the stream may throttle before consumers are alerted "
        "(ReadProvisionedThroughputExceeded, sum).", between(0, 1_000_000),
    )  # fmt: skip
    aurora_capacity_percent: int = setting(
        90, "Capacity of an Aurora instance, in percent of aurora.max_capacity, above which it alarms "
        "(ACUUtilization, maximum).", between(1, 99),
    )  # fmt: skip
    aurora_cpu_percent: int = setting(
        90, "CPU of an Aurora instance above which it alarms (CPUUtilization, average).", between(1, 99)
    )
    # Serverless v2 reports FreeableMemory as what would be free at maximum capacity (about 2 GiB per ACU).
    aurora_freeable_memory_percent: int = setting(
        10, "Free memory of an Aurora instance, in percent of its memory at aurora.max_capacity (2 GiB per ACU), "
        "below which it alarms (FreeableMemory, minimum).", between(1, 50),
    )  # fmt: skip
    redis_memory_percent: int = setting(
        80, "Memory used on a Redis node above which it alarms (DatabaseMemoryUsagePercentage, maximum).",
        between(1, 99),
    )  # fmt: skip
    redis_cpu_percent: int = setting(
        90, "CPU of a Redis node's engine thread above which it alarms (EngineCPUUtilization, average).",
        between(1, 99),
    )  # fmt: skip
    redis_evictions: int = setting(
        0, "Keys a minute a Redis node may evict before it alarms (Evictions, sum).", between(0, 1_000_000)
    )
    redis_replication_lag_seconds: int = setting(
        30, "How far a Redis replica may fall behind its primary (ReplicationLag, maximum).", between(1, 3600)
    )
