"""A fleet's plan in each format: one verdict for the fleet, then a table of its sites and what happens at each.

The template's plan and each site's own plan (a parameter change) are plans like an environment's and are
shown as such by the other formats; this module adds what only a fleet has: the sites.
"""

from __future__ import annotations

import textwrap

from generator.fleet.review import FleetPlan, SiteChange
from generator.review.formats.words import headline


def verdict(fp: FleetPlan) -> str:
    """``template: modifies 3 resources; sites: 1 added, 1 removed, 1 with new parameters, 2 take the template``."""
    counted: dict[str, int] = {}
    for site in fp.sites:
        counted[site.action] = counted.get(site.action, 0) + 1
    words = {"add": "added", "remove": "removed (stack kept)", "move": "moved", "update": "with new parameters",
             "retry": "deployed again", "template": "take the template's change", "none": "unchanged"}  # fmt: skip
    sites = ", ".join(f"{counted[a]} {words[a]}" for a in words if a in counted)
    return f"template: {headline(fp.template)}; sites: {sites}"


def _where(site: SiteChange) -> str:
    return str(site.place)


def markdown_lines(fp: FleetPlan) -> list[str]:
    """The fleet's line in the comment's summary and its table of sites (changed sites first)."""
    lines = [f"- **fleet `{fp.fleet}`** (stack set `{fp.stack_set}`): {verdict(fp)}", "",
             "  | site | account/region | what the deploy does |", "  | --- | --- | --- |"]  # fmt: skip
    for site in sorted(fp.sites, key=lambda s: (-s.exit_code, s.site)):
        what = site.what.replace("|", "\\|")
        lines.append(f"  | {'**' + site.site + '**' if site.exit_code == 3 else site.site} | {_where(site)} | {what} |")
    return [*lines, ""]


def table_text(fp: FleetPlan, width: int = 100) -> str:
    """The fleet's verdict and one line per site, wrapped to ``width``."""
    lines = textwrap.wrap(f"fleet {fp.fleet} (stack set {fp.stack_set}): {verdict(fp)}", width,
                          subsequent_indent="    ")  # fmt: skip
    name = max((len(s.site) for s in fp.sites), default=4)
    where = max((len(_where(s)) for s in fp.sites), default=4)
    for site in sorted(fp.sites, key=lambda s: (-s.exit_code, s.site)):
        lead = f"  {site.site.ljust(name)}  {_where(site).ljust(where)}  "
        indent = " " * min(len(lead), width // 2)  # a narrow terminal: what happens goes under the name
        lines += textwrap.wrap(site.what, max(width, len(lead) + 20), initial_indent=lead, subsequent_indent=indent,
                               break_on_hyphens=False)  # fmt: skip
    return "\n".join(lines) + "\n"
