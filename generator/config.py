"""Environments as validated data.

One TOML file per environment lives in ``environments/`` at the project root: ``dev.toml`` describes the
environment ``dev``, and adding a file adds an environment. :func:`load_environment` reads a file
with the standard library's ``tomllib`` into frozen dataclasses. Every setting has a documented
default and an allowed range; unknown keys, wrong types and values AWS would refuse are all
reported at once, each naming the file, the key, the value and what is allowed, before anything is
built::

    dev.toml: kinesis.retention_hours = 10: must be 24..8760

Defaults are the architecture document's values, except where safety is concerned: deletion
protection and the removal policy default to the safe choice, and an environment loosens them
only by saying so (``dev.toml`` does).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from generator.errors import ConfigError, UsageError

ENVIRONMENTS_DIR = Path(__file__).resolve().parent.parent / "environments"

Check = Callable[[Any], "str | None"]  # returns what is allowed when the value is not, else None


def _allowing(text: str, check: Check) -> Check:
    """Label a check with what it allows, for the README's reference table."""
    check.allowed = text  # type: ignore[attr-defined]
    return check


def setting(default: Any, doc: str, *checks: Check) -> Any:
    """A configuration field: its default, one line of documentation and its checks."""
    if isinstance(default, (list, dict)):
        raise TypeError("settings are frozen: give a tuple, not a list or dict, as the default")
    return field(default=default, metadata={"doc": doc, "checks": checks})


def section(cls: type, doc: str) -> Any:
    """A nested table of settings, defaulting to all of its own defaults."""
    return field(default_factory=cls, metadata={"doc": doc, "checks": ()})


# --- checks: tiny pure functions, each returns what is allowed or None -----------------------


def between(low: float, high: float) -> Check:
    return _allowing(f"{low}..{high}", lambda v: None if low <= v <= high else f"must be {low}..{high}")


def multiple_of(step: float) -> Check:
    return _allowing(f"a multiple of {step}",
                     lambda v: None if (v / step).is_integer() else f"must be a multiple of {step}")  # fmt: skip


def one_of(*allowed: Any) -> Check:
    shown = ", ".join(str(a) for a in allowed)
    return _allowing(f"one of {shown}", lambda v: None if v in allowed else f"must be one of {shown}")


def each_one_of(*allowed: str) -> Check:
    shown = ", ".join(allowed)

    def check(values: tuple[str, ...]) -> str | None:
        if len(set(values)) != len(values):
            return "must not repeat a value"
        bad = [v for v in values if v not in allowed]
        return f"{', '.join(bad)} not allowed; each must be one of {shown}" if bad else None

    return _allowing(f"any of {shown}", check)


def matches(pattern: str, allowed: str) -> Check:
    regex = re.compile(pattern)
    return _allowing(allowed, lambda v: None if regex.fullmatch(v) else f"must be {allowed}")


def cidr_block(shortest: int, longest: int) -> Check:
    """An IPv4 network in canonical form with a prefix length AWS accepts for the resource."""

    def check(value: str) -> str | None:
        try:
            net = ipaddress.IPv4Network(value)
        except ValueError:
            return f"must be an IPv4 network such as 10.0.0.0/16, /{shortest} to /{longest}"
        if not shortest <= net.prefixlen <= longest:
            return f"must have a prefix length of /{shortest} to /{longest}"
        return None

    return _allowing(f"an IPv4 network, /{shortest} to /{longest}", check)


def private_networks() -> Check:
    """A list of private (RFC 1918) IPv4 networks: what may be named as a source besides a security group."""
    blocks = [ipaddress.IPv4Network(b) for b in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]

    def check(values: tuple[str, ...]) -> str | None:
        if len(set(values)) != len(values):
            return "must not repeat a value"
        for v in values:
            try:
                net = ipaddress.IPv4Network(v)
            except ValueError:
                return f"{v}: must be an IPv4 network such as 10.20.0.0/16"
            if not any(net.subnet_of(b) for b in blocks):
                return f"{v}: must lie inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (a private network)"
        return None

    return _allowing("private IPv4 networks (inside 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)", check)


def count(n: int, each: Check) -> Check:
    def check(values: tuple[str, ...]) -> str | None:
        if len(values) != n:
            return f"must list exactly {n} values (one per availability zone)"
        for v in values:
            if problem := each(v):
                return f"{v}: {problem}"
        return None

    return _allowing(f"{n} of: {each.allowed}", check)  # type: ignore[attr-defined]


