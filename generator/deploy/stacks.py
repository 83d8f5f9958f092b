"""The stack around a change set: ready to take one (not busy, not stuck), and afterwards protected
as the environment asks, with its outputs written to ``outputs/<env>.json``."""

from __future__ import annotations

import json

from generator.aws.views import Stack
from generator.deploy import changes
from generator.deploy.context import Deployment, confirm
from generator.deploy.operation import run_operation
from generator.deploy.report import STUCK, outputs_table
from generator.errors import IotstackError
from generator.render import write_atomic


def settled(d: Deployment) -> Stack | None:
    """The stack once no operation runs on it (None: there is none); busy, it is refused, or with
    ``--wait`` followed until that operation ends. Every command that changes a stack asks this first:
    iotstack never interleaves with another operation."""
    cloud = d.cloud
    stack = cloud.stack(d.stack.stack)
    while stack is not None and stack.status.busy:
        if not d.options.wait_if_busy:
            raise IotstackError(f"stack {d.stack.stack} is busy ({stack.status}): another operation is running, and "
                                "iotstack never interleaves. Try again when it ends, or pass --wait")  # fmt: skip
        d.console.say(f"Stack {d.stack.stack} is {stack.status}; waiting for that operation to end")
        run_operation(d, stack, "operation", None, lambda status: True)
        stack = cloud.stack(d.stack.stack)
    return stack


def ready_stack(d: Deployment) -> Stack | None:
    """The stack if it can take a change set; None if it must be created. Refuse otherwise."""
    env, cloud, options = d.env, d.cloud, d.options
    stack = settled(d)
    if stack is None:
        return None
    if stack.status.failed_creation:
        if not options.replace_failed_stack:
            again = f"iotstack {d.stack.command} --env {env.name} --replace-failed-stack"
            raise IotstackError(f"stack {d.stack.stack} is ROLLBACK_COMPLETE: its creation failed and CloudFormation"
                                f" cannot update it. `{again}` deletes it and creates it again")  # fmt: skip
        confirm(d, f"Delete the failed stack {d.stack.stack} (ROLLBACK_COMPLETE) and create it again?")
        run_operation(d, stack, "deleting the failed stack", lambda: cloud.delete_stack(stack.id),
                      lambda status: status.deleted)  # fmt: skip
        return None
    if stack.status.stuck:
        raise IotstackError(f"stack {d.stack.stack} is {stack.status} and cannot be updated: "
                            + STUCK[stack.status.name].format(env=env.name))  # fmt: skip
    return stack


def finish(d: Deployment, stack_id: str) -> None:
    """Protection as the environment asks; the outputs printed and written to outputs/<env>.json."""
    stack = protect(d, stack_id)
    d.console.say(outputs_table(stack))
    if not d.stack.outputs:
        return
    path = d.workspace.outputs(d.stack.template)
    write_atomic(path, json.dumps(dict(stack.outputs), indent=2, sort_keys=True) + "\n")
    d.console.say(f"Outputs written to {d.workspace.show(path)}")


def protect(d: Deployment, stack_id: str) -> Stack:
    """Set termination protection and the stack policy as the environment asks; return the stack."""
    cloud = d.cloud
    stack = cloud.stack(stack_id)
    if stack.termination_protection != d.stack.termination_protection:
        cloud.set_termination_protection(stack_id, d.stack.termination_protection)
    current = cloud.stack_policy(stack_id)
    if d.stack.stack_policy and current != changes.stack_policy():
        cloud.set_stack_policy(stack_id, changes.stack_policy())
    elif not d.stack.stack_policy and current:
        cloud.set_stack_policy(stack_id, changes.ALLOW_ALL_UPDATES)
    return cloud.stack(stack_id)
