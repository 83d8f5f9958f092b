"""The project's own exceptions; the CLI turns them into a message and an exit code in one place."""

from __future__ import annotations


class IotstackError(Exception):
    """Base class: a failure the user can act on, reported without a traceback."""

    exit_code = 1


class UsageError(IotstackError):
    """Bad input: an unknown environment, a bad option, an invalid environment file."""

    exit_code = 2


class ConfigError(UsageError):
    """An environment file is invalid; ``problems`` holds one line per problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        super().__init__(f"invalid environment configuration ({count}):\n" + "\n".join(f"  {p}" for p in problems))


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


class Interrupted(IotstackError):
    """Ctrl-C: the message says what was cleaned up, or what AWS carries on with."""

    exit_code = 130  # the shell's convention for a process ended by SIGINT


class ScanError(IotstackError):
    """A security scanner found unsuppressed problems, or could not run."""
