"""Every path iotstack reads or writes, resolved from one place: the project root.

The root is the nearest directory, from the working directory upward, that holds the project's
``setup.cfg`` (one whose ``[metadata]`` names ``iotstack``), the way git finds its repository.
Every command behaves the same from any subdirectory of the project, and the same whether
iotstack is installed editable or not: environment files, templates, outputs and the cache are
the project's, never the installed package's. Outside a project, commands stop with exit 2.

::

    <root>/environments/<env>.toml     one environment each
    <root>/fleets/<fleet>.toml         one fleet each: an environment's stack at many sites
    <root>/templates/<env>.json, .md   generated, committed (--templates / --out point elsewhere);
                                       a fleet's are fleet-<fleet>.json, .md
    <root>/prices/<region>.json        AWS's prices this stack bills at, per Region (committed; `make prices`)
    <root>/outputs/<env>.json          the stack outputs after a deploy (git-ignored)
    <root>/.cache/iotstack/            the lint cache ($IOTSTACK_CACHE_DIR overrides)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UsageError

MARKER = "setup.cfg"
_NAMES_IOTSTACK = re.compile(r"^\s*name\s*=\s*iotstack\s*$", re.MULTILINE)


def find_root(start: Path | None = None) -> Path:
    """The nearest directory from ``start`` (default: the working directory) upward holding the
    project's ``setup.cfg``; :class:`UsageError` when there is none."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        marker = folder / MARKER
        try:
            if marker.is_file() and _NAMES_IOTSTACK.search(marker.read_text(encoding="utf-8", errors="replace")):
                return folder
        except OSError:
            continue  # unreadable: not ours
    raise UsageError(f"not inside an iotstack project: no {MARKER} naming iotstack in {here} or any folder above "
                     "it; run iotstack inside the project (the folder with setup.cfg, environments/, templates/)"
                     )  # fmt: skip


@dataclass(frozen=True)
class Workspace:
    """The project's folders; ``templates`` may be moved elsewhere (``--templates``, ``--out``: then
    ``given`` is true, and a failure to use it is bad usage)."""

    root: Path
    templates: Path
    given: bool = False

    @classmethod
    def find(cls, start: Path | None = None, templates: Path | None = None, existing: bool = False) -> Workspace:
        """The workspace of the project around ``start`` (default: the working directory). A ``templates``
        folder given must be usable: no file in its way, and where it is read (``existing``) there."""
        root = find_root(start)
        if templates is None:
            return cls(root, root / "templates")
        workspace = cls(root, templates.resolve(), given=True)
        workspace.usable_folder(workspace.templates, f"the templates folder {templates}")
        if existing and not workspace.templates.is_dir():
            raise UsageError(f"the templates folder {templates} does not exist (the project's is "
                             f"{workspace.show(root / 'templates')})")  # fmt: skip
        return workspace

    @property
    def environments(self) -> Path:
        return self.root / "environments"

    @property
    def fleets(self) -> Path:
        return self.root / "fleets"

    @property
    def prices(self) -> Path:
        """``prices/``: a price snapshot per Region (``prices/<region>.json``, :mod:`generator.cost.snapshot`)."""
        return self.root / "prices"

    def template(self, env: str) -> Path:
        """``templates/<env>.json``: the template of one environment."""
        return self.templates / f"{env}.json"

    def picture(self, env: str) -> Path:
        """``templates/<env>.md``: its picture."""
        return self.templates / f"{env}.md"

    def outputs(self, env: str) -> Path:
        """``outputs/<env>.json``: the deployed stack's outputs."""
        return self.root / "outputs" / f"{env}.json"

    @property
    def cache(self) -> Path | None:
        """The lint cache: ``$IOTSTACK_CACHE_DIR/lint`` (one that cannot be a folder is bad usage), else
        ``<root>/.cache/iotstack/lint``; None when the project's own cannot be one (a file in its way):
        the cache is skipped, as one that cannot be written is."""
        given = os.environ.get("IOTSTACK_CACHE_DIR")
        folder = Path(given or self.root / ".cache" / "iotstack") / "lint"
        if given:
            self.usable_folder(folder, f"IOTSTACK_CACHE_DIR={given}")
            return folder
        return self._own(folder, "the lint cache")

    @property
    def durations(self) -> Path | None:
        """``<root>/.cache/iotstack/durations``: what this project's stack operations measured, one file per
        region (:mod:`generator.review.durations`); the project's own, as its stacks are. None when a file
        is in its way."""
        return self._own(self.root / ".cache" / "iotstack" / "durations", "the durations cache")

    def _own(self, folder: Path, what: str) -> Path | None:
        try:
            self.usable_folder(folder, what)
        except UsageError:
            return None
        return folder

    def usable_folder(self, folder: Path, what: str) -> None:
        """Refuse (exit 2) before any work when ``folder`` cannot be a folder: it, or a folder above it,
        is a file. Whatever is missing is created when written."""
        for existing in (folder, *folder.parents):
            if existing.exists() or existing.is_symlink():
                if not existing.is_dir():
                    raise UsageError(f"{what}: {self.show(existing)} is a file, not a folder; move it away or point "
                                     "iotstack elsewhere")  # fmt: skip
                return

    @property
    def scanners(self) -> Path:
        """Where checkov and cfripper are installed (``make scan`` creates it)."""
        return self.root / ".venv-scan" / "bin"

    @property
    def cfripper_filters(self) -> Path:
        return self.root / "scanners" / "cfripper_filters"

    def show(self, path: Path) -> str:
        """``path`` as messages print it: relative to the root when inside the project."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)
