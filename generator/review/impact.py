"""What AWS documents for the updates this stack makes, said in the plan: a limit that fails the deploy
(``ERROR``), what an update interrupts or starts (``WARNING``), what it counts against (``INFO``).

One function per kind of change, each taking the change and its resource before and after (template data)
and giving a :class:`Note` or None; every note names the AWS page it comes from. :func:`notes` runs them all.
:func:`holding` marks a replaced VPC with the stateful resources that live in it.
"""

from __future__ import annotations

from dataclasses import replace

from generator.cfn import STATEFUL_TYPES, references
from generator.review.model import ERROR, INFO, WARNING, Note, ResourceChange
from generator.review.schemas import NO


def notes(change: ResourceChange, old: dict, new: dict, deployed: bool, ran: set[str]) -> list[Note]:
    """Every note the AWS documentation gives on ``change`` (``old``/``new``: the resource at the base and now;
    ``deployed``: the base has resources, so a stack exists; ``ran``: the base's :func:`functions`)."""
    found = [reboot(change), shard_limits(change, old, new), node_type_change(change, old, new),
             engine_upgrade(change, old, new), cache_engine_upgrade(change, old, new),
             secret_access(change, new, deployed),
             made_by_lambda(change, new, ran)]  # fmt: skip
    return [n for n in found if n]


def slow(resource_type: str, old: dict, new: dict) -> str:
    """Why an update of this resource takes as long as its data does (so a forecast of it is a floor); ""."""
    before, after = old.get("Properties", {}), new.get("Properties", {})

    def changed(name: str) -> bool:
        return before.get(name) != after.get(name)

    if resource_type == "AWS::Kinesis::Stream" and changed("ShardCount"):
        return f"resharding could take a few minutes, depending on the stream's size ({SHARD_SOURCE})"
    if resource_type == "AWS::ElastiCache::ReplicationGroup" and (changed("CacheNodeType") or changed("EngineVersion")):
        return "new nodes are made and synced: as long as the data takes (no published duration)"
    if resource_type == "AWS::RDS::DBCluster" and changed("EngineVersion"):
        return "an engine upgrade: no published duration"
    return ""


def _updated(change: ResourceChange, resource_type: str, prop: str, old: dict, new: dict,
             kind: type | tuple[type, ...]) -> tuple | None:  # fmt: skip
    """``(before, after)`` of ``prop`` when ``change`` modifies a ``resource_type`` in place and the property, a
    ``kind`` on both sides, changes (as text: ``7.0`` and ``"7.0"`` are one version); else None."""
    if change.type != resource_type or change.action != "modify":
        return None
    before, after = (r.get("Properties", {}).get(prop) for r in (old, new))
    ok = isinstance(before, kind) and isinstance(after, kind) and not isinstance(before, bool)
    return (before, after) if ok and str(before) != str(after) else None


def functions(resources: dict) -> set[str]:
    """The names of the Lambda functions a template makes: its functions', and its hosted rotation functions'."""
    names = set()
    for resource in resources.values():
        props = resource.get("Properties", {})
        hosted = props.get("HostedRotationLambda") if isinstance(props.get("HostedRotationLambda"), dict) else {}
        names |= {n for n in (props.get("FunctionName"), hosted.get("RotationLambdaName")) if isinstance(n, str)}
    return names


def made_by_lambda(change: ResourceChange, new: dict, ran: set[str]) -> Note | None:
    """A log group added for a function the base already made: Lambda made the group when the function first
    ran (Lambda developer guide, "Working with Lambda function logs"), and CloudFormation cannot create one of
    the same name."""
    group = new.get("Properties", {}).get("LogGroupName")
    function = (
        group.removeprefix("/aws/lambda/") if isinstance(group, str) and group.startswith("/aws/lambda/") else None
    )
    if change.action != "add" or function not in ran:
        return None
    return Note(ERROR, f"{change.logical_id}: the function {function} exists and has run, so Lambda has made {group} "
                       "already: creating it fails (the name is taken). Name the function anew (a new function gets "
                       "the stack's group), or delete the group first (its events are lost)")  # fmt: skip


