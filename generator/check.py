"""``iotstack check`` / ``make check``: the gate a review pipeline runs.

It fails when a committed template (``templates/<env>.json``) or picture (``<env>.md``) differs
from what the code generates now, when a file in ``templates/`` belongs to no environment, on any
cfn-lint finding and on any finding of the project's policy rules (:mod:`generator.rules`) in the
committed templates. Short on success; on failure every problem, a capped unified diff of each
stale file, the reason of each policy rule that fired, and the command that fixes it.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from generator import config
from generator.config import load_environments
from generator.errors import IotstackError
from generator.generate import build
from generator.lint import Finding, default_cache_dir, lint_templates
from generator.rules import RULES

DIFF_LINES = 40  # per stale file: enough to see what changed, short enough for a CI log


class CheckFailed(IotstackError):
    """``make check`` found problems; the message lists them and what to do."""


@dataclass
class Report:
    environments: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # one block per stale or missing file
    strays: list[Path] = field(default_factory=list)
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # environment -> findings

    @property
    def ok(self) -> bool:
        return not (self.stale or self.strays or any(self.findings.values()))


def check(names: Sequence[str] = (), templates_dir: Path = Path("templates"), cache_dir: Path | None = None) -> Report:
    """Check the committed files of ``names`` (default: all, and then no stray files); raise
    :class:`CheckFailed` listing every problem."""
    envs = load_environments(names)
    report = Report(environments=[e.name for e in envs])
    committed = {}
    for env in envs:
        generated = build(env, templates_dir)
        for path, text in ((generated.path, generated.text), (generated.picture_path, generated.picture)):
            if (block := _staleness(path, text)) is not None:
                report.stale.append(block)
        if generated.path.is_file():
            committed[env.name] = (generated.path.read_text(encoding="utf-8"), env.region)
    if not names:
        known = set(config.environment_names(config.ENVIRONMENTS_DIR))
        report.strays = sorted(p for p in templates_dir.glob("*") if p.suffix in (".json", ".md")
                               and p.stem not in known)  # fmt: skip
    report.findings = lint_templates(committed, cache_dir or default_cache_dir(), policy=True)
    if not report.ok:
        raise CheckFailed(failure_message(report, templates_dir))
    return report


def _staleness(path: Path, text: str) -> str | None:
    """A block describing how the committed ``path`` differs from ``text``, or None if it does not."""
    try:
        committed = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return f"{path}: missing (not generated or not committed)"
    if committed == text:
        return None
    diff = list(difflib.unified_diff(committed.splitlines(), text.splitlines(),
                                     f"{path} (committed)", f"{path} (generated now)", lineterm=""))  # fmt: skip
    shown = diff[:DIFF_LINES] + ([f"... {len(diff) - DIFF_LINES} more diff lines"] if len(diff) > DIFF_LINES else [])
    return f"{path}: stale, differs from what the code generates:\n" + "\n".join(f"    {line}" for line in shown)


def failure_message(report: Report, templates_dir: Path) -> str:
    lines = ["check failed:"]
    lines += [f"  {block}" for block in report.stale]
    lines += [f"  {path}: belongs to no environment (no environments/{path.stem}.toml)"
              for path in report.strays]  # fmt: skip
    for env, findings in report.findings.items():
        lines += [f"  {templates_dir / env}.json: {finding}" for finding in findings]
    reasons = {r.id: r for r in RULES}
    fired = sorted({f.rule for findings in report.findings.values() for f in findings} & reasons.keys())
    if fired:
        lines.append("  why the policy rules exist:")
        lines += [f"    {rule}: {reasons[rule].shortdesc}. {reasons[rule].description}" for rule in fired]
    lines.append("what to do:")
    if report.stale:
        lines.append("  stale or missing files: run `make template` and commit templates/")
    if report.strays:
        lines.append("  stray files: delete them (`git rm`) or add the environment they belong to")
    if any(report.findings.values()):
        lines.append("  lint and policy findings: fix the stack code or the environment file, then `make template`")
    return "\n".join(lines)
