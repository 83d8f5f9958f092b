"""An :class:`~generator.diagram.model.Architecture` as a Mermaid flowchart a reviewer reads at 100%.

Boxes are subgraphs (VPC, zones, subnets, services) stacked in blocks (:mod:`.layout`) under the
region's title, a legend last (:mod:`.legend`); data stores are cylinders set apart by a class, IAM
principals rounded, keys orange. Traffic is a thin arrow labelled with its port, what an IAM permission
lets move a thick one, a database login a thick line, a route a dotted line. A picture of a change
(:class:`Marks`) marks each node whose own resource is added, modified, replaced (or may be) or
removed, with a class, a first line that says so and its changed lines (before → after). Lines are
written in a fixed order, so the same template gives the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from generator.diagram.layout import blocks, hints
from generator.diagram.legend import legend
from generator.diagram.model import Architecture, Box, Node, walk

# A 14 px font at 100% (the picture is at most 900 px wide: GitHub fits a wider one to its column and the text
# shrinks; `make pictures` measures it); 220 px before Mermaid wraps a line itself.
INIT = (
    '%%{init: {"themeVariables": {"fontSize": "14px"}, "flowchart": {"nodeSpacing": 28, "rankSpacing": 36, '
    '"wrappingWidth": 220, "padding": 8}}}%%'
)
CLASSES = {
    "store": "fill:#e8f0fe,stroke:#1a56db,color:#0b2e6f",
    "key": "fill:#fff4e5,stroke:#b26b00,color:#4d2e00",
    "who": "fill:#f6f0ff,stroke:#6f42c1,color:#2e1065",
    "vpc": "fill:#f3faf3,stroke:#2e7d32",
    "az": "fill:#ffffff,stroke:#888888,stroke-dasharray:4 3",
    "public": "fill:#eef8ee,stroke:#2e7d32",
    "private": "fill:#eef3fb,stroke:#1a56db",
    "service": "fill:#fafafa,stroke:#999999",
    "legend": "fill:#ffffff,stroke:#bbbbbb",
    "block": "fill:none,stroke:none",
    "blank": "fill:none,stroke:none",
}
CHANGE_CLASSES = {
    "added": "fill:#dafbe1,stroke:#1a7f37,stroke-width:3px,color:#0b3d1a",
    "modified": "fill:#fff8c5,stroke:#9a6700,stroke-width:3px,color:#3d2a00",
    "replaced": "fill:#ffe2cc,stroke:#d1242f,stroke-width:4px,color:#5c0f14",
    "removed": "fill:#eeeeee,stroke:#d1242f,stroke-width:3px,stroke-dasharray:6 4,color:#555555",
}
MARKS = {"add": "added", "modify": "modified", "may_replace": "replaced", "replace": "replaced", "remove": "removed"}
SAYS = {"add": "added", "modify": "modified", "may_replace": "may be replaced", "replace": "replaced",
        "remove": "removed"}  # fmt: skip
# (opening, closing) of a labelled link of each kind, and the link without a label. A route has no head: where a
# subnet's traffic may go, not what may come in; a login none either (the policy lets its holder in).
LINKS = {"traffic": ("--", "-->", "-->"), "route": ("-.", ".-", "-.-"), "data": ("==", "==>", "==>"),
         "login": ("==", "===", "===")}  # fmt: skip


@dataclass(frozen=True)
class Marks:
    """What a picture of a change says: the action on each node's own resource, its label lines (before
    -> after) where they change, a note on what folded into it changes, and the listed nodes to draw."""

    actions: dict[str, str] = field(default_factory=dict)  # node -> add, modify, may_replace, replace, remove
    lines: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def mermaid(arch: Architecture, marks: Marks | None = None) -> list[str]:
    """The flowchart's lines; ``marks`` draw a picture of a change."""
    marks = marks or Marks()
    drawn = {k for k in arch.nodes if k not in arch.listed or k in marks.actions or k in marks.notes}
    top = [b for b in arch.root.boxes if _shown(b, drawn)]
    lines = ["---", f"title: {arch.root.title}", "---", INIT, "flowchart LR"]
    edges = [e for e in arch.edges if {e.source, e.target} <= drawn]
    shapes = {_kind(arch.nodes[k]) or "other" for k in drawn}
    changes = {MARKS[a] for a in marks.actions.values()}
    legend_lines, members = legend(
        _link, lambda k, text, shape: _shape(k, _text(text), shape), {e.kind for e in edges}, shapes, changes
    )
    if legend_lines:
        members["legend"] = ["legend_box"]
    found = blocks(top, arch.edges)
    invisible = []
    # Mermaid stacks the blocks of a flowchart LR last first: the legend, then the blocks from the last.
    lines += legend_lines
    for i, block in reversed(list(enumerate(found))):
        invisible += hints(block, arch.edges, drawn)
        inner = [line for box in block for line in _box(box, arch, marks, drawn, 2 if len(block) > 1 else 1)]
        if len(block) > 1:  # boxes joined by edges: in an invisible box, so that they stay one block
            inner = [f'  subgraph block_{i}[" "]', "    direction TB", *inner, "  end"]
            members.setdefault("block", []).append(f"block_{i}")
        lines += inner
    lines += ["  " + _link(e.source, e.target, e.label, e.kind) for e in edges]
    lines += [f"  {_id(a)} ~~~ {_id(b)}" for a, b in invisible]
    classes = {**CLASSES, **(CHANGE_CLASSES if marks.actions else {})}
    lines += [f"  classDef {name} {style}" for name, style in classes.items()]
    for k in sorted(drawn):
        if kind := _kind(arch.nodes[k]):
            members.setdefault(kind, []).append(k)
    for box in (b for t in top for b in walk(t) if _shown(b, drawn)):  # an empty subnet's node too
        members.setdefault(box.kind, []).append(box.id)
    for shown, action in marks.actions.items():
        if shown in drawn or any(shown == b.id for t in top for b in walk(t)):
            members.setdefault(MARKS[action], []).append(shown)
    lines += [f"  class {','.join(sorted(map(_id, ids)))} {name}" for name, ids in members.items()
              if name in classes and ids]  # fmt: skip
    return lines


