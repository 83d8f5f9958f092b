"""How long a deploy should take: the longest path through the change, not the sum of its parts.

CloudFormation works on every resource whose dependencies are done, in parallel; so a deploy lasts as
long as its longest chain of dependent operations. :func:`forecast` builds that graph from the template
(``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``DependsOn``), weighs each changed resource with its expected
duration (:mod:`generator.review.durations`) and unchanged ones with nothing (they are passed through,
not waited for), and finds the longest path. A replacement creates the new resource in the update and
deletes the old one in the clean-up that follows it, as a removal does; deletions go in reverse
dependency order (the base template's), after every update.

The same graph answers the deploy's question while it runs (:meth:`Forecast.left`): the time left along
the remaining longest path, given what is done and how long what is running has run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from generator.cfn import references
from generator.review.durations import CREATE, DELETE, SOURCE, UPDATE, Durations

DELETED = " (delete)"  # a deletion's key: the logical id and this (a replaced resource has both)


@dataclass(frozen=True)
class Task:
    """One resource's operation in the deploy; ``operation`` None for an unchanged resource (no time)."""

    key: str  # the logical id; a deletion's is the logical id + DELETED
    logical_id: str
    type: str
    operation: str | None  # CREATE, UPDATE, DELETE or None
    seconds: float  # expected; 0 when unchanged or unknown
    measured: bool = False  # from this account's history rather than the published table
    after: tuple[str, ...] = ()  # the keys of the tasks it waits for


@dataclass(frozen=True)
class Forecast:
    """The expected duration of a deploy along its longest path, and the graph it came from."""

    seconds: float
    path: tuple[str, ...]  # the keys of the operations on the longest path, first to last
    tasks: tuple[Task, ...]
    unknown: tuple[str, ...] = ()  # types created or updated that no table knows: counted as nothing
    uncounted: int = 0  # deletions without a measured duration (none is published): counted as nothing

    @property
    def operations(self) -> dict[str, Task]:
        """The tasks that take time (changed resources), by key."""
        return {t.key: t for t in self.tasks if t.operation}

    @property
    def source(self) -> str:
        """Where the durations come from, in words."""
        kinds = {(t.type, t.operation) for t in self.tasks if t.operation}
        measured = {(t.type, t.operation) for t in self.tasks if t.operation and t.measured}
        if not measured:
            return f"durations: {SOURCE}"
        if measured == kinds:
            return "durations: measured in this account (.cache/iotstack/durations)"
        return f"durations: {len(measured)} of {len(kinds)} measured in this account, the rest {SOURCE}"

    @property
    def length(self) -> str:
        """``about 16 min``, ``under a minute``, or ``unknown`` when nothing it counts has a duration."""
        return about(self.seconds) if self.path or not (self.unknown or self.uncounted) else "unknown"

    def summary(self) -> str:
        """``about 16 min; longest path DatabaseKey → AuroraCluster → AuroraInstance``."""
        if not self.operations:
            return "no resource operations"
        return self.length + (f"; longest path {' → '.join(self.path)}" if self.path else "")

    @property
    def left_out(self) -> tuple[str, ...]:
        """What the forecast could not count, in words."""
        said = [f"no duration known for {', '.join(self.unknown)}"] if self.unknown else []
        if self.uncounted:
            said.append(f"{self.uncounted} deletion(s) not counted: none published, none measured here yet")
        return tuple(said)

    def left(self, done: set[str], running: Mapping[str, float]) -> tuple[float, tuple[str, ...]]:
        """The time left along the longest remaining path: ``done`` keys take nothing more, ``running`` ones
        (key -> seconds so far) what remains of their expected time, the rest all of it."""
        weights = {t.key: 0.0 if t.key in done else max(t.seconds - running.get(t.key, 0.0), 0.0) for t in self.tasks}
        return _longest(self.tasks, weights, keep=set(self.operations) - done)

    def to_dict(self) -> dict:
        return {"seconds": round(self.seconds), "summary": self.summary(), "path": list(self.path),
                "source": self.source, "left_out": list(self.left_out)}  # fmt: skip


def about(seconds: float) -> str:
    """A duration as a reviewer wants it: ``under a minute``, ``about 16 min``."""
    return "under a minute" if seconds < 60 else f"about {round(seconds / 60)} min"


def forecast(before: dict | None, after: dict, actions: Mapping[str, str], durations: Durations) -> Forecast:
    """The forecast of a deploy taking ``before`` to ``after`` with ``actions`` (logical id -> ``add``,
    ``modify``, ``replace`` or ``remove``, as the plan says); ``before`` None for a new stack."""
    old, new = (before or {}).get("Resources", {}), after.get("Resources", {})
    tasks: list[Task] = []
    unknown: set[str] = set()
    uncounted: list[str] = []

    def task(key: str, logical: str, resource: dict, operation: str | None, waits: list[str]) -> Task:
        seconds, measured = durations.seconds(resource["Type"], operation) if operation else (0.0, False)
        if seconds is None and operation == DELETE:
            uncounted.append(key)
        elif seconds is None:
            unknown.add(resource["Type"])
        return Task(key, logical, resource["Type"], operation, seconds or 0.0, measured, tuple(sorted(set(waits))))

    for logical, resource in sorted(new.items()):
        operation = {"add": CREATE, "replace": CREATE, "modify": UPDATE}.get(actions.get(logical, ""))
        tasks.append(task(logical, logical, resource, operation, [d for d in _depends_on(resource) if d in new]))
    applied = [t.key for t in tasks]
    deleted = {k for k, a in actions.items() if a in ("replace", "remove") and k in old}
    for logical in sorted(deleted):
        # Deleted after every update (the clean-up), and after whatever of the base depended on it is deleted.
        dependents = [k + DELETED for k in deleted if logical in _depends_on(old[k])]
        tasks.append(task(logical + DELETED, logical, old[logical], DELETE, applied + dependents))
    operations = {t.key for t in tasks if t.operation}
    seconds, path = _longest(tasks, {t.key: t.seconds for t in tasks}, keep=operations)
    return Forecast(seconds, path, tuple(tasks), tuple(sorted(unknown)), len(uncounted))


def _depends_on(resource: dict) -> set[str]:
    """The logical ids ``resource`` waits for: its references and its ``DependsOn``."""
    depends = resource.get("DependsOn", [])
    named = {depends} if isinstance(depends, str) else {d for d in depends if isinstance(d, str)}
    return named | {target for _, target in references(resource.get("Properties", {}))}


def _longest(tasks: tuple[Task, ...] | list[Task], weights: Mapping[str, float],
             keep: set[str]) -> tuple[float, tuple[str, ...]]:  # fmt: skip
    """The longest weighted path through ``tasks``: its length and the keys on it that are in ``keep``."""
    by_key = {t.key: t for t in tasks}
    finish: dict[str, float] = {}
    before: dict[str, str | None] = {}

    def end(key: str) -> float:
        if key not in finish:
            finish[key] = 0.0  # a cycle (CloudFormation refuses one) ends here rather than looping
            waits = [w for w in by_key[key].after if w in by_key]
            first = max(waits, key=lambda w: (end(w), w), default=None)
            before[key] = first
            finish[key] = weights[key] + (finish[first] if first else 0.0)
        return finish[key]

    last = max(by_key, key=lambda k: (end(k), k), default=None)
    path: list[str] = []
    key = last
    while key is not None:
        if key in keep and weights[key] > 0:
            path.append(key)
        key = before.get(key)
    return (finish[last] if last else 0.0), tuple(reversed(path))
