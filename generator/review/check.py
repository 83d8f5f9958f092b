"""``iotstack check`` / ``make check``: the gate a review pipeline runs.

The gate (:mod:`generator.review.gate`) over every environment, plus what only the review cares
about: each committed picture (``templates/<env>.md``) is current, and no file in ``templates/``
belongs to no environment. Short on success; on failure every problem, a capped unified diff of
each stale file, the reason of each policy rule that fired, and the command that fixes it.
"""

from __future__ import annotations

from collections.abc import Sequence

from generator.config import Environment, environment_names
from generator.errors import IotstackError
from generator.review.gate import Report, inspect, staleness
from generator.workspace import Workspace


class CheckFailed(IotstackError):
    """``make check`` found problems; the message lists them and what to do."""


def check(envs: Sequence[Environment], workspace: Workspace, every: bool = True) -> Report:
    """Check the committed files of ``envs``; with ``every`` (all environments were asked for), also
    that nothing else lies in ``templates/``. Raise :class:`CheckFailed` listing every problem."""
    report = inspect(envs, workspace)
    for generated in report.generated.values():
        if (block := staleness(generated.picture_path, generated.picture, workspace)) is not None:
            report.stale.append(block)
    if every:
        known = set(environment_names(workspace.environments))
        report.strays = sorted(p for p in workspace.templates.glob("*") if p.suffix in (".json", ".md")
                               and p.stem not in known)  # fmt: skip
    if not report.ok:
        raise CheckFailed(report.message("check failed:"))
    return report