def _kind(node: Node) -> str:
    """The class of a node's shape and colour: ``store``, ``key``, ``who`` or none."""
    return "store" if node.store else "key" if node.key else "who" if node.who else ""


def _shown(box: Box, drawn: set[str]) -> bool:
    return any(b.id in drawn or set(b.nodes) & drawn for b in walk(box))


def _link(source: str, target: str, label: str, kind: str) -> str:
    opening, closing, bare = LINKS[kind]
    source, target = _id(source), _id(target)
    return f'{source} {opening} "{_text(label)}" {closing} {target}' if label else f"{source} {bare} {target}"


def _box(box: Box, arch: Architecture, marks: Marks, drawn: set[str], depth: int) -> list[str]:
    pad = "  " * depth
    if box.id in arch.nodes:  # a subnet with nothing in it is drawn as a node
        return [pad + _node(arch.nodes[box.id], marks)]
    title = f"{SAYS[marks.actions[box.id]].upper()}: {box.title}" if box.id in marks.actions else box.title
    lines = [f'{pad}subgraph {_id(box.id)}["{_text(title)}"]', f"{pad}  direction TB"]
    for inner in (b for b in box.boxes if _shown(b, drawn)):  # the zones first, a before b
        lines += _box(inner, arch, marks, drawn, depth + 1)
    lines += [pad + "  " + _node(arch.nodes[n], marks) for n in box.nodes if n in drawn]
    return [*lines, f"{pad}end"]


def _node(node: Node, marks: Marks) -> str:
    head = [f"<b>{SAYS[marks.actions[node.id]]}</b>"] if node.id in marks.actions else []
    note = [f"<i>{_text(marks.notes[node.id])}</i>"] if node.id in marks.notes else []
    body = [_text(line) for line in [node.id, *marks.lines.get(node.id, node.lines)]]
    return _shape(node.id, "<br/>".join([*head, *body, *note]), _kind(node))


def _shape(k: str, label: str, shape: str) -> str:
    """A node: a cylinder for a data store, rounded for an IAM principal, else a box."""
    k = _id(k)
    return {"store": f'{k}[("{label}")]', "who": f'{k}(["{label}"])'}.get(shape, f'{k}["{label}"]')  # key: a box


# Words Mermaid's flowchart grammar takes for itself: a logical id such as ``End`` is drawn as ``End_`` (a logical
# id has no underscore, so it meets no other). The picture's own ids (``legend_box``, ``block_0``) have one.
KEYWORDS = {"end", "graph", "subgraph", "flowchart", "direction", "click", "style", "class", "classdef", "linkstyle",
            "default", "call", "href"}  # fmt: skip


def _id(k: str) -> str:
    return f"{k}_" if k.lower() in KEYWORDS else k


def _text(text: str) -> str:
    """Text inside a quoted Mermaid label: no double quotes (an entity instead)."""
    return text.replace('"', "#quot;")
