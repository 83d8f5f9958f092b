"""The one gate every reviewed template passes before anything uses it: ``check``, ``deploy`` and
``execute`` all call :func:`gate`, so what ``make check`` rejects can never be deployed.

For each template (an environment's, or the bootstrap stack's), the committed
``templates/<name>.json``

1. is what the code generates now (:func:`generator.generate.build`), byte for byte;
2. lints clean with cfn-lint, and
3. passes the project's policy rules (:mod:`generator.rules`), in the same cfn-lint pass.

Pictures, and files in ``templates/`` that belong to no environment, are ``check``'s own business
(:mod:`generator.review.check`): a stale picture never blocks a deploy.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from generator import cfn
from generator.errors import GateFailed
from generator.generate import Generated, lint_all
from generator.lint import Finding
from generator.masking import masked
from generator.render import render
from generator.workspace import Workspace

DIFF_LINES = 40  # per stale file: enough to see what changed, short enough for a CI log


@dataclass(frozen=True)
class Committed:
    """A committed template, as the gate passed it."""

    name: str  # the environment, or "bootstrap"
    path: Path
    text: str

    @cached_property
    def body(self) -> dict:
        return json.loads(self.text)

    @cached_property
    def sha(self) -> str:
        """A short hash of the bytes: in the change set's name and description, and the stack's tags."""
        return sha(self.text)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))

    @cached_property
    def inline(self) -> str | None:
        """The ``TemplateBody`` a deploy sends, or None when the template must go by S3 (:func:`cfn.inline_body`)."""
        return cfn.inline_body(self.text)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass
class Report:
    """Everything the gate (and ``check``, which adds to it) found, and what passed."""

    workspace: Workspace
    names: list[str] = field(default_factory=list)  # the templates checked
    stale: list[str] = field(default_factory=list)  # one block per stale or missing file
    strays: list[Path] = field(default_factory=list)  # check only
    findings: dict[str, list[Finding]] = field(default_factory=dict)  # environment -> findings
    committed: dict[str, Committed] = field(default_factory=dict)
    generated: dict[str, Generated] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # worth saying, not a failure
    # check only: the plan of the change against its base
    failing: list[str] = field(default_factory=list)  # the plan predicts a failed deploy
    unapproved: list[str] = field(default_factory=list)  # data at stake where it is kept, not approved
    approvals: list[str] = field(default_factory=list)  # the approvals.toml lines that would approve them
    unplanned: str = ""  # why there is no plan at all
    base: str = ""  # what the plan compared with, as shown

    @property
    def ok(self) -> bool:
        return not (self.stale or self.strays or any(self.findings.values()) or self.failing or self.unapproved
                    or self.unplanned)  # fmt: skip

    def message(self, heading: str) -> str:
        """Every problem, then what to do about each kind: the same lines for every command."""
        from generator.rules import RULES  # cfn-lint's rule classes: imported only to explain a failure

        lines = [heading]
        lines += [f"  {block}" for block in self.stale]
        lines += [f"  {self.workspace.show(path)}: belongs to no environment (no environments/{path.stem}.toml)"
                  for path in self.strays]  # fmt: skip
        for env, findings in self.findings.items():
            built = self._sources(env) if findings else {}
            for finding in findings:
                where = built.get(finding.path.split("/")[1] if finding.path.count("/") else "", [])
                source = f" (built in {', '.join(f'{m}:{n}' for m, n in where)})" if where else ""
                lines.append(f"  {self.workspace.show(self.workspace.template(env))}: {finding}{source}")
        lines += [f"  the deploy would fail: {line.strip()}" for line in self.failing]
        lines += [f"  data at stake, not approved: {line}" for line in self.unapproved]
        if self.unplanned:
            lines.append(f"  no plan against the base of the change: {self.unplanned}")
        reasons = {r.id: r for r in RULES}
        fired = sorted({f.rule for findings in self.findings.values() for f in findings} & reasons.keys())
        if fired:
            lines.append("  why the policy rules exist:")
            lines += [f"    {rule}: {reasons[rule].shortdesc}. {reasons[rule].description}" for rule in fired]
        lines.append("what to do:")
        if self.stale:
            lines.append("  stale or missing files: run `make template`, review and commit templates/")
        if self.strays:
            lines.append("  stray files: delete them (`git rm`) or add the environment they belong to")
        if any(self.findings.values()):
            lines.append("  lint and policy findings: fix the stack code or the environment file, then `make template`")
        if self.failing:
            lines.append("  a deploy that would fail: change what the plan names, `make template`; `iotstack diff` "
                         "shows the whole plan. Renaming a custom-named resource that is replaced lets the deploy "
                         "replace it: a new one under the new name, and the old one goes as its UpdateReplacePolicy "
                         "says (with its data, for a database, cache, key, stream, secret or log group: where the "
                         "environment keeps its data, check then asks for an approval)")  # fmt: skip
        if self.unapproved:
            lines.append("  data at stake: if it is intended, approve it in approvals.toml, reviewed with this change "
                         "(an approval holds for this template only; a later change needs a new one):")  # fmt: skip
            lines += [f"    {line}".rstrip() for line in "\n\n".join(self.approvals).splitlines()]
            lines.append("    (or change the code so that nothing stateful is replaced or removed)")
        if self.unplanned:
            lines.append("  no plan: fix what the line says (in CI: fetch the history, fetch-depth: 0), or pass "
                         "--skip-plan to check without the plan on purpose (the output says so)")  # fmt: skip
        return "\n".join(lines)

    def _sources(self, env: str) -> dict[str, list[tuple[str, int]]]:
        """Where the stack code builds each resource of ``env`` (for a finding to point at)."""
        from generator.sources import sources

        generated = self.generated.get(env)
        return sources(generated.env) if generated else {}


def inspect(templates: Sequence[Generated], workspace: Workspace) -> Report:
    """Run the gate's three checks over what the code generates now (``templates``), without raising."""
    report = Report(workspace, names=[g.name for g in templates])
    texts = {}
    for generated in templates:
        report.generated[generated.name] = generated
        block = staleness(generated.path, generated.text, workspace)
        if block is not None:
            report.stale.append(block)
        try:
            texts[generated.name] = (_read(generated.path), generated.regions)  # linted as committed
        except OSError:
            continue  # missing or unreadable: staleness said so
        report.committed[generated.name] = Committed(generated.name, generated.path, texts[generated.name][0])
    report.findings = lint_all(texts, workspace, policy=True)
    return report


