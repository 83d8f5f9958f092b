"""Independent security scanners over the templates: checkov and cfripper.

Both run from their own virtual environment, ``.venv-scan`` (``make scan`` creates it from
``scanners/requirements.txt``, pinned exactly), because their dependency pins clash with iotstack's
(cfn-lint, boto3). checkov runs offline (``--skip-download``: no policy download, no platform API);
cfripper runs with the filter in ``scanners/cfripper_filters``, which honours ``Metadata.cfripper_ignore``.
A deliberate exception is suppressed in the resource's ``Metadata`` with its reason (see
:func:`generator.stack.common.suppress`) and listed in docs/SECURITY.md. Any other finding fails.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generator.errors import ScanError, UsageError

# cfripper's exit codes: 0 clean, 2 findings; 1 and 3 mean it could not scan.
_CFRIPPER_SCANNED = (0, 2)


@dataclass(frozen=True)
class Finding:
    """One unsuppressed failure of one scanner."""

    scanner: str
    template: str
    check: str
    resource: str
    message: str

    def __str__(self) -> str:
        return f"{self.scanner} {self.check} {self.template} {self.resource}: {self.message}"


@dataclass(frozen=True)
class ScanReport:
    templates: list[str]
    findings: list[Finding]
    checkov_passed: int
    checkov_skipped: int


def scan(templates: list[Path], scanners: Path, filters: Path) -> ScanReport:
    """Run checkov and cfripper (from the folder ``scanners``, cfripper with the rule filters in
    ``filters``) over ``templates``; return every unsuppressed failure."""
    missing = [tool for tool in ("checkov", "cfripper") if not (scanners / tool).is_file()]
    if missing:
        raise UsageError(f"{', '.join(missing)} not found in {scanners}; `make scan` installs the scanners there")
    if not templates:
        raise UsageError("no template to scan")
    findings, passed, skipped = _checkov(templates, scanners / "checkov")
    for template in templates:
        findings += _cfripper(template, scanners / "cfripper", filters)
    return ScanReport([t.name for t in templates], findings, passed, skipped)


def _checkov(templates: list[Path], checkov: Path) -> tuple[list[Finding], int, int]:
    files = [arg for t in templates for arg in ("-f", str(t))]
    command = [str(checkov), *files, "--framework", "cloudformation", "--skip-download", "-o", "json", "--compact"]
    out = _run(command, "checkov", ok=(0, 1))
    reports = out if isinstance(out, list) else [out]  # one report per framework; a list when several
    findings, passed, skipped = [], 0, 0
    for report in reports:
        summary = report.get("summary", {})
        if summary.get("parsing_errors"):
            raise ScanError(f"checkov could not parse {summary['parsing_errors']} template(s)")
        passed, skipped = passed + summary.get("passed", 0), skipped + summary.get("skipped", 0)
        findings += [
            Finding("checkov", Path(c["file_path"]).name, c["check_id"], c["resource"], c["check_name"])
            for c in report.get("results", {}).get("failed_checks", [])
        ]
    return findings, passed, skipped


def _cfripper(template: Path, cfripper: Path, filters: Path) -> list[Finding]:
    command = [str(cfripper), str(template), "--format", "json", "--rules-filters-folder", str(filters)]
    result = _run(command, "cfripper", ok=_CFRIPPER_SCANNED)
    return [
        Finding("cfripper", template.name, f["rule"], ",".join(sorted(f.get("resource_ids") or [])), f["reason"])
        for f in result["failures"]
    ]


def _run(command: list[str], tool: str, ok: tuple[int, ...]) -> dict | list:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        if done.returncode not in ok:
            raise ValueError
        return json.loads(done.stdout)
    except ValueError:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise ScanError(f"{tool} failed to run (exit {done.returncode}):\n{tail}") from None


def summary(report: ScanReport) -> str:
    """What ``iotstack scan`` prints: one line per finding, then the totals."""
    lines = [str(f) for f in report.findings]
    lines.append(
        f"{len(report.templates)} template(s) ({', '.join(report.templates)}): "
        f"checkov {report.checkov_passed} passed, {report.checkov_skipped} suppressed; "
        f"{len(report.findings)} unsuppressed finding(s)"
    )
    return "\n".join(lines)