def daily_window(minimum_minutes: int) -> Check:
    return _allowing(f"hh24:mi-hh24:mi, {minimum_minutes} min..24 h",
                     lambda v: _window_problem(v, daily=True, minimum=minimum_minutes))  # fmt: skip


def weekly_window(minimum_minutes: int) -> Check:
    return _allowing(f"ddd:hh24:mi-ddd:hh24:mi, {minimum_minutes} min..24 h",
                     lambda v: _window_problem(v, daily=False, minimum=minimum_minutes))  # fmt: skip


def _tag_problem(tags: Mapping[str, str]) -> str | None:
    for key, value in tags.items():
        if key in RESERVED_TAGS or key.lower().startswith("aws:"):
            return f"tag {key!r} is set by iotstack or AWS; choose another key"
        if not 1 <= len(key) <= 128 or len(value) > 256:
            return f"tag {key!r}: keys must be 1..128 characters and values at most 256"
    return None


tag_map = _allowing(
    "keys of 1..128 characters, values of up to 256; not Environment, Project, ManagedBy, Name, Service, Type, aws:*",
    _tag_problem,
)


# --- maintenance windows ------------------------------------------------------------------------

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
WEEK = 7 * 24 * 60
_HHMM = r"([01]\d|2[0-3]):([0-5]\d)"
_DAILY = re.compile(rf"{_HHMM}-{_HHMM}")
_WEEKLY = re.compile(rf"({'|'.join(DAYS)}):{_HHMM}-({'|'.join(DAYS)}):{_HHMM}")


def window_intervals(window: str) -> list[tuple[int, int]]:
    """Minutes-of-the-week intervals ``[start, end)`` covered by a daily or weekly window (UTC)."""
    if m := _DAILY.fullmatch(window):
        start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
        starts = [day * 1440 + start for day in range(7)]
    elif m := _WEEKLY.fullmatch(window):
        start = DAYS.index(m[1]) * 1440 + int(m[2]) * 60 + int(m[3])
        end = DAYS.index(m[4]) * 1440 + int(m[5]) * 60 + int(m[6])
        starts = [start]
    else:
        raise ValueError(window)
    length = (end - start) % (1440 if len(starts) == 7 else WEEK)
    intervals = []
    for s in starts:  # a window may run past midnight or past Saturday: split at the wrap
        e = s + length
        intervals += [(s, e)] if e <= WEEK else [(s, WEEK), (0, e - WEEK)]
    return intervals


def _window_problem(window: str, daily: bool, minimum: int) -> str | None:
    shape = "hh24:mi-hh24:mi" if daily else "ddd:hh24:mi-ddd:hh24:mi (ddd = sun..sat)"
    if not (_DAILY if daily else _WEEKLY).fullmatch(window):
        return f"must be a UTC window {shape}"
    length = sum(e - s for s, e in window_intervals(window)) // (7 if daily else 1)
    if not minimum <= length <= 24 * 60:
        return f"must last {minimum} minutes to 24 hours"
    return None


def windows_overlap(a: str, b: str) -> bool:
    """Whether two valid windows share a minute of the week."""
    return any(s1 < e2 and s2 < e1 for s1, e1 in window_intervals(a) for s2, e2 in window_intervals(b))


# --- the settings -----------------------------------------------------------------------------

RESERVED_TAGS = ("Environment", "Project", "ManagedBy", "Name", "Service", "Type")

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                      1096, 1827, 2192, 2557, 2922, 3288, 3653)  # fmt: skip

SHARD_LEVEL_METRICS = ("IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords",
                       "WriteProvisionedThroughputExceeded", "ReadProvisionedThroughputExceeded",
                       "IteratorAgeMilliseconds", "ALL")  # fmt: skip

# Redis OSS versions ElastiCache still creates with standard support (4.0 and 5.0 left it in 2026).
# Neither ElastiCache's API schema nor cfn-lint checks them, so they are checked here.
REDIS_VERSIONS = ("6.0", "6.2", "7.0", "7.1")
# ElastiCache's current-generation node families: burstable ones come in micro..medium only.
REDIS_NODE_TYPE = r"cache\.((t3|t4g)\.(micro|small|medium)|(m5|m6g|m7g|r5|r6g|r6gd|r7g|c7gn)\.(large|\d*xlarge))"

