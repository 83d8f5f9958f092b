"""What this stack can be billed for: each rate names an offer (AWS's offer code) and the products in it by usage
type, as AWS's Cost and Usage Reports and price list files spell them.

A usage type starts with its Region's billing prefix in most Regions (``SAE1-Storage-ShardHour`` in sa-east-1,
``USE1-AWSSecretsManager-Secrets`` in us-east-1) and without one in some (``Storage-ShardHour`` in us-east-1);
:data:`PREFIX` takes either. The usage types and attributes below are facts carried over, not code: they are
the ones AWS's Cost and Usage Reports show and infracost's AWS resources (github.com/infracost/infracost,
``internal/resources/aws``, Apache-2.0) filter the price list by; CloudWatch's are in the CloudWatch user guide
("Analyzing, optimizing, and reducing CloudWatch costs"). They were not checked against a current price list
file here (no network to AWS), so a rate a refreshed snapshot lacks shows as unpriced, never as zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generator.cost.offers import Price

# A Region's billing prefix: SAE1-, USE1-, EU-, APN1-, ..., the Region's own name (some services' usage types,
# such as KMS's, may carry it: sa-east-1-KMS-Keys), or none.
PREFIX = r"(?:[A-Z]{2,4}\d?-|[a-z]{2}(?:-gov)?-[a-z]+-\d-)?"


@dataclass(frozen=True)
class Rate:
    """Products of one offer by usage type (a regular expression for the part after the Region's prefix) and
    the attributes they must have (an Aurora MySQL or a Memcached product has the same usage type)."""

    service: str
    usage_type: str
    attributes: tuple[tuple[str, str], ...] = ()

    def matches(self, price: Price, usage_type: str | None = None) -> bool:
        """Whether ``price`` is of this rate; ``usage_type`` narrows it to one (``NodeUsage:cache.t3.micro``)."""
        wanted = re.escape(usage_type) if usage_type else self.usage_type
        return (price.service == self.service and re.fullmatch(PREFIX + wanted, price.usage_type) is not None
                and all(price.attribute(k) == v for k, v in self.attributes))  # fmt: skip


RATES: dict[str, Rate] = {
    # Aurora Serverless v2 on Aurora Standard storage (I/O-Optimized has usage types of its own)
    "aurora-capacity": Rate("AmazonRDS", r"Aurora:ServerlessV2Usage", (("databaseEngine", "Aurora PostgreSQL"),)),
    "aurora-storage": Rate("AmazonRDS", r"Aurora:StorageUsage"),
    "aurora-io": Rate("AmazonRDS", r"Aurora:StorageIOUsage"),
    "aurora-backup": Rate("AmazonRDS", r"Aurora:BackupUsage"),
    # ElastiCache on-demand nodes, one usage type per node type
    "cache-node": Rate("AmazonElastiCache", r"NodeUsage:cache\.[a-z0-9]+\.[a-z0-9]+", (("cacheEngine", "Redis"),)),
    # Kinesis Data Streams, provisioned mode
    "shard-hours": Rate("AmazonKinesis", r"Storage-ShardHour"),
    "put-units": Rate("AmazonKinesis", r"PutRequestPayloadUnits"),
    "extended-retention": Rate("AmazonKinesis", r"Extended-ShardHour"),  # 24 hours to 7 days
    "long-term-retention": Rate("AmazonKinesis", r"LongTermRetention-ByteHrs"),  # beyond 7 days
    "kms-keys": Rate("awskms", r"KMS-Keys"),
    "kms-requests": Rate("awskms", r"KMS-Requests"),
    "secrets": Rate("AWSSecretsManager", r"AWSSecretsManager-Secrets"),
    "secret-requests": Rate("AWSSecretsManager", r"AWSSecretsManagerAPIRequest"),
    "endpoint-hours": Rate("AmazonVPC", r"VpcEndpoint-Hours"),
    "endpoint-bytes": Rate("AmazonVPC", r"VpcEndpoint-Bytes"),
    "alarms": Rate("AmazonCloudWatch", r"CW:AlarmMonitorUsage"),
    "dashboards": Rate("AmazonCloudWatch", r"DashboardsUsageHour(?:-Basic)?"),
    "metrics": Rate("AmazonCloudWatch", r"CW:MetricMonitorUsage"),
    "log-ingestion": Rate("AmazonCloudWatch", r"DataProcessing-Bytes"),
    "log-storage": Rate("AmazonCloudWatch", r"TimedStorage-ByteHrs"),
    "vended-logs": Rate("AmazonCloudWatch", r"VendedLog-Bytes"),  # flow logs delivered to CloudWatch Logs
}

SERVICES = tuple(sorted({rate.service for rate in RATES.values()}))


def billable(price: Price) -> bool:
    """Whether a snapshot keeps ``price``: whether this stack can be billed at it."""
    return any(rate.matches(price) for rate in RATES.values())
