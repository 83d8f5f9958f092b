"""``iotstack cost``: each environment's (and each fleet site's) month, as a terminal table, a Markdown table or
JSON. :func:`cost` is the command's one entry; :func:`estimates` prices what the code generates now.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from generator.config import Environment
from generator.cost.bill import LEFT_OUT
from generator.cost.estimate import Estimate, Row, amount, estimate, money
from generator.cost.offers import CURRENCY
from generator.cost.snapshot import Snapshot, Snapshots
from generator.errors import UsageError
from generator.workspace import Workspace

SCHEMA = "iotstack-cost/1"
FORMATS = ("table", "markdown", "json")  # what `iotstack cost --format` takes


def estimates(envs: Sequence[Environment], fleets: Sequence, workspace: Workspace) -> list[Estimate]:
    """The month of each environment's template, then of each fleet's sites (``<fleet>/<site>``), as the code
    generates them now, each at its Region's snapshot."""
    from generator.fleet.template import build_fleet_template, resolved, site_parameters
    from generator.generate import build

    snapshots = Snapshots(workspace.prices)

    def snapshot(region: str) -> Snapshot | None:
        found, problem = snapshots(region)
        if problem:
            raise UsageError(problem)
        return found

    found = [estimate(env.name, env.region, json.loads(build(env, workspace).text), env.usage, snapshot(env.region))
             for env in envs]  # fmt: skip
    for fleet in fleets:
        template = build_fleet_template(fleet)
        found += [estimate(f"{fleet.name}/{site.name}", site.region,
                           resolved(template, site_parameters(fleet, site)), fleet.environment.usage,
                           snapshot(site.region)) for site in fleet.sites]  # fmt: skip
    return found


def cost(envs: Sequence[Environment], fleets: Sequence, workspace: Workspace, fmt: str, width: int = 100,
         today: date | None = None) -> str:  # fmt: skip
    """The estimates of ``envs`` and ``fleets`` in ``fmt``; a fleet's sites are followed by its total."""
    found, today = estimates(envs, fleets, workspace), today or date.today()
    totals = {fleet.name: [e for e in found if e.name.startswith(f"{fleet.name}/")] for fleet in fleets}
    if fmt == "json":
        return json.dumps({"schema": SCHEMA, "currency": CURRENCY, "estimates": [e.to_dict(today) for e in found],
                           "fleets": {name: _total(sites) for name, sites in totals.items()},
                           "left_out": list(LEFT_OUT)}, indent=2, sort_keys=True) + "\n"  # fmt: skip
    render = markdown if fmt == "markdown" else lambda e, _t: table(e, max(width, 40), _t)
    parts = [render(e, today) for e in found]
    parts += [f"fleet {name}: {len(sites)} sites, " + _fleet_line(sites) + "\n" for name, sites in totals.items()]
    left_out = "; ".join(LEFT_OUT) + "."
    parts.append(
        f"**Left out:** {left_out}\n"
        if fmt == "markdown"
        else textwrap.fill(f"left out: {left_out}", max(width, 40), subsequent_indent="  ") + "\n"
    )
    return "\n".join(parts)


def _total(sites: list[Estimate]) -> str | None:
    if not sites or any(not e.priced for e in sites):
        return None
    return f"{sum((e.total for e in sites), Decimal(0)):f}"


def _fleet_line(sites: list[Estimate]) -> str:
    total = _total(sites)
    if total is None:
        missing = sorted({e.region for e in sites if not e.priced})
        return f"not priced in {', '.join(missing)} (`make prices`)"
    return f"about {money(Decimal(total))} {CURRENCY} a month in total"


def _row_text(r: Row) -> tuple[str, str, str]:
    """A row's three parts: what (resource: billed), how much (quantity, unit price, assumption), the amount."""
    i = r.item
    if not i.rate:  # not counted: the reason is what it bills
        return f"{i.resource}: {i.billed}", "", "-"
    how = f"{amount(i.quantity, 3)} {i.unit}"
    how += f" x {r.unit_price}" if r.tiers else f" ({r.unpriced})" if r.unpriced else ""
    how += f"  [{i.assumption}]" if i.assumption else ""
    if i.bounds and r.tiers:
        how += f"; floor {money(r.charge(i.bounds[0]))}, ceiling {money(r.charge(i.bounds[1]))}"
    return f"{i.resource}: {i.billed}", how, money(r.monthly) if r.monthly is not None else "-"


def table(e: Estimate, width: int, today: date) -> str:
    """One estimate for a terminal: each row a line (what, and the amount at the right edge) and, under it,
    how much at which price; wrapped to ``width``."""
    lines = textwrap.wrap(f"{e.name} in {e.region}: {e.headline()}", width, subsequent_indent="    ")
    lines += textwrap.wrap(f"prices: {e.prices_said(today)}", width, initial_indent="  ", subsequent_indent="    ")
    for r in e.rows:
        what, how, monthly = _row_text(r)
        room = width - len(monthly) - 3
        first, *rest = textwrap.wrap(what, room, initial_indent="  ", subsequent_indent="    ") or [""]
        lines.append(first.ljust(room) + " " * 3 + monthly)
        lines += rest + textwrap.wrap(how, width, initial_indent="      ", subsequent_indent="        ",
                                      break_on_hyphens=False)  # fmt: skip
    return "\n".join(lines) + "\n"


def markdown(e: Estimate, today: date) -> str:
    """One estimate as a Markdown table, its total and where the prices come from."""
    lines = [f"#### `{e.name}` in {e.region}: {e.headline()}", "", f"Prices: {e.prices_said(today)}.", "",
             f"| resource | billed | quantity | unit price | monthly ({CURRENCY}) |",
             "| --- | --- | ---: | --- | ---: |"]  # fmt: skip
    for r in e.rows:
        i = r.item
        quantity = f"{amount(i.quantity, 3)} {i.unit}" + (f" ({i.assumption})" if i.assumption else "")
        lines.append(f"| {i.resource} | {i.billed} | {quantity} | {r.unit_price or r.unpriced or '-'} | "
                     f"{money(r.monthly) if r.monthly is not None else '-'} |")  # fmt: skip
    total = money(e.total) if e.total is not None else "not priced"
    return "\n".join([*lines, f"| **total** | | | | **{total}** |"]) + "\n"
