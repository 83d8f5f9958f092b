"""The hostile table: what a user, a shell, a file system, a network or a CI runner can do to iotstack,
one row per case: the exact command, the exit code, the one line expected, and what must hold after
(nothing half written, nothing left in AWS, no secret printed, never a traceback).

- ``test_input.py``: files, settings and git, offline (the AWS endpoint is a closed port, or a Stubber);
- ``test_aws.py``: through the local emulator and the fault proxy (errors, lost answers, pages);
- ``test_signals.py``: a real ``iotstack`` process, stopped by SIGTERM, SIGHUP or Ctrl-C, or with its
  stdout closed, or on a terminal (a pty);
- ``test_secrets.py``: every command's output, grepped for the secrets planted around it.

Exit codes: 0 success, 1 a failed operation, 2 bad usage, input or credentials, 3 refused by the
stateful guard, 4 deployed but the outputs not written, 128 + the signal's number when stopped by
one; the plan-style ``diff`` and ``drift`` exit 1 for every error (their 2 means changes or drift).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A password planted in a URL in the cases that carry one: never in any output.
PLANTED = "S3cretPa55"


@dataclass(frozen=True)
class Case:
    """One row: set up, run ``command``, expect ``exit_code`` and ``line``, then check ``after``."""

    setup: Callable[..., object]  # (project, monkeypatch, request) -> anything ``after`` needs
    command: tuple[str, ...]
    exit_code: int
    line: str  # a line of the output, word for word; "…" stands for anything (a name made of the time, a path)
    after: Callable[..., None] | None = None  # (project, what setup returned, output) -> None, asserting


def expect(output: str, exit_code: int, case: Case, exception: BaseException | None = None) -> None:
    """What every row asserts about a command's output and exit code; ``exception`` is what an
    in-process run ended with (click's runner keeps a traceback there, not in the output): nothing but
    the exit."""
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    assert exit_code == case.exit_code, output
    pattern = ".*".join(re.escape(part) for part in case.line.split("…"))
    assert re.search(pattern, output), output
    assert "Traceback" not in output, output
    assert PLANTED not in output, output


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) by its path, as a hash of its bytes."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip
