"""A fleet's plan as stack set operations, and following each to its end.

:func:`steps` turns a :class:`~generator.fleet.review.FleetPlan` into the calls that carry it out, in this
order: the removals first (DeleteStackInstances, their stacks kept unless told), grouped so that a call's
accounts-by-regions are exactly the sites removed (a call names both lists, and AWS takes every pair); then the
template's change (UpdateStackSet over every instance left, all of them sites that stay: one operation that
honours the rollout preferences over the whole fleet, and never updates a site about to go); then each new site
(CreateStackInstances) and each site whose parameters change (UpdateStackInstances), in the rollout's region
order: a parameter override applies to every instance of its call, and each site's values differ, so a site
added or updated is an operation of its own.

:func:`run` starts one operation under an ``OperationId`` of its own (a lost answer never starts a second)
and follows it: sites pending / running / succeeded / failed on the status line, one line per site as it
ends with its status reason (ListStackSetOperationResults: one listing per poll, not one call per site).
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from generator.aws.errors import AwsError
from generator.errors import Interrupted, IotstackError, Unreachable, UsageError
from generator.fleet.review import FleetPlan, Place
from generator.fleet.settings import Fleet, RolloutSettings


@dataclass(frozen=True)
class Step:
    """One operation: the call, what it does in words, the sites it touches, and its arguments."""

    call: str  # update_stack_set, delete_stack_instances, create_stack_instances, update_stack_instances
    what: str
    sites: tuple[str, ...]
    arguments: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)  # (account, region) -> the site this step touches there


@dataclass(frozen=True)
class SiteResult:
    """How an operation ended at one site."""

    site: str
    place: str
    status: str  # SUCCEEDED, FAILED, CANCELLED (never started: the failure tolerance was exceeded)
    reason: str


def preferences(rollout: RolloutSettings) -> dict:
    """StackSetOperationPreferences from ``[rollout]``: only what the file sets, AWS's defaults otherwise."""
    chosen: dict[str, Any] = {
        "RegionConcurrencyType": rollout.region_concurrency.upper(),
        "ConcurrencyMode": {"strict": "STRICT_FAILURE_TOLERANCE", "soft": "SOFT_FAILURE_TOLERANCE"}[
            rollout.concurrency_mode
        ],
    }
    for key, value in (("MaxConcurrentCount", rollout.max_concurrent),
                       ("MaxConcurrentPercentage", rollout.max_concurrent_percentage),
                       ("FailureToleranceCount", rollout.failure_tolerance),
                       ("FailureTolerancePercentage", rollout.failure_tolerance_percentage)):  # fmt: skip
        if value:
            chosen[key] = value
    if not (rollout.failure_tolerance_percentage or rollout.failure_tolerance):
        chosen["FailureToleranceCount"] = 0
    if rollout.region_order:
        chosen["RegionOrder"] = list(rollout.region_order)
    return chosen


def _parameters(values: dict[str, str]) -> list[dict]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def steps(fp: FleetPlan, fleet: Fleet, template: dict, stack_set_values: dict[str, str],
          delete_stacks: frozenset[str] = frozenset()) -> list[Step]:  # fmt: skip
    """The operations that carry out ``fp``; ``template`` is the UpdateStackSet template source (TemplateURL
    or TemplateBody), ``stack_set_values`` the stack set's own parameters, ``delete_stacks`` the removed sites
    whose stacks go too."""
    options = {"OperationPreferences": preferences(fleet.rollout)}
    kept = [s for s in fp.sites if s.action in ("template", "update", "retry", "none")]
    found: list[Step] = []
    gone = [(s.site, s.moved_from or s.place) for s in fp.sites if s.action in ("remove", "move")]
    for retain in (True, False):
        chosen = [(site, place) for site, place in gone if (site not in delete_stacks) == retain]
        for accounts, regions, names in _exact_groups(chosen):
            kept_or_not = (("its stack kept" if len(names) == 1 else "their stacks kept") + " (RetainStacks)" if retain
                           else "its stack deleted" if len(names) == 1 else "their stacks deleted")  # fmt: skip
            where = {**_targets(fleet, accounts), "Regions": regions, "RetainStacks": retain}
            labels = {(p.account, p.region): site for site, p in chosen if site in names}
            found.append(Step("delete_stack_instances", f"remove {', '.join(names)}: {kept_or_not}", names,
                              {**where, **options}, labels))  # fmt: skip
    if fp.template.exit_code and kept:  # after the removals: every instance left is a site that stays
        found.append(Step("update_stack_set", f"the template's change, to {len(kept)} site(s)",
                          tuple(s.site for s in kept),
                          {**template, "Parameters": _parameters(stack_set_values), **options},
                          {(s.place.account, s.place.region): s.site for s in kept}))  # fmt: skip
    order = list(fleet.rollout.region_order)
    for s in sorted(fp.sites, key=lambda s: (order.index(s.place.region) if s.place.region in order else len(order),
                                             s.site)):  # fmt: skip
        if s.action in ("add", "move"):
            found.append(Step("create_stack_instances", f"add {s.site} ({s.place})", (s.site,),
                              _one(fleet, s.place, options), {(s.place.account, s.place.region): s.site}))  # fmt: skip
        elif s.action in ("update", "retry"):
            what = "new parameters for" if s.action == "update" else "again, after its failed operation:"
            found.append(Step("update_stack_instances", f"{what} {s.site} ({s.place})", (s.site,),
                              _one(fleet, s.place, options), {(s.place.account, s.place.region): s.site}))  # fmt: skip
    return found


def _one(fleet: Fleet, place: Place, options: dict) -> dict:
    return {**_targets(fleet, [place.account]), "Regions": [place.region],
            "ParameterOverrides": _parameters(place.parameters), **options}  # fmt: skip


