"""Tests for generator/config/: environment files become validated, frozen settings."""

from __future__ import annotations

import dataclasses
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType

import pytest

from generator.config import (
    environment_names,
    load_environment,
    reference_markdown,
    window_intervals,
    windows_overlap,
)
from generator.errors import ConfigError, UsageError
from generator.stack import build_template
from tests.conftest import ROOT

SHIPPED = ROOT / "environments"

TOP_LEVEL_KEYS = "region, removal_policy, tags, network, kinesis, aurora, redis, keys, logs, alerts, deploy, usage"
LOG_RETENTIONS = (
    "1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"
)
METRICS = (
    "IncomingBytes, IncomingRecords, OutgoingBytes, OutgoingRecords, "
    "WriteProvisionedThroughputExceeded, ReadProvisionedThroughputExceeded, "
    "IteratorAgeMilliseconds, ALL"
)
AURORA_WINDOW = "must be a UTC window hh24:mi-hh24:mi"
WEEKLY_WINDOW = "must be a UTC window ddd:hh24:mi-ddd:hh24:mi (ddd = sun..sat)"
RESERVED_TAG = "is set by iotstack or AWS; choose another key"
TAG_LENGTHS = "keys must be 1..128 characters and values at most 256"
NODE_TYPE = (
    "must be a current-generation node type: cache.t3|t4g.micro|small|medium, "
    "or cache.m5|m6g|m7g|r5|r6g|r6gd|r7g|c7gn.large|xlarge|<n>xlarge"
)
NOT_A_NETWORK = "must be an IPv4 network such as 10.0.0.0/16, /16 to /28"
ALERT_KEYS = (
    "enabled, emails, evaluation_minutes, kinesis_iterator_age_seconds, kinesis_write_throttled, "
    "kinesis_read_throttled, aurora_capacity_percent, aurora_cpu_percent, aurora_freeable_memory_percent, "
    "redis_memory_percent, redis_cpu_percent, redis_evictions, redis_replication_lag_seconds"
)
NOT_AN_EMAIL = "each must be an email address such as ops@example.com"
BAD_NAME = (
    "must be 1..20 lowercase letters, digits and single hyphens, starting with a letter (it ends every resource name)"
)


def write_and_load(tmp_path: Path, toml_text: str, name: str = "dev"):
    """Write ``toml_text`` as ``<name>.toml`` in ``tmp_path`` and load that environment."""
    (tmp_path / f"{name}.toml").write_text(toml_text, encoding="utf-8")
    return load_environment(name, tmp_path)


# --- bad input: one problem per case, reported exactly --------------------------------------------

