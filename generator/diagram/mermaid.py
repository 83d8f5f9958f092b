"""An :class:`~generator.diagram.architecture.Architecture` as a Mermaid flowchart, top to bottom.

Boxes are subgraphs (region, VPC, zones, subnets, services), data stores cylinders set apart by a
class, keys by another; traffic edges carry their ports. A picture of a change marks each node
that is added, modified, replaced (or may be) or removed with a class and a first line that says so.
Lines are written in a fixed order, so the same template gives the same bytes.
"""

from __future__ import annotations

from generator.diagram.architecture import Architecture, Box

# A 14 px font and tighter spacing keep dev's picture within a 900 px column at 100% (GitHub fits wider ones
# to the column, and their text shrinks); 240 px before a line wraps keeps a node to a few lines.
INIT = (
    '%%{init: {"themeVariables": {"fontSize": "14px"}, "flowchart": {"nodeSpacing": 28, "rankSpacing": 36, '
    '"wrappingWidth": 240, "padding": 8}}}%%'
)
CLASSES = {
    "store": "fill:#e8f0fe,stroke:#1a56db,color:#0b2e6f",
    "key": "fill:#fff4e5,stroke:#b26b00,color:#4d2e00",
    "vpc": "fill:#f3faf3,stroke:#2e7d32",
    "az": "fill:#ffffff,stroke:#888888,stroke-dasharray:4 3",
    "public": "fill:#eef8ee,stroke:#2e7d32",
    "private": "fill:#eef3fb,stroke:#1a56db",
    "region": "fill:#fbfbfb,stroke:#555555",
    "service": "fill:#fafafa,stroke:#999999",
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
RANK = ("modify", "add", "may_replace", "replace", "remove")  # the strongest change a node shows


def mermaid(arch: Architecture, changed: dict[str, str] | None = None) -> list[str]:
    """The flowchart's lines; ``changed`` maps logical ids to ``add``, ``modify``, ``may_replace``,
    ``replace`` or ``remove`` to draw a picture of a change."""
    marks: dict[str, str] = {}
    for logical, action in sorted((changed or {}).items()):
        shown = arch.owner.get(logical, logical)
        if RANK.index(action) > RANK.index(marks.get(shown, "modify")) or shown not in marks:
            marks[shown] = action
    lines = [INIT, "flowchart TB"]
    lines += _box(arch.root, arch, marks, 1)
    # Traffic is an arrow; a route is a dotted line without a head (where the subnet's traffic may go, not what
    # may come in); a member a plain line. (open, close) of a labelled link, and the link without a label.
    links = {"traffic": ("--", "-->", "-->"), "route": ("-.", ".-", "-.-"), "member": ("--", "---", "---")}
    for e in arch.edges:
        opening, closing, bare = links[e.kind]
        lines.append(f'  {e.source} {opening} "{e.label}" {closing} {e.target}' if e.label
                     else f"  {e.source} {bare} {e.target}")  # fmt: skip
    lines += [f"  {a} ~~~ {b}" for a, b in arch.hints]
    classes = {**CLASSES, **(CHANGE_CLASSES if marks else {})}
    lines += [f"  classDef {name} {style}" for name, style in classes.items()]
    members: dict[str, list[str]] = {}
    for node in arch.nodes.values():
        if node.store or node.key:
            members.setdefault("store" if node.store else "key", []).append(node.id)
    for box in _boxes(arch.root):
        if box.id not in arch.nodes:
            members.setdefault(box.kind, []).append(box.id)
    for shown, action in marks.items():
        members.setdefault(MARKS[action], []).append(shown)
    lines += [f"  class {','.join(sorted(ids))} {name}" for name, ids in members.items() if name in classes]
    return lines


def _boxes(box: Box):
    yield box
    for inner in box.boxes:
        yield from _boxes(inner)


def _box(box: Box, arch: Architecture, marks: dict, depth: int) -> list[str]:
    pad = "  " * depth
    if box.id in arch.nodes:  # a subnet with nothing in it is drawn as a node
        return [pad + _node(arch.nodes[box.id], marks)]
    title = f"{SAYS[marks[box.id]].upper()}: {box.title}" if box.id in marks else box.title
    lines = [f'{pad}subgraph {box.id}["{_text(title)}"]', f"{pad}  direction TB"]
    for inner in box.boxes:  # the zones first: Mermaid keeps the order it is given where it can
        lines += _box(inner, arch, marks, depth + 1)
    lines += [pad + "  " + _node(arch.nodes[n], marks) for n in box.nodes]
    return [*lines, f"{pad}end"]


def _node(node, marks: dict) -> str:
    head = [f"<b>{SAYS[marks[node.id]]}</b>"] if node.id in marks else []
    label = "<br/>".join(_text(line) for line in [*head, node.id, *node.lines])
    return f'{node.id}[("{label}")]' if node.store else f'{node.id}["{label}"]'


def _text(text: str) -> str:
    """Text inside a quoted Mermaid label: no double quotes (an entity instead)."""
    return text.replace('"', "#quot;")
