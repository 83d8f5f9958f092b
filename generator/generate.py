"""``iotstack template``: build, render, lint and write the templates of environments and fleets (a
self-managed fleet's two roles with its own, when linting), and the bootstrap stack's,
``templates/bootstrap.json``, when every environment is built.

:func:`build` is the one route from an environment to "the template the code makes now" (and its
picture): ``template`` writes it, the gate (:mod:`generator.review.gate`) compares the committed
file with it, ``diff`` plans against it. Nothing is half-done: every template is built and
linted, and only when all of them are clean are the files written, all or none
(:func:`generator.files.write_all`). A failure anywhere leaves every previous file as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator import cfn
from generator.config import Environment
from generator.diagram import diagram
from generator.errors import LintError
from generator.files import write_all
from generator.fleet.settings import ROLES, Fleet, role_template_name
from generator.render import plain, render
from generator.stack import build_template
from generator.workspace import Workspace


@dataclass(frozen=True)
class Generated:
    """One template and its picture (an environment's, or the bootstrap stack's), and what happened
    to them."""

    name: str  # the file's stem: the environment, or "bootstrap"
    regions: tuple[str, ...]  # linted for each
    text: str
    resources: int
    path: Path  # where the template belongs: templates/<name>.json
    picture: str  # the Markdown of templates/<name>.md
    picture_path: Path
    env: Environment | None = None  # None for the bootstrap template and a fleet's
    fleet: Fleet | None = None  # a fleet's template: its fleet
    findings: list | None = None  # lint findings; None: not linted
    file: str = "not written"  # or "written" (either file changed), or "unchanged" (both identical on disk)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def build(env: Environment, workspace: Workspace) -> Generated:
    """One environment's template and picture, in memory (not linted, not written)."""
    return _generated(env.name, (env.region,), build_template(env), workspace, env)


def build_fleet(fleet: Fleet, workspace: Workspace) -> Generated:
    """A fleet's one template and picture (:mod:`generator.fleet.template`), linted for each region of its sites."""
    from generator.fleet.template import build_fleet_template, drawn

    data = build_fleet_template(fleet)
    return _generated(fleet.template_name, fleet.regions, data, workspace, fleet=fleet, drawn=drawn(data))


def build_fleet_roles(fleet: Fleet, workspace: Workspace, fleet_template: Generated | None = None,
                      roles: Sequence[str] = ROLES) -> list[Generated]:  # fmt: skip
    """A fleet's role templates (:mod:`generator.fleet.roles`, ``roles`` of ``administration`` and
    ``execution``): the execution role's from the fleet's generated template (``fleet_template``, built when not
    given), its permissions from cfn-lint's resource schemas (cached). Linted in the stack set's region and every
    site's."""
    import json

    from generator.fleet.roles import build_administration_template, build_execution_template

    regions = tuple(sorted({fleet.environment.region, *fleet.regions}))
    built = []
    for role in roles:
        if role == "administration":
            template = build_administration_template(fleet)
        else:
            data = json.loads((fleet_template or build_fleet(fleet, workspace)).text)
            template = build_execution_template(fleet, data, fleet.regions, workspace.cache)
        built.append(_generated(role_template_name(fleet.name, role), regions, template, workspace))
    return built


def build_bootstrap(workspace: Workspace, regions: Sequence[str]) -> Generated:
    """The bootstrap stack's template and picture; linted for each region an environment uses."""
    from generator.bootstrap import NAME
    from generator.bootstrap.template import build_bootstrap_template

    return _generated(NAME, tuple(sorted(set(regions))), build_bootstrap_template(), workspace)


def build_drift_role(workspace: Workspace, environments: Sequence[Generated]) -> Generated:
    """The drift job's role (:mod:`generator.drift_role`), for the resource types of the environments'
    generated templates; linted for each of their regions."""
    import json

    from generator.drift_role import NAME, build_drift_role_template

    regions = tuple(sorted({region for generated in environments for region in generated.regions}))
    templates = {generated.name: json.loads(generated.text) for generated in environments}
    return _generated(NAME, regions, build_drift_role_template(templates, regions, workspace.cache), workspace)


