"""The plan on a terminal: wrapped to its width, coloured when it is a terminal (never when piped or
with ``NO_COLOR``; the caller decides), every value whole."""

from __future__ import annotations

import textwrap

import click

from generator.review.formats.words import (
    action_of,
    by_risk,
    cost,
    cost_rows,
    headline,
    notes_of,
    output_lines,
    resource_lines,
    timing,
    type_of,
    value,
)
from generator.review.model import ERROR, INFO, WARNING, Plan

INDENT = 6  # the property lines under a resource row
COLOURS = {"add": "green", "modify": "yellow", "modify, may replace": "magenta", "replace": "red", "remove": "red",
           "-": "red", "+": "green", ERROR: "red", WARNING: "yellow", INFO: "cyan"}  # fmt: skip


def table(plans: list[Plan], width: int = 100, color: bool = False) -> str:
    """Every plan as a block of lines no wider than ``width`` (a word longer than that is split)."""
    return "".join(_plan(p, max(width, 40), color) for p in by_risk(plans))


def _plan(p: Plan, width: int, color: bool) -> str:
    def paint(text: str, key: str, bold: bool = False) -> str:
        return click.style(text, fg=COLOURS.get(key), bold=bold) if color else text

    def wrapped(text: str, indent: int, hanging: int = 2) -> list[str]:
        return textwrap.wrap(text, width, initial_indent=" " * indent, subsequent_indent=" " * (indent + hanging),
                             break_on_hyphens=False) or [""]  # fmt: skip

    title = f"{p.environment} (against {p.base}): {headline(p)}"
    lines = [paint(line, ERROR if p.will_fail else "", bold=True) for line in wrapped(title, 0, 4)]
    if timing(p):
        lines += wrapped(f"time: {timing(p)}", 2, 6)
    if cost(p):
        lines += wrapped(f"cost: {cost(p)}", 2, 6)
        for resource, before, after, change in cost_rows(p):
            lines += wrapped(f"{resource}: {before} -> {after}" + (f" ({change})" if change else ""), 4, 4)
    for note in notes_of(p):
        label = f"{note.severity.upper()}: "
        lines += [paint(line, note.severity) if i == 0 else line
                  for i, line in enumerate(wrapped(label + note.text, 2, len(label)))]  # fmt: skip
    if p.resources:
        rows = [("action", "resource", "type")] + [(action_of(r), r.logical_id, type_of(r)) for r in p.resources]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        margin = 2 + widths[0] + 2 + widths[1] + 2  # where the type column starts
        for index, row in enumerate(rows):
            beside = max(map(len, row[2].split() or [""])) <= width - margin  # else: under the resource's name
            room = width - margin if beside else width - 4 - widths[0]
            kind = textwrap.wrap(row[2], max(room, 10), break_long_words=False) or [""]
            cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), kind[0]]
            if index:
                resource = p.resources[index - 1]
                cells[0] = paint(cells[0], row[0], bold=resource.dangerous)
            if beside:
                lines.append(("  " + "  ".join(cells)).rstrip())
                lines += [" " * margin + more for more in kind[1:]]
            else:  # a narrow terminal: the type goes under the resource's name
                lines.append(("  " + "  ".join(cells[:2])).rstrip())
                lines += [" " * (4 + widths[0]) + more for more in kind]
            if index:
                lines += _details(resource_lines(p.resources[index - 1]), INDENT, wrapped, paint)
    if p.outputs:
        lines.append("  outputs")
        for o in p.outputs:
            lines += _details(output_lines(o), 4, wrapped, paint)
    for c in p.template:
        lines += wrapped(f"template {c.path}: {value(c.before)} -> {value(c.after)}", 2, 4)
    return "\n".join(lines) + "\n"


def _details(signed: list[tuple[str, str]], indent: int, wrapped, paint) -> list[str]:
    """``(sign, text)`` lines, each wrapped, ``-`` and ``+`` in the margin (and in colour)."""
    lines = []
    for sign, text in signed:
        for i, line in enumerate(wrapped(text, indent)):
            lines.append(paint(line[:indent] + sign + line[indent + 1 :], sign) if sign != " " and i == 0
                         else paint(line, sign) if sign != " " else line)  # fmt: skip
    return lines
