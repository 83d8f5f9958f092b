"""How long CloudFormation takes to create, update or delete one resource of a type: published averages,
refined by what this account measured.

:data:`PUBLISHED` carries over rain's per-type averages in seconds (the ``Estimates`` table of
``internal/cmd/forecast/estimate.go`` in aws-cloudformation/rain, commit d085ec5, Apache-2.0; rain's
``forecast --experimental`` adds them along the longest path). Creates and updates only: rain's delete
column is 1 s for 1,156 of its 1,160 types, a placeholder rather than a measurement, so a deletion has no
published duration here; it counts once this account has measured one, and until then the forecast says
it leaves deletions out. The architecture document's "Deployment Time Expectations" are the check (tests/review/
test_forecast.py): Aurora Serverless v2 5-10 min, Redis 10-15, a first deploy 15-25.

:class:`History` is what earlier operations measured: every resource's ``*_IN_PROGRESS`` to its
``*_COMPLETE`` in the stack's events (:func:`measure`), kept per region in
``.cache/iotstack/durations/<region>.json`` of the project (the last :data:`KEPT` per type and operation; the median
is used). :class:`Durations` answers with the measured median where there is one, else the published
average, and says which.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from generator.files import write_all

CREATE, UPDATE, DELETE = "create", "update", "delete"
OPERATIONS = (CREATE, UPDATE, DELETE)
SOURCE = "rain's published averages"  # the module's docstring names the file and commit
SCHEMA = "iotstack-durations/1"
KEPT = 10  # samples kept per type and operation: recent ones, so a region's drift shows
LONGEST = 24 * 3600.0  # seconds: no resource operation takes longer (CloudFormation's own timeouts are shorter)
MAX_BYTES = 1_000_000  # a history is a few kB; a larger file is not one of ours

# type: (create, update) seconds, as rain publishes them (see the module's docstring).
PUBLISHED: dict[str, tuple[int, int]] = {
    "AWS::CloudFormation::Stack": (133, 37),
    "AWS::CloudWatch::Alarm": (2, 0),
    "AWS::CloudWatch::Dashboard": (2, 1),
    "AWS::EC2::FlowLog": (2, 2),
    "AWS::EC2::InternetGateway": (17, 16),
    "AWS::EC2::Route": (2, 0),
    "AWS::EC2::RouteTable": (12, 11),
    "AWS::EC2::SecurityGroup": (6, 2),
    "AWS::EC2::SecurityGroupIngress": (2, 1),
    "AWS::EC2::Subnet": (4, 10),
    "AWS::EC2::SubnetRouteTableAssociation": (2, 0),
    "AWS::EC2::VPC": (12, 2),
    "AWS::EC2::VPCEndpoint": (47, 11),
    "AWS::EC2::VPCGatewayAttachment": (12, 11),
    "AWS::ElastiCache::ParameterGroup": (1, 2),
    "AWS::ElastiCache::ReplicationGroup": (712, 208),
    "AWS::ElastiCache::SubnetGroup": (2, 2),
    "AWS::Events::Rule": (62, 1),
    "AWS::IAM::ManagedPolicy": (16, 1),
    "AWS::IAM::Policy": (17, 3),
    "AWS::IAM::Role": (12, 17),
    "AWS::KMS::Alias": (62, 13),
    "AWS::KMS::Key": (122, 71),
    "AWS::Kinesis::Stream": (14, 29),
    "AWS::Lambda::Function": (25, 12),
    "AWS::Lambda::Permission": (1, 0),
    "AWS::Logs::LogGroup": (1, 1),
    "AWS::RDS::DBCluster": (222, 62),
    "AWS::RDS::DBClusterParameterGroup": (2, 2),
    "AWS::RDS::DBInstance": (595, 171),
    "AWS::RDS::DBSubnetGroup": (2, 2),
    "AWS::RDS::EventSubscription": (2, 1),
    "AWS::S3::Bucket": (30, 31),
    "AWS::S3::BucketPolicy": (12, 12),
    "AWS::SNS::Subscription": (2, 2),
    "AWS::SNS::Topic": (4, 7),
    "AWS::SNS::TopicPolicy": (1, 1),
    "AWS::SecretsManager::ResourcePolicy": (1, 1),
    "AWS::SecretsManager::RotationSchedule": (17, 1),
    "AWS::SecretsManager::Secret": (1, 2),
    "AWS::SecretsManager::SecretTargetAttachment": (1, 0),
}  # fmt: skip

# CloudFormation's reason on the UPDATE_IN_PROGRESS of a replacement: that "update" is the new one's creation.
_REPLACING = "Requested update requires the creation of a new physical resource"
_OPERATION = {"CREATE": CREATE, "UPDATE": UPDATE, "DELETE": DELETE}


@dataclass
class History:
    """Measured seconds per type and operation, newest last; read from and written to one region's file."""

    region: str
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # type -> operation -> seconds

    @classmethod
    def load(cls, folder: Path | None, region: str) -> History:
        """The region's history in ``folder``; empty when there is none or it cannot be read: it is a cache, so a
        file that is not one, too large, not JSON, or with samples that are not plausible seconds, is no history."""
        path = cls.path(folder, region)
        try:
            too_big = path is None or not path.is_file() or path.stat().st_size > MAX_BYTES  # a FIFO is not a file
            data = {} if too_big else json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            data = {}
        samples = data.get("samples") if isinstance(data, dict) and data.get("schema") == SCHEMA else None
        if not isinstance(samples, dict):
            return cls(region)
        kept = {t: {op: [float(s) for s in seconds if _seconds(s)][-KEPT:]
                    for op, seconds in ops.items() if op in OPERATIONS and isinstance(seconds, list)}
                for t, ops in samples.items() if isinstance(ops, dict)}  # fmt: skip
        kept = {t: {op: s for op, s in ops.items() if s} for t, ops in kept.items()}
        return cls(region, {t: ops for t, ops in kept.items() if ops})

    @staticmethod
    def path(folder: Path | None, region: str) -> Path | None:
        return folder / f"{region}.json" if folder else None

    def add(self, measured: Iterable[tuple[str, str, float]]) -> int:
        """Add ``(type, operation, seconds)`` samples; how many."""
        count = 0
        for resource_type, operation, seconds in measured:
            kept = self.samples.setdefault(resource_type, {}).setdefault(operation, [])
            kept.append(round(seconds, 1))
            del kept[:-KEPT]
            count += 1
        return count

    def save(self, folder: Path) -> Path:
        """Write the history whole (the one write path: all or nothing); the file written."""
        path = folder / f"{self.region}.json"
        data = {"schema": SCHEMA, "region": self.region,
                "samples": {t: dict(sorted(ops.items())) for t, ops in sorted(self.samples.items())}}  # fmt: skip
        write_all({path: json.dumps(data, indent=1, sort_keys=True) + "\n"})
        return path

    def median(self, resource_type: str, operation: str) -> float | None:
        seconds = self.samples.get(resource_type, {}).get(operation)
        return statistics.median(seconds) if seconds else None