def gate(templates: Sequence[Generated], workspace: Workspace) -> dict[str, Committed]:
    """The committed files of ``templates`` (what the code generates now: :func:`generator.generate.build`),
    each current, lint-clean and passing the policy rules; :class:`GateFailed` listing every problem
    otherwise."""
    report = inspect(templates, workspace)
    if not report.ok:
        raise GateFailed(report.message("refused by the gate (what `make check` checks):"), stale=bool(report.stale))
    return report.committed


def staleness(path: Path, text: str, workspace: Workspace) -> str | None:
    """A block describing how the committed ``path`` differs from ``text``, or None if it does not."""
    shown = workspace.show(path)
    try:
        committed = _read(path)
    except FileNotFoundError:
        return f"{shown}: missing (not generated or not committed)"
    except OSError as exc:  # a folder in the way, no permission: as good as missing
        kind = " (a folder is in the way)" if isinstance(exc, IsADirectoryError) else ""
        return f"{shown}: cannot be read: {exc.strerror or exc}{kind}"
    if committed == text:
        return None
    committed = _without_credentials(committed)
    diff = list(difflib.unified_diff(committed.splitlines(), text.splitlines(),
                                     f"{shown} (committed)", f"{shown} (generated now)", lineterm=""))  # fmt: skip
    cut = diff[:DIFF_LINES] + ([f"... {len(diff) - DIFF_LINES} more diff lines"] if len(diff) > DIFF_LINES else [])
    return f"{shown}: stale, differs from what the code generates:\n" + "\n".join(f"    {line}" for line in cut)


def _without_credentials(text: str) -> str:
    """A committed template as its diff may show it: with a literal credential in it (what E9005 finds),
    the template rendered with that value masked (:func:`generator.masking.masked`); else as it is."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    shown = masked("", data)
    return text if shown == data else render(shown)


def _read(path: Path) -> str:
    """A committed file's text; a byte that is not UTF-8 makes it differ from what the code generates."""
    return path.read_text(encoding="utf-8", errors="replace")
