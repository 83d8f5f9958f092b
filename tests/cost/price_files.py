"""A copy of AWS's price list files made for the tests: the index, each service's Region index and each Region's
offer file, in the shape AWS's Billing User Guide documents ("Reading the price list files"), laid out as AWS
serves them. Every price in it is chosen here (:data:`PRICES`), none is AWS's: the tests' expected sums are
computed by hand from this table. Decoys share a rate's usage type with another engine (Aurora MySQL, Memcached)
or a neighbouring usage type (DataProcessingIA-Bytes), at prices that would show if a filter let them through.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from generator.cost.offers import INDEX

PUBLISHED = "2026-11-01T00:00:00Z"
# The billing prefix of each Region's usage types; us-east-1 has none for most, USE1- for some (Secrets Manager).
PREFIXES = {"sa-east-1": "SAE1-", "us-east-1": ""}
NODE_TYPES = ("cache.t3.micro", "cache.t3.medium", "cache.m6g.large")

# rate (or rate:node type) -> price per unit, or tiers [(begin, end or None, price)]; us-east-1 is cheaper.
PRICES = {
    "sa-east-1": {
        "aurora-capacity": "0.20", "aurora-storage": "0.15", "aurora-io": "0.0000003", "aurora-backup": "0.03",
        "cache-node:cache.t3.micro": "0.025", "cache-node:cache.t3.medium": "0.10",
        "cache-node:cache.m6g.large": "0.25", "shard-hours": "0.02", "put-units": "0.00000002",
        "extended-retention": "0.03", "long-term-retention": "0.04",
        "kms-keys": "1.00", "kms-requests": [(0, 20000, "0"), (20000, None, "0.000004")],
        "secrets": "0.50", "secret-requests": "0.000006",
        "endpoint-hours": "0.015", "endpoint-bytes": [(0, 1048576, "0.01"), (1048576, None, "0.006")],
        "alarms": "0.12", "dashboards": "3.00", "metrics": [(0, 10000, "0.35"), (10000, None, "0.10")],
        "log-ingestion": "0.70", "log-storage": "0.04", "vended-logs": [(0, 10240, "0.60"), (10240, None, "0.30")],
    },
    "us-east-1": {
        "aurora-capacity": "0.12", "aurora-storage": "0.10", "aurora-io": "0.0000002", "aurora-backup": "0.021",
        "cache-node:cache.t3.micro": "0.017", "cache-node:cache.t3.medium": "0.068",
        "cache-node:cache.m6g.large": "0.149", "shard-hours": "0.015", "put-units": "0.000000014",
        "extended-retention": "0.02", "long-term-retention": "0.023",
        "kms-keys": "1.00", "kms-requests": [(0, 20000, "0"), (20000, None, "0.000003")],
        "secrets": "0.40", "secret-requests": "0.000005",
        "endpoint-hours": "0.01", "endpoint-bytes": [(0, 1048576, "0.01"), (1048576, None, "0.006")],
        "alarms": "0.10", "dashboards": "3.00", "metrics": [(0, 10000, "0.30"), (10000, None, "0.10")],
        "log-ingestion": "0.50", "log-storage": "0.03", "vended-logs": [(0, 10240, "0.50"), (10240, None, "0.25")],
    },
}  # fmt: skip

# rate -> (offer code, usage type after the prefix, unit, product family, extra attributes)
PRODUCTS = {
    "aurora-capacity": ("AmazonRDS", "Aurora:ServerlessV2Usage", "ACU-Hr", "ServerlessV2",
                        {"databaseEngine": "Aurora PostgreSQL"}),
    "aurora-storage": ("AmazonRDS", "Aurora:StorageUsage", "GB-Mo", "Database Storage", {"databaseEngine": "Any"}),
    "aurora-io": ("AmazonRDS", "Aurora:StorageIOUsage", "IOs", "System Operation", {"databaseEngine": "Any"}),
    "aurora-backup": ("AmazonRDS", "Aurora:BackupUsage", "GB-Mo", "Storage Snapshot", {"databaseEngine": "Any"}),
    "cache-node": ("AmazonElastiCache", "NodeUsage:{node}", "Hrs", "Cache Instance",
                   {"cacheEngine": "Redis", "instanceType": "{node}"}),
    "shard-hours": ("AmazonKinesis", "Storage-ShardHour", "ShardHour", "Kinesis Streams", {}),
    "put-units": ("AmazonKinesis", "PutRequestPayloadUnits", "PutRequestPayloadUnits", "Kinesis Streams", {}),
    "extended-retention": ("AmazonKinesis", "Extended-ShardHour", "ShardHour", "Kinesis Streams", {}),
    "long-term-retention": ("AmazonKinesis", "LongTermRetention-ByteHrs", "GB-Mo", "Kinesis Streams", {}),
    "kms-keys": ("awskms", "KMS-Keys", "Keys", "Encryption Key", {}),
    "kms-requests": ("awskms", "KMS-Requests", "Requests", "Encryption Key", {}),
    "secrets": ("AWSSecretsManager", "AWSSecretsManager-Secrets", "Secrets", "Secret", {}),
    "secret-requests": ("AWSSecretsManager", "AWSSecretsManagerAPIRequest", "API Requests", "API Request", {}),
    "endpoint-hours": ("AmazonVPC", "VpcEndpoint-Hours", "Hrs", "VpcEndpoint", {"endpointType": "PrivateLink"}),
    "endpoint-bytes": ("AmazonVPC", "VpcEndpoint-Bytes", "GB", "VpcEndpoint", {"endpointType": "PrivateLink"}),
    "alarms": ("AmazonCloudWatch", "CW:AlarmMonitorUsage", "Alarms", "Alarm", {}),
    "dashboards": ("AmazonCloudWatch", "DashboardsUsageHour-Basic", "Dashboards", "Dashboard", {}),
    "metrics": ("AmazonCloudWatch", "CW:MetricMonitorUsage", "Metrics", "Metric", {}),
    "log-ingestion": ("AmazonCloudWatch", "DataProcessing-Bytes", "GB", "Data Payload", {}),
    "log-storage": ("AmazonCloudWatch", "TimedStorage-ByteHrs", "GB-Mo", "Storage Snapshot", {}),
    "vended-logs": ("AmazonCloudWatch", "VendedLog-Bytes", "GB", "Data Payload", {}),
}  # fmt: skip

# Products no rate may take: (offer code, usage type after the prefix, attributes), each at 9.99.
DECOYS = [
    ("AmazonRDS", "Aurora:ServerlessV2Usage", {"databaseEngine": "Aurora MySQL"}),
    ("AmazonRDS", "InstanceUsage:db.r6g.large", {"databaseEngine": "Aurora PostgreSQL"}),
    ("AmazonElastiCache", "NodeUsage:cache.t3.micro", {"cacheEngine": "Memcached"}),
    ("AmazonKinesis", "OnDemand-StreamHour", {}),
    ("AmazonCloudWatch", "DataProcessingIA-Bytes", {}),
]


def price(region: str, rate: str, quantity: Decimal | int | str = 1) -> Decimal:
    """What ``quantity`` units of ``rate`` cost in ``region`` at the prices of :data:`PRICES`, tiers applied:
    the tests' hand computation."""
    chosen, quantity = PRICES[region][rate], Decimal(quantity)
    tiers = chosen if isinstance(chosen, list) else [(0, None, chosen)]
    return sum((Decimal(per) * max(Decimal(0), min(quantity, Decimal(end) if end is not None else quantity)
                                   - Decimal(begin)) for begin, end, per in tiers), Decimal(0))  # fmt: skip


