"""``iotstack template``: load, build, render, lint and write the templates of environments.

Each environment gives two files: ``<env>.json``, the template, and ``<env>.md``, its picture
(:mod:`generator.diagram`). Nothing is half-done: every environment is loaded and validated, every
template is built and linted, and only when all of them are clean are the files written, each
atomically. A failure anywhere leaves every previous file as it was.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from generator import config
from generator.config import load_environments
from generator.diagram import diagram
from generator.errors import LintError
from generator.lint import Finding, default_cache_dir, lint_templates
from generator.render import render, write_atomic
from generator.stack import build_template

# CloudFormation takes a template body of at most 51,200 bytes inline; larger ones go through S3.
INLINE_TEMPLATE_LIMIT = 51_200


@dataclass(frozen=True)
class Generated:
    """One environment's template and what happened to it."""

    env: config.Environment
    text: str
    resources: int
    findings: list[Finding] | None  # None: lint was skipped
    path: Path
    file: str = "not written"  # or "written" (either file changed), or "unchanged" (both identical on disk)
    picture: str = ""  # the Markdown written to ``picture_path``

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))

    @property
    def picture_path(self) -> Path:
        return self.path.with_suffix(".md")


def generate(
    names: Sequence[str] = (),
    out_dir: Path = Path("templates"),
    lint: bool = True,
    cache_dir: Path | None = None,
    environments_dir: Path | None = None,
) -> list[Generated]:
    """Build the templates of ``names`` (default: all) and write them to ``out_dir/<env>.json``.

    Raises :class:`LintError` (nothing written) when cfn-lint finds anything in any template.
    """
    results = [build(env, out_dir) for env in load_environments(names, environments_dir)]
    if lint:
        to_lint = {r.env.name: (r.text, r.env.region) for r in results}
        findings = lint_templates(to_lint, cache_dir or default_cache_dir())
        results = [replace(r, findings=findings[r.env.name]) for r in results]
    if any(r.findings for r in results):
        raise LintError(_lint_report(results), results)
    return [replace(r, file="written" if _write(r) else "unchanged") for r in results]


def build(env: config.Environment, out_dir: Path = Path("templates")) -> Generated:
    """One environment's template and picture, in memory (not linted, not written)."""
    template = build_template(env)
    text = render(template)
    picture = diagram(json.loads(text), env.name)
    return Generated(env, text, len(template.resources), None, out_dir / f"{env.name}.json", picture=picture)


def _write(result: Generated) -> bool:
    changed = write_atomic(result.path, result.text)
    return write_atomic(result.picture_path, result.picture) or changed


def _lint_report(results: list[Generated]) -> str:
    lines = ["cfn-lint found problems; no template was written:"]
    for r in results:
        for finding in r.findings or ():
            lines.append(f"  {r.env.name}: {finding}")
    return "\n".join(lines)
