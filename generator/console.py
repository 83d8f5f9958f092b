"""What the deploy commands print and ask, on a terminal or in a CI log.

On a terminal a live status line (resources done, elapsed time) sits under the event lines and
questions are asked; elsewhere every line is plain and nothing is ever asked, so a pipeline
without ``--yes`` stops with a message instead of hanging on a prompt.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from generator.errors import UsageError


class Console:
    """Lines out, confirmations in; ``live`` and ``interactive`` say what the terminal allows."""

    def __init__(self, live: bool | None = None, interactive: bool | None = None):
        self.live = sys.stdout.isatty() if live is None else live
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self._status = False

    def say(self, text: str = "", err: bool = False) -> None:
        """Print one line (over the status line, which is then drawn again by the next status)."""
        self._clear()
        click.echo(text, err=err)

    def status(self, text: str) -> None:
        """Show ``text`` as the live status line; nothing when the output is not a terminal."""
        if self.live:
            self._clear()
            click.echo(text, nl=False)
            self._status = True

    def done(self) -> None:
        """Remove the status line."""
        self._clear()

    def _clear(self) -> None:
        if self._status:
            click.echo("\r\x1b[K", nl=False, color=True)  # live means a terminal: keep the escape
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
            return click.confirm(question, default=False)
        except click.Abort:  # click's answer to Ctrl-C (or end of input) at the prompt
            raise KeyboardInterrupt from None


def table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Rows as aligned columns (the first row is the header); columns in ``right`` align right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=False))
        ).rstrip()
        for row in rows
    )
