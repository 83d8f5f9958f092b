"""cfn-lint, in process, in parallel, with a cache of clean results.

cfn-lint is the slow part of ``make template``: about 1.6 s for the three templates here, most of
it importing cfn-lint and loading its schemas, against 8 ms to generate them. Templates are
linted in worker processes, one per core, and a template whose bytes, region, cfn-lint version
and settings are those of an earlier clean lint is not linted again: the cache
(``.cache/iotstack/lint``, git-ignored; ``$IOTSTACK_CACHE_DIR/lint`` when that is set) holds one
empty file per clean result. Only clean results are cached, so a finding is always shown again.

With ``policy=True`` the project's own rules (:mod:`generator.rules`) run in the same cfn-lint
pass; ``iotstack check`` and ``iotstack lint`` use them, ``iotstack template`` does not.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

# Informational checks too: they include I3011, stateful resources without explicit policies.
INCLUDE_CHECKS = ("I",)
# A finding two rules report, kept once: the rule on the left is dropped for a resource the rule on
# the right reports (E9004, the policy rule, says the same as I3011, with the reason and as an error).
DUPLICATES = {"I3011": "E9004"}


@dataclass(frozen=True)
class Finding:
    """One cfn-lint match, as plain data that crosses process boundaries."""

    rule: str
    level: str
    message: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.rule} [{self.level}] {self.path} (line {self.line}): {self.message}"


def default_cache_dir() -> Path:
    """Where clean lint results are remembered."""
    return Path(os.environ.get("IOTSTACK_CACHE_DIR") or ".cache/iotstack") / "lint"


def lint_templates(
    templates: dict[str, tuple[str, str]], cache_dir: Path, policy: bool = False
) -> dict[str, list[Finding]]:
    """Lint ``{name: (template_text, region)}``; return ``{name: findings}`` in the same order."""
    markers = {name: cache_dir / cache_key(text, region, policy) for name, (text, region) in templates.items()}
    pending = {name: templates[name] for name, marker in markers.items() if not marker.exists()}
    workers = min(len(pending), os.cpu_count() or 1)
    if workers > 1:
        import cfnlint.api  # noqa: F401  # imported once here, inherited by the forked workers

        with ProcessPoolExecutor(workers, mp_context=_fork_context()) as pool:
            futures = {name: pool.submit(lint_text, text, region, policy) for name, (text, region) in pending.items()}
            found = {name: future.result() for name, future in futures.items()}
    else:
        found = {name: lint_text(text, region, policy) for name, (text, region) in pending.items()}
    for name, findings in found.items():
        if not findings:
            markers[name].parent.mkdir(parents=True, exist_ok=True)
            markers[name].touch()
    return {name: found.get(name, []) for name in templates}


def lint_text(text: str, region: str, policy: bool = False) -> list[Finding]:
    """Run cfn-lint (and the project's policy rules if ``policy``) over one template's text for one region."""
    from cfnlint.api import lint

    matches = once(lint(text, config=lint_settings(region, policy)))
    return sorted(
        (
            Finding(
                rule=m.rule.id,
                level=m.rule.severity,
                message=m.message,
                path="/".join(str(p) for p in m.path) if m.path else "",
                line=m.linenumber,
            )
            for m in matches
        ),
        key=lambda f: (f.line, f.rule, f.path, f.message),
    )


def once(matches: list) -> list:
    """cfn-lint matches without the ones another rule reports for the same resource (:data:`DUPLICATES`)."""

    def resource(m) -> tuple:
        return (getattr(m, "filename", None), tuple(str(p) for p in (m.path or [])[:2]))

    reported = {(m.rule.id, resource(m)) for m in matches}
    return [m for m in matches if (DUPLICATES.get(m.rule.id), resource(m)) not in reported]


def lint_settings(region: str, policy: bool = False) -> dict:
    """cfn-lint's settings (``ManualArgs``): the region, informational checks, and our rules if asked."""
    from generator.rules import MODULE

    settings = {"regions": [region], "include_checks": list(INCLUDE_CHECKS)}
    return {**settings, "append_rules": [MODULE]} if policy else settings


def cache_key(text: str, region: str, policy: bool = False) -> str:
    """What a clean lint depends on: the bytes, the region, cfn-lint's version, our settings and rules."""
    inputs = {
        "template": hashlib.sha256(text.encode()).hexdigest(),
        "region": region,
        "cfn-lint": version("cfn-lint"),
        "include_checks": INCLUDE_CHECKS,
        "policy": _policy_fingerprint() if policy else None,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _policy_fingerprint() -> str:
    """A hash of the policy rules' source: editing a rule invalidates the clean results it gave."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).parent / "rules").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _fork_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


FORMATS = ("text", "json", "sarif")


def lint_files(
    files: dict[Path, str], fmt: str = "text", sources: dict[Path, dict[str, list]] | None = None
) -> tuple[str, int]:
    """cfn-lint and the policy rules over template files ``{path: region}``, in one of cfn-lint's own
    output formats (``text``, ``json``, ``sarif`` for code-scanning pages); returns the report and
    the number of findings. Serial and uncached: it is for pipelines that want cfn-lint's formats.

    SARIF has one run per template, its category (``automationDetails.id``) the file's name, so a
    code-scanning page keeps each environment's findings apart; each result names, as related
    locations, the stack modules that build the resource (``sources``: path -> logical id ->
    ``[(module, line), ...]``, from :func:`generator.sources.sources`).
    """
    from cfnlint.config import ConfigMixIn
    from cfnlint.formatters import Formatter, JsonFormatter, SARIFFormatter
    from cfnlint.runner import Runner

    found, rules, config = [], None, None
    for path, region in files.items():
        config = ConfigMixIn(templates=[str(path)], **lint_settings(region, policy=True))
        runner = Runner(config)
        matches = sorted(once(list(runner.run())), key=lambda m: (m.linenumber, m.rule.id))
        found.append((path, matches))
        rules = runner.rules
    count = sum(len(matches) for _, matches in found)
    if fmt != "sarif":
        every = sorted(
            (m for _, matches in found for m in matches), key=lambda m: (m.filename, m.linenumber, m.rule.id)
        )
        formatter = {"text": Formatter, "json": JsonFormatter}[fmt]()
        return formatter.print_matches(every, rules, config) or "", count
    runs = []
    for path, matches in found:
        (run,) = json.loads(SARIFFormatter().print_matches(matches, rules, config))["runs"]
        run["automationDetails"] = {"id": f"iotstack-lint/{path.stem}/"}
        for match, result in zip(matches, run.get("results", []), strict=True):
            built = (sources or {}).get(path, {}).get(_logical_id(match.path), [])
            if built:
                result["relatedLocations"] = [
                    {"id": i, "message": {"text": f"built here ({module})"},
                     "physicalLocation": {"artifactLocation": {"uri": module}, "region": {"startLine": line}}}
                    for i, (module, line) in enumerate(built)
                ]  # fmt: skip
        runs.append(run)
    log = {"version": SARIFFormatter.version, "$schema": SARIFFormatter.schema, "runs": runs}
    return json.dumps(log, indent=2), count


def _logical_id(path) -> str:
    """The resource or output a match's path is in (``Resources/AuroraCluster/...``), "" otherwise."""
    parts = [str(p) for p in (path or [])]
    return parts[1] if len(parts) > 1 and parts[0] in ("Resources", "Outputs") else ""
