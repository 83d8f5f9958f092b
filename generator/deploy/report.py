"""What the deploy commands tell a person: the change table, the guard's refusal, why an operation
failed and what to do next, the stack's outputs and status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from generator.aws.views import ChangeSet, DriftInformation, Stack, StackEvent
from generator.config import Environment
from generator.console import table
from generator.deploy.changes import ALLOW_ALL_UPDATES, TEMPLATE_TAG, VERSION_TAG, Risk, lifted_for, stack_policy
from generator.deploy.events import Outcome
from generator.masking import masked


def change_table(change_set: ChangeSet) -> str:
    """The changes as a table: action, logical id, type, replacement, policy action, changed paths."""
    rows = [("action", "logical id", "type", "replacement", "policy", "changed")]
    rows += [(c.action, c.logical_id, c.resource_type, c.replacement or "-", c.policy_action or "-", ", ".join(c.paths))
             for c in change_set.changes]  # fmt: skip
    return table(rows)


def refusal(refused: Iterable[Risk]) -> str:
    """Why the stateful guard refused, who saw each risk, and the flags that would allow it."""
    refused = list(refused)
    lines = ["refused: this change would replace or remove stateful resources (their data would be lost):"]
    for risk in refused:
        what = "removed" if risk.removes else "replaced"
        lines.append(f"  {risk.logical_id} ({risk.resource_type}) would be {what}: " + "; ".join(risk.seen_by))
    allow = " ".join(f"--allow-replace {r.logical_id}" for r in refused)
    lines.append(f"If that is intended, deploy again with {allow}")
    return "\n".join(lines)


_NEXT_STEP = {
    "ROLLBACK_COMPLETE": "the new stack was rolled back and cannot be updated; fix the cause, then "
    "`iotstack {command} --env {env} --replace-failed-stack` deletes it and creates it again",
    "ROLLBACK_FAILED": "the rollback of the new stack failed too; fix the cause above, then "
    "`iotstack destroy --env {env}`",
    "UPDATE_ROLLBACK_COMPLETE": "the update was rolled back and the stack runs its previous template; "
    "fix the cause and deploy again",
    "UPDATE_ROLLBACK_FAILED": "the rollback failed too and the stack cannot be updated; `iotstack recover --env {env}` "
    "continues the rollback (add --skip LOGICAL_ID for a resource that cannot roll back)",
    "DELETE_FAILED": "some resources could not be deleted; fix the cause above, then `iotstack destroy --env {env}`",
}
_LOOK = "look at the stack's events with `iotstack status --env {env}` or in the CloudFormation console"

# Why a stack in this state takes no change set, and the command that gets it out.
STUCK = {
    "UPDATE_ROLLBACK_FAILED": "`iotstack recover --env {env}` continues the rollback first",
    "ROLLBACK_FAILED": "`iotstack destroy --env {env}` deletes it, then deploy again",
    "DELETE_FAILED": "`iotstack destroy --env {env}` finishes deleting it, then deploy again",
    "IMPORT_ROLLBACK_FAILED": "continue the rollback in the CloudFormation console first",
}


def failure_report(env: Environment, stack: str, command: str, operation: str, outcome: Outcome) -> str:
    """Why the operation failed (the root causes, not the cascade), where the stack is, what next
    (``command`` ships the stack: ``deploy``, or ``bootstrap``)."""
    lines = [f"{operation} of stack {stack} failed; the stack is {outcome.status}"]
    lines += [f"  {_cause(event)}" for event in outcome.root_causes]
    if not outcome.root_causes and outcome.reason:
        lines.append(f"  {outcome.reason}")  # a stack-level cause: an export in use, a stack policy, ...
    lines.append("next: " + _NEXT_STEP.get(outcome.status.name, _LOOK).format(env=env.name, command=command))
    return "\n".join(lines)


def _cause(event: StackEvent) -> str:
    return f"{event.logical_id} ({event.resource_type}) {event.status}: {event.reason or 'no reason given'}"


def outputs_table(stack: Stack) -> str:
    """The stack's outputs as a table; one named as a credential is masked (the outputs file has them all)."""
    rows = [(name, str(masked(name, value))) for name, value in stack.outputs.items()]
    return table([("output", "value"), *rows]) if rows else "(no outputs)"


def status_report(
    env: Environment,
    stack: Stack,
    template: str,
    local_sha: str | None,
    last: StackEvent | None,
    current: bool,
    policy: str | None = None,
) -> str:
    """``iotstack status``: what runs, and whether it is what ``template`` (the committed file) says;
    ``current`` says whether that file is what the code generates (else deploy would refuse it);
    ``policy`` is the stack policy's body (None: none)."""
    deployed = stack.tags.get(TEMPLATE_TAG)
    if not stack.status.running:
        verdict = f"not running: the stack is {stack.status}"
    elif deployed and deployed == local_sha and not current:
        verdict = (f"the same as {template}, which is not what the code generates now: `make template`, review and "
                   "commit it, then `iotstack deploy`")  # fmt: skip
    elif deployed and deployed == local_sha:
        verdict = f"the same as {template}"
    elif current:
        verdict = f"differs from {template} ({local_sha}): `iotstack deploy --env {env.name}` updates it"
    else:
        verdict = (f"differs from {template} ({local_sha or 'missing'}), which is not what the code generates: "
                   "`make template`, review and commit it, then `iotstack deploy`")  # fmt: skip
    when = f"{last.timestamp:%Y-%m-%d %H:%M:%S %Z} {last.status}".rstrip() if last else "unknown"
    reason = f" ({stack.reason})" if stack.reason else ""
    lines = [
        f"stack        {env.stack_name} in {env.region}",
        f"status       {stack.status}{reason}",
        f"deployed     iotstack {stack.tags.get(VERSION_TAG, 'unknown')}, template sha256 {deployed or 'unknown'}: "
        f"{verdict}",
        f"last change  {when}",
        f"termination  protection {'on' if stack.termination_protection else 'off'}",
        f"stack policy {_policy(policy, env, stack)}",
        f"drift        {_drift(env, stack.drift)}",
    ]
    return "\n".join(lines) + "\n" + outputs_table(stack)


def _policy(body: str | None, env: Environment, stack: Stack) -> str:
    """What the stack policy allows, in words; one lifted for a deploy that did not finish, with the fix."""
    if not body:
        return "none: every update is allowed"
    if body == stack_policy():
        return "denies replacing or deleting a stateful resource (--allow-replace lifts it for one deploy)"
    if body == ALLOW_ALL_UPDATES:
        return "allows every update (deploy.stack_policy = false)"
    lifted = ", ".join(lifted_for(body))
    if lifted and stack.status.busy:
        return f"LIFTED for {lifted} while the operation in progress runs (its deploy restores it when it ends)"
    if lifted:
        return (f"LIFTED for {lifted} by a deploy that did not finish (killed before it could restore it): "
                f"replacing them is allowed; `iotstack deploy --env {env.name}` restores it (with nothing to "
                "deploy, that is all it does)")  # fmt: skip
    return "set by someone else: not iotstack's (deploy sets its own)"


def _drift(env: Environment, drift: DriftInformation) -> str:
    """The last drift detection's verdict and when it was taken (DescribeStacks' DriftInformation)."""
    if not drift.checked:
        return f"never checked (`iotstack drift --env {env.name}` checks)"
    when = f"{drift.checked_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if drift.checked_at else "at an unknown time"
    return f"{drift.status} when last checked, {when} (`iotstack drift --env {env.name}` checks again)"
