"""The schema's building blocks: a setting, a section of settings, and a check on a value.

A settings dataclass declares each field with :func:`setting` (default, one line of
documentation, checks) or :func:`section` (a nested dataclass). The loader and the
reference table of docs/configuration.md read that metadata back with ``dataclasses.fields``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Check:
    """A check on one setting's value: what it allows, in words, and the test itself.

    ``allowed`` is the reference table's "allowed" text. ``test`` returns what is wrong with a value
    (``"must be 24..8760"``) or None when the value is allowed; calling the check runs it.
    """

    allowed: str
    test: Callable[[Any], str | None]

    def __call__(self, value: Any) -> str | None:
        """What is wrong with ``value``, or None when it is allowed."""
        return self.test(value)


def setting(default: Any, doc: str, *checks: Check) -> Any:
    """A configuration field: its default, one line of documentation and its checks."""
    if isinstance(default, (list, dict)):
        raise TypeError("settings are frozen: give a tuple, not a list or dict, as the default")
    return field(default=default, metadata={"doc": doc, "checks": checks})


def section(cls: type, doc: str) -> Any:
    """A nested table of settings, defaulting to all of its own defaults."""
    return field(default_factory=cls, metadata={"doc": doc, "checks": ()})
