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

The model it returns (:mod:`generator.review.model`) is the one every format shows; the wording
of what is at stake (data, the deploy's guard, exports) is :mod:`generator.review.verdict`'s.

Exit codes, like a plan: 0 no changes, 2 changes, 3 changes that replace (or may replace) or remove
a stateful resource (``STATEFUL_TYPES``), or that move the target away from a stack holding one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from generator.cfn import STATEFUL_TYPES, references
from generator.masking import is_secret_key, masked
from generator.review import impact
from generator.review.durations import Durations
from generator.review.forecast import forecast
from generator.review.model import (
    CHANGES,
    ERROR,
    NO_CHANGES,
    SCHEMA,
    STATEFUL_CHANGES,
    WARNING,
    Destination,
    Note,
    OutputChange,
    Plan,
    PropertyChange,
    ResourceChange,
)
from generator.review.schemas import MAYBE, NO, RANK, YES, Schemas
from generator.review.verdict import export_name, fate

__all__ = ["CHANGES", "MAYBE", "NO", "NO_CHANGES", "SCHEMA", "STATEFUL_CHANGES", "YES", "Destination",
           "OutputChange", "Plan", "PropertyChange", "ResourceChange", "plan"]  # fmt: skip

# Resource attributes compared besides Properties (a changed Type always replaces).
ATTRIBUTES = ("Type", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Condition", "Metadata",
              "UpdatePolicy", "CreationPolicy")  # fmt: skip


# --- the plan ------------------------------------------------------------------------------------


def plan(
    before: dict | None,
    after: dict,
    region: str,
    environment: str = "",
    base: str = "",
    target: Destination | None = None,
    base_target: Destination | None = None,
    durations: Durations | None = None,
) -> Plan:
    """Compare two templates; ``before`` None means nothing is deployed yet (everything is added).

    ``durations`` (default: the published ones) weigh the forecast of how long deploying it takes.

    With ``target`` and ``base_target`` (where the base was deployed) different, the base's stack is
    not the one the template goes to: everything is added to a new stack, and the old one is left.
    """
    if target and base_target and target != base_target:
        left = tuple(sorted(k for k, r in (before or {}).get("Resources", {}).items() if r["Type"] in STATEFUL_TYPES))
        fresh = plan(None, after, region, environment, base, target, durations=durations)
        return replace(fresh, moved_from=base_target, left_running=left)
    old = (before or {}).get("Resources", {})
    new = after.get("Resources", {})
    schemas = Schemas(region)
    replaced: dict[str, str] = {}  # logical id -> YES or MAYBE, grown until nothing changes
    while True:
        changes = {k: _modification(k, old[k], new[k], schemas, replaced) for k in sorted(old.keys() & new.keys())}
        grown = {k: c.replacement for k, c in changes.items() if c and c.replacement != NO}
        if grown == replaced:
            break
        replaced = grown
    resources = [ResourceChange(k, new[k]["Type"], "add", new[k]["Type"] in STATEFUL_TYPES)
                 for k in sorted(new.keys() - old.keys())]  # fmt: skip
    resources += [ResourceChange(k, old[k]["Type"], "remove", old[k]["Type"] in STATEFUL_TYPES)
                  for k in sorted(old.keys() - new.keys())]  # fmt: skip
    resources += [c for c in changes.values() if c]
    resources = [impact.holding(r, new) for r in resources]
    ran = impact.functions(old)
    resources = [
        _noted(r, old.get(r.logical_id, {}), new, ran, deployed=bool(old))
        for r in sorted(resources, key=lambda r: r.logical_id)
    ]
    stack = (target.stack, target.region) if target else (None, None)
    outputs = _outputs((before or {}).get("Outputs", {}), after.get("Outputs", {}), replaced, *stack)
    rest = [k for k in sorted((before or {}).keys() | after.keys()) if k not in ("Resources", "Outputs")]
    template = [PropertyChange(_show_path(path), a, b) for key in rest
                for path, a, b in _differences((before or {}).get(key), after.get(key), [key])]  # fmt: skip
    actions = {r.logical_id: r.action for r in resources}
    return Plan(environment, base, tuple(resources), tuple(outputs), tuple(template), target,
                forecast=forecast(before, after, actions, durations or Durations()))  # fmt: skip


def _modification(logical: str, old: dict, new: dict, schemas: Schemas, replaced: dict) -> ResourceChange | None:
    """How ``old`` becomes ``new``, given the resources known to be replaced; None if it does not change."""
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    attributes = [(path, a, b) for attribute in ATTRIBUTES
                  for path, a, b in _differences(old.get(attribute), new.get(attribute), [attribute])]  # fmt: skip
    properties = list(_differences(old_props, new_props, []))
    referred = sorted({(_property_path(new_props, path), target) for path, target in references(new_props)
                       if target in replaced})  # fmt: skip
    if not (attributes or properties or referred):
        return None  # unchanged: its schema is never loaded
    schema = schemas.get(new["Type"])
    changes = [PropertyChange(_show_path(path), a, b, YES if path[0] == "Type" else NO) for path, a, b in attributes]
    for path, a, b in properties:
        kind = schema.replacement(path) if schema else MAYBE
        changes.append(PropertyChange(_show_path(path), a, b, kind))
    causes = []
    replacement = max((c.replacement for c in changes), key=RANK.get, default=NO)
    if schema is None:
        causes.append(f"{new['Type']} has no schema here: replacement unknown")
    for path, target in referred:
        kind = min(replaced[target], schema.replacement(path) if schema else MAYBE, key=RANK.get)
        state = "is" if replaced[target] == YES else "may be"
        if kind == NO:
            value = "its value changes" if replaced[target] == YES else "its value may change"
            causes.append(f"{_show_path(path)} refers to {target}, which {state} replaced: {value}")
        else:
            effect = "is replaced too" if kind == YES else "may be replaced too"
            causes.append(f"{_show_path(path)} refers to {target}, which {state} replaced (create-only): {effect}")
        replacement = max(replacement, kind, key=RANK.get)
    if not changes and not causes:
        return None
    notes = []
    if replacement == YES and schema:
        notes += [Note(ERROR, f"{logical}: {name} stays {value!r}: CloudFormation cannot replace a custom-named "
                              "resource, so the update fails unless the name changes too")
                  for name, value in schema.unchanged_names(old_props, new_props)]  # fmt: skip
    stateful = new["Type"] in STATEFUL_TYPES or old["Type"] in STATEFUL_TYPES
    action = "replace" if replacement == YES else "modify"
    return ResourceChange(logical, new["Type"], action, stateful, replacement == MAYBE, tuple(changes),
                          tuple(causes), tuple(notes))  # fmt: skip


def _at_stake(change: ResourceChange, old: dict) -> ResourceChange:
    """``change`` with the base's policy for a stateful resource at stake, and what it means for its data."""
    if not (change.stateful and change.dangerous):  # a VPC at stake for what it holds has a note of its own
        return change
    attribute = "DeletionPolicy" if change.action == "remove" else "UpdateReplacePolicy"
    change = replace(change, policy=(attribute, old.get(attribute)))
    note = fate(change, old)
    return replace(change, notes=(*change.notes, note)) if note else change


def _noted(change: ResourceChange, old: dict, resources: dict, ran: set[str], deployed: bool) -> ResourceChange:
    """``change`` with what is at stake and every note on what the update does beyond its properties: a
    replaced topic's subscribers, a reboot, a log group Lambda made, a secret's readers, a shard count
    Kinesis refuses (:mod:`generator.review.impact`)."""
    change = _subscribers_warned(_at_stake(change, old), resources)
    new = resources.get(change.logical_id, {})
    return replace(change, notes=(*change.notes, *impact.notes(change, old, new, deployed, ran)))


def _subscribers_warned(change: ResourceChange, resources: dict) -> ResourceChange:
    """A topic with subscriptions that is (or may be) replaced gets a new ARN: every subscription is made
    again, and each email address receives nothing until it confirms anew."""
    if change.type != "AWS::SNS::Topic" or not (change.replaces or change.may_replace):
        return change
    topic = resources[change.logical_id]
    subscriptions = [k for k, r in resources.items() if r["Type"] == "AWS::SNS::Subscription"
                     and change.logical_id in {t for _, t in references(r.get("Properties", {}))}]  # fmt: skip
    if not subscriptions and not topic.get("Properties", {}).get("Subscription"):
        return change
    note = Note(
        WARNING,
        f"{change.logical_id} gets a new ARN: its {len(subscriptions) or 'inline'} subscription(s) "
        "are made again, and each email address receives nothing until it confirms anew",
    )
    return replace(change, notes=(*change.notes, note))


def _outputs(old: dict, new: dict, replaced: dict, stack: str | None, region: str | None) -> list[OutputChange]:
    changes = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        export = export_name(b if b is not None else a, stack, region)
        if a is None or b is None:
            action = "add" if a is None else "remove"
            changes.append(OutputChange(name, action, _masked([name], (a or {}).get("Value")),
                                        _masked([name], (b or {}).get("Value")), export=export))  # fmt: skip
            continue
        targets = sorted({t for _, t in references(b.get("Value"))} & replaced.keys())
        causes = tuple(f"refers to {t}, which {'is' if replaced[t] == YES else 'may be'} replaced" for t in targets)
        rest = [PropertyChange(_show_path(path), x, y) for path, x, y in
                _differences({k: v for k, v in a.items() if k != "Value"}, {k: v for k, v in b.items() if k != "Value"},
                             [])]  # fmt: skip
        before, after = _masked([name], a.get("Value")), _masked([name], b.get("Value"))
        if a.get("Value") != b.get("Value") and before == after:
            causes = ("its value changes (a credential: masked)", *causes)
        if a.get("Value") != b.get("Value") or causes or rest:
            changes.append(OutputChange(name, "modify", before, after, causes, export, tuple(rest)))
    return changes


# --- comparing values ------------------------------------------------------------------------------


def _intrinsic(value: Any) -> bool:
    return (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Condition")) or (
        isinstance(value, dict) and any(str(k).startswith("Fn::") for k in value)
    )


def _joins_alike(a: Any, b: Any) -> bool:
    joins = [v.get("Fn::Join") if isinstance(v, dict) and len(v) == 1 else None for v in (a, b)]
    return all(isinstance(j, list) and len(j) == 2 and isinstance(j[1], list) for j in joins) and (
        joins[0][0] == joins[1][0] and len(joins[0][1]) == len(joins[1][1])
    )


def _tag_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) and "Key" in v for v in value)


