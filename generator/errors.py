"""The project's own exceptions; the CLI turns them into a message and an exit code in one place.

Every way out takes the same path: an error raises one of these, Ctrl-C raises ``KeyboardInterrupt``
and SIGTERM or SIGHUP raise :class:`Stopped` (a ``KeyboardInterrupt`` too, see
:func:`signals_raised`), so the code that cleans up after itself (``try/finally``, a context manager)
runs whichever it is, and the exit code says which (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

# What a file nested deeper than Python's parsers go is, in every message that meets one.
TOO_DEEP = "nested too deeply to read"


class IotstackError(Exception):
    """Base class: a failure the user can act on, reported without a traceback."""

    exit_code = 1


class UsageError(IotstackError):
    """Bad input: an unknown environment, a bad option, an invalid environment file."""

    exit_code = 2


class ConfigError(UsageError):
    """An environment or fleet file is invalid; ``problems`` holds one line per problem found, each naming its
    file."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"invalid configuration ({count}):\n" + "\n".join(f"  {p}" for p in problems))


class LintError(IotstackError):
    """cfn-lint found problems in a generated template; nothing was written.

    ``results`` carries what was generated, so that the caller can still show its summary.
    """

    def __init__(self, message: str, results: list | None = None):
        super().__init__(message)
        self.results = results or []


class GateFailed(IotstackError):
    """A committed template may not go on: stale or missing (exit 2, bad input), or with lint or
    policy findings (exit 1). ``check`` reports its own exit code (1) for both."""

    def __init__(self, message: str, stale: bool):
        super().__init__(message)
        self.exit_code = 2 if stale else 1


class GuardRefusal(IotstackError):
    """A change would replace or remove a stateful resource that nobody allowed with --allow-replace."""

    exit_code = 3


class OutputsNotWritten(IotstackError):
    """The stack deployed, but its outputs file could not be written (a local failure after AWS's success)."""

    exit_code = 4


class Unreachable(IotstackError):
    """No answer from AWS (no connection, or it dropped): whether a request that changes something took
    effect is unknown."""


class ScanError(IotstackError):
    """A security scanner found unsuppressed problems, or could not run."""


# --- signals: one way out --------------------------------------------------------------------------

# How a message names each signal that stops a run, and the exit code is 128 + its number (the shell's
# convention for a process ended by a signal).
_SIGNALS = {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)",
            signal.SIGHUP: "hung up (SIGHUP)"}  # fmt: skip


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (what a CI runner sends on cancel, what a closed terminal sends), raised where
    the program is, as Python raises ``KeyboardInterrupt`` for Ctrl-C: so every ``except
    KeyboardInterrupt`` and ``finally`` treats the three alike."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum

    def __str__(self) -> str:
        return signal_name(self)


def signal_of(interruption: BaseException | None) -> int:
    """The signal behind a ``KeyboardInterrupt`` (SIGINT unless it is a :class:`Stopped`)."""
    return getattr(interruption, "signum", signal.SIGINT)


def signal_name(interruption: BaseException | None) -> str:
    """``Ctrl-C``, ``SIGTERM`` or ``SIGHUP``: the signal behind a ``KeyboardInterrupt``, as a person says it."""
    signum = signal_of(interruption)
    return "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name


class Interrupted(IotstackError):
    """A run stopped by a signal (``by``: the ``KeyboardInterrupt`` or :class:`Stopped` caught); the
    message says what was cleaned up, or what AWS carries on with.

    ``{stopped}`` in ``message`` is replaced by the words that name the signal (``interrupted
    (Ctrl-C)``, ``terminated (SIGTERM)``); without it they lead: ``terminated (SIGTERM): <message>``.
    """

    def __init__(self, message: str, by: BaseException | None = None):
        signum = signal_of(by)
        stopped = _SIGNALS.get(signum, f"stopped by signal {signum}")
        super().__init__(message.replace("{stopped}", stopped) if "{stopped}" in message else f"{stopped}: {message}")
        self.exit_code = 128 + signum


@contextmanager
def signals_raised() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Stopped` like Ctrl-C raises ``KeyboardInterrupt``
    (Python's default for them ends the process on the spot, skipping every cleanup); the previous
    handlers come back after. Only the main thread may set handlers: elsewhere this does nothing."""

    def stop(signum: int, frame) -> None:
        raise Stopped(signum)

    previous = {}
    try:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, stop)
    except ValueError:  # not the main thread
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# The signals that stop a run: what a terminal (Ctrl-C, a closed window) or a CI runner sends, often to
# the whole process group.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


@contextmanager
def signals_held() -> Iterator[None]:
    """While inside, the stop signals wait (and are delivered after): for what must not be cut in two,
    such as putting files back or forking workers. Where there are no thread signal masks, a no-op."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    except (AttributeError, ValueError, OSError):
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def leave_signals_to_parent() -> None:
    """In a worker forked under :func:`signals_held`: ignore Ctrl-C and die quietly of SIGTERM and SIGHUP,
    so that only the parent takes the one way out; then let the signals in."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
