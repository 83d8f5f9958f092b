"""The ``iotstack`` command: a thin layer that parses options and calls library functions.

Errors raised as :class:`~generator.errors.IotstackError` become one message on stderr and the
error's exit code here, in one place: 0 success, 1 failed (e.g. lint findings), 2 bad usage or
input (unknown environment, invalid environment file).
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from generator import __version__
from generator.errors import IotstackError, LintError
from generator.generate import INLINE_TEMPLATE_LIMIT, Generated, generate


class _Failure(click.ClickException):
    """An :class:`IotstackError` on its way out, with its exit code."""

    def __init__(self, error: IotstackError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except IotstackError as error:
            raise _Failure(error) from error


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iotstack")
def main() -> None:
    """iotstack: CloudFormation for the industrial-IoT data platform.

    \b
    Exit codes: 0 success, 1 failed (e.g. lint findings), 2 bad usage or input.
    """


@main.command()
@click.option("--env", "envs", multiple=True, metavar="NAME", help="Environment to build (repeatable; default: all).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("templates"),
              show_default=True, help="Folder the <env>.json files are written to.")  # fmt: skip
@click.option("--no-lint", is_flag=True, help="Skip cfn-lint (faster; for experiments, not for review).")
def template(envs: tuple[str, ...], out_dir: Path, no_lint: bool) -> None:
    """Generate, lint and write templates/<env>.json for each environment.

    Nothing is written unless every template is clean; each file is replaced atomically.
    """
    started = time.perf_counter()
    try:
        results = generate(envs, out_dir, lint=not no_lint)
    except LintError as error:
        click.echo(summary(error.results), err=True)
        raise
    click.echo(summary(results))
    changed = sum(r.file == "written" for r in results)
    click.echo(f"{len(results)} template(s), {changed} changed, in {time.perf_counter() - started:.2f} s")


def summary(results: list[Generated]) -> str:
    """A short table: one row per environment."""
    rows = [("environment", "resources", "bytes", f"inline (<= {INLINE_TEMPLATE_LIMIT:,} B)", "lint", "file")]
    for r in results:
        lint = "skipped" if r.findings is None else f"{len(r.findings)} finding(s)" if r.findings else "clean"
        fits = "yes" if r.size <= INLINE_TEMPLATE_LIMIT else "no: needs an S3 bucket"
        rows.append((r.env.name, str(r.resources), f"{r.size:,}", fits, lint, f"{r.path} ({r.file})"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {1, 2}
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )
