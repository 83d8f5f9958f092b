"""What a node of the architecture says: its short type and the facts a reviewer looks for
(engine, size, encryption key, retention, rotation), read from the template's properties."""

from __future__ import annotations

import re
from collections import Counter

from generator.cfn import STATEFUL_TYPES, short_type

ENGINES = {"aurora-postgresql": "Aurora PostgreSQL", "aurora-mysql": "Aurora MySQL", "postgres": "PostgreSQL",
           "mysql": "MySQL", "redis": "Redis", "valkey": "Valkey", "memcached": "Memcached"}  # fmt: skip
SERVICES = {"KMS": "KMS", "SecretsManager": "Secrets Manager", "Logs": "CloudWatch Logs", "Kinesis": "Kinesis",
            "IAM": "IAM", "SNS": "SNS", "CloudWatch": "CloudWatch"}  # fmt: skip
# The longest label line, in characters, before it is cut at a " · ": about 200 px at 14 px, so that three nodes
# and their gaps fit beside each other in a 900 px column.
LINE = 28
# What notifies about a resource: alarms on its metrics, and event subscriptions naming it.
ALARM, EVENTS = "AWS::CloudWatch::Alarm", ("AWS::RDS::EventSubscription", "AWS::Events::Rule")


def is_store(resource_type: str) -> bool:
    """A data store: stateful, and not a key (keys are drawn as keys)."""
    return resource_type in STATEFUL_TYPES and resource_type != "AWS::KMS::Key"


def service(resource_type: str) -> str:
    """The box a resource without a network is drawn in: ``AWS::Logs::LogGroup`` -> CloudWatch Logs."""
    name = resource_type.split("::")[1] if resource_type.count("::") == 2 else resource_type
    return SERVICES.get(name, name)


def watch_marks(res: dict, refs: dict) -> dict[str, str]:
    """``{logical id: "watched: 3 alarms, events"}``: alarms on a resource's metrics (its dimensions),
    and events about it sent to a topic (an event subscription or rule naming it, or its own
    ``NotificationTopicArn``)."""
    alarms: Counter[str] = Counter()
    events = set()
    for m, r in res.items():
        heads = _heads(refs[m])
        if r["Type"] == ALARM:
            alarms.update(t for path, t in heads if path == ("Dimensions",))
        elif r["Type"] in EVENTS:
            events |= {t for path, t in heads if path in (("SourceIds",), ("EventPattern",))}
        if "NotificationTopicArn" in r.get("Properties", {}):
            events.add(m)
    return {k: "watched: " + ", ".join(p for p in (_count(alarms[k], "alarm"), "events" * (k in events)) if p)
            for k in alarms.keys() | events}  # fmt: skip


def _heads(found) -> set:
    """``{(first path element,), target}`` of ``references``: which property refers to what."""
    return {(path[:1], target) for path, target in found}


