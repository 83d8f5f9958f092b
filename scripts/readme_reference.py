"""Rewrite the environment file reference in README.md from generator/config/ (the settings schema).

The table sits between ``<!-- reference:start -->`` and ``<!-- reference:end -->``;
tests/test_config.py fails while it is out of date. Run: ``.venv/bin/python scripts/readme_reference.py``.
"""

import re
from pathlib import Path

from generator.config import reference_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- reference:start -->\n).*?(<!-- reference:end -->)", re.DOTALL)

if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    README.write_text(BLOCK.sub(lambda m: m[1] + reference_markdown() + m[2], text, count=1), encoding="utf-8")
