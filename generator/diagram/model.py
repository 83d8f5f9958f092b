"""What a picture of a stack is made of: nodes in boxes, and the edges between them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    id: str  # the logical id it is drawn for
    lines: list[str]  # the label after the logical id: short type and facts
    store: bool = False  # a data store: drawn as a cylinder, set apart by colour
    key: bool = False
    who: bool = False  # an IAM principal (a policy for the users' roles, a role people assume): rounded


@dataclass
class Box:
    id: str
    title: str
    kind: str  # "region", "vpc", "az", "public", "private" or "service"
    nodes: list[str] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)


@dataclass
class Edge:
    source: str
    target: str
    label: str = ""
    # "traffic" (what a security group allows), "route" (out of a subnet), "data" (what an IAM permission
    # lets a principal write or read, in the direction the data moves) or "login" (an IAM database login)
    kind: str = "traffic"


@dataclass
class Architecture:
    root: Box  # the region: the VPCs and a box per service
    nodes: dict[str, Node]
    edges: list[Edge]
    owner: dict[str, str]  # every logical id -> the node or box that shows it
    refers: dict[str, set[str]] = field(default_factory=dict)  # logical id -> what its Properties refer to
    # Nodes listed under the picture rather than drawn (keys, log groups, topics, dashboards with no edge)
    listed: set[str] = field(default_factory=set)


def walk(box: Box):
    """``box`` and every box inside it, depth first, in order."""
    yield box
    for inner in box.boxes:
        yield from walk(inner)
