"""One deploy command's world, and what every command asks of it: the environment, the project, the
AWS gateway, the console, the options; and the confirmation that stops rather than hangs."""

from __future__ import annotations

from dataclasses import dataclass

from generator.aws.gateway import Cloud
from generator.config import Environment
from generator.console import Console
from generator.deploy.operation import Waiting
from generator.errors import IotstackError
from generator.workspace import Workspace


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    assume_yes: bool = False
    execute: bool = True
    allow_replace: tuple[str, ...] = ()
    replace_failed_stack: bool = False
    wait_if_busy: bool = False
    timeout_minutes: float | None = None  # None: the environment's deploy.timeout_minutes
    poll_seconds: float = 5.0
    change_set_minutes: float = 10  # CloudFormation computes a change set in seconds to a few minutes


@dataclass(frozen=True)
class Deployment:
    """One command's world: the environment, the project, the AWS gateway, the console, the options."""

    env: Environment
    workspace: Workspace
    cloud: Cloud
    console: Console
    options: Options = Options()

    @property
    def waiting(self) -> Waiting:
        return Waiting(self.options.timeout_minutes or self.env.deploy.timeout_minutes, self.options.poll_seconds)


def confirm(d: Deployment, question: str, verb: str = "deployed") -> None:
    """Go on with ``--yes`` or a yes on the terminal; stop with "not <verb>: declined" otherwise."""
    if not d.console.confirm(question, d.options.assume_yes):
        raise IotstackError(f"not {verb}: declined")
