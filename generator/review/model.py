"""The plan of a change, one model for every format: what :func:`generator.review.plan.plan` returns,
what the table and the pull-request comment lay out, and what ``--format json`` serialises.

Every resource change has one ``action``: ``add``, ``modify``, ``replace`` (certainly replaced) or
``remove``; a modification that *may* replace the resource (a conditionally create-only property)
stays ``modify`` with ``may_replace`` true. Notes carry a severity: ``error`` means the deploy will
fail (``check`` fails on it), ``warning`` that data or a running stack is at stake, ``info`` what a
reviewer should know. The JSON shape (:data:`SCHEMA`) is documented in docs/reviewing.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator.review.schemas import MAYBE, NO, YES

if TYPE_CHECKING:
    from generator.cost.estimate import CostChange
    from generator.review.forecast import Forecast

SCHEMA = "iotstack-plan/1"  # the "schema" of ``iotstack diff --format json``; bumped when a field changes or goes
# (a field added, as ``forecast`` was, keeps it: a reader of /1 ignores what it does not know)
NO_CHANGES, CHANGES, STATEFUL_CHANGES = 0, 2, 3
ACTIONS = ("add", "modify", "replace", "remove")
ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True)
class Destination:
    """Where a template is deployed: a stack name in a region (the account comes with issue 11)."""

    stack: str
    region: str

    def __str__(self) -> str:
        return f"stack {self.stack} in {self.region}"


@dataclass(frozen=True)
class Note:
    """Something a reviewer must read; ``error`` means the deploy will fail."""

    severity: str  # ERROR, WARNING or INFO
    text: str


@dataclass(frozen=True)
class PropertyChange:
    """One changed value: its path (``KmsKeyId``, ``StreamEncryption/KeyId``, ``Tags[Team]``), before
    and after (``None`` when absent; credentials masked) and whether it replaces the resource."""

    path: str
    before: Any
    after: Any
    replacement: str = NO  # YES (create-only), MAYBE (conditionally create-only) or NO

    def to_dict(self) -> dict:
        return {"path": self.path, "before": self.before, "after": self.after,
                "replaces": self.replacement == YES, "may_replace": self.replacement == MAYBE}  # fmt: skip


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    type: str
    action: str  # one of ACTIONS
    stateful: bool
    may_replace: bool = False  # a modification that may replace it (never with another action)
    changes: tuple[PropertyChange, ...] = ()
    causes: tuple[str, ...] = ()  # why it is replaced or modified beyond its own changes
    notes: tuple[Note, ...] = ()  # what will go wrong or needs attention
    # What becomes of the old resource, from the base template: (attribute, value) such as
    # ("UpdateReplacePolicy", "Delete") for a replacement, ("DeletionPolicy", ...) for a removal;
    # the value is None when the template does not set it. Only for stateful resources at stake.
    policy: tuple[str, str | None] | None = None
    # The stateful resources that live inside it (a VPC's database and cache): replacing it moves them.
    within: tuple[str, ...] = ()

    @property
    def replaces(self) -> bool:
        """Certainly replaced: a create-only property changes (or what it refers to is replaced)."""
        return self.action == "replace"

    @property
    def replacement(self) -> str:
        """YES, MAYBE or NO, as the deploy guard and CloudFormation's change sets say it."""
        return YES if self.replaces else MAYBE if self.may_replace else NO

    @property
    def dangerous(self) -> bool:
        """Whether this loses (or may lose) the data or identity of a stateful resource, or moves one (the
        replacement of the VPC it lives in)."""
        replaced = self.action == "replace" or self.may_replace
        return (self.stateful and (replaced or self.action == "remove")) or bool(self.within and replaced)

    def to_dict(self) -> dict:
        return {
            "logical_id": self.logical_id, "type": self.type, "action": self.action,
            "may_replace": self.may_replace, "stateful": self.stateful,
            "policy": dict([self.policy]) if self.policy else None, "within": list(self.within),
            "changes": [c.to_dict() for c in self.changes], "causes": list(self.causes),
            "notes": [vars(n) for n in self.notes],
        }  # fmt: skip


@dataclass(frozen=True)
class OutputChange:
    """An output added, removed or modified; ``before`` and ``after`` are its ``Value``. A value that
    refers to a replaced resource changes at deploy time although its text does not (``causes``)."""

    name: str
    action: str  # "add", "remove" or "modify"
    before: Any
    after: Any
    causes: tuple[str, ...] = ()
    export: str | None = None  # the export name (the base's, for a removal), resolved where it can be
    changes: tuple[PropertyChange, ...] = ()  # Description, Export, Condition: everything but the value
    importers: tuple[str, ...] | None = None  # the stacks importing the export; None: not asked (offline)

    @property
    def value_changes(self) -> bool:
        return self.action != "add" and (self.before != self.after or bool(self.causes))

    def to_dict(self) -> dict:
        return {"name": self.name, "action": self.action, "before": self.before, "after": self.after,
                "causes": list(self.causes), "export": self.export,
                "importers": None if self.importers is None else list(self.importers),
                "changes": [c.to_dict() for c in self.changes]}  # fmt: skip


