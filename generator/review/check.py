"""``iotstack check`` / ``make check``: the gate a review pipeline runs.

The gate (:mod:`generator.review.gate`) over every environment, plus what only the review cares
about: each committed picture (``templates/<env>.md``) is current, the bootstrap stack's template
(``templates/bootstrap.json``) passes the gate too, and no file in ``templates/`` belongs to no
environment. Short on success; on failure every problem, a capped unified diff of
each stale file, the reason of each policy rule that fired, and the command that fixes it.

It also prints the verdict ``iotstack diff`` gives when an environment's deploy target (stack name
or region) moved since ``HEAD``: deploying would create a new stack and leave the old one running.
That is a note, not a failure: the change may be intended.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from generator.bootstrap.template import NAME as BOOTSTRAP
from generator.config import Environment, environment_names
from generator.errors import IotstackError, UsageError
from generator.generate import build, build_bootstrap
from generator.review.baseline import from_git, target_of
from generator.review.gate import Report, inspect, staleness
from generator.review.plan import plan
from generator.workspace import Workspace


class CheckFailed(IotstackError):
    """``make check`` found problems; the message lists them and what to do."""


def check(envs: Sequence[Environment], workspace: Workspace, every: bool = True) -> Report:
    """Check the committed files of ``envs``; with ``every`` (all environments were asked for), also the
    bootstrap stack's and that nothing else lies in ``templates/``. Raise :class:`CheckFailed` listing
    every problem."""
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
    report.notes = moves(envs, workspace, report)
    if not report.ok:
        raise CheckFailed("\n".join([report.message("check failed:"), *report.notes]))
    return report


def moves(envs: Sequence[Environment], workspace: Workspace, report: Report, base: str = "HEAD") -> list[str]:
    """``diff``'s verdict for each environment whose deploy target moved since ``base`` (none outside git)."""
    try:
        baseline = from_git(base, [env.name for env in envs], workspace)
    except UsageError:
        return []  # not a git repository, or no such revision: nothing to compare with
    notes = []
    for env in envs:
        if baseline.target(env.name) in (None, target_of(env)):
            continue
        moved = plan(baseline.load(env.name), json.loads(report.generated[env.name].text), env.region, env.name,
                     baseline.label(env.name), target_of(env), baseline.target(env.name))  # fmt: skip
        if moved.move:
            notes.append(f"note: {env.name}: {moved.move}")
    return notes
