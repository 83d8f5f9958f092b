"""Deterministic JSON and atomic writes.

Same code and configuration give the same bytes: keys sorted, two-space indentation, a trailing
newline, nothing that depends on time or the machine. Files are replaced atomically, so a reader
(or a failed run) never sees half a template.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from troposphere import Template

_quote = json.encoder.encode_basestring_ascii  # json's own string writer, in C


def render(template: Template | dict) -> str:
    """The template (or its data, ``Template.to_dict()``) as canonical JSON text: the bytes of
    ``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)``, written by :func:`_pretty`,
    which takes half the time (the json module writes indented text in pure Python, a generator per
    value). Anything but JSON's own types falls back to ``json.dumps`` itself."""
    data = template if isinstance(template, dict) else template.to_dict()
    out: list[str] = []
    try:
        _pretty(data, "\n", out)
    except TypeError:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
    out.append("\n")
    return "".join(out)


def _pretty(value: object, newline: str, out: list[str]) -> None:
    """Append ``value`` as ``json.dumps(..., indent=2, sort_keys=True)`` writes it; ``newline`` is the
    line break and indentation of the value's own level."""
    if isinstance(value, str):
        out.append(_quote(value))
    elif value is True or value is False or value is None:
        out.append("true" if value is True else "false" if value is False else "null")
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
        out.append(float.__repr__(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key in sorted(value):
            if not isinstance(key, str):
                raise TypeError(key)
            out.append(separator + _quote(key) + ": ")
            _pretty(value[key], inner, out)
            separator = "," + inner
        out.append(newline + "}")
    elif isinstance(value, list):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            out.append(separator)
            _pretty(item, inner, out)
            separator = "," + inner
        out.append(newline + "]")
    else:
        raise TypeError(type(value).__name__)


def write_atomic(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename.

    Returns whether the file changed; an unchanged file is not touched (its mtime stays).
    """
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # A name no one else writes: this process's id, created exclusively (tempfile would do the same,
    # at the price of importing random, shutil and three compression modules on the fast path).
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True
