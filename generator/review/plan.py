"""What deploying a template would do, predicted offline: :func:`plan` compares two templates.

Pure: two template dicts (as JSON data) in, a :class:`Plan` out; where the "before" template comes
from (git, or the deployed stack) is :mod:`generator.review.baseline`'s business, and printing it
:mod:`generator.review.plan_format`'s. The resource schemas are read only for the types of the
resources that changed.

Each resource is added, removed or modified. For a modification, the CloudFormation resource
schema that cfn-lint ships says whether the change replaces the resource: a changed
``createOnlyProperties`` value means it will be replaced, a changed
``conditionalCreateOnlyProperties`` value that it may be. Consequences are followed: a replaced
resource gets a new physical id, so a resource whose create-only property refers to it (``Ref``,
``Fn::GetAtt``, also inside ``Fn::Sub`` or ``Fn::Join``) is replaced too (replacing the cluster
replaces its instances), and one that refers to it from another property is modified.

The plan knows its target too: when the stack's name or region differs from the base's, deploying
creates a new stack with everything in it and leaves the old one running (with its data), which no
resource comparison shows; the plan says so instead.

Exit codes, like a plan: 0 no changes, 2 changes, 3 changes that replace (or may replace) or remove
a stateful resource (``STATEFUL_TYPES``), or that move the target away from a stack holding one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

from generator.cfn import STATEFUL_TYPES, masked, references

NO_CHANGES, CHANGES, STATEFUL_CHANGES = 0, 2, 3
# Resource attributes compared besides Properties (a changed Type always replaces).
ATTRIBUTES = ("Type", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Condition", "Metadata",
              "UpdatePolicy", "CreationPolicy")  # fmt: skip
YES, MAYBE, NO = "yes", "maybe", "no"
_RANK = {NO: 0, MAYBE: 1, YES: 2}


@dataclass(frozen=True)
class Target:
    """Where a template is deployed: a stack name in a region (the account comes with issue 11)."""

    stack: str
    region: str

    def __str__(self) -> str:
        return f"stack {self.stack} in {self.region}"


@dataclass(frozen=True)
class PropertyChange:
    """One changed value: its path (``KmsKeyId``, ``StreamEncryption/KeyId``, ``Tags[Team]``), before
    and after (``None`` when absent; credentials masked) and whether it replaces the resource."""

    path: str
    before: Any
    after: Any
    replacement: str = NO


@dataclass(frozen=True)
class ResourceChange:
    logical_id: str
    type: str
    action: str  # "add", "remove" or "modify"
    replacement: str  # YES, MAYBE or NO ("no" for add and remove)
    stateful: bool
    changes: tuple[PropertyChange, ...] = ()
    causes: tuple[str, ...] = ()  # why it is replaced or modified beyond its own changes
    notes: tuple[str, ...] = ()  # what will go wrong or needs attention

    @property
    def label(self) -> str:
        """What a reviewer reads: add, remove, modify, replace or "modify, may replace"."""
        if self.action != "modify":
            return self.action
        return {YES: "replace", MAYBE: "modify, may replace", NO: "modify"}[self.replacement]

    @property
    def replaces(self) -> bool:
        """Certainly replaced: a create-only property changes (or what it refers to is replaced)."""
        return self.action == "modify" and self.replacement == YES

    @property
    def may_replace(self) -> bool:
        """Modified in a way that may replace it (a conditionally create-only property), not certainly."""
        return self.action == "modify" and self.replacement == MAYBE

    @property
    def dangerous(self) -> bool:
        """Whether this loses (or may lose) the data or identity of a stateful resource."""
        return self.stateful and (self.action == "remove" or self.replacement != NO)


@dataclass(frozen=True)
class OutputChange:
    name: str
    action: str  # "add", "remove" or "modify"
    before: Any
    after: Any
    causes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Plan:
    environment: str
    base: str  # where the "before" template came from, e.g. "HEAD:templates/dev.json"
    resources: tuple[ResourceChange, ...] = ()
    outputs: tuple[OutputChange, ...] = ()
    template: tuple[PropertyChange, ...] = ()  # Description, Metadata (e.g. the generator version), ...
    target: Target | None = None  # where the "after" template goes
    moved_from: Target | None = None  # the base's target, when it differs: that stack keeps running
    left_running: tuple[str, ...] = ()  # the stateful resources of the stack left behind by a move

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

    def counts(self) -> dict[str, int]:
        labels = [r.label for r in self.resources]
        return {
            "add": labels.count("add"),
            "modify": labels.count("modify") + labels.count("modify, may replace"),
            "replace": labels.count("replace"),
            "remove": labels.count("remove"),
            "outputs": len(self.outputs),
            "template": len(self.template),
        }

    def to_dict(self) -> dict:
        data = asdict(self)
        data["exit_code"] = self.exit_code
        data["counts"] = self.counts()
        data["move"] = self.move
        for resource, change in zip(data["resources"], self.resources, strict=True):
            resource["label"] = change.label
        return data


# --- the plan ------------------------------------------------------------------------------------


def plan(
    before: dict | None,
    after: dict,
    region: str,
    environment: str = "",
    base: str = "",
    target: Target | None = None,
    base_target: Target | None = None,
) -> Plan:
    """Compare two templates; ``before`` None means nothing is deployed yet (everything is added).

    With ``target`` and ``base_target`` (where the base was deployed) different, the base's stack is
    not the one the template goes to: everything is added to a new stack, and the old one is left.
    """
    if target and base_target and target != base_target:
        left = tuple(sorted(k for k, r in (before or {}).get("Resources", {}).items() if r["Type"] in STATEFUL_TYPES))
        fresh = plan(None, after, region, environment, base, target)
        return Plan(environment, base, fresh.resources, fresh.outputs, fresh.template, target, base_target, left)
    old = (before or {}).get("Resources", {})
    new = after.get("Resources", {})
    schemas = _Schemas(region)
    replaced: dict[str, str] = {}  # logical id -> YES or MAYBE, grown until nothing changes
    while True:
        changes = {k: _modification(k, old[k], new[k], schemas, replaced) for k in sorted(old.keys() & new.keys())}
        grown = {k: c.replacement for k, c in changes.items() if c and c.replacement != NO}
        if grown == replaced:
            break
        replaced = grown
    resources = [ResourceChange(k, new[k]["Type"], "add", NO, new[k]["Type"] in STATEFUL_TYPES)
                 for k in sorted(new.keys() - old.keys())]  # fmt: skip
    resources += [ResourceChange(k, old[k]["Type"], "remove", NO, old[k]["Type"] in STATEFUL_TYPES)
                  for k in sorted(old.keys() - new.keys())]  # fmt: skip
    resources += [c for c in changes.values() if c]
    resources = [_subscribers_warned(r, new) for r in resources]
    resources.sort(key=lambda r: r.logical_id)
    outputs = _outputs((before or {}).get("Outputs", {}), after.get("Outputs", {}), replaced)
    rest = [k for k in sorted((before or {}).keys() | after.keys()) if k not in ("Resources", "Outputs")]
    template = [PropertyChange(_show_path(path), a, b) for key in rest
                for path, a, b in _differences((before or {}).get(key), after.get(key), [key])]  # fmt: skip
    return Plan(environment, base, tuple(resources), tuple(outputs), tuple(template), target)


def _modification(logical: str, old: dict, new: dict, schemas: _Schemas, replaced: dict) -> ResourceChange | None:
    """How ``old`` becomes ``new``, given the resources known to be replaced; None if it does not change."""
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    attributes = [(path, a, b) for attribute in ATTRIBUTES
                  for path, a, b in _differences(old.get(attribute), new.get(attribute), [attribute])]  # fmt: skip
    properties = list(_differences(old_props, new_props, []))
    referred = sorted((path, target) for path, target in references(new_props) if target in replaced)
    if not (attributes or properties or referred):
        return None  # unchanged: its schema is never loaded
    schema = schemas.get(new["Type"])
    changes = [PropertyChange(_show_path(path), a, b, YES if path[0] == "Type" else NO) for path, a, b in attributes]
    for path, a, b in properties:
        kind = schema.replacement(path) if schema else MAYBE
        changes.append(PropertyChange(_show_path(path), _masked(path, a), _masked(path, b), kind))
    causes = []
    replacement = max((c.replacement for c in changes), key=_RANK.get, default=NO)
    if schema is None:
        causes.append(f"{new['Type']} has no schema here: replacement unknown")
    for path, target in referred:
        kind = min(replaced[target], schema.replacement(path) if schema else MAYBE, key=_RANK.get)
        state = "is" if replaced[target] == YES else "may be"
        if kind == NO:
            value = "its value changes" if replaced[target] == YES else "its value may change"
            causes.append(f"{_show_path(path)} refers to {target}, which {state} replaced: {value}")
        else:
            effect = "is replaced too" if kind == YES else "may be replaced too"
            causes.append(f"{_show_path(path)} refers to {target}, which {state} replaced (create-only): {effect}")
        replacement = max(replacement, kind, key=_RANK.get)
    if not changes and not causes:
        return None
    notes = []
    if replacement == YES and schema:
        notes += [f"{name} stays {value!r}: CloudFormation cannot replace a custom-named resource, so the update "
                  "fails unless the name changes too"
                  for name, value in schema.unchanged_names(old_props, new_props)]  # fmt: skip
    stateful = new["Type"] in STATEFUL_TYPES or old["Type"] in STATEFUL_TYPES
    return ResourceChange(logical, new["Type"], "modify", replacement, stateful, tuple(changes), tuple(causes),
                          tuple(notes))  # fmt: skip


def _subscribers_warned(change: ResourceChange, resources: dict) -> ResourceChange:
    """A topic with subscriptions that is (or may be) replaced: a new ARN, so every subscription is made
    again and each email address receives nothing until it confirms anew."""
    if change.type != "AWS::SNS::Topic" or change.action != "modify" or change.replacement == NO:
        return change
    topic = resources[change.logical_id]
    subscriptions = [k for k, r in resources.items() if r["Type"] == "AWS::SNS::Subscription"
                     and change.logical_id in {t for _, t in references(r.get("Properties", {}))}]  # fmt: skip
    if not subscriptions and not topic.get("Properties", {}).get("Subscription"):
        return change
    note = (f"a new topic: its {len(subscriptions) or 'inline'} subscription(s) are made again, and each email "
            "address receives nothing until it confirms anew")  # fmt: skip
    return replace(change, notes=(*change.notes, note))


def _outputs(old: dict, new: dict, replaced: dict) -> list[OutputChange]:
    changes = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            changes.append(OutputChange(name, "add" if a is None else "remove", a, b))
            continue
        targets = sorted({t for _, t in references(b)} & replaced.keys())
        causes = tuple(f"refers to {t}, which {'is' if replaced[t] == YES else 'may be'} replaced" for t in targets)
        if a != b or causes:
            changes.append(OutputChange(name, "modify", a, b, causes))
    return changes


# --- comparing values ------------------------------------------------------------------------------


def _intrinsic(value: Any) -> bool:
    return (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Condition")) or (
        isinstance(value, dict) and any(str(k).startswith("Fn::") for k in value)
    )


def _tag_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "Key" in v for v in value)


def _differences(a: Any, b: Any, path: list) -> Iterator[tuple[list, Any, Any]]:
    """``(path, before, after)`` for each differing leaf; an intrinsic function is one leaf, tags are
    compared by key, lists of the same length element by element, others as a whole."""
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict) and not _intrinsic(a) and not _intrinsic(b):
        for key in sorted(a.keys() | b.keys()):
            yield from _differences(a.get(key), b.get(key), [*path, key])
    elif (_tag_list(a) or a is None) and (_tag_list(b) or b is None) and path:
        by_key = [{t["Key"]: t.get("Value") for t in (v or [])} for v in (a, b)]
        for key in sorted(by_key[0].keys() | by_key[1].keys()):
            if by_key[0].get(key) != by_key[1].get(key):
                yield [*path[:-1], f"{path[-1]}[{key}]"], by_key[0].get(key), by_key[1].get(key)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, [*path, index])
    else:
        yield path, a, b


def _masked(path: list, value: Any) -> Any:
    """``value`` with every credential masked, whether it sits at ``path`` or deeper inside."""
    return masked(next((p for p in reversed(path) if isinstance(p, str)), ""), value)


def _show_path(path: list) -> str:
    return "/".join(str(p) for p in path)


# --- the resource schemas ---------------------------------------------------------------------------


class _Schema:
    """What the CloudFormation schema of one type says about replacement."""

    def __init__(self, schema: dict):
        self.always = [self._segments(p) for p in schema.get("createOnlyProperties", [])]
        self.maybe = [self._segments(p) for p in schema.get("conditionalCreateOnlyProperties", [])]
        identifiers = [self._segments(p) for p in schema.get("primaryIdentifier", [])]
        # The resource's own name: its primary identifier when that is a create-only property, else
        # a create-only Name or GroupName (a secret's and a security group's identifier is an id).
        self.names = [p for p in identifiers if p in self.always and len(p) == 1] or [
            p for p in self.always if p in (["Name"], ["GroupName"])
        ]

    @staticmethod
    def _segments(pointer: str) -> list[str]:
        return pointer.removeprefix("/properties/").split("/")

    def replacement(self, path: list) -> str:
        """Whether a change at ``path`` (property keys and list indices) replaces the resource."""
        if any(_covers(p, path) for p in self.always):
            return YES
        if any(_covers(p, path) for p in self.maybe):
            return MAYBE
        return NO

    def unchanged_names(self, old: dict, new: dict) -> list[tuple[str, str]]:
        return [(p[0], new[p[0]]) for p in self.names
                if isinstance(new.get(p[0]), str) and old.get(p[0]) == new.get(p[0])]  # fmt: skip


def _covers(pointer: list[str], path: list) -> bool:
    """Whether a change at ``path`` touches the value at ``pointer`` ("*" is any list item): the
    path runs through the pointer, or replaces a whole value that contains it."""
    for want, have in zip(pointer, path, strict=False):
        key = have.split("[", 1)[0] if isinstance(have, str) else have  # Tags[Team] is inside Tags
        if want != "*" and want != key:
            return False
    return True


class _Schemas:
    def __init__(self, region: str):
        self.region = region
        self.cache: dict[str, _Schema | None] = {}

    def get(self, resource_type: str) -> _Schema | None:
        if resource_type not in self.cache:
            from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

            try:
                schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(self.region, resource_type).schema
            except ResourceNotFoundError:
                schema = None
            self.cache[resource_type] = _Schema(schema) if schema is not None else None
        return self.cache[resource_type]
