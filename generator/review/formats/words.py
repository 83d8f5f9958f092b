"""The sentences and lines every format shares: a plan's verdict and counts, and each change as
``-``/``+`` lines, values never cut (a list shows the elements that differ, not its first 70 characters)."""

from __future__ import annotations

import difflib
from typing import Any

from generator.cfn import short_type, shown
from generator.review.model import (
    NO_CHANGES,
    SEVERITIES,
    WARNING,
    OutputChange,
    Plan,
    PropertyChange,
    ResourceChange,
)

# At most this many characters of unchanged list elements are shown; more are counted instead.
UNCHANGED_SHOWN = 60


def counts(p: Plan) -> str:
    """``3 to replace, 1 to modify (1 may replace), 4 outputs to change``; "no changes" when there are none."""
    if p.exit_code == NO_CHANGES:
        return "no changes"
    n = p.counts()
    parts = [f"{n[a]} to {a}" for a in ("add", "replace", "modify", "remove") if n[a]]
    if n["may_replace"]:
        parts = [f"{part} ({n['may_replace']} may replace)" if part.endswith("to modify") else part for part in parts]
    parts += [f"{n['outputs']} output(s) to change"] if n["outputs"] else []
    parts += [f"{n['template']} template setting(s) to change"] if n["template"] else []
    return ", ".join(parts)


def timing(p: Plan) -> str:
    """``about 16 min; longest path DatabaseKey → AuroraCluster → AuroraInstance; durations: ...``, and what it
    could not count; "" when no resource changes."""
    if not (p.forecast and p.forecast.operations):
        return ""
    said = "; ".join([p.forecast.summary(), *p.forecast.left_out, p.forecast.source])
    return f"the deploy fails first; once that is fixed, {said}" if p.will_fail else said


def time_headline(p: Plan) -> str:
    """The verdict line's share: ``about 16 min``, ``time unknown``, ``about 2 min (+3 deletion(s) not counted)``;
    nothing when the deploy will fail or no resource changes."""
    if not timing(p) or p.will_fail:
        return ""
    f = p.forecast
    if not f.known:
        return "time unknown"
    return f.length + (f" (+{f.uncounted} deletion(s) not counted)" if f.uncounted else "")


def cost(p: Plan) -> str:
    """``110.00 -> 139.20 USD a month (+29.20); prices/sa-east-1.json, price list published ...``;
    "" when the plan changes nothing or was made without costs."""
    if not (p.cost and p.exit_code):
        return ""
    return f"{p.cost.headline()}; {p.cost.after.prices_said(p.cost.today)}"


def cost_rows(p: Plan) -> list[tuple[str, str, str, str]]:
    """Each billed item the change changes: ``(what, before, after, difference)``, quantities and amounts as
    text (``-`` where a side has none or no price)."""
    from generator.cost.estimate import amount, money

    def side(row) -> str:
        if row is None:
            return "-"
        if not row.item.rate:  # not counted: the reason is what it bills
            return row.item.billed
        billed = f"{row.item.billed}: {amount(row.item.quantity, 3)} {row.item.unit}"
        return billed + (f", {money(row.monthly)}" if row.monthly is not None else "")

    rows = []
    for before, after in p.cost.changed() if cost(p) else []:
        either = after or before
        change = ""
        if (before is None or before.monthly is not None) and (after is None or after.monthly is not None):
            delta = (after.monthly if after else 0) - (before.monthly if before else 0)
            change = ("+" if delta >= 0 else "-") + money(abs(delta))
        rows.append((either.item.resource, side(before), side(after), change))
    return rows


def verdict(p: Plan) -> list[tuple[str, list[str]]]:
    """The things to know first, each a phrase and the resources it names: the deploy will fail,
    stateful resources replaced (or maybe) or removed, a stack left running; [] for an ordinary change."""
    said: list[tuple[str, list[str]]] = [("the deploy will fail", [])] if p.will_fail else []
    for phrase, action in (("replaces stateful", "replace"), ("may replace stateful", "may"),
                           ("removes stateful", "remove")):  # fmt: skip
        named = [r.logical_id for r in p.resources if r.dangerous and (r.action == action or (action == "may"
                                                                        and r.may_replace))]  # fmt: skip
        said += [(phrase, named)] if named else []
    return said + ([("leaves the old stack running", [])] if p.left_running else [])


