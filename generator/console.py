"""What iotstack prints and asks, on a terminal or in a CI log.

Every line goes out through :func:`echo`: credentials inside URLs are masked
(:func:`generator.masking.masked_text`), and a closed standard output (``iotstack deploy | head``)
never stops or fails the work: a report nobody reads any more ends quietly, and the deploy commands'
lines (:class:`Console`) go on to stderr.

On a terminal that takes escape codes (:func:`styled`: not piped, no ``NO_COLOR``, not
``TERM=dumb``) a live status line (resources done, elapsed time) sits under the event lines and
tables are coloured; questions are asked wherever stdin is a terminal; elsewhere nothing is ever
asked, so a pipeline without ``--yes`` stops with a message instead of hanging on a prompt.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from generator.errors import Stopped, UsageError
from generator.masking import masked_text

_closed: object = None  # the stdout whose reader was found gone (a test runner swaps in a new one per run)


def _stdout_closed() -> bool:
    return _closed is sys.stdout


def styled() -> bool:
    """Whether stdout is a terminal that takes escape codes (colour, a status line redrawn in place)."""
    term = os.environ.get("TERM", "")
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR") and term != "dumb"


def echo(text: str = "", err: bool = False, nl: bool = True, color: bool | None = None, reroute: bool = False) -> None:
    """Print ``text`` (credentials in URLs masked). When stdout's reader is gone, nothing more goes
    there; with ``reroute`` the line goes to stderr instead (a deploy's progress must not vanish)."""
    global _closed
    text = masked_text(text)
    if not err and _stdout_closed():
        if reroute:
            _write(text, True, nl, color)
        return
    try:
        _write(text, err, nl, color)
    except BrokenPipeError:
        if err:
            return  # nowhere left to say anything
        _closed = sys.stdout
        _silence_stdout()
        if reroute:
            _write("(stdout is closed: the rest of this run's lines go to stderr)", True, True, None)
            _write(text, True, nl, color)


def _write(text: str, err: bool, nl: bool, color: bool | None) -> None:
    try:
        click.echo(text, err=err, nl=nl, color=color)
    except BrokenPipeError:
        if err:  # stderr gone too: say nothing, lose nothing else
            return
        raise


def _silence_stdout() -> None:
    """Point the closed stdout at /dev/null: Python flushes it again when it exits, and would complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): nothing to flush
        pass


class Console:
    """Lines out, confirmations in; ``live`` and ``interactive`` say what the terminal allows."""

    def __init__(self, live: bool | None = None, interactive: bool | None = None):
        self.live = styled() if live is None else live
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self._status = False

    def say(self, text: str = "", err: bool = False) -> None:
        """Print one line (over the status line, which is then drawn again by the next status)."""
        self._clear()
        echo(text, err=err, reroute=True)

    def status(self, text: str) -> None:
        """Show ``text`` as the live status line; nothing when the output is not a terminal."""
        if self.live and not _stdout_closed():
            self._clear()
            echo(text, nl=False)
            self._status = not _stdout_closed()

    def done(self) -> None:
        """Remove the status line."""
        self._clear()

    def _clear(self) -> None:
        if self._status:
            echo("\r\x1b[K", nl=False, color=True)  # live means a terminal: keep the escape
            self._status = False

    def confirm(self, question: str, assume_yes: bool) -> bool:
        """True with ``--yes``; ask on a terminal; refuse, never hang, without one."""
        if assume_yes:
            return True
        if not self.interactive:
            raise UsageError(f"{question} needs a confirmation, and there is no terminal to ask on: "
                             "pass --yes to go ahead without asking")  # fmt: skip
        self.done()
        try:
            return click.confirm(masked_text(question), default=False)
        except click.Abort as abort:  # click's answer to Ctrl-C, SIGTERM, SIGHUP (or end of input) at the prompt
            signal = abort.__context__
            raise signal if isinstance(signal, Stopped) else KeyboardInterrupt() from None


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Rows as aligned columns (the first row is the header); columns in ``right`` align right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ).rstrip()
        for row in rows
    )