# Aurora applies a cluster parameter group newly associated with a cluster only when its instances reboot (Aurora
# user guide, "Rebooting an Amazon Aurora DB cluster"), and CloudFormation does not reboot them. Whether a changed
# parameter waits for a reboot is its ApplyType, which AWS publishes per engine family only through its API.
REBOOT_SOURCE = 'Aurora user guide, "Rebooting an Amazon Aurora DB cluster"'


def reboot(change: ResourceChange) -> Note | None:
    """What waits for a reboot of the cluster's instances: a new parameter group, or changed parameters."""
    if change.action != "modify":
        return None
    paths = [p.path for p in change.changes]
    if change.type == "AWS::RDS::DBCluster" and "DBClusterParameterGroupName" in paths:
        return Note(WARNING, f"{change.logical_id}: its new cluster parameter group applies only after each instance "
                             "reboots, which CloudFormation does not do: until then the old parameters hold. Reboot "
                             "the instances one at a time (`aws rds reboot-db-instance`), each a brief interruption "
                             f"({REBOOT_SOURCE})")  # fmt: skip
    changed = sorted({p.split("/", 1)[1] for p in paths if p.startswith("Parameters/")})
    if change.type == "AWS::RDS::DBClusterParameterGroup" and changed:
        return Note(WARNING, f"{change.logical_id}: {', '.join(changed)} change: a dynamic parameter applies at once, "
                             "a static one only after each instance reboots; which it is, AWS says through its API "
                             "only (`aws rds describe-engine-default-cluster-parameters`, ApplyType)")  # fmt: skip
    return None


# Kinesis Data Streams API reference, UpdateShardCount (as botocore ships it): "By default, you cannot ... Scale up
# to more than double your current shard count for a stream; Scale down below half your current shard count for a
# stream; Scale more than ten times per rolling 24-hour period per stream". CloudFormation updates ShardCount with it.
SHARD_SOURCE = "Kinesis API reference, UpdateShardCount"
SCALINGS_PER_DAY = 10


def shard_limits(change: ResourceChange, old: dict, new: dict) -> Note | None:
    """Whether a stream's new shard count is one UpdateShardCount accepts from the old one."""
    values = None if change.may_replace else _updated(change, "AWS::Kinesis::Stream", "ShardCount", old, new, int)
    if values is None:
        return None
    before, after = values
    if after > 2 * before or after * 2 < before:
        steps = " → ".join(str(n) for n in _scaling_steps(before, after))
        return Note(ERROR, f"{change.logical_id}: ShardCount {before} → {after}: Kinesis refuses to more than double "
                           f"or halve a stream's shards in one update, so the deploy fails ({SHARD_SOURCE}); go "
                           f"{steps}, one deploy each (at most {SCALINGS_PER_DAY} a day)")  # fmt: skip
    return Note(INFO, f"{change.logical_id}: ShardCount {before} → {after}: one of the {SCALINGS_PER_DAY} scalings "
                      f"a stream may make in a rolling 24 hours ({SHARD_SOURCE})")  # fmt: skip