def _generated(name: str, regions: tuple[str, ...], template, workspace: Workspace, env=None, fleet=None,
               drawn: dict | None = None) -> Generated:  # fmt: skip
    """``drawn``: the template data the picture shows, where it differs from the template's."""
    data = template if isinstance(template, dict) else plain(template)
    text = render(data)
    picture = diagram(drawn or data, name, regions[0])
    return Generated(name, regions, text, len(data["Resources"]), workspace.template(name), picture,
                     workspace.picture(name), env, fleet)  # fmt: skip


def lint_all(texts: dict[str, tuple[str, tuple[str, ...]]], workspace: Workspace, policy: bool = False) -> dict:
    """``{name: findings}`` of ``{name: (text, regions)}``, each text linted for each of its regions."""
    from generator.lint import lint_templates  # cfn-lint only where something is linted

    jobs = {(name, region): (text, region) for name, (text, regions) in texts.items() for region in regions}
    found = lint_templates({f"{name}@{region}": job for (name, region), job in jobs.items()}, workspace.cache, policy)
    findings: dict[str, list] = {name: [] for name in texts}
    for name, region in jobs:
        findings[name] += [f for f in found[f"{name}@{region}"] if f not in findings[name]]
    return findings


def generate(envs: Sequence[Environment], workspace: Workspace, lint: bool = True, bootstrap: bool = False,
             fleets: Sequence[Fleet] = ()) -> list[Generated]:  # fmt: skip
    """Build the templates of ``envs`` and ``fleets`` (a self-managed fleet's roles too, when linting), and the
    bootstrap stack's if asked (with the drift role's when linting), and write them to ``templates/<name>.json``
    and ``.md``.

    Raises :class:`LintError` (nothing written) when cfn-lint finds anything in any template.
    """
    results = [build(env, workspace) for env in envs]
    for fleet in fleets:
        results.append(build_fleet(fleet, workspace))
        if lint and fleet.stack_set.permission_model == "self-managed":  # the roles: permissions from cfn-lint
            results += build_fleet_roles(fleet, workspace, results[-1])
    if bootstrap:
        results.append(build_bootstrap(workspace, [env.region for env in envs]))
        if lint:  # the drift role's permissions come from cfn-lint's resource schemas: built where cfn-lint runs
            results.append(build_drift_role(workspace, [r for r in results if r.env is not None]))
    if lint:
        findings = lint_all({r.name: (r.text, r.regions) for r in results}, workspace)
        results = [replace(r, findings=findings[r.name]) for r in results]
    if any(r.findings for r in results):
        raise LintError(_lint_report(results), results)
    files = {path: text for r in results for path, text in ((r.path, r.text), (r.picture_path, r.picture))}
    changed = write_all(files, workspace.show, given=workspace.given)  # all of them, or none
    return [replace(r, file="written" if changed[r.path] or changed[r.picture_path] else "unchanged")
            for r in results]  # fmt: skip


def summary(results: list[Generated], workspace: Workspace) -> str:
    """What ``iotstack template`` prints: one row per template."""
    from generator.console import table

    limit = cfn.INLINE_TEMPLATE_LIMIT
    rows = [("template", "resources", "bytes", f"inline (<= {limit:,} B)", "lint", "file")]
    for r in results:
        lint = "skipped" if r.findings is None else f"{len(r.findings)} finding(s)" if r.findings else "clean"
        inline = cfn.inline_body(r.text)
        fits = "no: deployed from S3" if inline is None else "yes" if inline == r.text else "yes, unindented"
        rows.append((r.name, str(r.resources), f"{r.size:,}", fits, lint, f"{workspace.show(r.path)} ({r.file})"))
    unheard = [r.name for r in results if r.env and r.env.alerts.enabled and not r.env.alerts.emails]
    note = f"\nnote: {', '.join(unheard)}: alerting on, [alerts] emails empty: no one is told" if unheard else ""
    return table(rows, right=(1, 2)) + note


def _lint_report(results: list[Generated]) -> str:
    lines = ["cfn-lint found problems; no template was written:"]
    for r in results:
        lines += [f"  {r.name}: {finding}" for finding in r.findings or ()]
    return "\n".join(lines)
