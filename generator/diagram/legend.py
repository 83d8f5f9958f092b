"""The legend drawn under a picture: what each kind of line and each node shape in it means, drawn with
the same lines and shapes, and in a picture of a change the colours it uses. Only what the picture
shows: a picture of plain boxes has none."""

from __future__ import annotations

from itertools import pairwise

# Each kind of edge with what it means: a sample line between two invisible points, top to bottom.
LINES = {
    "traffic": "traffic a security group allows (port)",
    "data": "data an IAM permission lets in or out",
    "login": "an IAM database login",
    "route": "a route out of a subnet",
}
SHAPES = {"store": "data store", "who": "IAM policy or role", "key": "KMS key", "other": "other resource"}
CHANGES = ("added", "modified", "replaced", "removed")


def legend(link, node, kinds: set[str], shapes: set[str], changes: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The legend box's lines and its nodes by class, for a picture with edges of ``kinds``, nodes of
    ``shapes`` (``store``, ``who``, ``key``, ``other``: plain boxes alone need no legend) and ``changes``
    (``added``, ...); ``([], {})`` when there is nothing to explain. ``link(source, target, label, kind)``
    and ``node(id, label, shape)`` write an edge and a node as the picture does."""
    lines, classes = [], {}
    for kind, meaning in LINES.items():
        if kind in kinds:
            a, b = f"legend_{kind}_from", f"legend_{kind}_to"
            lines += [f'    {a}[" "]', f'    {b}[" "]', "    " + link(a, b, meaning, kind)]
            classes.setdefault("blank", []).extend([a, b])
    rows = [[(f"legend_{s}", text, s) for s, text in SHAPES.items() if s in shapes and shapes - {"other"}]]
    rows.append([(f"legend_{c}", c, c) for c in CHANGES if c in changes])
    for row in rows:
        for sample, text, shape in row:
            lines.append("    " + node(sample, text, shape))
            if shape != "other":
                classes.setdefault(shape, []).append(sample)
        lines += [f"    {a} ~~~ {b}" for (a, _, _), (b, _, _) in pairwise(row)]  # in LR: side by side
    if not lines:
        return [], {}
    return ['  subgraph legend_box["Legend"]', "    direction LR", *lines, "  end"], classes