def _differences(a: Any, b: Any, path: list) -> Iterator[tuple[list, Any, Any]]:
    """``(path, before, after)`` for each differing leaf; an intrinsic function is one leaf (but two
    ``Fn::Join`` of as many parts with one delimiter are compared part by part: a dashboard body shows
    only the widget that changed), tags are compared by key, lists of the same length element by
    element, others as a whole."""
    if a == b:
        return
    if _joins_alike(a, b):
        for index, (x, y) in enumerate(zip(a["Fn::Join"][1], b["Fn::Join"][1], strict=True)):
            yield from _differences(x, y, [*path, "Fn::Join", index])
    elif isinstance(a, dict) and isinstance(b, dict) and not _intrinsic(a) and not _intrinsic(b):
        for key in sorted(a.keys() | b.keys()):
            yield from _differences(a.get(key), b.get(key), [*path, key])
    elif (_tag_list(a) or a is None) and (_tag_list(b) or b is None) and path:
        by_key = [{t["Key"]: t.get("Value") for t in (v or [])} for v in (a, b)]
        for key in sorted(by_key[0].keys() | by_key[1].keys()):
            if by_key[0].get(key) != by_key[1].get(key):
                where = [*path[:-1], f"{path[-1]}[{key}]"]
                yield where, _masked([*path, key], by_key[0].get(key)), _masked([*path, key], by_key[1].get(key))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _differences(x, y, [*path, index])
    else:
        yield path, _masked(path, a), _masked(path, b)  # every value a plan shows passes here


def _masked(path: list, value: Any) -> Any:
    """``value`` with every credential masked: under a credential's name anywhere on ``path`` (a
    parameter ``DbPassword``'s ``Default``, a ``Passwords`` list), or deeper inside it."""
    keys = [p for p in path if isinstance(p, str)]
    return masked(next((k for k in keys if is_secret_key(k)), keys[-1] if keys else ""), value)


def _property_path(props: dict, path: list) -> tuple:
    """``path`` cut where the value is an intrinsic function: ``DashboardBody`` for a reference in its
    ``Fn::Join``, whose positions mean nothing to a reviewer (a property's own list keeps its index)."""
    value: Any = props
    for depth, key in enumerate(path):
        if _intrinsic(value):
            return tuple(path[:depth])
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            break
    return tuple(path)


def _show_path(path: list) -> str:
    return "/".join(str(p) for p in path)