def facts(k: str, res: dict, members: list[str], refs: dict) -> list[str]:
    """The label lines of the node (or box) ``k``: its short type with the facts that matter."""
    r = res[k]
    props = r.get("Properties", {})
    kind = r["Type"]
    keys = sorted({t for _, t in refs[k] if res[t]["Type"] == "AWS::KMS::Key"})
    key = f"KMS {', '.join(keys)}" if keys and not kind.startswith("AWS::IAM::") else ""  # a policy's keys: used
    folded = {res[m]["Type"]: res[m].get("Properties", {}) for m in members if m != k}
    if kind == "AWS::EC2::VPC":
        flow = [t for m in members if res[m]["Type"] == "AWS::EC2::FlowLog" for path, t in refs[m]
                if path and path[0] == "LogGroupName"]  # fmt: skip
        return [f"{k} · VPC {props.get('CidrBlock', '')}" + (f" · flow logs to {flow[0]}" if flow else "")]
    if kind == "AWS::RDS::DBCluster":
        scaling = props.get("ServerlessV2ScalingConfiguration") or {}
        size = f"{scaling.get('MinCapacity')}-{scaling.get('MaxCapacity')} ACU" if scaling else ""
        return _lines(_engine(props), _join(size, _days("backups", props.get("BackupRetentionPeriod"))), key)
    if kind == "AWS::RDS::DBInstance":
        cluster = next((t for path, t in refs[k] if path[:1] == ("DBClusterIdentifier",)), "")
        return _lines(f"DB instance · {props.get('DBInstanceClass', '')}", f"in {cluster}" if cluster else "")
    if kind == "AWS::ElastiCache::ReplicationGroup":
        size = f"{props.get('NumCacheClusters', '?')} × {props.get('CacheNodeType', '')}"
        tls = "TLS" if props.get("TransitEncryptionEnabled") else ""
        return _lines(_join(_engine(props), size), "nodes in the private subnets",
                      _join(key, tls, _days("snapshots", props.get("SnapshotRetentionLimit"))))  # fmt: skip
    if kind == "AWS::Kinesis::Stream":
        shards = f"{props['ShardCount']} shards" if "ShardCount" in props else "on demand"
        return _lines(f"Kinesis stream · {shards}", _join(key, _hours(props.get("RetentionPeriodHours"))))
    if kind == "AWS::KMS::Key":
        alias = folded.get("AWS::KMS::Alias", {}).get("AliasName", "")
        return _lines(alias, "rotation on" if props.get("EnableKeyRotation") else "no rotation")
    if kind == "AWS::SecretsManager::Secret":
        schedules = [
            res[m].get("Properties", {})
            for m in sorted(res)
            if res[m]["Type"] == "AWS::SecretsManager::RotationSchedule" and (("SecretId",), k) in refs[m]
        ]
        every = (schedules[0] if schedules else {}).get("RotationRules", {})
        rotated = _days("rotated every", every.get("AutomaticallyAfterDays"))
        return _lines("secret", _join(key, rotated))
    if kind == "AWS::Logs::LogGroup":
        return _lines(_join("log group", _days("", props.get("RetentionInDays")).strip()), key)
    if kind == "AWS::EC2::VPCEndpoint":
        name = props.get("ServiceName")
        text = name.get("Fn::Sub", "") if isinstance(name, dict) else str(name or "")
        return _lines(f"VPC endpoint · {re.sub(r'.*[.}]', '', text)}")
    if kind == "AWS::EC2::SecurityGroup":
        return _lines("security group", "of clients outside the stack")
    if kind == "AWS::SNS::Topic":
        count = {t: sum(1 for m in members if res[m]["Type"] == t) for t in (ALARM, *EVENTS, "AWS::SNS::Subscription")}
        senders = sorted(m for m in res if (("NotificationTopicArn",), k) in _heads(refs[m]))
        events = f"events of {', '.join(senders)}" if senders else ""
        told = _join(_count(count[ALARM], "alarm"), _count(count[EVENTS[0]], "event subscription"),
                     _count(count[EVENTS[1]], "rule"), events)  # fmt: skip
        readers = _count(count["AWS::SNS::Subscription"], "subscriber") or "no subscriber"
        return _lines(_join("topic", key), told, readers)
    if kind == "AWS::CloudWatch::Dashboard":
        return _lines("dashboard")
    if kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy"):
        return _lines("IAM managed policy" if kind.endswith("ManagedPolicy") else "IAM policy")
    if kind == "AWS::SecretsManager::RotationSchedule":
        every = props.get("RotationRules", {}).get("AutomaticallyAfterDays")
        return _lines("rotation function (Lambda)", _days("every", every))
    return _lines(short_type(kind), key)


def fitted(lines: list[str], width: int = LINE) -> list[str]:
    """``lines`` with each longer than ``width`` characters cut at its `` · `` separators, so that a node
    stays narrow (a line Mermaid wraps itself breaks mid-fact)."""
    out = []
    for line in lines:
        parts = line.split(" · ")
        current = parts[0]
        for part in parts[1:]:
            if len(current) + 3 + len(part) > width:
                out.append(current)
                current = part
            else:
                current += " · " + part
        out.append(current)
    return out


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n > 1 else ''}" if n else ""


def _engine(props: dict) -> str:
    engine = str(props.get("Engine", ""))
    return f"{ENGINES.get(engine, engine)} {props.get('EngineVersion', '')}".strip()


def _days(what: str, days) -> str:
    return f"{what} {days} d".strip() if days not in (None, "", 0) else ""


def _hours(hours) -> str:
    return f"{hours} h" if hours else ""


def _join(*parts: str) -> str:
    return " · ".join(p for p in parts if p)


def _lines(*lines: str) -> list[str]:
    return [line for line in lines if line]
