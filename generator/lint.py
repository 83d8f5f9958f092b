"""cfn-lint, in process, in parallel, with a cache of clean results.

cfn-lint is the slow part of ``make template``: about 1.6 s for the three templates here, most of
it importing cfn-lint and loading its schemas, against 8 ms to generate them. Templates are
linted in worker processes, one per core, and a template whose bytes, region, cfn-lint version
and settings are those of an earlier clean lint is not linted again: the cache
(``.cache/iotstack/lint``, git-ignored; ``$IOTSTACK_CACHE_DIR/lint`` when that is set) holds one
empty file per clean result. Only clean results are cached, so a finding is always shown again.
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


def lint_templates(templates: dict[str, tuple[str, str]], cache_dir: Path) -> dict[str, list[Finding]]:
    """Lint ``{name: (template_text, region)}``; return ``{name: findings}`` in the same order."""
    markers = {name: cache_dir / cache_key(text, region) for name, (text, region) in templates.items()}
    pending = {name: templates[name] for name, marker in markers.items() if not marker.exists()}
    workers = min(len(pending), os.cpu_count() or 1)
    if workers > 1:
        import cfnlint.api  # noqa: F401  # imported once here, inherited by the forked workers

        with ProcessPoolExecutor(workers, mp_context=_fork_context()) as pool:
            futures = {name: pool.submit(lint_text, text, region) for name, (text, region) in pending.items()}
            found = {name: future.result() for name, future in futures.items()}
    else:
        found = {name: lint_text(text, region) for name, (text, region) in pending.items()}
    for name, findings in found.items():
        if not findings:
            markers[name].parent.mkdir(parents=True, exist_ok=True)
            markers[name].touch()
    return {name: found.get(name, []) for name in templates}


def lint_text(text: str, region: str) -> list[Finding]:
    """Run cfn-lint over one template's text for one region."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(text, config=ManualArgs(regions=[region], include_checks=list(INCLUDE_CHECKS)))
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


def cache_key(text: str, region: str) -> str:
    """What a clean lint depends on: the bytes, the region, cfn-lint's version and our settings."""
    inputs = {
        "template": hashlib.sha256(text.encode()).hexdigest(),
        "region": region,
        "cfn-lint": version("cfn-lint"),
        "include_checks": INCLUDE_CHECKS,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _fork_context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)
