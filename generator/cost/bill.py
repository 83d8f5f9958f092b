"""What a template bills a month, before any price: one :class:`Item` per billable quantity, read from the
template's resources (so a change's cost follows what it deploys) and the environment's ``[usage]`` assumptions.

A month is 730 hours, as the AWS Pricing Calculator counts one (its FAQ: "the calculator assumes 730 hours in a
month"). The quantities per resource type follow AWS's pricing pages for each service:

- Aurora Serverless v2: each ``db.serverless`` instance bills ACU-hours at its average capacity (``[usage]``
  ``aurora_capacity_percent`` of the way from the cluster's minimum to its maximum), its floor the minimum all
  month, its ceiling the maximum; the cluster bills storage (GB-months), I/O requests, and backup storage beyond
  the free amount (as much as the cluster's volume);
- ElastiCache: node-hours of the replication group's node type, one node per cache cluster;
- Kinesis Data Streams (provisioned): shard-hours; PUT payload units (a record is one unit per 25 KB or part of
  it); extended retention (beyond 24 hours, up to 7 days) as shard-hours; long-term retention (beyond 7 days) as
  GB-months of the data kept that long; each enhanced shard-level metric of each shard as a CloudWatch metric;
- KMS: each customer managed key a month; requests; Secrets Manager: each secret a month; API requests;
- an interface VPC endpoint: one endpoint-hour per subnet (an ENI per Availability Zone), and GB processed;
- CloudWatch: each alarm a month, each dashboard a month, log ingestion (GB) and storage (GB-months: a month's
  ingestion kept for the log group's retention); VPC flow logs delivered to CloudWatch Logs bill as vended logs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from generator.config.usage import UsageSettings

HOURS = Decimal(730)  # hours in a month, as the AWS Pricing Calculator counts them
SECONDS = HOURS * 3600
PUT_UNIT_KB = 25  # a PUT payload unit (Kinesis Data Streams pricing)
SHARD_METRICS = 7  # what "ALL" enables: every shard-level metric Kinesis has
LEFT_OUT = (
    "data transfer (between Availability Zones, out to the internet, through the internet gateway)",
    "AWS Support plans",
    "the AWS Free Tier and credits (a tier in the price list file applies, as the file gives it)",
    "Savings Plans and reserved nodes (on-demand prices only)",
    "taxes",
    "the password rotation function's Lambda invocations and SNS e-mail notifications (within their free amounts "
    "at this stack's volume)",
)


@dataclass(frozen=True)
class Item:
    """One billable quantity a month: of which resource (a logical id, or a group such as ``17 alarms``), what
    is billed, how much of it, in which unit, at which rate (a key of :data:`~generator.cost.rates.RATES`,
    narrowed to one usage type where the resource names it: a node type)."""

    resource: str
    billed: str
    rate: str
    quantity: Decimal
    unit: str
    usage_type: str | None = None
    assumption: str = ""  # the [usage] setting (or settings) the quantity rests on
    bounds: tuple[Decimal, Decimal] | None = None  # the floor and ceiling quantities (Aurora capacity)

    @property
    def key(self) -> tuple[str, str]:
        """What a change compares before and after: the same resource (a group without its count: ``alarms``)
        at the same rate; its quantity, node type or wording may change."""
        return self.resource.split(" ")[-1], self.rate


def items(template: dict, usage: UsageSettings) -> list[Item]:
    """Every billable quantity of ``template`` (a resolved template: no parameter left) a month."""
    resources = template.get("Resources", {})
    found = []
    for logical, resource in resources.items():
        if billed := BILLED.get(resource.get("Type")):
            found += _counted(logical, billed, (logical, resource.get("Properties", {}), resources, usage))
    return found + _counted("(grouped)", _grouped, (resources, usage))


def _counted(logical: str, count: Callable[..., Iterator[Item]], args: tuple) -> list[Item]:
    """What ``count(*args)`` finds; a template whose values are not plain (a parameter left, a hand edit) gets
    one row saying what could not be counted, never a guess."""
    try:
        return list(count(*args))
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError) as exc:
        return [Item(logical, f"not counted: {exc}" if isinstance(exc, ValueError) else
                     f"not counted: a value is not a plain number or list ({type(exc).__name__}: {exc})", "",
                     Decimal(0), "")]  # fmt: skip


def _d(value: float | int) -> Decimal:
    return Decimal(str(value))


def _whole(props: dict, name: str, default: int, least: int = 1) -> int:
    """A count the template gives (``ShardCount``, ``NumCacheClusters``): a whole number from ``least``, as
    CloudFormation takes it (a number or its text); anything else is named, not guessed."""
    value = props.get(name, default)
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        number = None
    if (
        isinstance(value, (bool, dict, list))
        or number is None
        or number != number.to_integral_value()
        or number < least
    ):
        raise ValueError(f"{name} {json.dumps(value)} is not a whole number")
    return int(number)


def _aurora_instance(logical: str, props: dict, resources: dict, usage: UsageSettings) -> Iterator[Item]:
    cluster = resources.get((props.get("DBClusterIdentifier") or {}).get("Ref", ""), {}).get("Properties", {})
    scaling = cluster.get("ServerlessV2ScalingConfiguration")
    if props.get("DBInstanceClass") != "db.serverless" or not scaling:
        return
    low, high = _d(scaling["MinCapacity"]), _d(scaling["MaxCapacity"])
    average = low + (high - low) * _d(usage.aurora_capacity_percent) / 100
    said = f"aurora_capacity_percent = {_n(usage.aurora_capacity_percent)}"
    yield Item(logical, f"capacity, {_n(average)} ACU on average ({_n(low)}-{_n(high)})", "aurora-capacity",
               average * HOURS, "ACU-hours", assumption=said, bounds=(low * HOURS, high * HOURS))  # fmt: skip


def _aurora_cluster(logical: str, props: dict, _resources: dict, usage: UsageSettings) -> Iterator[Item]:
    if "ServerlessV2ScalingConfiguration" not in props:
        return
    yield Item(logical, "storage", "aurora-storage", _d(usage.aurora_storage_gb), "GB-months",
               assumption=f"aurora_storage_gb = {_n(usage.aurora_storage_gb)}")  # fmt: skip
    yield Item(logical, "I/O requests", "aurora-io", _d(usage.aurora_io_millions) * 1_000_000, "requests",
               assumption=f"aurora_io_millions = {_n(usage.aurora_io_millions)}")  # fmt: skip
    yield Item(logical, "backup beyond the free amount", "aurora-backup", _d(usage.aurora_backup_gb), "GB-months",
               assumption=f"aurora_backup_gb = {_n(usage.aurora_backup_gb)}")  # fmt: skip


def _cache(logical: str, props: dict, _resources: dict, _usage: UsageSettings) -> Iterator[Item]:
    node = props.get("CacheNodeType", "")
    if "NumCacheClusters" in props:
        nodes = _whole(props, "NumCacheClusters", 1)
    else:
        nodes = _whole(props, "NumNodeGroups", 1) * (_whole(props, "ReplicasPerNodeGroup", 0, least=0) + 1)
    yield Item(logical, f"{nodes} x {node} node", "cache-node", nodes * HOURS, "node-hours",
               usage_type=f"NodeUsage:{node}")  # fmt: skip


def _stream(logical: str, props: dict, _resources: dict, usage: UsageSettings) -> Iterator[Item]:
    if (props.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED") != "PROVISIONED":
        raise ValueError("an on-demand stream is billed by the data it carries, which this estimate does not count")
    shards, hours = _whole(props, "ShardCount", 1), _whole(props, "RetentionPeriodHours", 24)
    yield Item(logical, f"{shards} shards", "shard-hours", shards * HOURS, "shard-hours")
    per_record = math.ceil(usage.kinesis_record_kb / PUT_UNIT_KB)
    said = f"kinesis_records_per_second = {_n(usage.kinesis_records_per_second)}, kinesis_record_kb = " \
           f"{_n(usage.kinesis_record_kb)}"  # fmt: skip
    yield Item(logical, "PUT payload units", "put-units", _d(usage.kinesis_records_per_second) * per_record * SECONDS,
               "units", assumption=said)  # fmt: skip
    if hours > 24:
        yield Item(logical, f"extended retention ({min(hours, 168)} h)", "extended-retention", shards * HOURS,
                   "shard-hours")  # fmt: skip
    if hours > 168:
        gb_per_hour = _d(usage.kinesis_records_per_second) * _d(usage.kinesis_record_kb) * 3600 / 1024 / 1024
        yield Item(logical, f"long-term retention ({hours - 168} h beyond 7 days)", "long-term-retention",
                   gb_per_hour * (hours - 168), "GB-months", assumption=said)  # fmt: skip
    metrics = props.get("DesiredShardLevelMetrics") or []
    count = SHARD_METRICS if "ALL" in metrics else len(metrics)
    if count:
        yield Item(logical, f"{count} shard-level metrics x {shards} shards", "metrics", _d(count * shards),
                   "metrics")  # fmt: skip


def _endpoint(logical: str, props: dict, _resources: dict, usage: UsageSettings) -> Iterator[Item]:
    if props.get("VpcEndpointType") != "Interface":
        return
    zones = len(props.get("SubnetIds") or [None])
    yield Item(logical, f"endpoint in {zones} Availability Zone(s)", "endpoint-hours", zones * HOURS, "hours")
    yield Item(logical, "data processed", "endpoint-bytes", _d(usage.endpoint_gb), "GB",
               assumption=f"endpoint_gb = {_n(usage.endpoint_gb)}")  # fmt: skip


def _dashboard(logical: str, _props: dict, _resources: dict, _usage: UsageSettings) -> Iterator[Item]:
    yield Item(logical, "dashboard", "dashboards", Decimal(1), "dashboard-months")


def _flow_log(logical: str, props: dict, _resources: dict, usage: UsageSettings) -> Iterator[Item]:
    if props.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs":
        yield Item(logical, "flow logs delivered to CloudWatch Logs", "vended-logs", _d(usage.flow_log_gb), "GB",
                   assumption=f"flow_log_gb = {_n(usage.flow_log_gb)}")  # fmt: skip


BILLED: dict[str, Callable[[str, dict, dict, UsageSettings], Iterator[Item]]] = {
    "AWS::RDS::DBInstance": _aurora_instance,
    "AWS::RDS::DBCluster": _aurora_cluster,
    "AWS::ElastiCache::ReplicationGroup": _cache,
    "AWS::Kinesis::Stream": _stream,
    "AWS::EC2::VPCEndpoint": _endpoint,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::EC2::FlowLog": _flow_log,
}


def _grouped(resources: dict, usage: UsageSettings) -> Iterator[Item]:
    """The items billed per resource of a kind rather than per resource: keys, secrets, alarms, log groups."""

    def of(kind: str) -> list[tuple[str, dict]]:
        return [(k, r.get("Properties", {})) for k, r in resources.items() if r.get("Type") == kind]

    keys, secrets, alarms = of("AWS::KMS::Key"), of("AWS::SecretsManager::Secret"), of("AWS::CloudWatch::Alarm")
    if keys:
        yield Item(f"{len(keys)} KMS keys", "customer managed keys", "kms-keys", _d(len(keys)), "keys")
        yield Item(f"{len(keys)} KMS keys", "requests", "kms-requests", _d(usage.kms_requests), "requests",
                   assumption=f"kms_requests = {_n(usage.kms_requests)}")  # fmt: skip
    if secrets:
        yield Item(f"{len(secrets)} secrets", "secrets", "secrets", _d(len(secrets)), "secrets")
        yield Item(f"{len(secrets)} secrets", "API requests", "secret-requests", _d(usage.secret_requests),
                   "requests", assumption=f"secret_requests = {_n(usage.secret_requests)}")  # fmt: skip
    if alarms:
        yield Item(f"{len(alarms)} alarms", "alarms", "alarms", _d(len(alarms)), "alarms")
    flow_groups = {(p.get("LogGroupName") or {}).get("Ref") for _, p in of("AWS::EC2::FlowLog")}
    groups = of("AWS::Logs::LogGroup")
    written = [(k, p) for k, p in groups if k not in flow_groups]
    if written:
        yield Item(f"{len(written)} log groups", f"ingestion, {_n(usage.log_gb_per_group)} GB each", "log-ingestion",
                   _d(usage.log_gb_per_group) * len(written), "GB",
                   assumption=f"log_gb_per_group = {_n(usage.log_gb_per_group)}")  # fmt: skip
    if groups:
        stored = sum((_d(usage.flow_log_gb if k in flow_groups else usage.log_gb_per_group)
                      * _d(p.get("RetentionInDays", 3653)) / 30 for k, p in groups), Decimal(0))  # fmt: skip
        yield Item(f"{len(groups)} log groups", "storage (a month's logs kept for the retention)", "log-storage",
                   stored, "GB-months", assumption=f"log_gb_per_group = {_n(usage.log_gb_per_group)}, flow_log_gb = "
                   f"{_n(usage.flow_log_gb)}")  # fmt: skip


def _n(value: float | Decimal) -> str:
    """A quantity as people write it: ``0.875``, ``2``, ``100000``."""
    return f"{Decimal(str(value)).normalize():f}"