def _scaling_steps(before: int, after: int) -> list[int]:
    """The fewest shard counts from ``before`` to ``after`` with each step at most double or at least half."""
    steps = [before]
    while steps[-1] != after:
        here = steps[-1]
        steps.append(min(after, 2 * here) if after > here else max(after, (here + 1) // 2))
    return steps


# ElastiCache user guide, "Online vertical scaling by modifying node type": the group keeps serving while ElastiCache
# makes nodes of the new type and syncs them; no scaling between a data-tiering node type (r6gd) and one without.
# "Migrating previous generation nodes" gives the switch's interruption: about 60 s for a single node (DNS), about
# 1 s with a replica on Redis 5.0.6 and later, about 10 s on older versions.
NODE_TYPE_SOURCE = 'ElastiCache user guide, "Online vertical scaling by modifying node type"'


def node_type_change(change: ResourceChange, old: dict, new: dict) -> Note | None:
    """What a replication group's new node type interrupts, or that ElastiCache refuses it."""
    values = _updated(change, "AWS::ElastiCache::ReplicationGroup", "CacheNodeType", old, new, str)
    if values is None:
        return None
    before, after = values
    if _tiering(before) != _tiering(after):
        refused = "ElastiCache does not scale between a data-tiering node type (r6gd) and one without"
        return Note(ERROR, f"{change.logical_id}: node type {before} → {after}: {refused}, so the deploy fails "
                           f"({NODE_TYPE_SOURCE})")  # fmt: skip
    props = new.get("Properties", {})
    replicas = isinstance(props.get("NumCacheClusters"), int) and props["NumCacheClusters"] > 1
    version = _version(props.get("EngineVersion"))
    pause = ("about 1 s" if version >= (5, 0, 6) else "about 10 s") if replicas else "about 60 s (one node: DNS)"
    return Note(WARNING, f"{change.logical_id}: node type {before} → {after}: online vertical scaling, the group "
                         f"serves while new nodes sync; the switch interrupts {pause} (ElastiCache user guide, "
                         '"Migrating previous generation nodes"); best in a quiet hour')  # fmt: skip


def _tiering(node_type: str) -> bool:
    return ".r6gd." in node_type


def _version(value: object) -> tuple[int, ...]:
    parts = str(value).split(".") if value is not None else []
    return tuple(int(p) for p in parts if p.isdigit()) or (0,)


# RDS API reference, ModifyDBCluster (as botocore ships it): EngineVersion "Changing this parameter results in an
# outage". CloudFormation's handler for AWS::RDS::DBCluster (aws-cloudformation/aws-cloudformation-resource-providers-
# rds, aws-rds-dbcluster Translator.modifyDbClusterRequest, at 5a410e8) sends a changed EngineVersion with
# AllowMajorVersionUpgrade true, and sends no EngineVersion when it rolls back: an upgrade stays when the deploy fails.
# Aurora user guide, "Supported Regions and Aurora DB engines for zero-downtime patching (ZDP)": ZDP tries, best
# effort, to keep connections through an upgrade; the engine's restart can "cause a drop in throughput lasting for a
# few seconds to approximately one minute"; Aurora PostgreSQL offers it for minor versions ("Minor release upgrades
# and zero-downtime patching").
ENGINE_SOURCE = "RDS API reference, ModifyDBCluster"
HANDLER_SOURCE = "CloudFormation's DBCluster handler, aws-cloudformation-resource-providers-rds"
ZDP_SOURCE = 'Aurora user guide, "Supported Regions and Aurora DB engines for zero-downtime patching (ZDP)"'


def engine_upgrade(change: ResourceChange, old: dict, new: dict) -> Note | None:
    """What a cluster's new engine version interrupts, and that a failed deploy does not take it back."""
    values = _updated(change, "AWS::RDS::DBCluster", "EngineVersion", old, new, str)
    if values is None:
        return None
    before, after = values
    stays = (f"if the deploy fails, its rollback leaves the engine at {after} ({HANDLER_SOURCE}: a rollback sends "
             "no engine version)")  # fmt: skip
    if _major(before) != _major(after):
        return Note(WARNING, f"{change.logical_id}: engine {before} → {after}, a new major version: an outage while "
                             f"the cluster upgrades ({ENGINE_SOURCE}), without zero-downtime patching (minor versions "
                             f"only); {stays}. Rehearse it on a cluster restored from a snapshot first")  # fmt: skip
    return Note(WARNING, f"{change.logical_id}: engine {before} → {after}: an outage while the engine restarts "
                         f"({ENGINE_SOURCE}); zero-downtime patching tries to keep connections, a drop in throughput "
                         f"of a few seconds to about a minute ({ZDP_SOURCE}); {stays}")  # fmt: skip


def _major(version: str) -> tuple[str, ...]:
    """PostgreSQL's major version: the first number from 10 on (``15.4`` → 15), the first two before (``9.6``)."""
    parts = version.split(".")
    return tuple(parts[:1] if parts[0].isdigit() and int(parts[0]) >= 10 else parts[:2])


# AWS Knowledge Center, "How do I upgrade my Amazon ElastiCache for Redis engine version and what is the impact of
# upgrading?": from 5.0.5 on, the cluster serves reads throughout and writes except during the failover, "a few
# seconds"; before, the failover may take 30 s to 1 min (DNS); with one node or Multi-AZ off, the primary cannot serve
# requests during the upgrade, whatever the version. The stack sets no cache parameter group of its own, so no Redis
# parameter can change (and reboot) through it: the engine version is the update that interrupts.
CACHE_ENGINE_SOURCE = ('AWS Knowledge Center, "How do I upgrade my Amazon ElastiCache for Redis engine version and '
                       'what is the impact of upgrading?"')  # fmt: skip


def cache_engine_upgrade(change: ResourceChange, old: dict, new: dict) -> Note | None:
    """What a replication group's new engine version interrupts."""
    values = _updated(change, "AWS::ElastiCache::ReplicationGroup", "EngineVersion", old, new, (str, int, float))
    if values is None:
        return None
    before, after = values
    props = new.get("Properties", {})
    single = not (isinstance(props.get("NumCacheClusters"), int) and props["NumCacheClusters"] > 1
                  and props.get("MultiAZEnabled") is True)  # fmt: skip
    if single:
        pause = "the primary serves no requests during the upgrade (one node, or Multi-AZ off)"
    elif _version(before) >= (5, 0, 5):
        pause = "reads are served throughout, writes pause for the failover, a few seconds"
    else:
        pause = "the failover may take 30 s to 1 min (DNS)"
    return Note(WARNING, f"{change.logical_id}: Redis {before} → {after}: new nodes are made and synced, then "
                         f"a failover; {pause} ({CACHE_ENGINE_SOURCE}); take a backup first")  # fmt: skip


def secret_access(change: ResourceChange, new: dict, deployed: bool) -> Note | None:
    """What a deployed secret's readers meet: a rotation the update starts at once, a resource policy that begins
    to refuse."""
    at_once = new.get("Properties", {}).get("RotateImmediatelyOnUpdate") is not False
    if change.type == "AWS::SecretsManager::RotationSchedule" and change.action == "modify" and at_once:
        why = "RotateImmediatelyOnUpdate is not false: a single-user rotation changes the password every client holds"
        return Note(WARNING, f"{change.logical_id}: the update rotates the secret at once ({why})")
    if change.type == "AWS::SecretsManager::ResourcePolicy" and change.action == "add" and deployed:
        return Note(WARNING, f"{change.logical_id}: from this deploy on, the secret refuses the principals its Deny "
                             "statements name: a client that reads it today may be one of them")  # fmt: skip
    return None


# What a VPC holds: the stateful resources that reach it through their subnet groups and security groups.
CONTAINERS = {"AWS::EC2::VPC"}


def holding(change: ResourceChange, resources: dict) -> ResourceChange:
    """A replaced (or maybe replaced) VPC with the stateful resources that live in it (they refer to it through
    their subnet groups, subnets and security groups): replacing it moves a running database and cache to
    another network, which the plan puts at stake like their own replacement."""
    if change.type not in CONTAINERS or change.action not in ("replace", "modify") or change.replacement == NO:
        return change
    reach: dict[str, bool] = {change.logical_id: True}

    def inside(logical: str, seen: frozenset = frozenset()) -> bool:
        if logical not in reach:
            targets = {t for _, t in references(resources.get(logical, {}).get("Properties", {}))} - seen
            reach[logical] = any(inside(t, seen | {logical}) for t in sorted(targets) if t in resources)
        return reach[logical]

    held = tuple(k for k in sorted(resources) if resources[k]["Type"] in STATEFUL_TYPES and inside(k))
    if not held:
        return change
    done = "is replaced" if change.replaces else "may be replaced"
    note = Note(WARNING, f"{change.logical_id} {done}, and with it every subnet and security group in it: "
                         f"{', '.join(held)} live in it and would have to move to the new network while running, "
                         "with their subnet groups keeping their names (create-only); to renumber a network, "
                         "deploy a copy under a new name and move the data")  # fmt: skip
    return replace(change, within=held, notes=(*change.notes, note))
