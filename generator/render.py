"""Deterministic JSON and atomic writes.

Same code and configuration give the same bytes: keys sorted, two-space indentation, a trailing
newline, nothing that depends on time or the machine. Files are replaced atomically, so a reader
(or a failed run) never sees half a template.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from troposphere import Template


def render(template: Template) -> str:
    """The template as canonical JSON text."""
    return json.dumps(template.to_dict(), indent=2, sort_keys=True, ensure_ascii=True) + "\n"


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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
