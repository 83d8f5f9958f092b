"""A plan as a reader sees it: a terminal table, a Markdown pull-request comment, or JSON for machines."""

from __future__ import annotations

import json
from typing import Any

from generator.review.plan import CHANGES, MAYBE, NO, NO_CHANGES, STATEFUL_CHANGES, YES, Plan, ResourceChange

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
    if p.moved_from:
        verdict = "; LEAVES THE OLD STACK RUNNING" if p.left_running else ""
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
    if p.move:
        lines.append(f"  NOTE: {p.move}")
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
    if p.move:
        lines += [f"> **Note:** {p.move}.", ""]
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
