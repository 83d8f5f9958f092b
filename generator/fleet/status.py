"""``iotstack status --fleet NAME`` and ``iotstack drift --fleet NAME``: the stack set and each site as AWS
holds them, and drift found by DetectStackSetDrift.

Status: the stack set, its last operation, then one row per site (account, region, instance status and reason,
drift status, last operation), the fleet file's sites first and then instances no site of the file names.
Drift: one detection over every instance, followed like any operation; then, for each drifted site, its
drifted resources. Exit 0 in sync, 2 drifted (naming sites and resources), 1 an error.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from generator.console import table
from generator.errors import IotstackError, UsageError
from generator.fleet import rollout
from generator.fleet.deploy import FleetDeployment
from generator.fleet.template import SITE_NAME


def _instances(d: FleetDeployment):
    name = d.fleet.stack_set_name
    found = d.cloud.stack_set(name)
    if found is None:
        raise UsageError(f"fleet {d.fleet.name} has no stack set {name} in {d.fleet.environment.region} of this "
                         f"account: `iotstack deploy --fleet {d.fleet.name}` creates it")  # fmt: skip
    return found, d.cloud.instances(name, overrides=True)


def status_fleet(d: FleetDeployment) -> str:
    """The stack set and each site, as text."""
    found, instances = _instances(d)
    operations = d.cloud.operations(found.name)
    last = f"{operations[0].action} {operations[0].status} ({operations[0].id})" if operations else "none"
    rows = [("site", "account", "region", "instance", "drift", "last operation", "reason")]
    named = {(s.account, s.region): s.name for s in d.fleet.sites}
    for i in sorted(instances, key=lambda i: (named.get((i.account, i.region)) is None, i.account, i.region)):
        site = named.get((i.account, i.region)) or f"({(i.overrides or {}).get(SITE_NAME, 'not in the file')})"
        status = i.status + (f"/{i.detailed}" if i.detailed else "")
        rows.append((site, i.account, i.region, status, i.drift, i.last_operation[:8], i.reason))
    missing = [s for s in d.fleet.sites if (s.account, s.region) not in {(i.account, i.region) for i in instances}]
    lines = [f"stack set {found.name} ({found.permission_model}, {d.fleet.environment.region}): last operation {last}",
             table(rows)]  # fmt: skip
    if missing:
        lines.append("not deployed yet: " + ", ".join(f"{s.name} ({s.account}/{s.region})" for s in missing))
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class FleetDrift:
    """A fleet's drift: each drifted site with its drifted resources, and the sites whose check failed."""

    drifted: dict[str, list[str]]
    unchecked: list[str]
    checked: int

    @property
    def exit_code(self) -> int:
        return 2 if self.drifted else 0

    def render(self) -> str:
        if not self.drifted:
            return f"in sync: {self.checked} site(s) match the template their stack runs\n"
        lines = [f"drifted: {len(self.drifted)} of {self.checked} site(s)"]
        for site, resources in sorted(self.drifted.items()):
            lines.append(f"  {site}: {', '.join(resources) or '(resources not listed)'}")
        return "\n".join(lines) + "\n"


def drift_fleet(d: FleetDeployment) -> FleetDrift:
    """Run DetectStackSetDrift over every instance and follow it; what drifted, site by site."""
    found, _ = _instances(d)
    operation_id = str(uuid.uuid4())
    places = {(s.account, s.region): s.name for s in d.fleet.sites}
    step = rollout.Step("detect_stack_set_drift", "detect drift", (), labels=places)
    rollout.run(d.cloud, found.name, step, d.console, d.options.timeout_minutes or 15, d.options.poll_seconds,
                d.fleet.name, operation_id=operation_id)  # fmt: skip
    operation = d.cloud.operation(found.name, operation_id)
    if operation is not None and operation.status == "FAILED" and not operation.reason:
        raise IotstackError(f"drift detection {operation_id} failed: `iotstack status --fleet {d.fleet.name}`")
    drifted, unchecked, instances = {}, [], d.cloud.instances(found.name, overrides=True)
    for i in instances:
        site = places.get((i.account, i.region)) or (i.overrides or {}).get(SITE_NAME) or f"{i.account}/{i.region}"
        if i.drift == "DRIFTED":
            resources = d.cloud.instance_drifts(found.name, i.account, i.region, operation_id)
            drifted[site] = [f"{r['LogicalResourceId']} ({r.get('StackResourceDriftStatus', '')})" for r in resources]
        elif i.drift not in ("IN_SYNC",):
            unchecked.append(site)
    if unchecked:
        raise IotstackError(f"drift could not be checked at {', '.join(sorted(unchecked))}: `iotstack status --fleet "
                            f"{d.fleet.name}` shows why")  # fmt: skip
    return FleetDrift(drifted, unchecked, len(instances))
