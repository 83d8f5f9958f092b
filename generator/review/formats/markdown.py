"""The plan as a pull-request comment that leads with its verdict.

From the top: a hidden marker (a pipeline finds its own comment by it and updates it in place), a
``> [!CAUTION]`` box when a deploy will fail, stateful data is at stake or an update interrupts something
(naming the resources, what becomes of their data, what the deploy must be told, which exports change;
a note several environments share said once, naming them), one line per environment, then for each
changed environment a narrow table (action, resource, short type) and, folded, every property change as
a ``diff`` block (values whole) and a picture of the change. Environments come worst first
(:func:`~generator.review.formats.words.risk`: data at stake, the deploy fails, an interruption, a
replacement, a modification), prod first among equals.
"""

from __future__ import annotations

import re
from collections import Counter

from generator.review.formats.words import (
    action_of,
    by_risk,
    cost,
    cost_rows,
    counts,
    notes_of,
    output_lines,
    resource_lines,
    time_headline,
    timing,
    type_of,
    value,
    verdict,
)
from generator.review.model import ERROR, INFO, Plan, ResourceChange

# The first line of every comment; a pipeline looks for it to update its comment instead of adding one.
MARKER = "<!-- iotstack-plan -->"


def markdown(plans: list[Plan], pictures: dict[str, str] | None = None, fleets: list | None = None) -> str:
    """The comment for ``plans``; ``pictures`` maps an environment to a Mermaid picture of its change; ``fleets``:
    the fleets' plans, whose own plans (the template's, a site's) are among ``plans``, and whose sites get a
    table of their own (:mod:`generator.review.formats.fleet`), after the environments' lines."""
    from generator.review.formats.fleet import markdown_lines

    fleets = fleets or []
    theirs = {p.environment for fp in fleets for p in fp.plans}
    own = [p for p in plans if p.environment not in theirs]  # the environments'
    changed = by_risk([p for p in plans if p.exit_code])
    moving = len([p for p in own if p.exit_code]) + len([fp for fp in fleets if fp.exit_code])
    what = "environment(s) and fleet(s)" if fleets else "environment(s)"
    lines = [MARKER, f"### iotstack plan: {moving} of {len(own) + len(fleets)} {what} change", ""]
    lines += _caution(changed)
    for p in changed:
        said = (_verdict(p), counts(p), time_headline(p), f"cost {p.cost.headline()}" if cost(p) else "")
        lines.append(f"- **`{p.environment}`**: " + "; ".join(x for x in said if x))
    unchanged = [f"`{p.environment}`" for p in own if not p.exit_code]
    unchanged += [f"fleet `{fp.fleet}`" for fp in fleets if not fp.exit_code]
    if unchanged:
        lines.append("- no changes: " + ", ".join(unchanged))
    lines.append("")
    lines += [line for fp in fleets for line in markdown_lines(fp)]
    for p in changed:
        lines += _section(p, (pictures or {}).get(p.environment))
    return "\n".join(lines).rstrip("\n") + "\n"


def _verdict(p: Plan) -> str:
    """``**the deploy will fail**; **replaces stateful** `AuroraCluster`, `AuroraInstance```."""
    return "; ".join(" ".join([f"**{phrase}**", ", ".join(f"`{n}`" for n in names)]).strip()
                     for phrase, names in verdict(p))  # fmt: skip


def _caution(plans: list[Plan]) -> list[str]:
    """The box that cannot be missed: what each environment with an error or a warning must know, worst first;
    a note that several environments share is said once, naming them."""
    grave = [p for p in plans if any(n.severity != INFO for n in notes_of(p))]
    if not grave:
        return []
    headings = [f"**`{p.environment}`: " + ("the deploy will fail" if p.will_fail else "stateful resources at stake"
                if p.at_stake else "read before deploying") + "**" for p in grave]  # fmt: skip
    said: dict[tuple[str, str], list[str]] = {}  # (severity, text) -> the environments that have it, in order
    names: set[str] = set()
    for p in grave:
        names |= {r.logical_id for r in p.resources}
        for n in notes_of(p):
            said.setdefault((n.severity, n.text), []).append(p.environment)
    lines = ["> [!CAUTION]", "> " + " · ".join(headings)]
    for (severity, text), environments in sorted(said.items(), key=lambda item: item[0][0] != ERROR):
        who = ", ".join(f"`{e}`" for e in environments) + ": " if len(grave) > 1 else ""  # one: its heading says
        lines.append(f"> - {who}{'**will fail:** ' if severity == ERROR else ''}{_text(text, names)}")
    return [*lines, ""]


