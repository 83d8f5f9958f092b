"""How long a deploy should take: the longest path through the change, not the sum of its parts.

CloudFormation works on every resource whose dependencies are done, in parallel; so a deploy lasts as
long as its longest chain of dependent operations. :func:`forecast` builds that graph from the template
(``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` and ``DependsOn``), weighs each changed resource with its expected
duration (:mod:`generator.review.durations`) and unchanged ones with nothing (they are passed through,
not waited for), and finds the longest path. A replacement creates the new resource in the update and
deletes the old one in the clean-up that follows it, as a removal does; deletions go in reverse
dependency order (the base template's), after every update. An update whose time depends on the data
(:func:`generator.review.impact.slow`) is counted at its type's average and makes the forecast a lower
bound ("at least"); a dependency cycle (CloudFormation refuses the template) makes it unknown.

The same graph answers the deploy's question while it runs (:meth:`Forecast.left`): the time left along
the remaining longest path, given what is done and how long what is running has run.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from generator.cfn import references
from generator.review.durations import CREATE, DELETE, SOURCE, UPDATE, Durations
from generator.review.impact import slow

DELETED = " (delete)"  # a deletion's key: the logical id and this (a replaced resource has both)
CLEAN_UP = "(clean-up)"  # the step between the updates and the deletions: no time of its own


@dataclass(frozen=True)
class Task:
    """One resource's operation in the deploy; ``operation`` None for an unchanged resource (no time)."""

    key: str  # the logical id; a deletion's is the logical id + DELETED
    logical_id: str
    type: str
    operation: str | None  # CREATE, UPDATE, DELETE or None
    seconds: float  # expected; 0 when unchanged or unknown
    measured: bool = False  # from this project's deploys rather than the published table
    after: tuple[str, ...] = ()  # the keys of the tasks it waits for
    at_least: str = ""  # why its time depends on the data, so that its expected time is a floor


@dataclass(frozen=True)
class Forecast:
    """The expected duration of a deploy along its longest path, and the graph it came from."""

    seconds: float
    path: tuple[str, ...]  # the keys of the operations on the longest path, first to last
    tasks: tuple[Task, ...]
    region: str = ""  # where the measured durations come from
    unknown: tuple[str, ...] = ()  # types created or updated that no table knows: counted as nothing
    uncounted: int = 0  # deletions without a measured duration (none is published): counted as nothing
    cycle: tuple[str, ...] = ()  # resources that wait for each other: no order, no forecast

    @cached_property
    def operations(self) -> dict[str, Task]:
        """The tasks that take time (changed resources), by key."""
        return {t.key: t for t in self.tasks if t.operation}

    @property
    def source(self) -> str:
        """Where the durations come from, in words."""
        kinds = {(t.type, t.operation) for t in self.tasks if t.operation}
        measured = {(t.type, t.operation) for t in self.tasks if t.operation and t.measured}
        here = f"measured by this project's deploys in {self.region}"
        if not measured:
            return f"durations: {SOURCE}"
        if measured == kinds:
            return f"durations: {here}"
        return f"durations: {len(measured)} of {len(kinds)} {here}, the rest {SOURCE}"

    @property
    def known(self) -> bool:
        """Whether anything it counts has a duration (and the graph has an order)."""
        return not self.cycle and (bool(self.path) or not (self.unknown or self.uncounted))

    @property
    def length(self) -> str:
        """``about 16 min``, ``under a minute``, ``at least about 1 min``, or ``unknown``."""
        if not self.known:
            return "unknown"
        if any(self.operations[k].at_least for k in self.path):  # a floor: "at least 29 s", "at least about 3 min"
            return f"at least {round(self.seconds)} s" if self.seconds < 60 else f"at least {about(self.seconds)}"
        return about(self.seconds)

    def summary(self) -> str:
        """``about 16 min; longest path DatabaseKey → AuroraCluster → AuroraInstance``."""
        if not self.operations:
            return "no resource operations"
        return self.length + (f"; longest path {' → '.join(self.path)}" if self.path else "")

    @property
    def left_out(self) -> tuple[str, ...]:
        """What the forecast could not count, in words."""
        said = [f"no order: a dependency cycle among {', '.join(self.cycle)} (CloudFormation refuses it)"
                ] if self.cycle else []  # fmt: skip
        said += [f"{t.key}: {t.at_least}" for t in self.operations.values() if t.at_least and t.key in self.path]
        said += [f"no duration known for {', '.join(self.unknown)}"] if self.unknown else []
        if self.uncounted:
            said.append(f"{self.uncounted} deletion(s) not counted: none published, none measured here yet")
        return tuple(said)

    def left(self, done: set[str], running: Mapping[str, float]) -> tuple[float, tuple[str, ...]]:
        """The time left along the longest remaining path: ``done`` keys take nothing more, ``running`` ones
        (key -> seconds so far) what remains of their expected time, the rest all of it."""
        weights = {t.key: 0.0 if t.key in done else max(t.seconds - running.get(t.key, 0.0), 0.0) for t in self.tasks}
        seconds, path, _ = _longest(self.tasks, weights, keep=set(self.operations) - done)
        return seconds, path

    def to_dict(self) -> dict:
        return {"seconds": round(self.seconds) if self.known else None, "summary": self.summary(),
                "path": list(self.path), "source": self.source, "left_out": list(self.left_out)}  # fmt: skip