def offer_file(service: str, region: str, prices: dict) -> dict:
    """The offer file of ``service`` in ``region``: its products and their on-demand terms."""
    products, terms = {}, {}

    def add(sku: str, family: str, usage_type: str, attributes: dict, unit: str, chosen) -> None:
        products[sku] = {
            "sku": sku,
            "productFamily": family,
            "attributes": {"usagetype": usage_type, "regionCode": region, "servicecode": service, **attributes},
        }
        tiers = chosen if isinstance(chosen, list) else [(0, None, chosen)]
        dimensions = {
            f"{sku}.JRTCKXETXF.{i}": {
                "rateCode": f"{sku}.JRTCKXETXF.{i}",
                "description": f"{usage_type} from {begin}",
                "beginRange": str(begin),
                "endRange": "Inf" if end is None else str(end),
                "unit": unit,
                "pricePerUnit": {"USD": per},
                "appliesTo": [],
            }
            for i, (begin, end, per) in enumerate(tiers)
        }
        terms[sku] = {
            f"{sku}.JRTCKXETXF": {
                "offerTermCode": "JRTCKXETXF",
                "sku": sku,
                "effectiveDate": PUBLISHED,
                "priceDimensions": dimensions,
                "termAttributes": {},
            }
        }

    prefix = PREFIXES[region] or ("USE1-" if service == "AWSSecretsManager" else "")
    for key, chosen in prices.items():
        rate, _, node = key.partition(":")
        offer_code, usage, unit, family, attributes = PRODUCTS[rate]
        if offer_code == service:
            attributes = {k: v.format(node=node) for k, v in attributes.items()}
            add(f"{region}-{key}", family, prefix + usage.format(node=node), attributes, unit, chosen)
    for i, (offer_code, usage, attributes) in enumerate(DECOYS):
        if offer_code == service:
            add(f"{region}-decoy-{i}", "Decoy", prefix + usage, attributes, "Hrs", "9.99")
    return {"formatVersion": "v1.0", "disclaimer": "made for iotstack's tests; no price here is AWS's",
            "offerCode": service, "version": PUBLISHED[:10].replace("-", "") + "000000",
            "publicationDate": PUBLISHED, "products": products, "terms": {"OnDemand": terms}}  # fmt: skip


def write_price_files(root: Path, prices: dict = PRICES) -> Path:
    """Lay the copy out under ``root`` as AWS serves it (``--from root``) and return ``root``."""
    services = sorted({PRODUCTS[key.partition(":")[0]][0] for region in prices.values() for key in region})
    files = {INDEX: {"formatVersion": "v1.0", "publicationDate": PUBLISHED, "offers": {
        s: {"offerCode": s, "currentRegionIndexUrl": f"/offers/v1.0/aws/{s}/current/region_index.json"}
        for s in services}}}  # fmt: skip
    for s in services:
        files[f"/offers/v1.0/aws/{s}/current/region_index.json"] = {"regions": {
            r: {"regionCode": r, "currentVersionUrl": f"/offers/v1.0/aws/{s}/20261101000000/{r}/index.json"}
            for r in prices}}  # fmt: skip
        for region, chosen in prices.items():
            files[f"/offers/v1.0/aws/{s}/20261101000000/{region}/index.json"] = offer_file(s, region, chosen)
    for path, data in files.items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return root