def _targets(fleet: Fleet, accounts: list[str]) -> dict:
    """Which accounts a call names: ``Accounts`` for a self-managed stack set; for a service-managed one, the
    fleet's OUs narrowed to exactly those accounts (DeploymentTargets, AccountFilterType INTERSECTION)."""
    if fleet.stack_set.permission_model == "self-managed":
        return {"Accounts": accounts}
    return {"DeploymentTargets": {"OrganizationalUnitIds": list(fleet.stack_set.organizational_units),
                                  "Accounts": accounts, "AccountFilterType": "INTERSECTION"}}  # fmt: skip


def _exact_groups(sites: list[tuple[str, Place]]) -> list[tuple[list[str], list[str], tuple[str, ...]]]:
    """``(accounts, regions, sites)`` calls whose accounts-by-regions are exactly ``sites``' places: the sites of a
    region make one group, and regions with the same accounts share it."""
    by_region: dict[str, list[tuple[str, Place]]] = {}
    for site, place in sites:
        by_region.setdefault(place.region, []).append((site, place))
    groups: dict[tuple[str, ...], list[str]] = {}
    for region, members in sorted(by_region.items()):
        groups.setdefault(tuple(sorted({p.account for _, p in members})), []).append(region)
    return [(list(accounts), regions, tuple(sorted(site for site, p in sites if p.region in regions)))
            for accounts, regions in groups.items()]  # fmt: skip


def run(cloud: Any, stack_set: str, step: Step, console: Any, timeout_minutes: float, poll_seconds: float,
        fleet: str, operation_id: str = "", wait_if_busy: bool = False) -> list[SiteResult]:  # fmt: skip
    """Start ``step`` (under ``operation_id``, else a new one) and follow it to its end; each site's result, named
    by the step's labels. Another operation running (another deploy's, say) is followed first with
    ``wait_if_busy``, else refused."""
    operation_id = operation_id or str(uuid.uuid4())
    places = step.labels
    follow_further = f"`iotstack status --fleet {fleet}` shows where it stands"
    try:
        cloud.start(step.call, stack_set, operation_id, **step.arguments)
    except KeyboardInterrupt as stop:
        raise Interrupted(f"{{stopped}} while asking AWS to {step.what}: the request may have reached it (operation "
                          f"{operation_id}); {follow_further}", by=stop) from None  # fmt: skip
    except AwsError as exc:
        if exc.code != "OperationInProgressException":
            raise
        running = [o for o in cloud.operations(stack_set) if o.running]
        if not (wait_if_busy and running):
            raise IotstackError(f"another operation on stack set {stack_set} started while this deploy ran "
                                f"({', '.join(o.id for o in running) or 'it has ended since'}): {step.what} was not "
                                f"started; `iotstack status --fleet {fleet}`, then deploy again (or with --wait)"
                                ) from None  # fmt: skip
        console.say(f"waiting for operation {running[0].id} ({running[0].action}), another's, to end")
        follow(cloud, stack_set, running[0].id, {}, console, timeout_minutes, poll_seconds, follow_further)
        return run(cloud, stack_set, step, console, timeout_minutes, poll_seconds, fleet, operation_id)
    except (UsageError, IotstackError) as lost:
        if isinstance(lost, UsageError):
            raise
        raise Unreachable(f"{lost}. Whether AWS started operation {operation_id} ({step.what}) is unknown: "
                          f"{follow_further}") from None  # fmt: skip
    console.say(f"{step.what}: operation {operation_id}")
    try:
        return follow(cloud, stack_set, operation_id, places, console, timeout_minutes, poll_seconds, follow_further)
    except KeyboardInterrupt as stop:
        raise Interrupted(f"{{stopped}} following operation {operation_id} ({step.what}): it goes on at AWS; "
                          f"{follow_further}", by=stop) from None  # fmt: skip


def follow(cloud: Any, stack_set: str, operation_id: str, places: dict, console: Any, timeout_minutes: float,
           poll_seconds: float, follow_further: str) -> list[SiteResult]:  # fmt: skip
    """Follow operation ``operation_id`` to its end, saying each site's end as it comes."""
    started, told = time.monotonic(), set()
    while True:
        operation = cloud.operation(stack_set, operation_id)
        results = cloud.results(stack_set, operation_id)
        for r in results:
            if r.ended and (r.account, r.region) not in told:
                told.add((r.account, r.region))
                site = places.get((r.account, r.region), "?")
                reason = f": {r.reason}" if r.reason and r.status != "SUCCEEDED" else ""
                console.say(f"  {site} ({r.account}/{r.region}): {r.status}{reason}")
        counted = Counter(r.status for r in results)
        waited = time.monotonic() - started
        line = ", ".join(f"{counted.get(s, 0)} {s.lower()}" for s in ("PENDING", "RUNNING", "SUCCEEDED", "FAILED"))
        if operation is None or not operation.running:
            console.done()
            if operation is None:
                raise IotstackError(f"operation {operation_id} is gone from the stack set; {follow_further}")
            return [SiteResult(places.get((r.account, r.region), "?"), f"{r.account}/{r.region}", r.status, r.reason)
                    for r in results]  # fmt: skip
        if waited >= timeout_minutes * 60:
            console.done()
            raise IotstackError(f"operation {operation_id} is still {operation.status} after {timeout_minutes:g} "
                                f"min ({line}); iotstack stopped following it, it goes on at AWS; "
                                f"{follow_further}")  # fmt: skip
        console.status(f"operation {operation.status}: sites {line}  {waited:.0f}s")
        time.sleep(poll_seconds)
