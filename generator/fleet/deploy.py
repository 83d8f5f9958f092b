"""``iotstack deploy --fleet NAME``: a fleet's committed template to its stack set, site by site.

1. the gate: ``templates/fleet-<name>.json`` (and a self-managed fleet's role templates) is what the code
   generates now, lint and policy clean;
2. the stack set must not be busy (``--wait`` follows the running operation first);
3. the plan against what is deployed (DescribeStackSet's template and values, each instance's overrides):
   a stack set has no change sets, so this plan (:mod:`generator.fleet.review`) is the only preview;
4. the stateful guard on that plan: a site's data at stake (a template change that replaces a database, a
   site's new network) is refused (exit 3) unless each resource is named with ``--allow-replace``; a removed
   site's stack is kept (RetainStacks) unless ``--delete-site-stack SITE`` names it, which is refused where
   the environment keeps its data;
5. after confirmation: CreateStackSet where there is none, then the operations of
   :func:`generator.fleet.rollout.steps`, each followed to its end.

Exit 0 when every site succeeded; 1 when any failed (each named, with AWS's reason), whether or not the
operation stayed within its failure tolerance.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from generator import cfn
from generator.bootstrap.artifacts import Store, bootstrap_store, upload
from generator.console import Console
from generator.deploy.context import Options
from generator.errors import GuardRefusal, IotstackError, UsageError
from generator.fleet import rollout
from generator.fleet.review import FleetPlan, Place, fleet_plan
from generator.fleet.settings import UNASSIGNED, Fleet
from generator.fleet.template import SITE_NAME, stack_set_parameters
from generator.generate import build_fleet, build_fleet_roles
from generator.review.formats.words import notes_of
from generator.review.gate import gate
from generator.review.model import ERROR
from generator.workspace import Workspace


@dataclass(frozen=True)
class FleetDeployment:
    """One fleet command's world: the fleet, the project, the administrator account's gateway, the console."""

    fleet: Fleet
    workspace: Workspace
    cloud: Any
    console: Console
    options: Options = Options()  # noqa: RUF009 (frozen: one shared default is safe)
    delete_site_stacks: tuple[str, ...] = ()

    @property
    def timeout_minutes(self) -> float:
        return self.options.timeout_minutes or self.fleet.environment.deploy.timeout_minutes


@dataclass(frozen=True)
class FleetResult:
    """What a fleet deploy did: the plan, and each operation with how it ended at each site."""

    fleet: str
    stack_set: str
    plan: FleetPlan | None
    operations: tuple[tuple[rollout.Step, tuple[rollout.SiteResult, ...]], ...] = ()
    created: bool = False  # the stack set was made

    stopped: str = ""  # why the operations stopped before the last one (an operation that failed), else ""

    @property
    def outcomes(self) -> dict[str, rollout.SiteResult]:
        """Each site's last result: how the deploy left it."""
        return {r.site: r for _, results in self.operations for r in results}

    @property
    def failed(self) -> list[rollout.SiteResult]:
        return [r for r in self.outcomes.values() if r.status != "SUCCEEDED"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def deployed(d: FleetDeployment) -> tuple[dict | None, dict[str, Place]]:
    """The stack set's template and each site as deployed (None, {}: no stack set yet)."""
    existing = d.cloud.stack_set(d.fleet.stack_set_name)
    if existing is None:
        return None, {}
    try:
        template = json.loads(existing.template)
    except ValueError as exc:
        raise IotstackError(f"stack set {existing.name} holds a template that is not JSON ({exc}): it was not made "
                            "by iotstack; the plan cannot be made against it") from None  # fmt: skip
    # A deployed instance is the file's site at its place first (a stack set holds one instance per account and
    # region); else the site its SiteName names, when no other instance is that site; else it is named by its place.
    instances = d.cloud.instances(existing.name, overrides=True)
    at = {(s.account, s.region): s.name for s in d.fleet.sites}
    named = [at.get((i.account, i.region)) for i in instances]
    taken = {n for n in named if n}
    sites = {}
    for instance, name in zip(instances, named, strict=True):
        values = {**existing.parameters, **(instance.overrides or {})}
        if name is None:
            name = values.get(SITE_NAME, UNASSIGNED)
            if name == UNASSIGNED or name in taken or name in sites:  # not an iotstack site, or a name taken
                name = f"{instance.account}/{instance.region}"
        outdated = "" if instance.status == "CURRENT" else f"{instance.status}: {instance.detailed or instance.reason}"
        sites[name] = Place(instance.account, instance.region, values, outdated)
    return template, sites


def not_busy(d: FleetDeployment) -> None:
    """Refuse, or with ``--wait`` follow, an operation that is running on the stack set."""
    name = d.fleet.stack_set_name
    if d.cloud.stack_set(name) is None:
        return
    running = [o for o in d.cloud.operations(name) if o.running]
    if not running:
        return
    if not d.options.wait_if_busy:
        raise UsageError(f"stack set {name} is busy: operation {running[0].id} ({running[0].action}) is "
                         f"{running[0].status}; pass --wait to follow it first, or `iotstack status --fleet "
                         f"{d.fleet.name}`")  # fmt: skip
    d.console.say(f"waiting for operation {running[0].id} ({running[0].action}) to end")
    further = f"`iotstack status --fleet {d.fleet.name}` shows where it stands"
    rollout.follow(d.cloud, name, running[0].id, _places(d.fleet), d.console, d.timeout_minutes,
                   d.options.poll_seconds, further)  # fmt: skip
    if any(o.running for o in d.cloud.operations(name)):
        raise IotstackError(f"stack set {name} is still busy: another operation started after the one followed "
                            f"(another deploy?); `iotstack status --fleet {d.fleet.name}`, then deploy "
                            "again")  # fmt: skip


def guard(d: FleetDeployment, fp: FleetPlan) -> None:
    """The stateful guard on the plan: refuse (exit 3) what puts data at stake, or moves a site, unless allowed by
    name (``--allow-replace ID`` or ``SITE``); then refuse (exit 1) what the plan predicts to fail."""
    allowed = set(d.options.allow_replace)
    refused = {site: [r for r in ids if r not in allowed] for site, ids in fp.at_stake.items()}
    refused = {site: ids for site, ids in refused.items() if ids}
    env = d.fleet.environment
    if d.delete_site_stacks and env.removal_policy != "destroy":
        raise GuardRefusal(f"refused: --delete-site-stack {', '.join(d.delete_site_stacks)}: {env.name} keeps its "
                           f'data (removal_policy = "{env.removal_policy}"), so a removed site\'s stack is kept; '
                           "delete it by hand once its data is safe")  # fmt: skip
    for s in fp.sites:
        if s.action == "move" and s.site not in allowed:
            refused[s.site] = [s.site]
    if refused:
        lines = [f"  {site}: {', '.join(ids)}" + (f" (moves from {s.moved_from} to {s.place}: a new, empty stack "
                                                  "there; the old one is kept, with its data)" if s.action == "move"
                                                  else "")
                 for site, ids in sorted(refused.items()) for s in fp.sites if s.site == site]  # fmt: skip
        allow = " ".join(f"--allow-replace {r}" for r in sorted({r for ids in refused.values() for r in ids}))
        lines.append(f"nothing was changed; if it is intended, deploy again with {allow}")
        raise GuardRefusal("\n".join(["refused: this deploy replaces or removes stateful resources (their data, or "
                                      "the network they live in) at these sites:", *lines]))  # fmt: skip
    failing = [f"  {p.environment}: {n.text}" for p in fp.plans for n in notes_of(p) if n.severity == ERROR]
    if failing:
        raise IotstackError("\n".join(["refused: the plan predicts that this deploy fails (a stack set has no change "
                                       "set to catch it later); nothing was changed:", *failing]))  # fmt: skip


def deploy_fleet(d: FleetDeployment, show: Any) -> FleetResult:
    """Deploy the fleet (see the module's docstring); ``show(plan)`` prints the plan before the confirmation."""
    fleet, cloud, console = d.fleet, d.cloud, d.console
    name = fleet.stack_set_name
    generated = build_fleet(fleet, d.workspace)
    # The roles' templates too: a site account the administration role cannot reach fails on AWS, not here.
    managed = fleet.stack_set.permission_model == "service-managed"  # AWS Organizations holds the roles
    roles = [] if managed else build_fleet_roles(fleet, d.workspace, generated)
    committed = gate([generated, *roles], d.workspace)[fleet.template_name]
    if not d.options.assume_yes and not console.interactive:
        raise UsageError("deploying needs a confirmation, and there is no terminal to ask on: pass --yes")
    store = _store(d, committed)  # before anything else: without one nothing can be deployed
    not_busy(d)
    before, sites = deployed(d)
    fp = fleet_plan(fleet, committed.body, before, sites, f"stack set {name}")
    show(fp)
    removed = {s.site for s in fp.sites if s.action in ("remove", "move")}
    if unknown := sorted(set(d.delete_site_stacks) - removed):
        raise UsageError(f"--delete-site-stack {', '.join(unknown)}: not a site this deploy removes (removed: "
                         f"{', '.join(sorted(removed)) or 'none'})")  # fmt: skip
    if not fp.exit_code:
        console.say(f"No changes: stack set {name} runs {d.workspace.show(committed.path)} at every site.")
        return FleetResult(fleet.name, name, fp)
    guard(d, fp)
    if not console.confirm(f"Deploy fleet {fleet.name} (stack set {name})?", d.options.assume_yes):
        raise IotstackError("not deployed: declined")
    source = _source(d, committed, store)
    created = before is None
    values = stack_set_parameters(fleet)
    if created:
        cloud.create_stack_set(**_stack_set(fleet, source, values, committed))
        console.say(f"Created stack set {name} in {fleet.environment.region}")
    done, stopped = [], ""
    planned = rollout.steps(fp, fleet, source, values, frozenset(d.delete_site_stacks))
    for number, step in enumerate(planned):
        try:
            results = rollout.run(cloud, name, step, console, d.timeout_minutes, d.options.poll_seconds, fleet.name,
                                  wait_if_busy=d.options.wait_if_busy)  # fmt: skip
        except BaseException:
            if created and not done:
                _unmake(d, name)
            raise
        done.append((step, tuple(results)))
        if any(r.status != "SUCCEEDED" for r in results) and number + 1 < len(planned):
            left = "; ".join(s.what for s in planned[number + 1 :])
            stopped = (f"the rollout stopped after a failed operation, as its failure tolerance asks; not started: "
                       f"{left}")  # fmt: skip
            break
    return FleetResult(fleet.name, name, fp, tuple(done), created, stopped)


def _unmake(d: FleetDeployment, name: str) -> None:
    """The stack set this deploy made, deleted again when its first operation did not run: nothing is left behind.
    AWS refuses while an instance exists or the operation runs (a lost answer, Ctrl-C while following): then it
    stays, and the next deploy takes it up."""
    with contextlib.suppress(IotstackError, KeyboardInterrupt):
        d.cloud.delete_stack_set(name)
        if d.cloud.stack_set(name) is None:
            d.console.say(f"Cleaned up: stack set {name} deleted (it had no stack instance).")


def _places(fleet: Fleet) -> dict[tuple[str, str], str]:
    return {(s.account, s.region): s.name for s in fleet.sites}


def _store(d: FleetDeployment, committed) -> Store | None:
    """The administrator account's bootstrap bucket, where a template over the inline limit goes (a fleet's is);
    None when the template fits inline. Refuses, having done nothing, when there is none."""
    if committed.inline is not None:
        return None
    env = d.fleet.environment
    store = bootstrap_store(d.cloud, env.region, env.name)
    if store is None:
        raise UsageError(f"{d.workspace.show(committed.path)} is {committed.size:,} bytes, over CloudFormation's "
                         f"{cfn.INLINE_TEMPLATE_LIMIT:,}-byte inline limit, and {env.region} of the administrator "
                         f"account has no bootstrap stack to upload it to: `iotstack bootstrap --fleet "
                         f"{d.fleet.name}` creates one; nothing was changed")  # fmt: skip
    return store


def _source(d: FleetDeployment, committed, store: Store | None) -> dict:
    """``TemplateBody``, or ``TemplateURL`` of the template's upload to ``store``."""
    if store is None:
        return {"TemplateBody": committed.inline}
    return {"TemplateURL": upload(d.cloud, store, d.fleet.stack_set_name, committed.text, d.fleet.environment.region,
                                  owner=d.cloud.account())}  # fmt: skip


def _stack_set(fleet: Fleet, source: dict, values: dict[str, str], committed) -> dict:
    settings = fleet.stack_set
    model = {"self-managed": "SELF_MANAGED", "service-managed": "SERVICE_MANAGED"}[settings.permission_model]
    arguments: dict[str, Any] = {
        "StackSetName": fleet.stack_set_name, "PermissionModel": model, **source,
        "Description": f"iotstack fleet {fleet.name}: {fleet.environment.name} at each site",
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())],
        "Capabilities": sorted({*cfn.capabilities(committed.body)}),
        "Tags": [{"Key": "iotstack:fleet", "Value": fleet.name}, {"Key": "iotstack:template", "Value": committed.sha}],
        "ClientRequestToken": f"iotstack-{fleet.name}-{committed.sha}",
    }  # fmt: skip
    if settings.administration_role_arn:
        arguments["AdministrationRoleARN"] = settings.administration_role_arn
    if settings.execution_role_name:
        arguments["ExecutionRoleName"] = settings.execution_role_name
    if model == "SERVICE_MANAGED":
        arguments["AutoDeployment"] = {"Enabled": False}
    return arguments