# No "retain" for the whole stack: a kept cluster would keep its subnet group, security group and
# subnets in use, and the stack's deletion would fail on them.
REMOVAL_POLICIES = ("destroy", "snapshot")

# A subnet is /16../28 in a VPC of /16../28 (Amazon VPC quotas).
_SUBNET = cidr_block(16, 28)


@dataclass(frozen=True)
class NetworkSettings:
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
    # 1..10,000 is what one provisioned stream allows (the account's shard quota may be lower).
    shard_count: int = setting(2, "Shards of the provisioned sensor-data stream.", between(1, 10000))
    retention_hours: int = setting(24, "How long records stay readable.", between(24, 8760))
    shard_level_metrics: tuple[str, ...] = setting(
        ("IncomingBytes", "IncomingRecords", "OutgoingBytes", "OutgoingRecords"),
        "Enhanced (shard-level) CloudWatch metrics.", each_one_of(*SHARD_LEVEL_METRICS),
    )  # fmt: skip


@dataclass(frozen=True)
class AuroraSettings:
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
        problems = []
        if self.min_capacity > self.max_capacity:
            problems.append(("min_capacity", self.min_capacity, f"must not exceed max_capacity {self.max_capacity}"))
        if windows_overlap(self.backup_window, self.maintenance_window):
            problems.append(("backup_window", self.backup_window,
                             f"must not overlap maintenance_window {self.maintenance_window}"))  # fmt: skip
        return problems


@dataclass(frozen=True)
class RedisSettings:
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
        problems = []
        if self.automatic_failover and self.cache_clusters < 2:
            problems.append(("cache_clusters", self.cache_clusters,
                             "automatic_failover needs at least 2 (a primary and a replica)"))  # fmt: skip
        if windows_overlap(self.snapshot_window, self.maintenance_window):
            problems.append(("snapshot_window", self.snapshot_window,
                             f"must not overlap maintenance_window {self.maintenance_window}"))  # fmt: skip
        return problems


@dataclass(frozen=True)
class LogSettings:
    retention_days: int = setting(7, "Retention of every log group.", one_of(*LOG_RETENTION_DAYS))


# Stack names: a letter, then letters, digits and hyphens, at most 128 characters (CloudFormation).
STACK_NAME = r"[A-Za-z][A-Za-z0-9-]{0,127}"
# S3 bucket names: 3..63 lowercase letters, digits, dots and hyphens, a letter or digit at each end.
BUCKET_NAME = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"


@dataclass(frozen=True)
class DeploySettings:
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