def _seconds(value: object) -> bool:
    """A plausible duration of one resource operation: a finite number of seconds, at most :data:`LONGEST`."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= LONGEST


@dataclass(frozen=True)
class Durations:
    """Expected seconds per type and operation: this account's measured median, else the published average."""

    history: History | None = None

    @property
    def region(self) -> str:
        return self.history.region if self.history else ""

    def seconds(self, resource_type: str, operation: str) -> tuple[float | None, bool]:
        """``(seconds, measured)``; seconds None when neither this account nor the table knows it (a deletion,
        until measured: nothing is published)."""
        measured = self.history.median(resource_type, operation) if self.history else None
        if measured is not None:
            return measured, True
        published = PUBLISHED.get(resource_type) if operation != DELETE else None
        return (float(published[OPERATIONS.index(operation)]) if published else None), False


def measure(events: Iterable) -> list[tuple[str, str, float]]:
    """``(type, operation, seconds)`` of every resource that went from ``*_IN_PROGRESS`` to ``*_COMPLETE``
    in ``events`` (one operation's stack events, any order; the stack's own are left out). The update that
    replaces a resource counts as a create: it is the new one's creation. Nothing from a rollback on: a
    resource rolled back, or cleaned up after a failure, says nothing about a deploy's time."""
    started: dict[tuple[str, str], object] = {}  # (logical id, operation) -> its first IN_PROGRESS
    replacing: set[str] = set()
    found = []
    phases = {"IN_PROGRESS": 0, "COMPLETE": 1, "FAILED": 1}  # within one second, a start comes first
    ordered = sorted(events, key=lambda e: (e.timestamp, phases.get(e.status.partition("_")[2], 2)))
    for event in ordered:
        if event.of_stack and "ROLLBACK" in event.status:
            break
        operation, _, phase = event.status.partition("_")
        operation = _OPERATION.get(operation)
        if event.of_stack or operation is None:
            continue
        key = (event.logical_id, operation)
        if phase == "IN_PROGRESS":
            started.setdefault(key, event.timestamp)
            if operation == UPDATE and event.reason.startswith(_REPLACING):
                replacing.add(event.logical_id)
        elif phase == "COMPLETE" and key in started:
            kind = CREATE if operation == UPDATE and event.logical_id in replacing else operation
            replacing.discard(event.logical_id)
            found.append((event.resource_type, kind, (event.timestamp - started.pop(key)).total_seconds()))
        elif phase == "FAILED":
            started.pop(key, None)
            replacing.discard(event.logical_id)
    return found
