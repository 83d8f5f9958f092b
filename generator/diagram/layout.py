"""Where Mermaid puts things, so that a picture stays within a 900 px page column.

Mermaid (dagre) lays a box out on its own, compactly, when no edge leaves it; boxes with no edge
between them, at the top of a ``flowchart LR``, are stacked one under the other. So the picture is
cut into blocks: the top-level boxes an edge joins share a block (the VPC, with the secrets its
rotation function writes and the logins to its cluster), every other box is a block of its own (the
stream with its producers and consumers). Inside a block, invisible links keep the order top to
bottom: public subnets above private ones, the VPC's clients below the zones, what lies outside the
VPC below it (one box under the other: beside each other they would be wider than the column), and the
nodes of a box without edges in rows of :data:`ROW`.
"""

from __future__ import annotations

from itertools import pairwise

from generator.diagram.model import Box, Edge, walk

ROW = 3  # nodes side by side in a box without edges: three of about 220 px fit a 900 px column


def blocks(boxes: list[Box], edges: list[Edge]) -> list[list[Box]]:
    """``boxes`` (the top-level ones) grouped: boxes joined by an edge share a block; the blocks in
    the order of their first box."""
    top = {n: box.id for box in boxes for inner in walk(box) for n in [inner.id, *inner.nodes]}
    order = {box.id: i for i, box in enumerate(boxes)}
    group = {box.id: box.id for box in boxes}  # each box's block: the first box of it, once all are joined

    def find(b: str) -> str:
        while group[b] != b:
            b = group[b]
        return b

    for e in edges:
        if e.source in top and e.target in top:
            a, b = sorted((find(top[e.source]), find(top[e.target])), key=order.get)
            group[b] = a
    found: dict[str, list[Box]] = {}
    for box in boxes:
        found.setdefault(find(box.id), []).append(box)
    return list(found.values())


def hints(block: list[Box], edges: list[Edge], drawn: set[str]) -> list[tuple[str, str]]:
    """The invisible links that keep ``block``'s order top to bottom; ``drawn`` are the nodes shown."""
    found = []
    traffic = [e for e in edges if e.kind == "traffic" and {e.source, e.target} <= drawn]
    for vpc in (b for b in block if b.kind == "vpc"):
        zones = [b for b in vpc.boxes if b.kind == "az"]
        bottoms = []
        for zone in zones:  # public subnets above private ones
            tops = [a for b in zone.boxes if (a := _anchor(b, drawn))]
            found += list(pairwise(tops))
            bottoms += tops[-1:]
        # the VPC's clients (a security group, a function) below the zones, spread over them
        clients = [n for n in vpc.nodes if any(e.source == n for e in traffic) and all(e.target != n for e in traffic)]
        found += [(bottoms[i % len(bottoms)], n) for i, n in enumerate(clients) if bottoms]
        # what lies outside the VPC below it, one box under the other, the box more edges join to the VPC first
        # (shorter edges): the first under the first node the VPC's clients reach, each next under the last
        # node of the one before
        inner = {n for b in walk(vpc) for n in [b.id, *b.nodes]}
        outside = [b for b in block if b.kind != "vpc"]
        joined = {b.id: sum(e.source in inner and e.target in {n for x in walk(b) for n in x.nodes} for e in edges)
                  for b in outside}  # fmt: skip
        above = [n for n in vpc.nodes if any(e.target == n for e in traffic)][:1]
        for box in sorted(outside, key=lambda b: -joined[b.id]):
            inside = [n for b in walk(box) for n in b.nodes if n in drawn]
            tops = [n for n in inside if not any(e.target == n and e.source in inside for e in edges)]
            found += [(a, n) for a in above for n in tops]
            above = [n for n in inside if not any(e.source == n and e.target in inside for e in edges)][-1:] or above
    for box in block:  # a box without edges: rows of ROW nodes
        shown = [n for n in box.nodes if n in drawn]
        if not box.boxes and not any({e.source, e.target} & set(shown) for e in edges):
            found += [(a, b) for a, b in zip(shown, shown[ROW:], strict=False)]
    return found


def _anchor(box: Box, drawn: set[str]) -> str | None:
    """A node that stands for ``box``: itself when drawn as a node (an empty subnet), else its first."""
    if box.id in drawn:
        return box.id
    return next((n for n in box.nodes if n in drawn), None) or next(
        (a for b in box.boxes if (a := _anchor(b, drawn))), None
    )
