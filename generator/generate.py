"""``iotstack template``: build, render, lint and write the templates of environments.

:func:`build` is the one route from an environment to "the template the code makes now" (and its
picture): ``template`` writes it, the gate (:mod:`generator.review.gate`) compares the committed
file with it, ``diff`` plans against it. Nothing is half-done: every template is built and
linted, and only when all of them are clean are the files written, each atomically. A failure
anywhere leaves every previous file as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator import cfn
from generator.config import Environment
from generator.diagram import diagram
from generator.errors import LintError
from generator.render import render, write_atomic
from generator.stack import build_template
from generator.workspace import Workspace


@dataclass(frozen=True)
class Generated:
    """One environment's template and picture, and what happened to them."""

    env: Environment
    text: str
    resources: int
    path: Path  # where the template belongs: templates/<env>.json
    picture: str  # the Markdown of templates/<env>.md
    picture_path: Path
    findings: list | None = None  # lint findings; None: not linted
    file: str = "not written"  # or "written" (either file changed), or "unchanged" (both identical on disk)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def build(env: Environment, workspace: Workspace) -> Generated:
    """One environment's template and picture, in memory (not linted, not written)."""
    template = build_template(env)
    text = render(template)
    picture = diagram(json.loads(text), env.name, env.region)
    return Generated(env, text, len(template.resources), workspace.template(env.name), picture,
                     workspace.picture(env.name))  # fmt: skip


def generate(envs: Sequence[Environment], workspace: Workspace, lint: bool = True) -> list[Generated]:
    """Build the templates of ``envs`` and write them to ``templates/<env>.json`` and ``.md``.

    Raises :class:`LintError` (nothing written) when cfn-lint finds anything in any template.
    """
    results = [build(env, workspace) for env in envs]
    if lint:
        from generator.lint import lint_templates  # cfn-lint only where something is linted

        findings = lint_templates({r.env.name: (r.text, r.env.region) for r in results}, workspace.cache)
        results = [replace(r, findings=findings[r.env.name]) for r in results]
    if any(r.findings for r in results):
        raise LintError(_lint_report(results), results)
    return [replace(r, file="written" if _write(r) else "unchanged") for r in results]


def summary(results: list[Generated], workspace: Workspace) -> str:
    """What ``iotstack template`` prints: one row per environment."""
    from generator.console import table

    limit = cfn.INLINE_TEMPLATE_LIMIT
    rows = [("environment", "resources", "bytes", f"inline (<= {limit:,} B)", "lint", "file")]
    for r in results:
        lint = "skipped" if r.findings is None else f"{len(r.findings)} finding(s)" if r.findings else "clean"
        fits = "yes" if r.size <= limit else "no: needs an S3 bucket"
        rows.append((r.env.name, str(r.resources), f"{r.size:,}", fits, lint, f"{workspace.show(r.path)} ({r.file})"))
    return table(rows, right=(1, 2))


def _write(result: Generated) -> bool:
    changed = write_atomic(result.path, result.text)
    return write_atomic(result.picture_path, result.picture) or changed


def _lint_report(results: list[Generated]) -> str:
    lines = ["cfn-lint found problems; no template was written:"]
    for r in results:
        lines += [f"  {r.env.name}: {finding}" for finding in r.findings or ()]
    return "\n".join(lines)
