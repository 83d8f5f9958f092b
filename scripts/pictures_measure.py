"""`make pictures`, after drawing: is each picture readable at 100% in a 900 px page column?

For each SVG mermaid-cli drew (at its natural size), the smallest text a reviewer sees once GitHub fits
the picture to its column: the smallest font size the SVG gives any text, times min(1, 900 / natural
width); under 12 px is a failure. The availability zones ("AZ a", "AZ b" boxes) must read a, b, ...
left to right. One line per picture, named by its PNG:

    docs/pictures/prod.png: 872 px wide, smallest text 14 px at 900 px, zones a, b: ok

Usage: python3 scripts/pictures_measure.py PICTURE.png=DRAWING.svg [...]; exits 1 when any picture fails.
Standard library only: `make pictures` runs it without the venv.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

COLUMN = 900  # px: GitHub's page column, to which it fits a wider picture
SMALLEST = 12.0  # px: the smallest text a reviewer should have to read at 100%
SVG = "{http://www.w3.org/2000/svg}"


@dataclass(frozen=True)
class Measure:
    width: float  # the picture's natural width, px
    font: float  # the smallest font size any text of it has, px
    zones: tuple[str, ...]  # the availability zones' letters, left to right

    @property
    def shown(self) -> float:
        """The smallest text at 100% in the column: shrunk with the picture when it is wider."""
        return self.font * min(1.0, COLUMN / self.width)

    @property
    def problems(self) -> list[str]:
        found = [f"text under {SMALLEST:g} px"] if self.shown < SMALLEST else []
        return found + (["zones out of order"] if list(self.zones) != sorted(self.zones) else [])


def measure(svg: str) -> Measure:
    """The width, smallest font and zone order of one SVG drawing (mermaid-cli's)."""
    root = ET.fromstring(svg)
    style = root.get("style", "")
    found = re.search(r"max-width:\s*([\d.]+)px", style)
    width = float(found[1]) if found else float(root.get("viewBox", "0 0 0 0").split()[2])
    return Measure(width, _smallest_font(root), _zones(root))


def report(name: str, m: Measure) -> str:
    """``docs/pictures/prod.png: 872 px wide, smallest text 14 px at 900 px, zones a, b: ok``."""
    zones = f", zones {', '.join(m.zones)}" if m.zones else ""
    verdict = "; ".join(m.problems) or "ok"
    return f"{name}: {m.width:.0f} px wide, smallest text {m.shown:.3g} px at {COLUMN} px{zones}: {verdict}"


def _texts(root: ET.Element) -> list[ET.Element]:
    """The elements that hold text (a label's <p>, an SVG <text>), with all their ancestors."""
    holders = []

    def visit(element: ET.Element, chain: list[ET.Element]) -> None:
        here = [*chain, element]
        if (element.text or "").strip() and not element.tag.endswith("style"):
            holders.extend(e for e in here if e not in holders)
        for inner in element:
            visit(inner, here)

    visit(root, [])
    return holders


def _smallest_font(root: ET.Element) -> float:
    """The smallest px font size that reaches some text: a CSS rule whose selector's last part names an element
    holding text (or an ancestor of one), an inline style, a ``font-size`` attribute. A rule for what is not
    drawn (a tooltip) does not count; a size overridden by a larger one still does: never too kind."""
    holders = _texts(root)
    sizes = []
    css = " ".join(e.text or "" for e in root.iter(f"{SVG}style"))
    css = re.sub(r"@[\w-]+[^{]*\{(?:[^{}]*\{[^}]*\})*[^{}]*\}", "", css)  # @keyframes and @media blocks
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        size = re.search(r"font-size:\s*([\d.]+)px", body)
        if size and any(_matches(s.split()[-1], e) for s in selectors.split(",") if s.strip() for e in holders):
            sizes.append(float(size[1]))
    for e in holders:
        if inline := re.search(r"font-size:\s*([\d.]+)px", e.get("style", "")):
            sizes.append(float(inline[1]))
        if (attribute := e.get("font-size", "").removesuffix("px")).replace(".", "", 1).isdigit():
            sizes.append(float(attribute))
    if not sizes:
        raise ValueError("no font size reaches any text")
    return min(sizes)


def _matches(compound: str, element: ET.Element) -> bool:
    """Whether ``element`` matches a simple CSS compound selector: ``tag``, ``.class``, ``#id``, ``tag.a.b``."""
    compound = compound.split(">")[-1].split(":")[0]
    tag = re.match(r"[\w-]*", compound)[0]
    classes = re.findall(r"\.([\w-]+)", compound)
    ids = re.findall(r"#([\w-]+)", compound)
    name = element.tag.rsplit("}", 1)[-1]
    have = set(element.get("class", "").split())
    return (not tag or tag == name) and set(classes) <= have and all(element.get("id") == i for i in ids)


def _zones(root: ET.Element) -> tuple[str, ...]:
    """The letters of the boxes titled ``AZ x``, by their left edge (translations summed)."""
    found = []

    def visit(element: ET.Element, dx: float) -> None:
        move = re.match(r"translate\(\s*([-\d.e]+)", element.get("transform", ""))
        dx += float(move[1]) if move else 0.0
        if "cluster" in element.get("class", "").split():
            title = re.fullmatch(r"\s*AZ ([a-z])\s*", "".join(element.itertext()))
            rect = element.find(f"{SVG}rect")
            if title and rect is not None:
                found.append((dx + float(rect.get("x", "0")), title[1]))
        for inner in element:
            visit(inner, dx)

    visit(root, 0.0)
    return tuple(letter for _, letter in sorted(found))


def main(argv: list[str]) -> int:
    failed = False
    for argument in argv:
        name, _, path = argument.partition("=")
        with open(path or name, encoding="utf-8") as f:
            m = measure(f.read())
        print(report(name, m))
        failed |= bool(m.problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
