"""What deploying a fleet would do, predicted offline: the template's plan once, then what happens at each site.

A stack set has no change sets, so this plan is the only preview its update gets. :func:`fleet_plan`
compares a fleet before and after (its template, and what each site passes for its parameters):

- the template's plan (:func:`generator.review.plan.plan`, the same model, replacement prediction and
  notes as an environment's), once: every remaining site's stack takes that change;
- per site: added (a new stack instance), removed (the instance goes, its stack is kept: RetainStacks),
  moved to another account or region (a new stack there, the old one kept), or its parameters changed.
  A parameter change is planned as the two stacks the site would run, the template resolved with the old
  values and with the new (:func:`generator.fleet.template.resolved`): a new ``vpc_cidr`` replaces the
  VPC with everything in it, which puts the site's database and cache at stake (exit 3).

Where the "before" comes from: git (:func:`from_git`, the fleet file, its environment and its committed
template at a revision), or the deployed stack set (the deploy's business).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from generator.config import parse_environment
from generator.errors import IotstackError, UsageError
from generator.fleet.load import parse_fleet
from generator.fleet.settings import Fleet
from generator.fleet.template import resolved, site_parameters
from generator.review.baseline import checked, files_at
from generator.review.model import CHANGES, NO_CHANGES, STATEFUL_CHANGES, Plan, PropertyChange
from generator.review.plan import plan
from generator.workspace import Workspace

# What becomes of a site, worst last.
ACTIONS = ("none", "template", "retry", "update", "add", "remove", "move")


@dataclass(frozen=True)
class Place:
    """Where a site's stack instance lives, and what it passes for each parameter."""

    account: str
    region: str
    parameters: dict[str, str] = field(default_factory=dict)
    outdated: str = ""  # deployed, its last operation did not succeed: why (StackInstanceStatus), else ""

    def __str__(self) -> str:
        return f"{self.account}/{self.region}"


@dataclass(frozen=True)
class SiteChange:
    """What the deploy does at one site."""

    site: str
    action: str  # one of ACTIONS
    place: Place  # where it is after the deploy (before, for a removal)
    moved_from: Place | None = None
    changed: tuple[tuple[str, str | None, str | None], ...] = ()  # (parameter, before, after)
    plan: Plan | None = None  # what its parameters' change does to its stack
    outdated: str = ""  # retry: why its last operation did not succeed

    @property
    def exit_code(self) -> int:
        if self.action == "move":
            return STATEFUL_CHANGES  # a new stack starts empty; the old one keeps the data
        if self.plan is not None:
            return max(self.plan.exit_code, CHANGES)
        return CHANGES if self.action in ("add", "remove", "update", "retry") else NO_CHANGES

    @property
    def what(self) -> str:
        """The site's change in a few words, as the table of sites shows it."""
        if self.action == "add":
            return "added: a new stack instance"
        if self.action == "remove":
            return "removed: its stack instance goes, the stack is kept (RetainStacks), with its data"
        if self.action == "move":
            return (f"moves from {self.moved_from} to {self.place}: a new, empty stack there; the old one is kept "
                    "(RetainStacks), with its data")  # fmt: skip
        if self.action == "template":
            return "updated: the template's change"
        if self.action == "retry":
            return f"deployed again: its last operation did not succeed ({self.outdated})"
        if self.action == "update":
            names = ", ".join(f"{name} {before} -> {after}" for name, before, after in self.changed)
            at_stake = f"; at stake: {', '.join(self.plan.at_stake)}" if self.plan and self.plan.at_stake else ""
            return f"parameters change ({names}){at_stake}"
        return "no change"

    def to_dict(self) -> dict:
        return {
            "site": self.site, "action": self.action, "account": self.place.account, "region": self.place.region,
            "moved_from": str(self.moved_from) if self.moved_from else None, "exit_code": self.exit_code,
            "parameters": [{"name": n, "before": b, "after": a} for n, b, a in self.changed], "what": self.what,
        }  # fmt: skip


@dataclass(frozen=True)
class FleetPlan:
    """A fleet's plan: the template's, once, and each site's."""

    fleet: str
    stack_set: str
    template: Plan
    sites: tuple[SiteChange, ...]

    @property
    def exit_code(self) -> int:
        kept = any(s.action not in ("add",) for s in self.sites)  # a site whose stack takes the template's change
        return max([self.template.exit_code if kept else min(self.template.exit_code, CHANGES),
                    *(s.exit_code for s in self.sites)])  # fmt: skip

    @property
    def at_stake(self) -> dict[str, tuple[str, ...]]:
        """``{site: logical ids}`` the deploy must be told to allow; the template's are every site's."""
        shared = self.template.at_stake
        stakes = {s.site: (*shared, *(s.plan.at_stake if s.plan else ())) for s in self.sites
                  if s.action not in ("add", "remove", "move")}  # fmt: skip
        return {site: tuple(dict.fromkeys(ids)) for site, ids in stakes.items() if ids}

    @property
    def plans(self) -> list[Plan]:
        """The plans every format shows: the template's, then each site's own."""
        return [self.template, *(s.plan for s in self.sites if s.plan is not None)]

    def to_dict(self) -> dict:
        return {"fleet": self.fleet, "stack_set": self.stack_set, "exit_code": self.exit_code,
                "template": self.template.environment, "sites": [s.to_dict() for s in self.sites]}  # fmt: skip


