"""Rewrite the environment file reference in docs/configuration.md from generator/config/ (the settings schema).

The table sits between ``<!-- reference:start -->`` and ``<!-- reference:end -->``;
tests/test_config.py fails while it is out of date. Run: ``.venv/bin/python scripts/docs_reference.py``.
"""

import re
from pathlib import Path

from generator.config import reference_markdown

PAGE = Path(__file__).resolve().parent.parent / "docs" / "configuration.md"
BLOCK = re.compile(r"(<!-- reference:start -->\n).*?(<!-- reference:end -->)", re.DOTALL)

if __name__ == "__main__":
    text = PAGE.read_text(encoding="utf-8")
    PAGE.write_text(BLOCK.sub(lambda m: m[1] + reference_markdown() + m[2], text, count=1), encoding="utf-8")