# id: (dev.toml's text, the one problem line it must produce)
NOT_PRIVATE = "must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (a private network)"
BAD_INPUT = {
    # keys
    "key-window-below-kms-minimum": (
        'removal_policy = "destroy"\n[keys]\npending_window_days = 5',
        "dev.toml: keys.pending_window_days = 5: must be 7..30",
    ),
    "short-key-window-where-data-is-kept": (
        "[keys]\npending_window_days = 7",
        'dev.toml: keys.pending_window_days = 7: must be 30 where removal_policy = "snapshot": a key deleted a week '
        "after someone scheduled it takes the kept data with it",
    ),
    # deploy
    "stack-name-with-underscore": (
        '[deploy]\nstack_name = "iot_platform"',
        'dev.toml: deploy.stack_name = "iot_platform": must be a letter, then letters, digits and hyphens '
        "(at most 128)",
    ),
    "bucket-with-capitals": (
        '[deploy]\ntemplate_bucket = "My-Bucket"',
        'dev.toml: deploy.template_bucket = "My-Bucket": must be an S3 bucket name: 3..63 lowercase letters, '
        "digits, dots and hyphens",
    ),
    "timeout-too-short": (
        "[deploy]\ntimeout_minutes = 1",
        "dev.toml: deploy.timeout_minutes = 1: must be 5..720",
    ),
    # the file's shape
    "unknown-top-level-key": (
        'colour = "red"',
        f"dev.toml: colour: unknown key; allowed keys: {TOP_LEVEL_KEYS}",
    ),
    "name-is-derived-not-a-setting": (
        'name = "prod"',
        f"dev.toml: name: unknown key; allowed keys: {TOP_LEVEL_KEYS}",
    ),
    "unknown-key-in-section": (
        "[kinesis]\nshards = 2",
        "dev.toml: kinesis.shards: unknown key; allowed keys: shard_count, retention_hours, shard_level_metrics",
    ),
    "section-as-scalar": (
        "aurora = 5",
        "dev.toml: aurora = 5: must be a table [aurora]",
    ),
    "section-as-list": (
        'network = ["10.0.0.0/16"]',
        'dev.toml: network = ["10.0.0.0/16"]: must be a table [network]',
    ),
    "toml-unclosed-table": (
        "[kinesis",
        "dev.toml: not valid TOML: Expected ']' at the end of a table declaration (at end of document)",
    ),
    "toml-bare-string": (
        "region = sa-east-1",
        "dev.toml: not valid TOML: Invalid value (at line 1, column 10)",
    ),
    "toml-key-given-twice": (
        'region = "sa-east-1"\nregion = "us-east-1"',
        "dev.toml: not valid TOML: Cannot overwrite a value (at end of document)",
    ),
    # types
    "string-for-int": (
        '[kinesis]\nshard_count = "2"',
        'dev.toml: kinesis.shard_count = "2": must be a whole number',
    ),
    "bool-for-int": (
        "[kinesis]\nshard_count = true",
        "dev.toml: kinesis.shard_count = true: must be a whole number",
    ),
    "float-for-int": (
        "[kinesis]\nshard_count = 2.0",
        "dev.toml: kinesis.shard_count = 2.0: must be a whole number",
    ),
    "bool-for-float": (
        "[aurora]\nmin_capacity = true",
        "dev.toml: aurora.min_capacity = true: must be a number",
    ),
    "string-for-float": (
        '[aurora]\nmax_capacity = "2"',
        'dev.toml: aurora.max_capacity = "2": must be a number',
    ),
    "int-for-float-accepted-then-range-checked": (
        "[aurora]\nmax_capacity = 257",
        "dev.toml: aurora.max_capacity = 257: must be 1..256",
    ),
    "string-for-bool": (
        '[aurora]\ndeletion_protection = "yes"',
        'dev.toml: aurora.deletion_protection = "yes": must be true or false',
    ),
    "int-for-bool": (
        "[redis]\nautomatic_failover = 1",
        "dev.toml: redis.automatic_failover = 1: must be true or false",
    ),
    "int-for-string": (
        "region = 1",
        "dev.toml: region = 1: must be a string",
    ),
    "list-of-non-strings": (
        "[kinesis]\nshard_level_metrics = [1, 2]",
        "dev.toml: kinesis.shard_level_metrics = [1, 2]: must be a list of strings",
    ),
    "list-of-mixed-types": (
        '[network]\npublic_subnet_cidrs = ["10.0.1.0/24", 2]',
        'dev.toml: network.public_subnet_cidrs = ["10.0.1.0/24", 2]: must be a list of strings',
    ),
    "string-for-list": (
        '[network]\npublic_subnet_cidrs = "10.0.1.0/24"',
        'dev.toml: network.public_subnet_cidrs = "10.0.1.0/24": must be a list of strings',
    ),
    "tags-with-non-string-value": (
        "[tags]\nTeam = 1",
        "dev.toml: tags = {Team = 1}: must be a table of strings",
    ),
    "tags-as-scalar": (
        'tags = "Team=iot"',
        'dev.toml: tags = "Team=iot": must be a table of strings',
    ),
    # kinesis
    "shard-count-0": (
        "[kinesis]\nshard_count = 0",
        "dev.toml: kinesis.shard_count = 0: must be 1..10000",
    ),
    "shard-count-10001": (
        "[kinesis]\nshard_count = 10001",
        "dev.toml: kinesis.shard_count = 10001: must be 1..10000",
    ),
    "retention-hours-10": (
        "[kinesis]\nretention_hours = 10",
        "dev.toml: kinesis.retention_hours = 10: must be 24..8760",
    ),
    "retention-hours-23": (
        "[kinesis]\nretention_hours = 23",
        "dev.toml: kinesis.retention_hours = 23: must be 24..8760",
    ),
    "retention-hours-8761": (
        "[kinesis]\nretention_hours = 8761",
        "dev.toml: kinesis.retention_hours = 8761: must be 24..8760",
    ),
    "unknown-shard-level-metric": (
        '[kinesis]\nshard_level_metrics = ["IncomingBytes", "Bogus"]',
        'dev.toml: kinesis.shard_level_metrics = ["IncomingBytes", "Bogus"]: '
        f"Bogus not allowed; each must be one of {METRICS}",
    ),
    "repeated-shard-level-metric": (
        '[kinesis]\nshard_level_metrics = ["IncomingBytes", "IncomingBytes"]',
        'dev.toml: kinesis.shard_level_metrics = ["IncomingBytes", "IncomingBytes"]: must not repeat a value',
    ),
    # aurora
    "aurora-engine-version-major-only": (
        '[aurora]\nengine_version = "15"',
        'dev.toml: aurora.engine_version = "15": must be a major.minor version such as 15.10',
    ),
    "min-capacity-below-0": (
        "[aurora]\nmin_capacity = -0.5",
        "dev.toml: aurora.min_capacity = -0.5: must be 0..256",
    ),
    "min-capacity-above-256": (
        "[aurora]\nmin_capacity = 256.5",
        "dev.toml: aurora.min_capacity = 256.5: must be 0..256",
    ),
    "max-capacity-below-1": (
        "[aurora]\nmax_capacity = 0.5",
        "dev.toml: aurora.max_capacity = 0.5: must be 1..256",
    ),
    "max-capacity-above-256": (
        "[aurora]\nmax_capacity = 256.5",
        "dev.toml: aurora.max_capacity = 256.5: must be 1..256",
    ),
    "min-capacity-not-a-multiple-of-half": (
        "[aurora]\nmin_capacity = 0.75",
        "dev.toml: aurora.min_capacity = 0.75: must be a multiple of 0.5",
    ),
    "max-capacity-not-a-multiple-of-half": (
        "[aurora]\nmax_capacity = 2.25",
        "dev.toml: aurora.max_capacity = 2.25: must be a multiple of 0.5",
    ),
    "min-capacity-above-max": (
        "[aurora]\nmin_capacity = 4.0",
        "dev.toml: aurora.min_capacity = 4.0: must not exceed max_capacity 2.0",
    ),
    "min-capacity-above-max-shown-as-written": (
        "[aurora]\nmin_capacity = 4",
        "dev.toml: aurora.min_capacity = 4: must not exceed max_capacity 2.0",
    ),
    "cross-check-waits-for-valid-fields": (
        "[aurora]\nmin_capacity = 4.0\nmax_capacity = 0.5",
        "dev.toml: aurora.max_capacity = 0.5: must be 1..256",
    ),
    "instances-0": (
        "[aurora]\ninstances = 0",
        "dev.toml: aurora.instances = 0: must be 1..16",
    ),
    "instances-17": (
        "[aurora]\ninstances = 17",
        "dev.toml: aurora.instances = 17: must be 1..16",
    ),
    "backup-retention-0": (
        "[aurora]\nbackup_retention_days = 0",
        "dev.toml: aurora.backup_retention_days = 0: must be 1..35",
    ),
    "backup-retention-36": (
        "[aurora]\nbackup_retention_days = 36",
        "dev.toml: aurora.backup_retention_days = 36: must be 1..35",
    ),
    "backup-window-single-digit-hours": (
        '[aurora]\nbackup_window = "3:00-4:00"',
        f'dev.toml: aurora.backup_window = "3:00-4:00": {AURORA_WINDOW}',
    ),
    "backup-window-hour-24": (
        '[aurora]\nbackup_window = "24:00-01:00"',
        f'dev.toml: aurora.backup_window = "24:00-01:00": {AURORA_WINDOW}',
    ),
    "backup-window-weekly": (
        '[aurora]\nbackup_window = "mon:03:00-mon:04:00"',
        f'dev.toml: aurora.backup_window = "mon:03:00-mon:04:00": {AURORA_WINDOW}',
    ),
    "backup-window-29-minutes": (
        '[aurora]\nbackup_window = "03:00-03:29"',
        'dev.toml: aurora.backup_window = "03:00-03:29": must last 30 minutes to 24 hours',
    ),
    "backup-window-empty": (
        '[aurora]\nbackup_window = "03:00-03:00"',
        'dev.toml: aurora.backup_window = "03:00-03:00": must last 30 minutes to 24 hours',
    ),
    "maintenance-window-full-day-names": (
        '[aurora]\nmaintenance_window = "monday:04:00-monday:05:00"',
        f'dev.toml: aurora.maintenance_window = "monday:04:00-monday:05:00": {WEEKLY_WINDOW}',
    ),
    "maintenance-window-daily": (
        '[aurora]\nmaintenance_window = "04:00-05:00"',
        f'dev.toml: aurora.maintenance_window = "04:00-05:00": {WEEKLY_WINDOW}',
    ),
    "maintenance-window-29-minutes": (
        '[aurora]\nmaintenance_window = "mon:04:00-mon:04:29"',
        'dev.toml: aurora.maintenance_window = "mon:04:00-mon:04:29": must last 30 minutes to 24 hours',
    ),
    "maintenance-window-over-24-hours": (
        '[aurora]\nmaintenance_window = "mon:04:00-tue:04:01"',
        'dev.toml: aurora.maintenance_window = "mon:04:00-tue:04:01": must last 30 minutes to 24 hours',
    ),
    "backup-overlaps-maintenance-on-monday-only": (
        '[aurora]\nbackup_window = "04:30-05:30"',
        'dev.toml: aurora.backup_window = "04:30-05:30": must not overlap maintenance_window mon:04:00-mon:05:00',
    ),
    "backup-past-midnight-overlaps-next-days-maintenance": (
        '[aurora]\nbackup_window = "23:30-00:30"\nmaintenance_window = "tue:00:00-tue:01:00"',
        'dev.toml: aurora.backup_window = "23:30-00:30": must not overlap maintenance_window tue:00:00-tue:01:00',
    ),
    "saturdays-backup-past-midnight-overlaps-sunday-maintenance": (
        '[aurora]\nbackup_window = "23:30-00:30"\nmaintenance_window = "sun:00:00-sun:01:00"',
        'dev.toml: aurora.backup_window = "23:30-00:30": must not overlap maintenance_window sun:00:00-sun:01:00',
    ),
    "maintenance-past-saturday-overlaps-sunday-backup": (
        '[aurora]\nbackup_window = "00:00-01:00"\nmaintenance_window = "sat:23:30-sun:00:30"',
        'dev.toml: aurora.backup_window = "00:00-01:00": must not overlap maintenance_window sat:23:30-sun:00:30',
    ),
    # redis
    "one-cache-cluster-with-failover": (
        "[redis]\ncache_clusters = 1",
        "dev.toml: redis.cache_clusters = 1: automatic_failover needs at least 2 (a primary and a replica)",
    ),
    "cache-clusters-7": (
        "[redis]\ncache_clusters = 7",
        "dev.toml: redis.cache_clusters = 7: must be 1..6",
    ),
    "snapshot-retention-36": (
        "[redis]\nsnapshot_retention_days = 36",
        "dev.toml: redis.snapshot_retention_days = 36: must be 0..35",
    ),
    "snapshot-window-59-minutes": (
        '[redis]\nsnapshot_window = "03:00-03:59"',
        'dev.toml: redis.snapshot_window = "03:00-03:59": must last 60 minutes to 24 hours',
    ),
    "redis-maintenance-window-30-minutes": (
        '[redis]\nmaintenance_window = "mon:05:00-mon:05:30"',
        'dev.toml: redis.maintenance_window = "mon:05:00-mon:05:30": must last 60 minutes to 24 hours',
    ),
    "snapshot-overlaps-maintenance": (
        '[redis]\nsnapshot_window = "05:30-06:30"',
        'dev.toml: redis.snapshot_window = "05:30-06:30": must not overlap maintenance_window mon:05:00-mon:06:00',
    ),
    "node-type-without-cache-prefix": (
        '[redis]\nnode_type = "t3.micro"',
        f'dev.toml: redis.node_type = "t3.micro": {NODE_TYPE}',
    ),
    "node-type-without-size": (
        '[redis]\nnode_type = "cache.t3"',
        f'dev.toml: redis.node_type = "cache.t3": {NODE_TYPE}',
    ),
    "redis-engine-version-major-only": (
        '[redis]\nengine_version = "7"',
        'dev.toml: redis.engine_version = "7": must be one of 6.0, 6.2, 7.0, 7.1',
    ),
    # logs, removal policy, region
    "log-retention-8": (
        "[logs]\nretention_days = 8",
        f"dev.toml: logs.retention_days = 8: must be one of {LOG_RETENTIONS}",
    ),
    "log-retention-0": (
        "[logs]\nretention_days = 0",
        f"dev.toml: logs.retention_days = 0: must be one of {LOG_RETENTIONS}",
    ),
    "removal-policy-delete": (
        'removal_policy = "delete"',
        'dev.toml: removal_policy = "delete": must be one of destroy, snapshot',
    ),
    "removal-policy-retain-is-not-offered": (
        'removal_policy = "retain"',
        'dev.toml: removal_policy = "retain": must be one of destroy, snapshot',
    ),
    "redis-engine-version-out-of-support": (
        '[redis]\nengine_version = "5.0"',
        'dev.toml: redis.engine_version = "5.0": must be one of 6.0, 6.2, 7.0, 7.1',
    ),
    "node-type-that-does-not-exist": (
        '[redis]\nnode_type = "cache.t3.nano"',
        f'dev.toml: redis.node_type = "cache.t3.nano": {NODE_TYPE}',
    ),
    "node-type-previous-generation": (
        '[redis]\nnode_type = "cache.t2.micro"',
        f'dev.toml: redis.node_type = "cache.t2.micro": {NODE_TYPE}',
    ),
    "removal-policy-capitalised": (
        'removal_policy = "Snapshot"',
        'dev.toml: removal_policy = "Snapshot": must be one of destroy, snapshot',
    ),
    "account-not-twelve-digits": (
        '[deploy]\naccount = "12345"',
        'dev.toml: deploy.account = "12345": must be twelve digits, such as 123456789012',
    ),
    "account-as-a-number": (
        "[deploy]\naccount = 123456789012",
        "dev.toml: deploy.account = 123456789012: must be a string",
    ),
    "profile-with-a-space": (
        '[deploy]\nprofile = "prod deploy"',
        'dev.toml: deploy.profile = "prod deploy": must be a profile name of your AWS config file (letters, digits, '
        "._+=,@/-)",
    ),
    "notification-arn-not-sns": (
        '[deploy]\nnotification_arns = ["arn:aws:sqs:sa-east-1:123456789012:q"]',
        'dev.toml: deploy.notification_arns = ["arn:aws:sqs:sa-east-1:123456789012:q"]: '
        "arn:aws:sqs:sa-east-1:123456789012:q: each must be an SNS topic ARN",
    ),
    "six-notification-arns": (
        "[deploy]\nnotification_arns = ["
        + ", ".join(f'"arn:aws:sns:sa-east-1:123456789012:t{i}"' for i in range(6))
        + "]",
        "dev.toml: deploy.notification_arns = ["
        + ", ".join(f'"arn:aws:sns:sa-east-1:123456789012:t{i}"' for i in range(6))
        + "]: must list at most 5",
    ),
    "region-with-underscores": (
        'region = "sa_east_1"',
        'dev.toml: region = "sa_east_1": must be an AWS region such as sa-east-1 (did you mean sa-east-1?); '
        "generator/config/regions.py lists all 46",
    ),
    "region-typo-that-looks-like-a-region": (
        'region = "sa-east-2"',
        'dev.toml: region = "sa-east-2": must be an AWS region such as sa-east-1 (did you mean sa-east-1?); '
        "generator/config/regions.py lists all 46",
    ),
    "region-nothing-like-one": (
        'region = "mars"',
        'dev.toml: region = "mars": must be an AWS region such as sa-east-1; generator/config/regions.py lists all 46',
    ),
    # network
    "vpc-cidr-host-bits-set": (
        '[network]\nvpc_cidr = "10.0.0.1/16"',
        f'dev.toml: network.vpc_cidr = "10.0.0.1/16": {NOT_A_NETWORK}',
    ),
    "vpc-cidr-not-an-address": (
        '[network]\nvpc_cidr = "not-a-cidr"',
        f'dev.toml: network.vpc_cidr = "not-a-cidr": {NOT_A_NETWORK}',
    ),
    "vpc-cidr-prefix-8": (
        '[network]\nvpc_cidr = "10.0.0.0/8"',
        'dev.toml: network.vpc_cidr = "10.0.0.0/8": must have a prefix length of /16 to /28',
    ),
    "vpc-cidr-prefix-29": (
        '[network]\nvpc_cidr = "10.0.0.0/29"',
        'dev.toml: network.vpc_cidr = "10.0.0.0/29": must have a prefix length of /16 to /28',
    ),
    "subnet-host-bits-set": (
        '[network]\npublic_subnet_cidrs = ["10.0.1.0/24", "10.0.2.1/24"]',
        f'dev.toml: network.public_subnet_cidrs = ["10.0.1.0/24", "10.0.2.1/24"]: 10.0.2.1/24: {NOT_A_NETWORK}',
    ),
    "subnet-prefix-29": (
        '[network]\npublic_subnet_cidrs = ["10.0.1.0/24", "10.0.2.0/29"]',
        'dev.toml: network.public_subnet_cidrs = ["10.0.1.0/24", "10.0.2.0/29"]: '
        "10.0.2.0/29: must have a prefix length of /16 to /28",
    ),
    "subnet-outside-vpc": (
        '[network]\npublic_subnet_cidrs = ["10.1.1.0/24", "10.0.2.0/24"]',
        'dev.toml: network.public_subnet_cidrs = ["10.1.1.0/24", "10.0.2.0/24"]: '
        "10.1.1.0/24 must lie inside vpc_cidr 10.0.0.0/16",
    ),
    "public-subnets-overlap": (
        '[network]\npublic_subnet_cidrs = ["10.0.1.0/24", "10.0.1.128/25"]',
        'dev.toml: network.public_subnet_cidrs = ["10.0.1.0/24", "10.0.1.128/25"]: '
        "10.0.1.128/25 overlaps 10.0.1.0/24 of public_subnet_cidrs",
    ),
    "private-subnet-overlaps-public": (
        '[network]\nprivate_subnet_cidrs = ["10.0.2.0/24", "10.0.12.0/24"]',
        'dev.toml: network.private_subnet_cidrs = ["10.0.2.0/24", "10.0.12.0/24"]: '
        "10.0.2.0/24 overlaps 10.0.2.0/24 of public_subnet_cidrs",
    ),
    "one-public-subnet": (
        '[network]\npublic_subnet_cidrs = ["10.0.1.0/24"]',
        'dev.toml: network.public_subnet_cidrs = ["10.0.1.0/24"]: '
        "must list exactly 2 values (one per availability zone)",
    ),
    "three-private-subnets": (
        '[network]\nprivate_subnet_cidrs = ["10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24"]',
        'dev.toml: network.private_subnet_cidrs = ["10.0.11.0/24", "10.0.12.0/24", '
        '"10.0.13.0/24"]: must list exactly 2 values (one per availability zone)',
    ),
    # network.consumer_cidrs (issue 5): private networks only, never the world
    "consumer-cidr-world": (
        '[network]\nconsumer_cidrs = ["0.0.0.0/0"]',
        f'dev.toml: network.consumer_cidrs = ["0.0.0.0/0"]: 0.0.0.0/0: {NOT_PRIVATE}',
    ),
    "consumer-cidr-public": (
        '[network]\nconsumer_cidrs = ["10.1.0.0/16", "8.8.8.0/24"]',
        f'dev.toml: network.consumer_cidrs = ["10.1.0.0/16", "8.8.8.0/24"]: 8.8.8.0/24: {NOT_PRIVATE}',
    ),
    "consumer-cidr-host-bits-set": (
        '[network]\nconsumer_cidrs = ["10.1.0.1/16"]',
        'dev.toml: network.consumer_cidrs = ["10.1.0.1/16"]: 10.1.0.1/16: must be an IPv4 network such as 10.20.0.0/16',
    ),
    "consumer-cidr-repeated": (
        '[network]\nconsumer_cidrs = ["10.1.0.0/16", "10.1.0.0/16"]',
        'dev.toml: network.consumer_cidrs = ["10.1.0.0/16", "10.1.0.0/16"]: must not repeat a value',
    ),
    "rotation-days-0": (
        "[aurora]\npassword_rotation_days = 0",
        "dev.toml: aurora.password_rotation_days = 0: must be 1..1000",
    ),
    "rotation-days-1001": (
        "[aurora]\npassword_rotation_days = 1001",
        "dev.toml: aurora.password_rotation_days = 1001: must be 1..1000",
    ),
    "rotation-not-a-bool": (
        '[aurora]\npassword_rotation = "yes"',
        'dev.toml: aurora.password_rotation = "yes": must be true or false',
    ),
    # alerts: every threshold has a range, every address is checked
    "alerts-unknown-key": (
        "[alerts]\ncpu_percent = 90",
        f"dev.toml: alerts.cpu_percent: unknown key; allowed keys: {ALERT_KEYS}",
    ),
    "alerts-enabled-as-string": (
        '[alerts]\nenabled = "no"',
        'dev.toml: alerts.enabled = "no": must be true or false',
    ),
    "alert-email-without-domain": (
        '[alerts]\nemails = ["ops@"]',
        f'dev.toml: alerts.emails = ["ops@"]: ops@: {NOT_AN_EMAIL}',
    ),
    "alert-email-without-top-level-domain": (
        '[alerts]\nemails = ["ops@example.com", "oncall@localhost"]',
        f'dev.toml: alerts.emails = ["ops@example.com", "oncall@localhost"]: oncall@localhost: {NOT_AN_EMAIL}',
    ),
    "alert-email-with-a-space": (
        '[alerts]\nemails = ["ops team@example.com"]',
        f'dev.toml: alerts.emails = ["ops team@example.com"]: ops team@example.com: {NOT_AN_EMAIL}',
    ),
    "alert-email-as-a-string": (
        '[alerts]\nemails = "ops@example.com"',
        'dev.toml: alerts.emails = "ops@example.com": must be a list of strings',
    ),
    "alert-emails-differ-only-in-case-and-punctuation": (
        '[alerts]\nemails = ["ops.team@example.com", "OpsTeam@example.com"]',
        'dev.toml: alerts.emails = ["ops.team@example.com", "OpsTeam@example.com"]: ops.team@example.com and '
        "OpsTeam@example.com: must differ in more than case and punctuation",
    ),
    "alert-email-listed-twice": (
        '[alerts]\nemails = ["ops@example.com", "ops@example.com"]',
        'dev.toml: alerts.emails = ["ops@example.com", "ops@example.com"]: ops@example.com is listed twice',
    ),
    "alerts-off-where-the-data-stays": (
        "[alerts]\nenabled = false",
        'dev.toml: alerts.enabled = false: may be false only where removal_policy = "destroy" (a throwaway '
        "environment such as dev): an environment that keeps its data is watched",
    ),
    "eleven-alert-emails": (
        "[alerts]\nemails = [" + ", ".join(f'"ops{i}@example.com"' for i in range(11)) + "]",
        "dev.toml: alerts.emails = ["
        + ", ".join(f'"ops{i}@example.com"' for i in range(11))
        + "]: must list at most 10",
    ),
    "evaluation-minutes-0": (
        "[alerts]\nevaluation_minutes = 0",
        "dev.toml: alerts.evaluation_minutes = 0: must be 1..60",
    ),
    "evaluation-minutes-61": (
        "[alerts]\nevaluation_minutes = 61",
        "dev.toml: alerts.evaluation_minutes = 61: must be 1..60",
    ),
    "iterator-age-59-seconds": (
        "[alerts]\nkinesis_iterator_age_seconds = 59",
        "dev.toml: alerts.kinesis_iterator_age_seconds = 59: must be 60..86400",
    ),
    "iterator-age-as-long-as-the-retention": (
        "[alerts]\nkinesis_iterator_age_seconds = 86400",
        "dev.toml: alerts.kinesis_iterator_age_seconds = 86400: must be below kinesis.retention_hours "
        "(24 h = 86400 s): a consumer that far behind has lost records",
    ),
    "write-throttled-negative": (
        "[alerts]\nkinesis_write_throttled = -1",
        "dev.toml: alerts.kinesis_write_throttled = -1: must be 0..1000000",
    ),
    "read-throttled-as-float": (
        "[alerts]\nkinesis_read_throttled = 0.5",
        "dev.toml: alerts.kinesis_read_throttled = 0.5: must be a whole number",
    ),
    "aurora-capacity-100-percent": (
        "[alerts]\naurora_capacity_percent = 100",
        "dev.toml: alerts.aurora_capacity_percent = 100: must be 1..99",
    ),
    "aurora-cpu-0-percent": (
        "[alerts]\naurora_cpu_percent = 0",
        "dev.toml: alerts.aurora_cpu_percent = 0: must be 1..99",
    ),
    "aurora-freeable-memory-51-percent": (
        "[alerts]\naurora_freeable_memory_percent = 51",
        "dev.toml: alerts.aurora_freeable_memory_percent = 51: must be 1..50",
    ),
    "redis-memory-percent-as-string": (
        '[alerts]\nredis_memory_percent = "80%"',
        'dev.toml: alerts.redis_memory_percent = "80%": must be a whole number',
    ),
    "redis-cpu-100-percent": (
        "[alerts]\nredis_cpu_percent = 100",
        "dev.toml: alerts.redis_cpu_percent = 100: must be 1..99",
    ),
    "redis-evictions-negative": (
        "[alerts]\nredis_evictions = -5",
        "dev.toml: alerts.redis_evictions = -5: must be 0..1000000",
    ),
    "replication-lag-0-seconds": (
        "[alerts]\nredis_replication_lag_seconds = 0",
        "dev.toml: alerts.redis_replication_lag_seconds = 0: must be 1..3600",
    ),
    # tags
    "tag-environment-reserved": (
        '[tags]\nEnvironment = "x"',
        f"dev.toml: tags = {{Environment = \"x\"}}: tag 'Environment' {RESERVED_TAG}",
    ),
    "tag-name-reserved": (
        '[tags]\nName = "x"',
        f"dev.toml: tags = {{Name = \"x\"}}: tag 'Name' {RESERVED_TAG}",
    ),
    "tag-managed-by-reserved": (
        '[tags]\nManagedBy = "x"',
        f"dev.toml: tags = {{ManagedBy = \"x\"}}: tag 'ManagedBy' {RESERVED_TAG}",
    ),
    "tag-aws-prefix-reserved": (
        '[tags]\n"aws:foo" = "x"',
        f'dev.toml: tags = {{"aws:foo" = "x"}}: tag \'aws:foo\' {RESERVED_TAG}',
    ),
    "tag-aws-prefix-any-case": (
        '[tags]\n"AWS:Foo" = "x"',
        f'dev.toml: tags = {{"AWS:Foo" = "x"}}: tag \'AWS:Foo\' {RESERVED_TAG}',
    ),
    "tag-key-empty": (
        '[tags]\n"" = "x"',
        f'dev.toml: tags = {{"" = "x"}}: tag \'\': {TAG_LENGTHS}',
    ),
    "tag-key-129-characters": (
        f'[tags]\n{"k" * 129} = "x"',
        f"dev.toml: tags = {{{'k' * 129} = \"x\"}}: tag '{'k' * 129}': {TAG_LENGTHS}",
    ),
    "tag-value-257-characters": (
        f'[tags]\nTeam = "{"v" * 257}"',
        f"dev.toml: tags = {{Team = \"{'v' * 257}\"}}: tag 'Team': {TAG_LENGTHS}",
    ),
}