def about(seconds: float) -> str:
    """A duration as a reviewer wants it: ``under a minute``, ``about 16 min``."""
    return "under a minute" if seconds < 60 else f"about {round(seconds / 60)} min"


def forecast(before: dict | None, after: dict, actions: Mapping[str, str], durations: Durations,
             types: Mapping[str, str] | None = None) -> Forecast:  # fmt: skip
    """The forecast of a deploy taking ``before`` to ``after`` with ``actions`` (logical id -> ``add``,
    ``modify``, ``replace`` or ``remove``, as the plan says); ``before`` None for a new stack.

    ``types`` (logical id -> type) names resources of ``actions`` that neither template has: what a
    transform adds (a change set lists them); they are counted, waiting for nothing.
    """
    old, new = (before or {}).get("Resources", {}), after.get("Resources", {})
    tasks: list[Task] = []
    unknown: set[str] = set()
    uncounted: list[str] = []

    def task(key: str, logical: str, kind: str, operation: str | None, waits: list[str], why: str = "") -> Task:
        seconds, measured = durations.seconds(kind, operation) if operation else (0.0, False)
        if seconds is None and operation == DELETE:
            uncounted.append(key)
        elif seconds is None:
            unknown.add(kind)
        return Task(key, logical, kind, operation, seconds or 0.0, measured, tuple(sorted(set(waits))), why)

    for logical, resource in sorted(new.items()):
        action = actions.get(logical, "")
        operation = {"add": CREATE, "replace": CREATE, "modify": UPDATE}.get(action)
        why = slow(resource["Type"], old.get(logical, {}), resource) if action == "modify" else ""
        waits = [d for d in _depends_on(resource) if d in new and d != logical]
        tasks.append(task(logical, logical, resource["Type"], operation, waits, why or ""))
    for logical, kind in sorted((types or {}).items()):
        if logical not in new and logical not in old and actions.get(logical) in ("add", "modify", "replace"):
            tasks.append(task(logical, logical, kind, CREATE if actions[logical] != "modify" else UPDATE, []))
    deleted = sorted(k for k, a in actions.items() if a in ("replace", "remove") and k in old)
    if deleted:  # the clean-up starts once every update is done: one step that waits for them all
        tasks.append(Task(CLEAN_UP, "", "", None, 0.0, after=tuple(t.key for t in tasks)))
    dependents: dict[str, list[str]] = {k: [] for k in deleted}  # what of the base depended on each, deleted too
    for k in deleted:
        for target in _depends_on(old[k]) & dependents.keys() - {k}:
            dependents[target].append(k + DELETED)
    for logical in deleted:
        tasks.append(task(logical + DELETED, logical, old[logical]["Type"], DELETE, [CLEAN_UP, *dependents[logical]]))
    operations = {t.key for t in tasks if t.operation}
    seconds, path, cycle = _longest(tasks, {t.key: t.seconds for t in tasks}, keep=operations)
    return Forecast(seconds, path, tuple(tasks), durations.region, tuple(sorted(unknown)), len(uncounted), cycle)


def _depends_on(resource: dict) -> set[str]:
    """The logical ids ``resource`` waits for: its references and its ``DependsOn``."""
    depends = resource.get("DependsOn", [])
    named = {depends} if isinstance(depends, str) else {d for d in depends if isinstance(d, str)}
    return named | {target for _, target in references(resource.get("Properties", {}))}


def _longest(tasks: tuple[Task, ...] | list[Task], weights: Mapping[str, float],
             keep: set[str]) -> tuple[float, tuple[str, ...], tuple[str, ...]]:  # fmt: skip
    """The longest weighted path through ``tasks``: its length, the keys on it that are in ``keep`` and take
    time, and the keys caught in a cycle (then no path: ``(0, (), cycle)``). Iterative (Kahn's order): a chain of
    any length, never a recursion limit."""
    by_key = {t.key: t for t in tasks}
    waits = {k: [w for w in t.after if w in by_key] for k, t in by_key.items()}
    followers: dict[str, list[str]] = {k: [] for k in by_key}
    for key, those in waits.items():
        for w in those:
            followers[w].append(key)
    pending = {k: len(w) for k, w in waits.items()}
    ready = sorted(k for k, n in pending.items() if n == 0)
    finish: dict[str, float] = {}
    before: dict[str, str | None] = {}
    while ready:
        key = ready.pop()
        first = max(waits[key], key=lambda w: (finish[w], w), default=None)
        before[key], finish[key] = first, weights[key] + (finish[first] if first else 0.0)
        for follower in followers[key]:
            pending[follower] -= 1
            if pending[follower] == 0:
                ready.append(follower)
    if len(finish) < len(by_key):
        return 0.0, (), tuple(sorted(k for k in by_key if k not in finish))
    last = max(finish, key=lambda k: (finish[k], k), default=None)
    path: list[str] = []
    key = last
    while key is not None:
        if key in keep and weights[key] > 0:
            path.append(key)
        key = before[key]
    return (finish[last] if last else 0.0), tuple(reversed(path)), ()
