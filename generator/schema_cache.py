"""A lookup of something cfn-lint's resource schemas say about a type in a Region, kept on disk: the drift role's
read permissions (:mod:`generator.drift_role`) and the fleet execution role's handler permissions
(:mod:`generator.fleet.permissions`) each ask it for every type of a template, and a warm ``make template`` must not
import cfn-lint for them again."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

Lookup = Callable[[str, str], Any]  # (region, resource type) -> the answer, JSON data


def cached(cache: Path | None, stem: str, compute: Lookup) -> Lookup:
    """``compute`` (region, type) remembered in ``cache/<stem>-<cfn-lint version>-<region>.json`` (none without
    ``cache``): each answer computed once per cfn-lint version. A cache that cannot be read is computed anew, one
    that cannot be written is skipped, as the lint cache."""
    from importlib.metadata import version

    known: dict[str, dict[str, Any]] = {}

    def path(region: str) -> Path | None:
        return cache / f"{stem}-{version('cfn-lint')}-{region}.json" if cache else None

    def lookup(region: str, resource_type: str) -> Any:
        if region not in known:
            known[region] = {}
            if (file := path(region)) is not None:
                with contextlib.suppress(OSError, ValueError):
                    known[region] = json.loads(file.read_text(encoding="utf-8"))
        answers = known[region]
        if resource_type not in answers:
            answers[resource_type] = compute(region, resource_type)
            if (file := path(region)) is not None:
                from generator.files import WriteFailed, write_all

                with contextlib.suppress(WriteFailed):
                    write_all({file: json.dumps(answers, indent=1, sort_keys=True) + "\n"})
        return answers[resource_type]

    return lookup