@dataclass(frozen=True)
class Environment:
    """One environment: everything the generator needs to build its template."""

    name: str = field(metadata={"doc": "The file's name without .toml.", "checks": (), "derived": True})
    region: str = setting(
        "sa-east-1", "AWS region the stack is deployed to and linted for.",
        matches(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d", "an AWS region name such as sa-east-1"),
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
    logs: LogSettings = section(LogSettings, "CloudWatch log groups.")
    deploy: DeploySettings = section(DeploySettings, "How iotstack deploy ships the template.")

    @property
    def stack_name(self) -> str:
        """The stack this environment deploys to."""
        return self.deploy.stack_name or f"iot-platform-{self.name}"


# --- loading ------------------------------------------------------------------------------------

# Resource names are "{kind}-{env}"; the tightest limit is the Redis replication group id: 40
# characters, a letter first, no "--" and no hyphen at the end.
ENV_NAME = re.compile(r"(?=.{1,20}$)[a-z][a-z0-9]*(-[a-z0-9]+)*")


def environment_names(directory: Path = ENVIRONMENTS_DIR) -> list[str]:
    """The environments defined in ``directory``, sorted."""
    return sorted(p.stem for p in directory.glob("*.toml"))


def load_environment(name: str, directory: Path = ENVIRONMENTS_DIR) -> Environment:
    """Read and validate ``<directory>/<name>.toml``; raise :class:`ConfigError` listing every problem."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(environment_names(directory)) or "none"
        raise UsageError(f"unknown environment {name!r}: no {path}; known environments: {known}")
    if not ENV_NAME.fullmatch(name):
        raise ConfigError([f"{path.name}: environment name {name!r}: must be 1..20 lowercase letters, digits "
                           "and single hyphens, starting with a letter (it ends every resource name)"])  # fmt: skip
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a byte-order mark is tolerated
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:  # TOML files must be UTF-8
        raise ConfigError([f"{path.name}: not valid TOML: {exc}"]) from None
    problems: list[str] = []
    env = _build(Environment, data, path.name, "", problems, name=name)
    if problems:
        raise ConfigError(problems)
    return env


def load_environments(names: Sequence[str] = (), directory: Path | None = None) -> list[Environment]:
    """Load the named environments (all of them when none is named), reporting every problem.

    ``directory`` defaults to the package's ``environments/`` folder.
    """
    directory = directory or ENVIRONMENTS_DIR
    known = environment_names(directory)
    if not known:
        raise UsageError(f"no environment files (*.toml) in {directory}")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown environment {', '.join(unknown)}; known environments: {', '.join(known)}")
    problems: list[str] = []
    envs = []
    for name in dict.fromkeys(names or known):
        try:
            envs.append(load_environment(name, directory))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return envs


def _build(cls: type, table: Mapping[str, Any], file: str, prefix: str, problems: list[str], **given: Any) -> Any:
    """Build ``cls`` from ``table``, appending ``file: key = value: what is allowed`` to ``problems``."""
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("derived")}
    hints = typing.get_type_hints(cls)
    for key in (k for k in table if k not in fields):  # in file order: a set's order varies by run
        problems.append(f"{file}: {prefix}{key}: unknown key; allowed keys: {', '.join(fields)}")
    values, problems_before = dict(given), len(problems)
    for name, f in fields.items():
        if name not in table:
            continue
        key, value, expected = prefix + name, table[name], hints[name]
        if dataclasses.is_dataclass(expected):
            if isinstance(value, dict):
                values[name] = _build(expected, value, file, f"{key}.", problems)
            else:
                problems.append(f"{file}: {key} = {_show(value)}: must be a table [{key}]")
            continue
        converted, type_problem = _convert(value, expected)
        problem = type_problem or next((p for check in f.metadata["checks"] if (p := check(converted))), None)
        if problem:
            problems.append(f"{file}: {key} = {_show(value)}: {problem}")
        else:
            values[name] = converted
    if len(problems) > problems_before:  # cross-checks need every field valid; defaults stand in
        return cls(**given)
    obj = cls(**values)
    cross_checks = getattr(obj, "problems", list)  # a section's own method, when it has rules across fields
    for key, value, why in cross_checks():
        problems.append(f"{file}: {prefix}{key} = {_show(table.get(key, value))}: {why}")  # as written in the file
    return obj


def _convert(value: Any, expected: Any) -> tuple[Any, str | None]:
    """Check a TOML value against a field's type; return it in the field's (immutable) form."""
    origin = typing.get_origin(expected)
    if expected is bool:
        return value, None if isinstance(value, bool) else "must be true or false"
    if expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return value, None if ok else "must be a whole number"
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value) if ok else value), None if ok else "must be a number"
    if expected is str:
        return value, None if isinstance(value, str) else "must be a string"
    if origin is tuple:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return (tuple(value) if ok else value), None if ok else "must be a list of strings"
    if origin is Mapping:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        converted = MappingProxyType(dict(sorted(value.items()))) if ok else value
        return converted, None if ok else "must be a table of strings"
    raise TypeError(f"unsupported setting type {expected}")


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        bare = re.compile(r"[A-Za-z0-9_-]+")
        return "{" + ", ".join(f"{k if bare.fullmatch(k) else _show(k)} = {_show(v)}" for k, v in value.items()) + "}"
    return str(value)


def reference_markdown() -> str:
    """The environment file reference, as the Markdown table the README carries."""
    rows = ["| key | default | allowed | meaning |", "| --- | --- | --- | --- |"]

    def walk(cls: type, prefix: str) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.metadata.get("derived"):
                continue
            if dataclasses.is_dataclass(hints[f.name]):
                walk(hints[f.name], f"{prefix}{f.name}.")
                continue
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            allowed = "; ".join(c.allowed for c in f.metadata["checks"]) or ("true, false" if
                                                                            hints[f.name] is bool else "")  # fmt: skip
            rows.append(f"| `{prefix}{f.name}` | `{_show(default)}` | {allowed} | {f.metadata['doc']} |")

    walk(Environment, "")
    return "\n".join(rows) + "\n"
