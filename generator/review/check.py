"""``iotstack check`` / ``make check``: the gate a review pipeline runs.

The gate (:mod:`generator.review.gate`) over every environment, plus what only the review cares
about: each committed picture (``templates/<env>.md``) is current, the bootstrap stack's template
(``templates/bootstrap.json``) passes the gate too, no file in ``templates/`` belongs to no
environment, and the plan of the change (``iotstack diff`` against the base: the merge base with the
main branch unless ``--base`` says otherwise) does not predict a failed deploy (a replaced resource
that keeps its custom name). Short on success; on failure every problem, a capped unified diff of
each stale file, the reason of each policy rule that fired, and the command that fixes it.

It also prints the plan's verdict where there is one to know: stateful resources replaced or
removed (``deploy`` keeps its own guard), or a deploy target (stack name or region) that moved,
which would create a new stack and leave the old one running. Those are notes, not failures: the
change may be intended.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence

from generator.bootstrap.template import NAME as BOOTSTRAP
from generator.config import Environment, environment_names
from generator.errors import IotstackError, UsageError
from generator.generate import build, build_bootstrap
from generator.review.baseline import default_base, from_git
from generator.review.diff import environment_plan
from generator.review.formats.words import headline, notes_of
from generator.review.gate import Report, inspect, staleness
from generator.review.model import INFO
from generator.workspace import Workspace


class CheckFailed(IotstackError):
    """``make check`` found problems; the message lists them and what to do."""


def check(envs: Sequence[Environment], workspace: Workspace, every: bool = True, base: str | None = None) -> Report:
    """Check the committed files of ``envs`` and the plan of the change against ``base``; with ``every``
    (all environments were asked for), also the bootstrap stack's and that nothing else lies in
    ``templates/``. Raise :class:`CheckFailed` listing every problem."""
    templates = [build(env, workspace) for env in envs]
    if every:
        templates.append(build_bootstrap(workspace, [env.region for env in envs]))
    report = inspect(templates, workspace)
    for generated in report.generated.values():
        if (block := staleness(generated.picture_path, generated.picture, workspace)) is not None:
            report.stale.append(block)
    if every:
        known = {*environment_names(workspace.environments), BOOTSTRAP}
        report.strays = sorted(p for p in workspace.templates.glob("*") if p.suffix in (".json", ".md")
                               and p.stem not in known)  # fmt: skip
    report.notes, report.failing = verdicts(envs, workspace, report, base)
    if not report.ok:
        raise CheckFailed("\n".join([report.message("check failed:"), *report.notes]))
    return report


def verdicts(envs: Sequence[Environment], workspace: Workspace, report: Report, base: str | None = None
             ) -> tuple[list[str], list[str]]:  # fmt: skip
    """The plan of each environment against ``base``: ``(notes, failures)``, the verdict and warnings of
    each plan worth knowing, and the errors (the deploy would fail). Outside git there is no base:
    nothing to say, except in CI, where that is an error."""
    try:
        ref, shown = (base, base) if base else default_base(workspace)
        baseline = from_git(ref, [env.name for env in envs], workspace, shown)
    except UsageError:
        if base or os.environ.get("CI"):
            raise
        return [], []  # not a git repository, or no commit yet: nothing to compare with
    notes, failing = [], []
    for env in envs:
        p = environment_plan(env, baseline.load(env.name), json.loads(report.generated[env.name].text), baseline)
        grave = [n for n in notes_of(p) if n.severity != INFO]
        if not (grave or p.move):
            continue
        notes.append(f"plan: {env.name} (against {p.base}): {headline(p)}")
        notes += [f"  {n.severity}: {n.text}" for n in grave]
        failing += [f"  {env.name}: {n.text}" for n in grave if n.severity == "error"]
    return notes, failing