@pytest.mark.parametrize("toml_text, expected_message", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_is_reported(tmp_path, toml_text, expected_message):
    with pytest.raises(ConfigError) as exc_info:
        write_and_load(tmp_path, toml_text)
    assert exc_info.value.problems == [expected_message]


def test_every_problem_in_a_file_is_reported_at_once(tmp_path):
    toml_text = (
        'colour = "red"\n'
        'region = "sa_east_1"\n'
        "size = 3\n"
        '[tags]\nName = "x"\n'
        "[kinesis]\nretention_hours = 10\n"
        "[aurora]\nmin_capacity = 4.0\n"
        '[redis]\nnode_type = "t3.micro"\n'
        "[logs]\nretention_days = 8\n"
    )
    with pytest.raises(ConfigError) as exc_info:
        write_and_load(tmp_path, toml_text)
    # unknown keys first, in file order; then each setting in the order the reference lists it
    assert exc_info.value.problems == [
        f"dev.toml: colour: unknown key; allowed keys: {TOP_LEVEL_KEYS}",
        f"dev.toml: size: unknown key; allowed keys: {TOP_LEVEL_KEYS}",
        'dev.toml: region = "sa_east_1": must be an AWS region such as sa-east-1 (did you mean sa-east-1?); '
        "generator/config/regions.py lists all 46",
        f"dev.toml: tags = {{Name = \"x\"}}: tag 'Name' {RESERVED_TAG}",
        "dev.toml: kinesis.retention_hours = 10: must be 24..8760",
        "dev.toml: aurora.min_capacity = 4.0: must not exceed max_capacity 2.0",
        f'dev.toml: redis.node_type = "t3.micro": {NODE_TYPE}',
        f"dev.toml: logs.retention_days = 8: must be one of {LOG_RETENTIONS}",
    ]
    assert str(exc_info.value).startswith("invalid configuration (8 problems):\n")


def test_unknown_keys_are_reported_in_file_order(tmp_path):
    keys = ["zeta", "alpha", "mu", "beta", "omega", "kappa"]  # 720 orders: a set's is rarely this
    with pytest.raises(ConfigError) as exc_info:
        write_and_load(tmp_path, "[kinesis]\n" + "".join(f"{key} = 1\n" for key in keys))
    assert [problem.split(":")[1].strip() for problem in exc_info.value.problems] == [f"kinesis.{key}" for key in keys]


def test_a_file_not_in_utf8_is_a_config_error(tmp_path):
    (tmp_path / "dev.toml").write_bytes("# São Paulo\n".encode("latin-1"))
    with pytest.raises(ConfigError) as exc_info:
        load_environment("dev", tmp_path)
    assert exc_info.value.problems == [
        "dev.toml: not valid TOML: 'utf-8' codec can't decode byte 0xe3 in position 3: invalid continuation byte"
    ]


BAD_NAMES = {
    "uppercase-and-underscore": "Dev_1",
    "starts-with-digit": "1dev",
    "double-hyphen": "dev--eu",
    "trailing-hyphen": "dev-",
    "21-characters": "a" * 21,
}


@pytest.mark.parametrize("name", list(BAD_NAMES.values()), ids=list(BAD_NAMES))
def test_environment_name_must_fit_resource_names(tmp_path, name):
    with pytest.raises(ConfigError) as exc_info:
        write_and_load(tmp_path, "", name=name)
    assert exc_info.value.problems == [f"{name}.toml: environment name {name!r}: {BAD_NAME}"]


@pytest.mark.parametrize("name", ["qa", "dev-eu-2", "a" * 20], ids=["short", "hyphens", "20-characters"])
def test_environment_name_accepted(tmp_path, name):
    assert write_and_load(tmp_path, "", name=name).name == name


# --- good input ---------------------------------------------------------------------------------

# The architecture document's values: an empty file and dev.toml both carry them.
DOCUMENT_VALUES = {
    "region": "sa-east-1",
    "network.vpc_cidr": "10.0.0.0/16",
    "network.public_subnet_cidrs": ("10.0.1.0/24", "10.0.2.0/24"),
    "network.private_subnet_cidrs": ("10.0.11.0/24", "10.0.12.0/24"),
    "kinesis.shard_count": 2,
    "kinesis.retention_hours": 24,
    "aurora.engine_version": "15.10",
    "aurora.min_capacity": 0.5,
    "aurora.max_capacity": 2.0,
    "aurora.backup_retention_days": 30,
    "aurora.backup_window": "03:00-04:00",
    "aurora.maintenance_window": "mon:04:00-mon:05:00",
    "redis.engine_version": "7.0",
    "redis.node_type": "cache.t3.micro",
    "redis.cache_clusters": 2,
    "redis.snapshot_retention_days": 5,
    "redis.snapshot_window": "03:00-04:00",
    "redis.maintenance_window": "mon:05:00-mon:06:00",
    "logs.retention_days": 7,
}
# Where safety is concerned the defaults are the safe choice, not the document's.
SAFE_DEFAULTS = {
    "removal_policy": "snapshot",
    "aurora.deletion_protection": True,
    "deploy.termination_protection": True,
    "deploy.stack_policy": True,
    "aurora.password_rotation": True,
    "keys.pending_window_days": 30,  # the document's 7 where the environment keeps no data (dev says so)
}
OTHER_DEFAULTS = {
    "tags": MappingProxyType({}),  # read-only: settings are frozen all the way down
    "kinesis.shard_level_metrics": (
        "IncomingBytes",
        "IncomingRecords",
        "OutgoingBytes",
        "OutgoingRecords",
    ),
    "aurora.instances": 1,
    "redis.automatic_failover": True,
    "deploy.stack_name": "",
    "deploy.template_bucket": "",
    "deploy.timeout_minutes": 90,
    "deploy.account": "",
    "deploy.profile": "",
    "deploy.notification_arns": (),
    "network.consumer_cidrs": (),
    "aurora.password_rotation_days": 30,
    "alerts.enabled": True,
    "alerts.emails": (),
    "alerts.evaluation_minutes": 5,
    "alerts.kinesis_iterator_age_seconds": 300,
    "alerts.kinesis_write_throttled": 0,
    "alerts.kinesis_read_throttled": 0,
    "alerts.aurora_capacity_percent": 90,
    "alerts.aurora_cpu_percent": 90,
    "alerts.aurora_freeable_memory_percent": 10,
    "alerts.redis_memory_percent": 80,
    "alerts.redis_cpu_percent": 90,
    "alerts.redis_evictions": 0,
    "alerts.redis_replication_lag_seconds": 30,
}
# The cost estimate's assumptions (docs/cost.md): what the stack carries a month, not in the template.
USAGE_DEFAULTS = {
    "usage.kinesis_records_per_second": 100.0,
    "usage.kinesis_record_kb": 1.0,
    "usage.aurora_capacity_percent": 25.0,
    "usage.aurora_storage_gb": 20.0,
    "usage.aurora_io_millions": 10.0,
    "usage.aurora_backup_gb": 0.0,
    "usage.kms_requests": 100_000.0,
    "usage.secret_requests": 10_000.0,
    "usage.endpoint_gb": 1.0,
    "usage.log_gb_per_group": 1.0,
    "usage.flow_log_gb": 5.0,
}
DEFAULTS = {**DOCUMENT_VALUES, **SAFE_DEFAULTS, **OTHER_DEFAULTS, **USAGE_DEFAULTS}


@pytest.mark.parametrize("path, expected", list(DEFAULTS.items()), ids=list(DEFAULTS))
def test_empty_file_gives_the_defaults(tmp_path, path, expected):
    value = attrgetter(path)(write_and_load(tmp_path, ""))
    assert value == expected
    assert type(value) is type(expected)


def test_the_defaults_table_covers_every_setting():
    rows = reference_markdown().splitlines()
    assert rows[:2] == ["| key | default | allowed | meaning |", "| --- | --- | --- | --- |"]
    assert sorted(row.split("`")[1] for row in rows[2:]) == sorted(DEFAULTS)


# id: (dev.toml's text, setting, the value it loads as)
ACCEPTED = {
    "consumer-cidrs-private": (
        '[network]\nconsumer_cidrs = ["192.168.10.0/24", "172.16.0.0/12"]',
        "network.consumer_cidrs",
        ("192.168.10.0/24", "172.16.0.0/12"),
    ),
    "int-for-float-becomes-float": ("[aurora]\nmin_capacity = 1", "aurora.min_capacity", 1.0),
    "int-max-capacity-becomes-float": (
        "[aurora]\nmax_capacity = 16",
        "aurora.max_capacity",
        16.0,
    ),
    "list-becomes-tuple": (
        '[kinesis]\nshard_level_metrics = ["ALL"]',
        "kinesis.shard_level_metrics",
        ("ALL",),
    ),
    "empty-list-becomes-empty-tuple": (
        "[kinesis]\nshard_level_metrics = []",
        "kinesis.shard_level_metrics",
        (),
    ),
    "shard-count-1": ("[kinesis]\nshard_count = 1", "kinesis.shard_count", 1),
    "shard-count-10000": ("[kinesis]\nshard_count = 10000", "kinesis.shard_count", 10000),
    "retention-hours-8760": (
        "[kinesis]\nretention_hours = 8760",
        "kinesis.retention_hours",
        8760,
    ),
    "min-capacity-0": ("[aurora]\nmin_capacity = 0", "aurora.min_capacity", 0.0),
    "max-capacity-256": ("[aurora]\nmax_capacity = 256.0", "aurora.max_capacity", 256.0),
    "min-capacity-equals-max": (
        "[aurora]\nmin_capacity = 2.0\nmax_capacity = 2.0",
        "aurora.min_capacity",
        2.0,
    ),
    "instances-16": ("[aurora]\ninstances = 16", "aurora.instances", 16),
    "backup-retention-1": (
        "[aurora]\nbackup_retention_days = 1",
        "aurora.backup_retention_days",
        1,
    ),
    "backup-retention-35": (
        "[aurora]\nbackup_retention_days = 35",
        "aurora.backup_retention_days",
        35,
    ),
    "backup-window-30-minutes": (
        '[aurora]\nbackup_window = "03:00-03:30"',
        "aurora.backup_window",
        "03:00-03:30",
    ),
    "backup-window-past-midnight": (
        '[aurora]\nbackup_window = "23:30-00:30"',
        "aurora.backup_window",
        "23:30-00:30",
    ),
    "backup-starts-when-maintenance-ends": (
        '[aurora]\nbackup_window = "05:00-06:00"',
        "aurora.backup_window",
        "05:00-06:00",
    ),
    "maintenance-past-saturday": (
        '[aurora]\nmaintenance_window = "sat:23:30-sun:00:30"',
        "aurora.maintenance_window",
        "sat:23:30-sun:00:30",
    ),
    "protection-turned-off-by-saying-so": (
        "[aurora]\ndeletion_protection = false",
        "aurora.deletion_protection",
        False,
    ),
    "one-cache-cluster-without-failover": (
        "[redis]\ncache_clusters = 1\nautomatic_failover = false",
        "redis.cache_clusters",
        1,
    ),
    "cache-clusters-6": ("[redis]\ncache_clusters = 6", "redis.cache_clusters", 6),
    "snapshots-off": (
        "[redis]\nsnapshot_retention_days = 0",
        "redis.snapshot_retention_days",
        0,
    ),
    "redis-maintenance-60-minutes-past-sunday": (
        '[redis]\nmaintenance_window = "sun:23:30-mon:00:30"',
        "redis.maintenance_window",
        "sun:23:30-mon:00:30",
    ),
    "node-type-large": (
        '[redis]\nnode_type = "cache.r6gd.12xlarge"',
        "redis.node_type",
        "cache.r6gd.12xlarge",
    ),
    "log-retention-1": ("[logs]\nretention_days = 1", "logs.retention_days", 1),
    "log-retention-3653": ("[logs]\nretention_days = 3653", "logs.retention_days", 3653),
    "removal-policy-destroy": ('removal_policy = "destroy"', "removal_policy", "destroy"),
    "region-govcloud": ('region = "us-gov-west-1"', "region", "us-gov-west-1"),
    "small-vpc-with-four-subnets": (
        "[network]\n"
        'vpc_cidr = "10.9.0.0/24"\n'
        'public_subnet_cidrs = ["10.9.0.0/26", "10.9.0.64/26"]\n'
        'private_subnet_cidrs = ["10.9.0.128/26", "10.9.0.192/26"]',
        "network.private_subnet_cidrs",
        ("10.9.0.128/26", "10.9.0.192/26"),
    ),
    "alerts-off-in-a-throwaway-env": ('removal_policy = "destroy"\n[alerts]\nenabled = false', "alerts.enabled", False),
    "alert-emails": (
        '[alerts]\nemails = ["iot-oncall@example.com", "first.last+iot@plant-7.example.co.uk"]',
        "alerts.emails",
        ("iot-oncall@example.com", "first.last+iot@plant-7.example.co.uk"),
    ),
    "iterator-age-below-a-longer-retention": (
        "[kinesis]\nretention_hours = 168\n[alerts]\nkinesis_iterator_age_seconds = 86400",
        "alerts.kinesis_iterator_age_seconds",
        86400,
    ),
    "iterator-age-not-checked-with-alerting-off": (
        'removal_policy = "destroy"\n[alerts]\nenabled = false\nkinesis_iterator_age_seconds = 86400',
        "alerts.kinesis_iterator_age_seconds",
        86400,
    ),
    "thresholds-at-their-limits": (
        "[alerts]\nevaluation_minutes = 60\naurora_capacity_percent = 99\naurora_freeable_memory_percent = 50\n"
        "redis_evictions = 1000000\nredis_replication_lag_seconds = 3600",
        "alerts.redis_replication_lag_seconds",
        3600,
    ),
    "tags-longest-key-and-value": (
        f'[tags]\n{"k" * 128} = "{"v" * 256}"',
        "tags",
        MappingProxyType({"k" * 128: "v" * 256}),
    ),
}


@pytest.mark.parametrize("toml_text", [case[0] for case in ACCEPTED.values()], ids=list(ACCEPTED))
def test_whatever_is_accepted_also_builds(tmp_path, toml_text):
    """The loader's ranges and the builder's (troposphere's validators) must agree."""
    assert build_template(write_and_load(tmp_path, toml_text)).resources


@pytest.mark.parametrize("toml_text, path, expected", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_good_input_is_accepted(tmp_path, toml_text, path, expected):
    value = attrgetter(path)(write_and_load(tmp_path, toml_text))
    assert value == expected
    assert type(value) is type(expected)


def test_tags_come_back_sorted_by_key(tmp_path):
    env = write_and_load(tmp_path, '[tags]\nTeam = "iot"\nCostCenter = "42"')
    assert list(env.tags.items()) == [("CostCenter", "42"), ("Team", "iot")]


@pytest.mark.parametrize(
    "path",
    [
        "region",
        "network.vpc_cidr",
        "kinesis.shard_count",
        "aurora.deletion_protection",
        "redis.cache_clusters",
        "logs.retention_days",
    ],
)
def test_settings_are_frozen(tmp_path, path):
    owner_path, _, name = path.rpartition(".")
    env = write_and_load(tmp_path, "")
    owner = attrgetter(owner_path)(env) if owner_path else env
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(owner, name, None)


# --- the shipped environments -------------------------------------------------------------------


def test_shipped_environment_names():
    assert environment_names(SHIPPED) == ["dev", "prod", "staging"]


@pytest.mark.parametrize("name", ["dev", "prod", "staging"])
def test_shipped_environment_loads(name):
    assert load_environment(name, SHIPPED).name == name


DEV_VALUES = {**DOCUMENT_VALUES, "removal_policy": "destroy", "aurora.deletion_protection": False}


@pytest.mark.parametrize("path, expected", list(DEV_VALUES.items()), ids=list(DEV_VALUES))
def test_dev_carries_the_documents_values(path, expected):
    assert attrgetter(path)(load_environment("dev", SHIPPED)) == expected


@pytest.mark.parametrize("name", ["staging", "prod"])
def test_prod_like_environments_fail_over_and_are_protected(name):
    env = load_environment(name, SHIPPED)
    assert env.aurora.instances >= 2
    assert env.aurora.deletion_protection is True
    assert env.removal_policy == "snapshot"


@pytest.mark.parametrize("name, enabled", [("dev", False), ("staging", True), ("prod", True)])
def test_staging_and_prod_keep_alerting_on_and_dev_turns_it_off_by_saying_so(name, enabled):
    assert load_environment(name, SHIPPED).alerts.enabled is enabled
    assert ("[alerts]" in (SHIPPED / f"{name}.toml").read_text()) is True  # written out, not left to the default


ALERT_ROWS = [
    "alert-email-without-domain",
    "alert-emails-differ-only-in-case-and-punctuation",
    "alert-email-listed-twice",
    "alerts-off-where-the-data-stays",
    "iterator-age-as-long-as-the-retention",
    "aurora-capacity-100-percent",
    "redis-evictions-negative",
]


@pytest.mark.parametrize("row", ALERT_ROWS)
def test_a_bad_alert_setting_is_one_line_and_exit_2_through_the_cli(env_dir, tmp_path, row):
    from tests.conftest import run

    toml_text, expected = BAD_INPUT[row]
    (env_dir / "dev.toml").write_text(toml_text)
    out = tmp_path / "out"
    result = run("template", "--no-lint", "--out", str(out))
    assert result.exit_code == 2
    assert result.output == f"Error: invalid configuration (1 problem):\n  {expected}\n"
    assert not out.exists()  # nothing written


# --- unknown environments -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "files, known",
    [(["prod.toml", "dev.toml"], "dev, prod"), ([], "none")],
    ids=["two-files", "empty-folder"],
)
def test_unknown_environment_is_a_usage_error_listing_the_known_ones(tmp_path, files, known):
    for file in files:
        (tmp_path / file).write_text("")
    with pytest.raises(UsageError) as exc_info:
        load_environment("qa", tmp_path)
    assert type(exc_info.value) is UsageError
    assert str(exc_info.value) == (f"unknown environment 'qa': no {tmp_path / 'qa.toml'}; known environments: {known}")


def test_unknown_shipped_environment_lists_the_shipped_ones():
    with pytest.raises(UsageError) as exc_info:
        load_environment("qa", SHIPPED)
    assert str(exc_info.value).endswith("; known environments: dev, prod, staging")


# --- maintenance windows ------------------------------------------------------------------------

DAY = 24 * 60
WEEK = 7 * DAY

# id: (window, its [start, end) minutes of the week, Sunday 00:00 UTC being 0)
WINDOW_INTERVALS = {
    "daily": ("03:00-04:00", [(d * DAY + 180, d * DAY + 240) for d in range(7)]),
    "daily-past-midnight": (
        "23:30-00:30",
        [(d * DAY + 1410, d * DAY + 1470) for d in range(6)] + [(WEEK - 30, WEEK), (0, 30)],
    ),
    "weekly": ("mon:04:00-mon:05:00", [(DAY + 240, DAY + 300)]),
    "weekly-over-two-days": ("fri:22:00-sat:02:00", [(5 * DAY + 1320, 6 * DAY + 120)]),
    "weekly-past-saturday": ("sat:23:30-sun:00:30", [(WEEK - 30, WEEK), (0, 30)]),
    "weekly-ending-at-week-end": ("sat:23:00-sun:00:00", [(WEEK - 60, WEEK)]),
    "weekly-at-week-start": ("sun:00:00-sun:00:30", [(0, 30)]),
}


@pytest.mark.parametrize("window, intervals", list(WINDOW_INTERVALS.values()), ids=list(WINDOW_INTERVALS))
def test_window_intervals(window, intervals):
    assert window_intervals(window) == intervals


@pytest.mark.parametrize(
    "window",
    ["3:00-4:00", "24:00-01:00", "03:60-04:00", "mon:04:00-05:00", "Mon:04:00-Mon:05:00", ""],
)
def test_window_intervals_refuses_a_malformed_window(window):
    with pytest.raises(ValueError):
        window_intervals(window)


# id: (window, window, whether they share a minute)
WINDOWS_OVERLAP = {
    "same-window": ("03:00-04:00", "03:00-04:00", True),
    "daily-windows-sharing-a-minute": ("03:00-04:00", "03:59-05:00", True),
    "daily-windows-back-to-back": ("03:00-04:00", "04:00-05:00", False),
    "daily-ends-when-weekly-starts": ("03:00-04:00", "mon:04:00-mon:05:00", False),
    "daily-overlaps-weekly-on-its-day-only": ("04:30-05:30", "mon:04:00-mon:05:00", True),
    "daily-misses-weekly-every-day": ("01:00-02:00", "wed:03:00-wed:05:00", False),
    "daily-past-midnight-into-next-day": ("23:30-00:30", "tue:00:00-tue:01:00", True),
    "saturdays-daily-past-midnight-into-sunday": ("23:30-00:30", "sun:00:00-sun:00:15", True),
    "weekly-past-saturday-into-sunday": ("sat:23:30-sun:00:30", "00:00-00:10", True),
    "weekly-past-saturday-ends-when-daily-starts": ("sat:23:30-sun:00:30", "00:30-01:30", False),
    "weekly-different-days": ("mon:04:00-mon:05:00", "tue:04:00-tue:05:00", False),
    "weekly-both-past-saturday": ("sat:23:00-sun:01:00", "sun:00:59-sun:02:00", True),
}


@pytest.mark.parametrize("a, b, expected", list(WINDOWS_OVERLAP.values()), ids=list(WINDOWS_OVERLAP))
def test_windows_overlap(a, b, expected):
    assert windows_overlap(a, b) is expected
    assert windows_overlap(b, a) is expected


# --- the reference in docs/configuration.md --------------------------------------------------------


def test_the_configuration_page_carries_the_environment_reference():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert reference_markdown() in page, (
        "docs/configuration.md is out of date: run .venv/bin/python scripts/docs_reference.py"
    )


def test_the_committed_regions_are_cfn_lints_and_botocore_knows_each():
    """A region cfn-lint does not know makes it raise instead of lint: the lists must agree."""
    import boto3
    from cfnlint.helpers import REGIONS as CFN_LINT_REGIONS

    from generator.config.regions import REGIONS

    session = boto3.session.Session()
    botocore = {
        r for p in session.get_available_partitions() for r in session.get_available_regions("cloudformation", p)
    }
    assert sorted(REGIONS) == sorted(CFN_LINT_REGIONS)
    assert set(REGIONS) <= botocore, sorted(set(REGIONS) - botocore)
