"""``approvals.toml``: the replacements and removals of stateful resources that a reviewer agreed to.

In an environment that keeps its data (``removal_policy`` other than ``destroy``), ``check`` fails on
a plan that replaces, may replace or removes a stateful resource (a database, the cache, a key, the
stream, a secret, a log group) unless the change is approved here, in the repository itself, so
that the approval is reviewed with the change it approves. Each approval names the environment, the
resource and the template it approves (the short sha256 of ``templates/<env>.json`` that ``check``
prints): changing the template again makes the approval stale, and a stale approval never carries
over to another change::

    [[approval]]
    environment = "prod"
    resource = "AuroraCluster"
    template = "3f2a9c1b7d4e"
    reason = "rename the cluster; its data is restored from the final snapshot"

Approvals are not deploy's business: ``deploy`` keeps its own guard (``--allow-replace``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from generator.errors import TOO_DEEP, UsageError
from generator.review.model import Plan

FILE = "approvals.toml"
_KEYS = ("environment", "resource", "template", "reason")
_SHORT_SHA = re.compile(r"[0-9a-f]{12}")  # generator.review.gate.sha: what status, tags and check show


@dataclass(frozen=True)
class Approval:
    environment: str
    resource: str
    template: str  # the short sha256 (12 hex) of the template it approves
    reason: str


def load(root: Path) -> tuple[Approval, ...]:
    """The approvals of the project at ``root`` (none without the file); every problem at once, exit 2."""
    path = root / FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{FILE}: cannot be read: {exc}") from None
    try:
        entries = tomllib.loads(text).get("approval", [])
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{FILE}: not valid TOML: {exc}") from None
    except RecursionError:
        raise UsageError(f"{FILE}: not valid TOML: {TOO_DEEP}") from None
    if not isinstance(entries, list):
        raise UsageError(f"{FILE}: approval must be an array of tables ([[approval]])")
    problems, approvals = [], []
    for number, entry in enumerate(entries, 1):
        where = f"{FILE}: approval {number}"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a table ([[approval]])")
            continue
        wrong = [k for k in _KEYS if not isinstance(entry.get(k), str) or not entry[k].strip()]
        unknown = [k for k in entry if k not in _KEYS]
        if wrong or unknown:
            problems.append(f"{where}: " + "; ".join(
                [f"{k} must be a non-empty string" for k in wrong] + [f"{k}: unknown key" for k in unknown]
            ) + f" (keys: {', '.join(_KEYS)})")  # fmt: skip
            continue
        approval = Approval(*(entry[k].strip() for k in _KEYS))
        if not _SHORT_SHA.fullmatch(approval.template):
            problems.append(f'{where}: template = "{approval.template}": must be the 12 hex digits of the template\'s '
                            "sha256 that check prints (its first 12)")  # fmt: skip
            continue
        approvals.append(approval)
    if problems:
        raise UsageError("\n".join(problems))
    return tuple(approvals)


def unapproved(plan: Plan, template: str, approvals: tuple[Approval, ...]) -> list[tuple[str, str]]:
    """``(logical id, line)`` for each stateful resource ``plan`` puts at stake without an approval of
    this ``template`` (its short sha256): what is at stake, and why an approval there does not count."""
    lines = []
    mine = [a for a in approvals if a.environment == plan.environment]
    for resource in (r for r in plan.resources if r.dangerous):
        named = [a for a in mine if a.resource == resource.logical_id]
        if any(a.template == template for a in named):
            continue
        done = {"remove": "removed", "replace": "replaced"}.get(resource.action, "maybe replaced")
        stale = f"; the approval in {FILE} is for template {named[0].template}: stale" if named else ""
        line = (f"{plan.environment}: {resource.logical_id} ({resource.type}) is {done} and {plan.environment} "
                f"keeps its data: not approved for template {template}{stale}")  # fmt: skip
        lines.append((resource.logical_id, line))
    return lines


def unused(plans: dict[str, tuple[Plan, str]], approvals: tuple[Approval, ...], known: list[str]) -> list[str]:
    """Approvals that approve nothing at stake now (``plans``: environment -> (plan, template)), or name an
    environment that has no file (``known``: the environments there are): notes."""
    notes = []
    for a in approvals:
        if a.environment not in known:
            notes.append(f"{FILE}: {a.environment} {a.resource}: there is no environment {a.environment} (known: "
                         f"{', '.join(known)}): this approval approves nothing")  # fmt: skip
            continue
        plan, template = plans.get(a.environment, (None, ""))
        at_stake = plan is not None and a.resource in plan.at_stake and a.template == template
        if not at_stake and plan is not None:
            notes.append(f"{FILE}: {a.environment} {a.resource} (template {a.template}) approves nothing this "
                         "change puts at stake: remove it once the change has landed")  # fmt: skip
    return notes


def snippet(environment: str, resources: list[str], template: str) -> str:
    """The lines that approve ``resources`` of ``environment`` for ``template``, ready to paste."""
    blocks = [f'[[approval]]\nenvironment = "{environment}"\nresource = "{r}"\ntemplate = "{template}"\n'
              'reason = "..."' for r in resources]  # fmt: skip
    return "\n\n".join(blocks)
