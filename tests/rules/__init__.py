"""One test file per policy rule: the generated template, good cases and bad cases each."""

from __future__ import annotations

import copy
from collections.abc import Callable

from cfnlint.template import Template

from tests.conftest import build, environment

_DEV = build(environment("dev"))
# Every default: alerting, rotation and kept data (removal_policy "snapshot"), as staging and prod have them.
_PROTECTED = build(environment("prod"))


def dev_template(change: Callable[[dict], object] | None = None) -> dict:
    """A copy of dev's generated template (as JSON data), changed by ``change(resources)``."""
    template = copy.deepcopy(_DEV)
    if change:
        change(template["Resources"])
    return template


def protected_template(change: Callable[[dict], object] | None = None) -> dict:
    """A copy of the template of an environment with every default (alerting, rotation, data kept), changed by
    ``change(resources)``."""
    template = copy.deepcopy(_PROTECTED)
    if change:
        change(template["Resources"])
    return template


def findings(rule: type, template: dict) -> list[str]:
    """``path: message`` for each match of ``rule`` in ``template``, run directly (no cfn-lint pass)."""
    return [f"{'/'.join(map(str, m.path))}: {m.message}" for m in rule().match(Template("", template, ["sa-east-1"]))]
