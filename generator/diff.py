"""What deploying a template would do, predicted offline: :func:`plan` compares two templates.

Pure: two template dicts (as JSON data) in, a :class:`Plan` out; where the "before" template comes
from (git today) is :mod:`generator.baseline`'s business, and printing it is :func:`render_plan`'s.

Each resource is added, removed or modified. For a modification, the CloudFormation resource
schema that cfn-lint ships says whether the change replaces the resource: a changed
``createOnlyProperties`` value means it will be replaced, a changed
``conditionalCreateOnlyProperties`` value that it may be. Consequences are followed: a replaced
resource gets a new physical id, so a resource whose create-only property refers to it (``Ref``,
``Fn::GetAtt``, also inside ``Fn::Sub`` or ``Fn::Join``) is replaced too (replacing the cluster
replaces its instances), and one that refers to it from another property is modified.

Exit codes, like a plan: 0 no changes, 2 changes, 3 changes that replace (or may replace) or remove
a stateful resource (``STATEFUL_TYPES``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from generator.sensitive import is_secret_key, masked
from generator.stack.common import STATEFUL_TYPES

NO_CHANGES, CHANGES, STATEFUL_CHANGES = 0, 2, 3
# Resource attributes compared besides Properties (a changed Type always replaces).
ATTRIBUTES = ("Type", "DeletionPolicy", "UpdateReplacePolicy", "DependsOn", "Condition", "Metadata",
              "UpdatePolicy", "CreationPolicy")  # fmt: skip
YES, MAYBE, NO = "yes", "maybe", "no"
_RANK = {NO: 0, MAYBE: 1, YES: 2}


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

    @property
    def exit_code(self) -> int:
        if any(r.dangerous for r in self.resources):
            return STATEFUL_CHANGES
        return CHANGES if self.resources or self.outputs or self.template else NO_CHANGES

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
        for resource, change in zip(data["resources"], self.resources, strict=True):
            resource["label"] = change.label
        return data


# --- the plan ------------------------------------------------------------------------------------


def plan(before: dict | None, after: dict, region: str, environment: str = "", base: str = "") -> Plan:
    """Compare two templates; ``before`` None means nothing is deployed yet (everything is added)."""
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
    resources.sort(key=lambda r: r.logical_id)
    outputs = _outputs((before or {}).get("Outputs", {}), after.get("Outputs", {}), replaced)
    rest = [k for k in sorted((before or {}).keys() | after.keys()) if k not in ("Resources", "Outputs")]
    template = [PropertyChange(_show_path(path), a, b) for key in rest
                for path, a, b in _differences((before or {}).get(key), after.get(key), [key])]  # fmt: skip
    return Plan(environment, base, tuple(resources), tuple(outputs), tuple(template))


def _modification(logical: str, old: dict, new: dict, schemas: _Schemas, replaced: dict) -> ResourceChange | None:
    """How ``old`` becomes ``new``, given the resources known to be replaced; None if it does not change."""
    schema = schemas.get(new["Type"])
    old_props, new_props = old.get("Properties", {}), new.get("Properties", {})
    changes = []
    for attribute in ATTRIBUTES:
        for path, a, b in _differences(old.get(attribute), new.get(attribute), [attribute]):
            changes.append(PropertyChange(_show_path(path), a, b, YES if attribute == "Type" else NO))
    for path, a, b in _differences(old_props, new_props, []):
        kind = schema.replacement(path) if schema else MAYBE
        changes.append(PropertyChange(_show_path(path), _masked(path, a), _masked(path, b), kind))
    causes = []
    replacement = max((c.replacement for c in changes), key=_RANK.get, default=NO)
    if schema is None:
        causes.append(f"{new['Type']} has no schema here: replacement unknown")
    for path, target in sorted(references(new_props, [])):
        if target not in replaced:
            continue
        kind = min(replaced[target], schema.replacement(path) if schema else MAYBE, key=_RANK.get)
        if kind == NO:
            causes.append(f"{_show_path(path)} refers to {target}, which is replaced: its value changes")
        else:
            effect = "is replaced too" if kind == YES else "may be replaced too"
            state = "is" if replaced[target] == YES else "may be"
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


def _outputs(old: dict, new: dict, replaced: dict) -> list[OutputChange]:
    changes = []
    for name in sorted(old.keys() | new.keys()):
        a, b = old.get(name), new.get(name)
        if a is None or b is None:
            changes.append(OutputChange(name, "add" if a is None else "remove", a, b))
            continue
        targets = sorted({t for _, t in references(b, [])} & replaced.keys())
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


def references(value: Any, path: list) -> Iterator[tuple[list, str]]:
    """``(path, logical id)`` of every Ref, GetAtt and ``${...}`` of Fn::Sub in ``value``."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and not inner.startswith("AWS::"):
                yield path, inner
            elif key == "Fn::GetAtt":
                target = inner.split(".", 1)[0] if isinstance(inner, str) else inner[0]
                if isinstance(target, str):
                    yield path, target
            elif key == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text if isinstance(text, str) else ""):
                    target = name.split(".", 1)[0]
                    if not target.startswith("AWS::") and target not in variables:
                        yield path, target
                yield from references(variables, path)
            else:
                yield from references(inner, path if key.startswith("Fn::") else [*path, key])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from references(inner, [*path, index])


