"""Every file iotstack writes goes through :func:`write_all`: all of a run's files, or none of them
(and the one it removes, the outputs of a destroyed stack, through :func:`remove`).

Templates and pictures (``iotstack template``), the stack outputs (``deploy``, ``status``) and the
lint cache's markers all are written here, in two steps:

1. **prepare**: each file whose bytes change is written whole to a temporary file beside it
   (``.<name>.<random>.tmp``, created exclusively, so that no leftover and no other run can collide
   with it), and the file it replaces is kept as a hard link (``.<name>.<random>.old``);
2. **move into place**: only once every file is prepared, each temporary file is renamed over its
   target (atomic: a reader sees the old bytes or the new ones, never half).

A failure at any point (a folder that cannot be made, a file that cannot be written or replaced, a
full disk, Ctrl-C, SIGTERM) removes the temporary files, puts back every file already moved and
removes the folders the run created, so the previous files stay as they were; :class:`WriteFailed`
names the path and why. An unchanged file is not touched (its mtime stays); a replaced one keeps
its mode, a new one gets the umask's. A symbolic link where a file goes is refused, never written
through (it could point at any file). Leftovers of a run that was killed
(``.<name>.*.tmp`` or ``.old`` older than :data:`LEFTOVER_SECONDS`) are removed when that file is
written again.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path

from generator.errors import IotstackError, UsageError, signals_held

# A run prepares and moves its files within milliseconds; anything this old beside a target is a
# leftover of a run that was killed (SIGKILL, a power cut), never a run in progress.
LEFTOVER_SECONDS = 600


class WriteFailed(IotstackError):
    """A file could not be written; nothing of the run was (exit 1)."""


class UnusablePath(UsageError):
    """A path the user gave (``--out``, ``--templates``) cannot be written to (exit 2)."""


def write_all(files: Mapping[Path, str], shown=str, given: bool = False) -> dict[Path, bool]:
    """Write every ``{path: text}`` or none; return ``{path: changed}``. ``shown`` prints a path in a
    message; ``given`` says the paths are the user's own (a failure is then bad usage, exit 2)."""
    wanted = {path: text.encode("utf-8") for path, text in files.items()}
    changed = {path: _differs(path, data) for path, data in wanted.items()}
    prepared: list[tuple[Path, Path, Path | None]] = []  # (target, temporary file, link to the old file)
    made: list[Path] = []  # the folders this run created, to remove again if it fails
    current = None
    _sweep([path for path in wanted if changed[path]])
    try:
        for path, data in wanted.items():
            if changed[path]:
                current = path
                _not_a_link(path)
                made += _folders(path.parent)
                prepared.append(_prepare(path, data))
        for target, temporary, _ in prepared:
            current = target
            os.replace(temporary, target)  # a signal before it or after it: _undo sees which by the temporary
    except BaseException as failure:
        with signals_held():  # a second Ctrl-C or SIGTERM waits until every file is back
            _undo(prepared, made)
        if isinstance(failure, OSError):
            error = UnusablePath if given else WriteFailed
            raise error(f"cannot write {shown(current)}: {_reason(failure)}; nothing was written (the files of this "
                        "run are as they were)") from None  # fmt: skip
        raise
    for _, _, old in prepared:
        _remove(old)
    return changed


def remove(path: Path, shown=str) -> None:
    """Remove the file ``path`` (nothing when it is not there); :class:`WriteFailed` naming it when it
    cannot be (a folder in the way, a read-only folder)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise WriteFailed(f"cannot remove {shown(path)}: {_reason(exc)}") from None


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except FileNotFoundError:
        return True
    except IsADirectoryError:
        return True  # a folder in the way: the move says so
    except OSError:
        return True  # unreadable: write it, and let that say what is wrong


def _folders(folder: Path) -> list[Path]:
    """Create ``folder`` and what is missing above it; return what was created, deepest last."""
    missing = [f for f in (folder, *folder.parents) if not f.exists()][::-1]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _not_a_link(path: Path) -> None:
    """Refuse to write where a symbolic link stands: written through, it could change any file it points
    to (an environment file, a file outside the project); replaced, the link would be lost."""
    if path.is_symlink():
        raise OSError(errno.ELOOP, f"it is a symbolic link (to {os.readlink(path)}): iotstack writes regular files "
                                   "only; remove the link")  # fmt: skip


def _prepare(path: Path, data: bytes) -> tuple[Path, Path, Path | None]:
    """The temporary file with ``data`` beside ``path``, and a hard link keeping the file it replaces."""
    temporary = _exclusive(path, ".tmp")  # the mode the umask gives a new file
    try:
        with open(temporary, "wb") as f:
            f.write(data)
        with suppress(FileNotFoundError):
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))  # a file replaced keeps its mode
        if path.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        old = _kept(path) if path.exists() else None
    except BaseException:
        _remove(temporary)
        raise
    return path, temporary, old


def _kept(path: Path) -> Path:
    """The file ``path`` holds now, kept beside it to be put back: a hard link, else a copy."""
    try:
        old = path.with_name(f".{path.name}.{os.urandom(6).hex()}.old")
        os.link(path, old)
        return old
    except OSError:  # no hard links here (or an immutable file, which the move will refuse anyway)
        old = _exclusive(path, ".old")
        try:
            old.write_bytes(path.read_bytes())
        except BaseException:
            _remove(old)
            raise
        return old


def _exclusive(path: Path, suffix: str) -> Path:
    """A new, empty file beside ``path`` that no one else has: a random name, created exclusively."""
    while True:
        candidate = path.with_name(f".{path.name}.{os.urandom(6).hex()}{suffix}")
        try:
            os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return candidate


def _undo(prepared: list[tuple[Path, Path, Path | None]], made: list[Path]) -> None:
    """Put back every file already moved (its old bytes, or nothing where there was none: a moved one's
    temporary file is gone), remove the temporary files, then the folders this run created."""
    for target, temporary, old in reversed(prepared):
        try:
            if temporary.exists():  # not moved
                temporary.unlink()
            elif old is not None:
                os.replace(old, target)
            else:
                target.unlink(missing_ok=True)
        except OSError:
            pass  # the best that can be done; the message names the file that failed
        _remove(old)
    for folder in reversed(made):
        with suppress(OSError):
            folder.rmdir()  # only if empty: never what someone else put there meanwhile


def _sweep(paths: list[Path]) -> None:
    """Remove what a killed run left beside ``paths`` (``.<name>.<random>.tmp`` or ``.old``, old enough
    never to be a run in progress): one look at each folder."""
    limit = time.time() - LEFTOVER_SECONDS
    by_folder: dict[Path, set[str]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, set()).add(path.name)
    for folder, names in by_folder.items():
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # not there yet: nothing left in it
        for entry in entries:
            stem = entry.name.rsplit(".", 2)[0][1:] if entry.name.startswith(".") else ""
            if stem in names and entry.name.endswith((".tmp", ".old")):
                with suppress(OSError):
                    if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                        os.unlink(entry.path)


def _remove(path: Path | None) -> None:
    if path is not None:
        with suppress(OSError):
            path.unlink(missing_ok=True)


def _reason(error: OSError) -> str:
    """What the system said, without the path (the message names it already)."""
    return f"{error.strerror or error}" + (" (a folder is in the way)" if isinstance(error, IsADirectoryError) else "")
