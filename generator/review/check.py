"""``iotstack check`` / ``make check``: the gate a review pipeline runs.

The gate (:mod:`generator.review.gate`) over every environment, plus what only the review cares
about: each committed picture (``templates/<env>.md``) is current, the bootstrap stack's template
(``templates/bootstrap.json``) and the drift job's role (``templates/drift-role.json``) pass the
gate too, and so do a self-managed fleet's two roles (``templates/fleet-<name>-administration.json`` and
``-execution.json``), no file in ``templates/`` belongs to no environment or fleet, and the plan of the change
(``iotstack diff`` against the base: the merge base with the main branch unless ``--base`` says
otherwise) does not predict a failed deploy (a replaced resource that keeps its custom name), nor
put a stateful resource at stake (replaced, maybe replaced, removed) in an environment that keeps
its data without an approval in ``approvals.toml`` (:mod:`generator.review.approvals`). A plan that
cannot be made (git missing, not a repository, refused, no such revision) fails too: the gate is
never weaker without saying so; ``--skip-plan`` skips it on purpose, and the output says so. Short
on success; on failure every problem, a capped unified diff of each stale file, the reason of each
policy rule that fired, and the command that fixes it.

It also prints the plan's verdict where there is one to know: stateful resources replaced or removed
in an environment that deletes its data anyway (``deploy`` keeps its own guard), or a deploy target
(stack name or region) that moved, which would create a new stack and leave the old one running.
Those are notes, not failures: the change may be intended.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from generator.bootstrap import NAME as BOOTSTRAP
from generator.config import Environment, environment_names
from generator.drift_role import NAME as DRIFT_ROLE
from generator.errors import IotstackError, UsageError
from generator.fleet.settings import ROLES, Fleet, role_template_name, template_name
from generator.generate import build, build_bootstrap, build_drift_role, build_fleet, build_fleet_roles
from generator.review import approvals
from generator.review.baseline import MAIN_BRANCHES, UnknownRevision
from generator.review.diff import plan_against_base
from generator.review.formats.words import headline, notes_of
from generator.review.gate import Report, inspect, sha, staleness
from generator.review.model import INFO
from generator.workspace import Workspace


class CheckFailed(IotstackError):
    """``make check`` found problems; the message lists them and what to do."""


def check(envs: Sequence[Environment], workspace: Workspace, every: bool = True, base: str | None = None,
          planned: bool = True, fleets: Sequence[Fleet] = ()) -> Report:  # fmt: skip
    """Check the committed files of ``envs`` and ``fleets`` and the plan of the change against ``base``; with
    ``every`` (all environments and fleets were asked for), also the bootstrap stack's and that nothing else
    lies in ``templates/``. ``planned`` false skips the plan (``--skip-plan``), and the report says so. Raise
    :class:`CheckFailed` listing every problem."""
    templates = [build(env, workspace) for env in envs]
    if every:
        templates += [build_bootstrap(workspace, [env.region for env in envs]), build_drift_role(workspace, templates)]
    for fleet in fleets:
        templates.append(build_fleet(fleet, workspace))
        if fleet.stack_set.permission_model == "self-managed":
            templates += build_fleet_roles(fleet, workspace, templates[-1])
    report = inspect(templates, workspace)
    for generated in report.generated.values():
        if (block := staleness(generated.picture_path, generated.picture, workspace)) is not None:
            report.stale.append(block)
    if every:
        fleet_files = environment_names(workspace.fleets) if workspace.fleets.is_dir() else []
        organizations = {f.name for f in fleets if f.stack_set.permission_model != "self-managed"}  # hold no roles
        roles = [role_template_name(name, role) for name in fleet_files if name not in organizations for role in ROLES]
        known = {*environment_names(workspace.environments), BOOTSTRAP, DRIFT_ROLE, *map(template_name, fleet_files),
                 *roles}  # fmt: skip
        report.strays = sorted(p for p in workspace.templates.glob("*") if p.suffix in (".json", ".md")
                               and p.stem not in known)  # fmt: skip
    if planned:
        verdicts(envs, workspace, report, base, fleets)
    else:
        report.notes.append(f"plan: SKIPPED (--skip-plan): {SKIPPED}")
    if not report.ok:
        raise CheckFailed("\n".join([report.message("check failed:"), *report.notes]))
    return report


def keeps_data(env: Environment, base: Environment | None) -> bool:
    """Whether the environment keeps its data, now or at the base: a change cannot opt out of its own
    approval by setting removal_policy = "destroy" in the same change."""
    return any(e is not None and e.removal_policy != "destroy" for e in (env, base))


SKIPPED = "the change was not planned against its base: a deploy that would fail, or data at stake, was not looked for"


def verdicts(envs: Sequence[Environment], workspace: Workspace, report: Report, base: str | None = None,
             fleets: Sequence[Fleet] = ()) -> None:  # fmt: skip
    """The plan of each environment against ``base``, into ``report``: the verdict and warnings worth
    knowing (notes); the errors (the deploy would fail); the stateful resources put at stake in an
    environment that keeps its data without an approval in approvals.toml; and why there is no plan at
    all when it cannot be made (git missing, not a repository, refused, no such revision): never a
    silent pass."""
    texts = {name: g.text for name, g in report.generated.items()}
    try:
        planned = plan_against_base(envs, fleets, workspace, base, lambda name: json.loads(texts[name]), costs=False)
    except UnknownRevision:
        raise  # --base names no commit: bad usage (exit 2)
    except UsageError as exc:
        report.unplanned = str(exc)
        return
    report.base = planned.shown
    given = approvals.load(workspace.root)
    plans = {}
    for env in envs:
        p, template = planned.environments[env.name], sha(texts[env.name])
        plans[env.name] = (p, template)
        _judge(p, template, keeps_data(env, planned.baseline.environment(env.name)), given, report)
    for fleet in fleets:
        fp, text = planned.fleets[fleet.name], texts[fleet.template_name]
        keeps = fleet.environment.removal_policy != "destroy"
        sites = {s.plan.environment: s for s in fp.sites if s.plan is not None}
        for p in fp.plans:
            site = sites.get(p.environment)
            # A site's approval holds for the template and what the site passes: either changing makes it stale.
            template = sha(text + (json.dumps(site.place.parameters, sort_keys=True) if site else ""))
            plans[p.environment] = (p, template)
            _judge(p, template, keeps, given, report)
        report.notes += [f"plan: {fleet.template_name}/{s.site}: {s.what}" for s in fp.sites if s.action == "move"]
    report.notes += approvals.unused(plans, given, [*environment_names(workspace.environments), *plans])
    if planned.shown == "HEAD" and not base:
        report.notes.append(f"plan: against HEAD: no main branch ({', '.join(MAIN_BRANCHES)}) to take the merge base "
                            "with, so only what is not committed yet was planned; --base REF names the branch this "
                            "change goes into")  # fmt: skip


def _judge(p, template: str, keeps: bool, given, report: Report) -> None:
    """One plan's verdict into ``report``: what is at stake without an approval where data is kept, the notes
    worth knowing, and the errors (the deploy would fail)."""
    if keeps:  # a reviewer must agree to what is lost
        unapproved = approvals.unapproved(p, template, given)
        report.unapproved += [line for _, line in unapproved]
        if unapproved:
            report.approvals.append(approvals.snippet(p.environment, [r for r, _ in unapproved], template))
    grave = [n for n in notes_of(p) if n.severity != INFO]
    if not (grave or p.move):
        return
    report.notes.append(f"plan: {p.environment} (against {p.base}): {headline(p)}")
    report.notes += [f"  {n.severity}: {n.text}" for n in grave]
    report.failing += [f"  {p.environment}: {n.text}" for n in grave if n.severity == "error"]