def _masked(path: list, value: Any) -> Any:
    """``value`` with every credential masked, whether it sits at ``path`` or deeper inside."""
    key = next((p for p in reversed(path) if isinstance(p, str)), "")
    if is_secret_key(key):
        return masked(key, value)
    if isinstance(value, dict):
        return {k: _masked([k], v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked([key], v) for v in value]
    return value


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


# --- showing a plan --------------------------------------------------------------------------------

FORMATS = ("table", "markdown", "json")
VALUE_WIDTH = 70


def render_plan(plans: list[Plan], fmt: str) -> str:
    """The plans as a terminal table, a Markdown pull-request comment, or JSON."""
    if fmt == "json":
        return json.dumps([p.to_dict() for p in plans], indent=2, sort_keys=True) + "\n"
    render = _markdown if fmt == "markdown" else _table
    return "\n".join(render(p) for p in plans)


def _summary(p: Plan) -> str:
    if p.exit_code == NO_CHANGES:
        return "no changes"
    shown = {"outputs": "output(s) to change", "template": "template setting(s) to change"}
    counts = ", ".join(f"{n} {shown[k]}" if k in shown else f"{n} to {k}" for k, n in p.counts().items() if n)
    verdict = {CHANGES: "", STATEFUL_CHANGES: "; REPLACES OR REMOVES A STATEFUL RESOURCE"}[p.exit_code]
    return counts + verdict


def _value(value: Any) -> str:
    text = "(absent)" if value is None else json.dumps(value, sort_keys=True)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def _details(r: ResourceChange) -> list[str]:
    lines = []
    for c in r.changes:
        why = {YES: "  [create-only: replaces]", MAYBE: "  [conditionally create-only: may replace]", NO: ""}
        lines.append(f"{c.path}: {_value(c.before)} -> {_value(c.after)}{why[c.replacement]}")
    lines += r.causes
    lines += [f"WARNING: {n}" for n in r.notes]
    return lines


def _table(p: Plan) -> str:
    lines = [f"{p.environment} (against {p.base}): {_summary(p)}"]
    if p.resources:
        rows = [("action", "resource", "type", "stateful")]
        rows += [(r.label, r.logical_id, r.type, "yes" if r.stateful else "") for r in p.resources]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for index, row in enumerate(rows):
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
            if index:
                lines += [f"      {d}" for d in _details(p.resources[index - 1])]
    for o in p.outputs:
        lines.append(f"  output {o.name}: {o.action}" + "".join(f"; {c}" for c in o.causes))
    lines += [f"  template {c.path}: {_value(c.before)} -> {_value(c.after)}" for c in p.template]
    return "\n".join(lines) + "\n"


def _markdown(p: Plan) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [f"### `{p.environment}`: {_summary(p)}", "", f"Compared with `{p.base}`.", ""]
    if p.resources:
        lines += ["| action | resource | type | stateful | changes |", "| --- | --- | --- | --- | --- |"]
        for r in p.resources:
            action = f"**{r.label}**" if r.dangerous else r.label
            details = "<br>".join(f"`{cell(d)}`" if ": " in d and " -> " in d else cell(d) for d in _details(r))
            lines.append(f"| {action} | `{r.logical_id}` | `{r.type}` | {'yes' if r.stateful else ''} | {details} |")
        lines.append("")
    if p.outputs:
        lines += ["Outputs: " + ", ".join(f"`{o.name}` ({o.action})" for o in p.outputs), ""]
    if p.template:
        lines += ["Template: " + ", ".join(f"`{c.path}: {_value(c.before)} -> {_value(c.after)}`" for c in p.template),
                  ""]  # fmt: skip
    return "\n".join(lines)
