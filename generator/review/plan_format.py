"""A plan as a reader sees it: a terminal table, a Markdown pull-request comment, or JSON for machines.

One model (:mod:`generator.review.model`) for every format. JSON is an envelope ``{"schema":
"iotstack-plan/1", "exit_code", "will_fail", "plans": [...]}`` around each plan's ``to_dict``; the
comment starts with :data:`MARKER`, which a pipeline looks for to update its one comment in place.
"""

from __future__ import annotations

import json

from generator.fleet.review import FleetPlan
from generator.review.formats import fleet
from generator.review.formats.markdown import MARKER, markdown
from generator.review.formats.table import table
from generator.review.model import SCHEMA, Plan

FORMATS = ("table", "markdown", "json")
__all__ = ["FORMATS", "MARKER", "render_plan"]


def render_plan(plans: list[Plan], fmt: str, width: int = 100, color: bool = False,
                pictures: dict[str, str] | None = None, fleets: list[FleetPlan] | tuple = ()) -> str:  # fmt: skip
    """The plans as a terminal table (``width`` columns, ``color`` or not), a Markdown comment (with a
    picture of each environment's change from ``pictures``), or JSON. A fleet's plans (its template's,
    its sites' own) are shown as plans, and its sites in a table of their own."""
    every = [*plans, *(p for fp in fleets for p in fp.plans)]
    if fmt == "json":
        envelope = {"schema": SCHEMA, "exit_code": max((p.exit_code for p in [*every, *fleets]), default=0),
                    "will_fail": any(p.will_fail for p in every), "plans": [p.to_dict() for p in every],
                    "fleets": [fp.to_dict() for fp in fleets]}  # fmt: skip
        return json.dumps(envelope, indent=2, sort_keys=True) + "\n"
    if fmt == "markdown":
        return markdown(every, pictures, list(fleets))
    return "".join(fleet.table_text(fp, max(width, 40)) + "\n" for fp in fleets) + table(every, width, color)
