"""One deploy command's world, and what every command asks of it: the environment, the project, the
AWS gateway, the console, the options; and the confirmation that stops rather than hangs."""

from __future__ import annotations

from dataclasses import dataclass

from generator.aws.gateway import Cloud
from generator.config import Environment
from generator.console import Console
from generator.errors import IotstackError
from generator.workspace import Workspace


@dataclass(frozen=True)
class Waiting:
    """How long to follow an operation, and how often to look."""

    timeout_minutes: float
    poll_seconds: float = 5.0


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
class StackTarget:
    """The stack a command works on (``name``), and what the environment asks of it. (A fleet's stack set is
    :class:`generator.fleet.deploy.FleetDeployment`'s; where a plan's template goes is
    :class:`generator.review.model.Destination`.)"""

    name: str
    template: str  # templates/<template>.json is what it runs
    command: str  # the command that ships it, for the next steps a message names
    termination_protection: bool
    stack_policy: bool
    notification_arns: tuple[str, ...] = ()
    outputs: bool = True  # write its outputs to outputs/<template>.json

    @classmethod
    def of(cls, env: Environment) -> StackTarget:
        """The environment's own stack."""
        deploy = env.deploy
        return cls(env.stack_name, env.name, "deploy", deploy.termination_protection, deploy.stack_policy,
                   deploy.notification_arns)  # fmt: skip


@dataclass(frozen=True)
class Deployment:
    """One command's world: the environment, the project, the AWS gateway, the console, the options,
    and the stack it works on (the environment's own, unless told: the bootstrap stack)."""

    env: Environment
    workspace: Workspace
    cloud: Cloud
    console: Console
    options: Options = Options()
    target: StackTarget | None = None

    @property
    def stack(self) -> StackTarget:
        """The stack this command works on."""
        return self.target or StackTarget.of(self.env)

    @property
    def waiting(self) -> Waiting:
        return Waiting(self.options.timeout_minutes or self.env.deploy.timeout_minutes, self.options.poll_seconds)


def confirm(d: Deployment, question: str, verb: str = "deployed") -> None:
    """Go on with ``--yes`` or a yes on the terminal; stop with "not <verb>: declined" otherwise."""
    if not d.console.confirm(question, d.options.assume_yes):
        raise IotstackError(f"not {verb}: declined")
