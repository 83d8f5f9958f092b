"""Which stack module builds each resource and output: a finding in ``templates/<env>.json`` points
back at the code to change.

The template is built once more with ``Template.add_resource`` and ``add_output`` wrapped: each call
records the ``generator/stack`` frames on the call stack, innermost first (``logs.py`` where a log
group is made, then ``aurora.py`` that asked for it). Recording the call itself, not searching the
source for logical-id strings, also finds ids built from variables (``f"{logical}KeyAlias"``), and
the templates are untouched: nothing is added to the resources.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from unittest import mock

from troposphere import Template

from generator.config import Environment
from generator.stack import build_template

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "generator" / "stack"


def sources(env: Environment) -> dict[str, list[tuple[str, int]]]:
    """``{logical id or output name: [(module path from the project root, line), ...]}``, innermost first."""
    found: dict[str, list[tuple[str, int]]] = {}

    def recording(original):
        def add(self, item):
            added = original(self, item)
            for one in item if isinstance(item, list) else [item]:
                found[one.title] = _frames()
            return added

        return add

    with (
        mock.patch.object(Template, "add_resource", recording(Template.add_resource)),
        mock.patch.object(Template, "add_output", recording(Template.add_output)),
    ):
        build_template(env)
    return found


def _frames() -> list[tuple[str, int]]:
    """The stack modules on the call stack (not ``build_template`` itself), innermost first, one per module."""
    frames, seen = [], set()
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if path.parent == STACK and path.name != "__init__.py" and path not in seen:
            seen.add(path)
            frames.append((path.relative_to(ROOT).as_posix(), frame.lineno or 0))
    return frames