def headline(p: Plan) -> str:
    """``3 to replace, ...; THE DEPLOY WILL FAIL; REPLACES STATEFUL AuroraCluster``: the terminal's title."""
    loud = [" ".join([phrase.upper(), ", ".join(names)]).strip() for phrase, names in verdict(p)]
    return "; ".join([counts(p), *loud])


def action_of(r: ResourceChange) -> str:
    return "modify, may replace" if r.may_replace else r.action


def type_of(r: ResourceChange) -> str:
    """The short type, and "stateful" where it matters: when its data is at stake."""
    return short_type(r.type) + (", stateful" if r.dangerous else "")


def value(v: Any) -> str:
    return "(absent)" if v is None else shown(v)


def change_lines(c: PropertyChange) -> list[tuple[str, str]]:
    """One property change as ``(sign, text)`` lines: a header, then ``-`` before and ``+`` after.
    Lists show the elements removed and added (unchanged ones counted or, when short, shown)."""
    why = {"yes": "  (create-only: replaces)", "maybe": "  (conditionally create-only: may replace)", "no": ""}
    lines = [(" ", f"{c.path}{why[c.replacement]}")]
    if isinstance(c.before, list) and isinstance(c.after, list):
        before, after = [value(x) for x in c.before], [value(x) for x in c.after]
        matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                same = before[i1:i2]
                text = ", ".join(same)
                lines.append((" ", f"  {text}" if len(text) <= UNCHANGED_SHOWN else f"  ({len(same)} unchanged)"))
            lines += [("-", f"  {x}") for x in before[i1:i2] if tag != "equal"]
            lines += [("+", f"  {x}") for x in after[j1:j2] if tag != "equal"]
        return lines
    if c.before is not None:
        lines.append(("-", f"  {value(c.before)}"))
    if c.after is not None:
        lines.append(("+", f"  {value(c.after)}"))
    return lines


def resource_lines(r: ResourceChange) -> list[tuple[str, str]]:
    """Every changed property of ``r``, then why else it changes."""
    lines = [line for c in r.changes for line in change_lines(c)]
    return lines + [(" ", cause) for cause in r.causes]


def output_lines(o: OutputChange) -> list[tuple[str, str]]:
    """An output's value before and after (or why it changes at deploy time), and its other changes."""
    exported = f"  (exported as {o.export})" if o.export else ""
    lines = [(" ", f"{o.name}: {o.action}{exported}")]
    if o.before != o.after:
        lines += [("-", f"  {value(o.before)}")] if o.before is not None else []
        lines += [("+", f"  {value(o.after)}")] if o.after is not None else []
    elif o.causes:
        lines.append((" ", f"  {value(o.after)}: " + "; ".join(o.causes)))
    for c in o.changes:
        lines += [(sign, f"  {text}") for sign, text in change_lines(c)]
    return lines


def notes_of(p: Plan) -> list:
    """Every note of a plan by severity (errors: the deploy fails; warnings; what is good to know), each
    resource's before the plan's own (what happens to the data, then what the deploy must be told)."""
    marked = [(n, 0) for r in p.resources for n in r.notes] + [(n, 1) for n in p.notes]
    return [n for n, whose in sorted(marked, key=lambda x: (SEVERITIES.index(x[0].severity), x[1]))]


# Among environments at the same risk, these come first, in this order (the rest by name).
FIRST = ("prod", "production", "staging")


def risk(p: Plan) -> int:
    """How bad the worst of ``p`` is, 0 the worst: data at stake, the deploy fails, something interrupted or
    started, a replacement, a modification, no change."""
    if not p.exit_code:
        return 5
    if any(r.dangerous for r in p.resources):
        return 0
    if p.will_fail:
        return 1
    if any(n.severity == WARNING for n in notes_of(p)):
        return 2
    return 3 if any(r.action == "replace" for r in p.resources) else 4


def by_risk(plans: list[Plan]) -> list[Plan]:
    """The worst first; among equals prod, then staging, then the others by name."""
    return sorted(plans, key=lambda p: (risk(p), FIRST.index(p.environment) if p.environment in FIRST
                                        else len(FIRST), p.environment))  # fmt: skip
