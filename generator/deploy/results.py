"""What a deploy command did, as data: the commands return it and the CLI prints its closing words, in the manner
of the AWS CDK's deployment result. A stack's is :class:`StackResult`; a fleet's stack set's is
:class:`generator.fleet.deploy.FleetResult`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from generator.deploy.events import Outcome

# What happened to the stack.
NO_CHANGES = "no changes"  # the template already runs: an empty change set, deleted
READY = "change set ready"  # deploy --no-execute: left for review
DEPLOYED = "deployed"  # a change set ran to its end
DESTROYED = "destroyed"
ABSENT = "absent"  # destroy: there was no stack
ROLLED_BACK = "rolled back"  # recover: the failed rollback continued to its end


@dataclass(frozen=True)
class StackResult:
    """One stack command's result: which command, which stack where, what happened, and the words that close it."""

    command: str  # deploy, execute, bootstrap, destroy, recover
    stack: str
    region: str
    action: str  # one of the constants above
    message: str = ""  # what the CLI prints last ("" when the operation's own output said it all)
    change_set: str = ""
    outputs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    outcome: Outcome | None = None  # how the stack operation ended, when one ran
