"""The environment file reference: the settings table docs/configuration.md carries, made from the schema.

tests/test_config.py fails when docs/configuration.md's copy differs; scripts/docs_reference.py rewrites it.
"""

from __future__ import annotations

import dataclasses

from generator.config.load import _show, field_types  # values shown as the loader's messages show them
from generator.config.settings import Environment


def reference_markdown() -> str:
    """The environment file reference, as the Markdown table docs/configuration.md carries."""
    rows = ["| key | default | allowed | meaning |", "| --- | --- | --- | --- |"]

    def walk(cls: type, prefix: str) -> None:
        hints = field_types(cls)
        for f in dataclasses.fields(cls):
            if f.metadata.get("derived"):
                continue
            if dataclasses.is_dataclass(hints[f.name]):
                walk(hints[f.name], f"{prefix}{f.name}.")
                continue
            default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
            allowed = "; ".join(c.allowed for c in f.metadata["checks"]) or ("true, false" if
                                                                            hints[f.name] is bool else "")  # fmt: skip
            rows.append(f"| `{prefix}{f.name}` | `{_show(default)}` | {allowed} | {f.metadata['doc']} |")

    walk(Environment, "")
    return "\n".join(rows) + "\n"