def places(fleet: Fleet | None) -> dict[str, Place]:
    """Each site of ``fleet`` (None: none) by name: where it is and what it passes."""
    if fleet is None:
        return {}
    return {site.name: Place(site.account, site.region, site_parameters(fleet, site)) for site in fleet.sites}


def fleet_plan(fleet: Fleet, after: dict, before: dict | None, before_sites: dict[str, Place], base: str) -> FleetPlan:
    """The plan of ``fleet`` (its template ``after``) against ``before`` (None: no stack set yet) and the sites
    as they were (``before_sites``); ``base`` says where the "before" came from."""
    label = fleet.template_name  # the template's plan is "fleet-plants", a site's "fleet-plants/recife"
    template = _by_name(plan(before, after, fleet.environment.region, label, base), before, after)
    now = places(fleet)
    sites = []
    for name in sorted(now.keys() | before_sites.keys()):
        new, old = now.get(name), before_sites.get(name)
        if old is None:
            sites.append(SiteChange(name, "add", new))
        elif new is None:
            sites.append(SiteChange(name, "remove", old))
        elif (new.account, new.region) != (old.account, old.region):
            sites.append(SiteChange(name, "move", new, moved_from=old))
        else:
            sites.append(_site_change(name, old, new, after, label, base, template))
    return FleetPlan(fleet.name, fleet.stack_set_name, template, tuple(sites))


def _by_name(p: Plan, before: dict | None, after: dict) -> Plan:
    """The template's Parameters and Conditions (ten alert addresses make them long) as the names added, removed
    and changed, not each whole section before and after."""
    changes = list(p.template)
    for section in ("Parameters", "Conditions"):
        mine = [c for c in changes if c.path.split("/")[0] == section]
        if not mine:
            continue
        old, new = set((before or {}).get(section, {})), set(after.get(section, {}))
        changed = sorted({c.path.split("/")[1] for c in mine if "/" in c.path} & old & new)
        said = [f"{what}: {', '.join(sorted(names))}" for what, names in
                (("added", new - old), ("removed", old - new), ("changed", changed)) if names]  # fmt: skip
        changes = [c for c in changes if c not in mine] + [PropertyChange(section, None, "; ".join(said))]
    return replace(p, template=tuple(changes))


def _site_change(name: str, old: Place, new: Place, after: dict, label: str, base: str, template: Plan) -> SiteChange:
    keys = sorted(old.parameters.keys() | new.parameters.keys())
    changed = tuple((k, old.parameters.get(k), new.parameters.get(k)) for k in keys
                    if old.parameters.get(k) != new.parameters.get(k))  # fmt: skip
    if not changed:
        if old.outdated and not template.exit_code:  # what it passes was saved, but its stack never took it
            return SiteChange(name, "retry", new, outdated=old.outdated)
        return SiteChange(name, "template" if template.exit_code else "none", new)
    before = resolved(after, {**new.parameters, **{k: v for k, v in old.parameters.items() if v is not None}})
    site_plan = plan(before, resolved(after, new.parameters), new.region, f"{label}/{name}", base)
    return SiteChange(name, "update", new, changed=changed, plan=site_plan)


def from_git(fleet: Fleet, ref: str, workspace: Workspace, shown: str) -> tuple[dict | None, dict[str, Place], str]:
    """The fleet at git revision ``ref``: its committed template (None: none there), its sites and what they
    passed, and the label of that template. A fleet file there that cannot be read, or one without its
    template, makes the plan impossible: :class:`UsageError`."""
    template_path = workspace.template(fleet.template_name)
    fleet_path = workspace.fleets / f"{fleet.name}.toml"
    texts = files_at(ref, [template_path, fleet_path], workspace)
    label = f"{shown}:{workspace.show(template_path)}"
    template_text, fleet_text = texts[template_path], texts[fleet_path]
    if fleet_text is None:
        return None, {}, label  # a new fleet: every site is added
    if template_text is None:
        raise UsageError(f"{shown} has {workspace.show(fleet_path)} but no {workspace.show(template_path)}: what "
                         "that fleet deploys cannot be known, so the plan cannot be made")  # fmt: skip
    try:
        before = checked(json.loads(template_text), label)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"{label} is not a JSON template: {exc}") from None

    def environment_at(env: str):
        path = workspace.environments / f"{env}.toml"
        text = files_at(ref, [path], workspace)[path]
        if text is None:
            raise UsageError(f"unknown environment {env!r} at {shown}")
        return parse_environment(env, text, f"{shown}:{workspace.show(path)}")

    try:
        old = parse_fleet(fleet.name, fleet_text, f"{shown}:{workspace.show(fleet_path)}", environment_at)
    except IotstackError as exc:
        raise UsageError(f"the fleet file at {shown} is not valid, so what its sites passed cannot be known: "
                         f"{exc}") from None  # fmt: skip
    return before, places(old), label


def fleet_diff(fleet: Fleet, after: dict, ref: str, workspace: Workspace, shown: str) -> FleetPlan:
    """The plan of ``fleet`` (its template now: ``after``) against git revision ``ref``."""
    before, sites, label = from_git(fleet, ref, workspace, shown)
    return fleet_plan(fleet, after, before, sites, label)
