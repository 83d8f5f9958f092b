"""The stack around a change set: ready to take one (not busy, not stuck), and afterwards protected
as the environment asks, with its outputs written to ``outputs/<env>.json``."""

from __future__ import annotations

import json

from generator.aws.views import Stack
from generator.bootstrap import NAME as BOOTSTRAP_NAME
from generator.deploy import changes
from generator.deploy.context import Deployment, confirm
from generator.deploy.operation import run_operation
from generator.deploy.report import STUCK, outputs_table
from generator.errors import Interrupted, IotstackError, OutputsNotWritten, UsageError
from generator.files import write_all


def settled(d: Deployment) -> Stack | None:
    """The stack once no operation runs on it (None: there is none); busy, it is refused, or with
    ``--wait`` followed until that operation ends. Every command that changes a stack asks this first:
    iotstack never interleaves with another operation."""
    cloud = d.cloud
    stack = cloud.stack(d.stack.name)
    if stack is not None:
        mine(d, stack)
    while stack is not None and stack.status.busy:
        if not d.options.wait_if_busy:
            raise IotstackError(f"stack {d.stack.name} is busy ({stack.status}): another operation is running, and "
                                "iotstack never interleaves. Try again when it ends, or pass --wait")  # fmt: skip
        d.console.say(f"Stack {d.stack.name} is {stack.status}; waiting for that operation to end")
        run_operation(d, stack, "operation", None, lambda status: True)
        stack = cloud.stack(d.stack.name)
    return stack


def mine(d: Deployment, stack: Stack) -> None:
    """Refuse (exit 2) a stack that iotstack's own marks say is another environment's, or the bootstrap
    stack: an environment file that names it (deploy.stack_name) would otherwise change or delete it."""
    owner = changes.owner_of(stack)
    if owner is None or owner == d.stack.template:
        return
    whose = "the bootstrap stack (iotstack bootstrap)" if owner == BOOTSTRAP_NAME else f"environment {owner}"
    where = "deploy.stack_name" if d.env.deploy.stack_name else "its default stack name"
    raise UsageError(f"refused: stack {d.stack.name} in {d.env.region} belongs to {whose} (its tag {changes.OWNER_TAG}"
                     f" or outputs say so), not to {d.stack.template}: {d.env.name}.toml's {where} names another's "
                     "stack, which iotstack never changes; name a stack of its own")  # fmt: skip


def ready_stack(d: Deployment) -> Stack | None:
    """The stack if it can take a change set; None if it must be created. Refuse otherwise."""
    env, cloud, options = d.env, d.cloud, d.options
    stack = settled(d)
    if stack is None:
        return None
    if stack.status.failed_creation:
        if not options.replace_failed_stack:
            again = f"iotstack {d.stack.command} --env {env.name} --replace-failed-stack"
            raise IotstackError(f"stack {d.stack.name} is ROLLBACK_COMPLETE: its creation failed and CloudFormation"
                                f" cannot update it. `{again}` deletes it and creates it again")  # fmt: skip
        confirm(d, f"Delete the failed stack {d.stack.name} (ROLLBACK_COMPLETE) and create it again?")
        run_operation(d, stack, "deleting the failed stack", lambda: cloud.delete_stack(stack.id),
                      lambda status: status.deleted)  # fmt: skip
        return None
    if stack.status.stuck:
        raise IotstackError(f"stack {d.stack.name} is {stack.status} and cannot be updated: "
                            + STUCK[stack.status.name].format(env=env.name))  # fmt: skip
    return stack


def finish(d: Deployment, stack_id: str) -> Stack | None:
    """After a deploy that succeeded (or had nothing to do): the outputs written to outputs/<env>.json
    first, so that nothing local can come before them; then protection as the environment asks; then
    the outputs shown. An outputs file that cannot be written is :class:`OutputsNotWritten` (exit 4):
    deployed, and the one line says so, with the path and the command that writes them again; a
    protection that cannot be set as well is exit 1, with both lines."""
    try:
        stack = d.cloud.stack(stack_id)
        unwritten = write_outputs(d, stack)
        try:
            stack = protect(d, stack)
        except IotstackError as exc:
            unprotected = (f"stack {d.stack.name} is {stack.status}, but its protection could not be set as "
                           f"{d.env.name}.toml asks: {exc}. `iotstack {d.stack.command} --env {d.env.name}` sets it "
                           "again (with nothing to deploy, that is all it does)")  # fmt: skip
            raise IotstackError("\n".join([unprotected, *([unwritten] if unwritten else [])])) from None
    except KeyboardInterrupt as stop:  # the deploy is done: say so, and what is left to do
        raise Interrupted(f"{{stopped}} after stack {d.stack.name} was deployed, before its outputs and protection "
                          f"were seen to: `iotstack status --env {d.env.name}` writes the outputs, `iotstack "
                          f"{d.stack.command} --env {d.env.name}` sets the protection (with nothing to deploy, that is "
                          "all it does)", by=stop) from None  # fmt: skip
    d.console.say(outputs_table(stack))
    if unwritten:
        raise OutputsNotWritten(unwritten)
    return stack


def write_outputs(d: Deployment, stack: Stack) -> str | None:
    """The stack's outputs to outputs/<env>.json (when it is deployed and its target keeps them); what went
    wrong, in one line, if they could not be written."""
    if not d.stack.outputs or not stack.status.running:
        return None
    path = d.workspace.outputs(d.stack.template)
    try:
        changed = write_all({path: json.dumps(dict(stack.outputs), indent=2, sort_keys=True) + "\n"},
                            d.workspace.show)  # fmt: skip
    except IotstackError as exc:
        return (f"stack {d.stack.name} is {stack.status}, but its outputs were NOT written: {exc}. Once "
                f"{d.workspace.show(path)} can be written, `iotstack status --env {d.env.name}` writes them"
                )  # fmt: skip
    if changed[path]:
        d.console.say(f"Outputs written to {d.workspace.show(path)}")
    return None


def protect(d: Deployment, stack: Stack) -> Stack:
    """Set termination protection and the stack policy as the environment asks; return the stack."""
    cloud, stack_id = d.cloud, stack.id
    if stack.termination_protection != d.stack.termination_protection:
        cloud.set_termination_protection(stack_id, d.stack.termination_protection)
    current = cloud.stack_policy(stack_id)
    if d.stack.stack_policy and current != changes.stack_policy():
        cloud.set_stack_policy(stack_id, changes.stack_policy())
    elif not d.stack.stack_policy and current:
        cloud.set_stack_policy(stack_id, changes.ALLOW_ALL_UPDATES)
    return cloud.stack(stack_id)