@dataclass(frozen=True)
class Plan:
    environment: str
    base: str  # where the "before" template came from, e.g. "HEAD:templates/dev.json"
    resources: tuple[ResourceChange, ...] = ()
    outputs: tuple[OutputChange, ...] = ()
    template: tuple[PropertyChange, ...] = ()  # Description, Metadata (e.g. the generator version), ...
    target: Destination | None = None  # where the "after" template goes
    moved_from: Destination | None = None  # the base's target, when it differs: that stack keeps running
    left_running: tuple[str, ...] = ()  # the stateful resources of the stack left behind by a move
    stack_policy: bool | None = None  # whether the environment's stack has iotstack's stack policy (None: unknown)
    forecast: Forecast | None = None  # how long deploying it should take (:mod:`generator.review.forecast`)
    cost: CostChange | None = None  # its month before and after (:mod:`generator.cost.estimate`); None: not asked

    @property
    def exit_code(self) -> int:
        if any(r.dangerous for r in self.resources) or self.left_running:
            return STATEFUL_CHANGES
        return CHANGES if self.resources or self.outputs or self.template or self.moved_from else NO_CHANGES

    @property
    def move(self) -> str:
        """What a move of the target means, in one sentence; "" when the target stays."""
        if not self.moved_from:
            return ""
        kept = f" with its stateful resources ({', '.join(self.left_running)})" if self.left_running else ""
        return (f"the deploy target moves from {self.moved_from} to {self.target}: a new stack: creates "
                f"everything; the old stack keeps running{kept}")  # fmt: skip

    @property
    def at_stake(self) -> tuple[str, ...]:
        """The stateful resources replaced, possibly replaced or removed: what ``--allow-replace`` must name."""
        return tuple(r.logical_id for r in self.resources if r.dangerous)

    @property
    def notes(self) -> tuple[Note, ...]:
        """The notes on the whole plan (a move, what the deploy must allow, exports); each resource has its own."""
        return plan_notes(self)

    @property
    def will_fail(self) -> bool:
        """Whether the plan predicts that deploying it fails (an ``error`` note, on the plan or a resource)."""
        return any(n.severity == ERROR for n in (*self.notes, *(n for r in self.resources for n in r.notes)))

    def counts(self) -> dict[str, int]:
        """How many resources each action touches (``may_replace``: the modifications that may replace),
        and how many outputs and template settings change."""
        counts = {action: sum(r.action == action for r in self.resources) for action in ACTIONS}
        return {**counts, "may_replace": sum(r.may_replace for r in self.resources),
                "outputs": len(self.outputs), "template": len(self.template)}  # fmt: skip

    def to_dict(self) -> dict:
        def target(t: Destination | None) -> dict | None:
            return vars(t) if t else None

        return {
            "environment": self.environment, "base": self.base, "exit_code": self.exit_code,
            "will_fail": self.will_fail, "summary": self.counts(),
            "notes": [vars(n) for n in self.notes],
            "target": target(self.target), "moved_from": target(self.moved_from),
            "left_running": list(self.left_running), "stack_policy": self.stack_policy,
            "resources": [r.to_dict() for r in self.resources],
            "outputs": [o.to_dict() for o in self.outputs],
            "template": [{"path": c.path, "before": c.before, "after": c.after} for c in self.template],
            "forecast": self.forecast.to_dict() if self.forecast and self.resources else None,
            "cost": self.cost.to_dict() if self.cost else None,
        }  # fmt: skip


def plan_notes(plan: Plan) -> tuple[Note, ...]:
    """The notes on a whole plan, in words: a move of the target, what the deploy must allow, changed exports
    (what becomes of each resource's data is :func:`generator.review.verdict.fate`'s)."""
    notes = []
    if plan.move:
        notes.append(Note(WARNING, plan.move))
    if plan.at_stake:
        allow = " ".join(f"--allow-replace {logical}" for logical in plan.at_stake)
        policy = {
            True: "; the stack policy denies it until then (the deploy lifts it for those resources, that once)",
            False: " (no stack policy in this environment)",
            None: "",
        }[plan.stack_policy]
        notes.append(Note(WARNING, f"the deploy refuses this without `{allow}`{policy}"))
    exported = [o for o in plan.outputs if o.export and o.value_changes]
    for o in exported:
        if o.importers:
            users = ", ".join(o.importers)
            notes.append(Note(ERROR, f"export {o.export} ({o.name}) is imported by {users}: CloudFormation "
                                     "cannot change or remove an export in use, so the update fails"))  # fmt: skip
    unasked = [o for o in exported if o.importers is None]
    if unasked:
        names = ", ".join(o.name for o in unasked)
        notes.append(Note(INFO, f"exported outputs change ({names}): a stack that imports one makes the update "
                                "fail; `iotstack diff --deployed` asks CloudFormation which stacks do"))  # fmt: skip
    return tuple(notes)