def _text(text: str, names: set[str]) -> str:
    """A note in Markdown: the resource it starts with as code, pipes escaped."""
    first_word = re.match(r"(\w+)(?=[: ])", text)
    if first_word and first_word[1] in names:
        text = f"`{first_word[1]}`{text[first_word.end() :]}"
    return text.replace("|", "\\|")


def _section(p: Plan, picture: str | None) -> list[str]:
    target = f" (deploys to {p.target})" if p.target else ""
    lines = [f"#### `{p.environment}`: {counts(p)}", "", f"Compared with `{p.base}`{target}.", ""]
    if timing(p):
        lines += [f"**Time:** {timing(p)}.", ""]
    if cost(p):
        lines += [f"**Cost:** {cost(p)}.", ""]
        changed = cost_rows(p)
        if changed:
            lines += ["| resource | before | after | change |", "| --- | --- | --- | ---: |",
                      *(f"| {r} | {b} | {a} | {c} |" for r, b, a, c in changed), ""]  # fmt: skip
    info = [n for n in notes_of(p) if n.severity == INFO]  # what is good to know: the caution box has the rest
    if info:
        names = {r.logical_id for r in p.resources}
        lines += [*(f"- **Note:** {_text(n.text, names)}" for n in info), ""]
    own = [r for r in p.resources if not _consequential(r)]
    followers = [r for r in p.resources if _consequential(r)]
    if own:
        lines += [*_rows(own), ""]
    if followers:
        kinds = Counter(type_of(r) for r in followers)
        summary = (f"{len(followers)} more change only because what they refer to is replaced ("
                   + ", ".join(f"{n} × {kind}" for kind, n in sorted(kinds.items())) + ")")  # fmt: skip
        lines += [f"<details><summary>{summary}</summary>", "", *_rows(followers), "", "</details>", ""]
    details = [f"@@ {r.logical_id} ({type_of(r)}): {action_of(r)} @@\n" + _diff(resource_lines(r))
               for r in p.resources if r.changes or r.causes]  # fmt: skip
    details += ["@@ outputs @@\n" + _diff([line for o in p.outputs for line in output_lines(o)])] if p.outputs else []
    details += [f"@@ template @@\n  {c.path}\n- {value(c.before)}\n+ {value(c.after)}" for c in p.template]
    if details:
        summary = f"What changes, property by property ({len(details)} block(s))"
        lines += [f"<details><summary>{summary}</summary>", "", "```diff", *details, "```", "", "</details>", ""]
    if picture:
        lines += ["<details><summary>The picture of the change</summary>", "", "```mermaid", picture.rstrip("\n"),
                  "```", "", "</details>", ""]  # fmt: skip
    return lines


def _consequential(r: ResourceChange) -> bool:
    """Changed only because something it refers to is replaced (an alarm on a replaced instance), with nothing
    at stake and nothing to note: folded under the table, its causes in the details."""
    return r.action == "modify" and not r.changes and bool(r.causes) and not r.dangerous and not r.notes


def _rows(resources: list[ResourceChange]) -> list[str]:
    rows = ["| action | resource | type |", "| --- | --- | --- |"]
    for r in resources:
        action = f"**{action_of(r)}**" if r.dangerous or r.notes else action_of(r)
        rows.append(f"| {action} | `{r.logical_id}` | {type_of(r)} |")
    return rows


def _diff(signed: list[tuple[str, str]]) -> str:
    """``(sign, text)`` lines as a ``diff`` block's lines; a backtick fence inside a value is broken up."""
    return "\n".join(f"{sign} {text}".replace("```", "`\u200b``") for sign, text in signed)
