"""``iotstack deploy``, ``execute``, ``status``, ``destroy`` and ``recover``.

The order of one deploy, each step refusing with a reason rather than going on half-way:

1. the gate (:mod:`generator.review.gate`): the committed ``templates/<env>.json`` is what the code
   generates now, lints clean and passes the policy rules, exactly as ``make check`` demands;
2. the stack must be ready: not busy (``--wait`` waits), not stuck (``ROLLBACK_COMPLETE`` is deleted
   only with ``--replace-failed-stack``; ``UPDATE_ROLLBACK_FAILED`` needs ``iotstack recover``);
3. a change set is made (CREATE for a new stack, UPDATE otherwise), named after the version and
   template hash, which the stack's tags carry too; one without changes means "nothing to do";
4. the changes are shown; the stateful guard (:func:`generator.deploy.changes.guard`) refuses
   (exit 3) to replace or remove a stateful resource unless each is named with ``--allow-replace``;
5. after confirmation the change set runs and is followed to the end (:func:`run_operation`); on
   success the outputs are written to ``outputs/<env>.json``.

What this run creates and does not run (the change set, and for a new stack the empty stack in
``REVIEW_IN_PROGRESS``) it deletes again, whatever stops it: a refusal, a decline, a timeout, an
AWS error or Ctrl-C (:class:`_Pending`). Every AWS call goes through :class:`generator.aws.gateway.Cloud`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from generator import cfn
from generator.aws.gateway import AwsError, Cloud, StackNotFound
from generator.aws.views import ChangeSet, Stack
from generator.config import Environment
from generator.console import Console
from generator.deploy import changes
from generator.deploy.operation import Waiting, run_operation
from generator.deploy.report import STUCK, change_table, outputs_table, refusal, status_report
from generator.errors import GuardRefusal, Interrupted, IotstackError, UsageError
from generator.render import write_atomic
from generator.review.gate import Committed, gate, sha
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


def deploy(d: Deployment) -> None:
    """Deploy the environment's committed template (see the module's docstring for the steps)."""
    env, cloud, console, options = d.env, d.cloud, d.console, d.options
    (committed,) = gate([env], d.workspace).values()
    if options.execute and not options.assume_yes and not console.interactive:
        raise UsageError("deploying needs a confirmation, and there is no terminal to ask on: pass --yes to "
                         "deploy without asking, or --no-execute to leave the change set for review")  # fmt: skip
    _check_size(d, committed)
    stack = _ready_stack(d)
    kind = "CREATE" if stack is None or stack.status.in_review else "UPDATE"
    name = changes.change_set_name(committed.sha)
    console.say(f"Creating change set {name} ({kind}) for stack {env.stack_name} in {env.region}")
    with _Pending(d, name, new_stack=stack is None) as pending:
        cloud.create_change_set(
            StackName=env.stack_name, ChangeSetName=name, ChangeSetType=kind,
            Capabilities=cfn.capabilities(committed.body), Tags=changes.stack_tags(committed.sha),
            Description=changes.description(committed.path.name, committed.sha), **_template_source(d, committed),
        )  # fmt: skip
        change_set = _computed(d, name)
        if change_set.empty:
            console.say(f"No changes: stack {env.stack_name} already runs {d.workspace.show(committed.path)} "
                        f"(sha256 {committed.sha}). The empty change set was deleted.")  # fmt: skip
        else:
            allowed = _review(d, change_set)
            if not options.execute:
                pending.keep()
                console.say(f"Change set {name} is ready for review; to run it:\n"
                            f"  iotstack execute --env {env.name} --change-set {name}")  # fmt: skip
                return
            _confirm(d, f"Execute {name} ({len(change_set.changes)} changes) on {env.stack_name}?")
            pending.keep()  # from here on it runs: AWS owns it
            _execute(d, change_set, allowed)
    _finish(d, change_set.stack_id)  # settings outside the template may have changed even with nothing to do


def execute(d: Deployment, name: str) -> None:
    """Run a change set left by ``deploy --no-execute``, if it is still the one to run."""
    env, cloud = d.env, d.cloud
    (committed,) = gate([env], d.workspace).values()
    if cloud.stack(env.stack_name) is None:
        raise UsageError(f"stack {env.stack_name} does not exist in {env.region}")
    try:
        change_set = cloud.change_set(env.stack_name, name)
    except AwsError as exc:
        if exc.code != "ChangeSetNotFound":
            raise
        raise UsageError(f"no change set {name} on stack {env.stack_name}: {exc}") from None
    if not change_set.executable:
        why = change_set.reason or change_set.status
        raise IotstackError(f"change set {name} is {change_set.execution_status} ({why}); only an AVAILABLE change "
                            "set can run: make a new one with `iotstack deploy`")  # fmt: skip
    if change_set.template_sha != committed.sha:
        raise IotstackError(f"change set {name} was made from template sha256 {change_set.template_sha}, but "
                            f"{d.workspace.show(committed.path)} is now sha256 {committed.sha}: make a new change set "
                            "with `iotstack deploy`")  # fmt: skip
    allowed = _review(d, change_set)
    _confirm(d, f"Execute {name} ({len(change_set.changes)} changes) on {env.stack_name}?")
    _execute(d, change_set, allowed)
    _finish(d, change_set.stack_id)


def status(d: Deployment, wait: bool = False) -> str:
    """What is deployed: status, version and template hash against the committed one, outputs.

    With ``wait``, an operation in progress is followed to its end first.
    """
    env, cloud = d.env, d.cloud
    stack = cloud.stack(env.stack_name)
    if stack is None:
        return f"Stack {env.stack_name} does not exist in {env.region}: not deployed."
    if wait and stack.status.in_progress and not stack.status.in_review:
        d.console.say(f"Stack {env.stack_name} is {stack.status}; following it to the end")
        run_operation(cloud, d.console, env, stack, "operation", None, lambda status: True, d.waiting)
        stack = cloud.stack(stack.id) or stack
    path = d.workspace.template(env.name)
    local = sha(path.read_text(encoding="utf-8", errors="replace")) if path.is_file() else None
    last = next((e for e in cloud.events(stack.id) if e.of_stack), None)
    return status_report(env, stack, d.workspace.show(path), local, last)


def destroy(d: Deployment) -> None:
    """Delete the stack after confirmation; refused while termination or deletion protection is on."""
    env, cloud, console = d.env, d.cloud, d.console
    stack = cloud.stack(env.stack_name)
    if stack is None:
        console.say(f"Stack {env.stack_name} does not exist in {env.region}: nothing to destroy.")
        return
    if stack.termination_protection:
        raise IotstackError(f"stack {env.stack_name} has termination protection on: set deploy.termination_protection"
                            f" = false in {env.name}.toml and deploy, then destroy")  # fmt: skip
    resources = cloud.template(stack.id).get("Resources", {})
    protected = sorted(i for i, r in resources.items() if r.get("Properties", {}).get("DeletionProtection") is True)
    if protected:
        raise IotstackError(f"{', '.join(protected)} of stack {env.stack_name} has deletion protection on: set "
                            f"it off in {env.name}.toml (aurora.deletion_protection = false), deploy, then destroy"
                            )  # fmt: skip
    kept = sorted(f"{i} ({r['DeletionPolicy']})" for i, r in resources.items()
                  if r.get("DeletionPolicy") in ("Retain", "Snapshot", "RetainExceptOnCreate"))  # fmt: skip
    if kept:
        console.say("Kept after the stack is deleted (their DeletionPolicy): " + ", ".join(kept))
    _confirm(d, f"Delete stack {env.stack_name} in {env.region} and its {len(resources)} resources?", "destroyed")
    run_operation(cloud, console, env, stack, "destroy", lambda: cloud.delete_stack(stack.id),
                  lambda status: status.deleted, d.waiting, len(resources))  # fmt: skip
    d.workspace.outputs(env.name).unlink(missing_ok=True)
    console.say(f"Stack {env.stack_name} deleted.")


def recover(d: Deployment, skip: tuple[str, ...] = ()) -> None:
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED, skipping ``skip`` if named."""
    env, cloud = d.env, d.cloud
    stack = cloud.stack(env.stack_name)
    if stack is None or not stack.status.rollback_failed:
        raise UsageError(f"recover continues a failed rollback; stack {env.stack_name} is "
                         f"{stack.status if stack else 'not deployed'}, not UPDATE_ROLLBACK_FAILED")  # fmt: skip
    run_operation(cloud, d.console, env, stack, "recover", lambda: cloud.continue_update_rollback(stack.id, skip),
                  lambda status: status.rolled_back, d.waiting)  # fmt: skip
    d.console.say(f"Stack {env.stack_name} rolled back to its last working template (UPDATE_ROLLBACK_COMPLETE); "
                  "fix the cause and deploy again.")  # fmt: skip


# --- the steps --------------------------------------------------------------------------------


class _Pending:
    """The change set this run made, and for a new stack the empty stack (``REVIEW_IN_PROGRESS``) it
    came with: deleted again when the block ends without :meth:`keep` (run, or left for review)."""

    def __init__(self, d: Deployment, name: str, new_stack: bool):
        self.d, self.name, self.new_stack, self.kept = d, name, new_stack, False

    def keep(self) -> None:
        self.kept = True

    def __enter__(self) -> _Pending:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if self.kept:
            return False
        cleaned = self._clean_up()
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise Interrupted(f"interrupted before anything ran: {cleaned}; nothing was deployed") from None
        if kind is not None and cleaned:
            self.d.console.say(f"Cleaned up: {cleaned}.")
        return False

    def _clean_up(self) -> str:
        env, cloud = self.d.env, self.d.cloud
        what = (f"the empty stack {env.stack_name} (REVIEW_IN_PROGRESS) and its change set {self.name} deleted"
                if self.new_stack else f"change set {self.name} deleted")  # fmt: skip
        try:
            if self.new_stack:
                cloud.delete_stack(env.stack_name)  # it holds no resources; its change sets go with it
            else:
                cloud.delete_change_set(env.stack_name, self.name)
        except StackNotFound:
            return "nothing to delete: the change set was never created"
        except (IotstackError, KeyboardInterrupt) as exc:
            if isinstance(exc, AwsError) and exc.code == "ChangeSetNotFound":
                return "nothing to delete: the change set was never created"
            left = f"stack {env.stack_name} (REVIEW_IN_PROGRESS)" if self.new_stack else f"change set {self.name}"
            return f"could NOT delete {left} ({exc or 'interrupted'}): delete it in the CloudFormation console"
        return what


def _confirm(d: Deployment, question: str, verb: str = "deployed") -> None:
    if not d.console.confirm(question, d.options.assume_yes):
        raise IotstackError(f"not {verb}: declined")


def _check_size(d: Deployment, committed: Committed) -> None:
    if committed.size > cfn.INLINE_TEMPLATE_LIMIT and not d.env.deploy.template_bucket:
        raise UsageError(f"{d.workspace.show(committed.path)} is {committed.size:,} bytes, over CloudFormation's "
                         f"{cfn.INLINE_TEMPLATE_LIMIT:,}-byte limit for a template sent inline: set "
                         f'deploy.template_bucket = "<bucket>" in {d.env.name}.toml to an S3 bucket in '
                         f"{d.env.region} that iotstack may write to")  # fmt: skip


def _template_source(d: Deployment, committed: Committed) -> dict:
    """``TemplateBody`` when the template fits inline, else ``TemplateURL`` after uploading it."""
    if committed.size <= cfn.INLINE_TEMPLATE_LIMIT:
        return {"TemplateBody": committed.text}
    key = f"iotstack/{d.env.stack_name}/{committed.sha}.json"
    bucket = d.env.deploy.template_bucket
    return {"TemplateURL": d.cloud.upload_template(bucket, key, committed.text.encode(), d.env.region)}


def _ready_stack(d: Deployment) -> Stack | None:
    """The stack if it can take a change set; None if it must be created. Refuse otherwise."""
    env, cloud, options = d.env, d.cloud, d.options
    stack = cloud.stack(env.stack_name)
    if stack is None:
        return None
    if stack.status.busy:
        if not options.wait_if_busy:
            raise IotstackError(f"stack {env.stack_name} is busy ({stack.status}): another operation is running, and "
                                "iotstack never interleaves. Try again when it ends, or pass --wait")  # fmt: skip
        d.console.say(f"Stack {env.stack_name} is {stack.status}; waiting for that operation to end")
        run_operation(cloud, d.console, env, stack, "operation", None, lambda status: True, d.waiting)
        return _ready_stack(d)
    if stack.status.failed_creation:
        if not options.replace_failed_stack:
            raise IotstackError(f"stack {env.stack_name} is ROLLBACK_COMPLETE: its creation failed and CloudFormation"
                                f" cannot update it. `iotstack deploy --env {env.name} --replace-failed-stack` deletes"
                                " it and creates it again")  # fmt: skip
        _confirm(d, f"Delete the failed stack {env.stack_name} (ROLLBACK_COMPLETE) and create it again?")
        run_operation(cloud, d.console, env, stack, "deleting the failed stack", lambda: cloud.delete_stack(stack.id),
                      lambda status: status.deleted, d.waiting)  # fmt: skip
        return None
    if stack.status.stuck:
        raise IotstackError(f"stack {env.stack_name} is {stack.status} and cannot be updated: "
                            + STUCK[stack.status.name].format(env=env.name))  # fmt: skip
    return stack


def _computed(d: Deployment, name: str) -> ChangeSet:
    """The change set once CloudFormation has worked it out (or found it empty)."""
    started = time.monotonic()
    while True:
        change_set = d.cloud.change_set(d.env.stack_name, name)
        if change_set.computed or change_set.empty:
            return change_set
        if change_set.failed:
            raise IotstackError(f"change set {name} failed: {change_set.reason}")
        waited = time.monotonic() - started
        if waited >= d.options.change_set_minutes * 60:
            raise IotstackError(f"change set {name} is still {change_set.status} after "
                                f"{d.options.change_set_minutes:g} min; iotstack stopped waiting for it")  # fmt: skip
        d.console.status(f"change set {change_set.status}  {waited:.0f}s")
        time.sleep(d.options.poll_seconds)


def _review(d: Deployment, change_set: ChangeSet) -> tuple[str, ...]:
    """Show the changes and apply the stateful guard; return the logical ids whose replacement is allowed."""
    d.console.say(change_table(change_set))
    verdict = changes.guard(change_set.changes, d.options.allow_replace)
    for unused in verdict.unused:
        d.console.say(f"note: --allow-replace {unused}: this change set does not replace or remove it")
    if verdict.refused:
        raise GuardRefusal(refusal(verdict.refused))
    return tuple(c.logical_id for c in verdict.allowed)


def _execute(d: Deployment, change_set: ChangeSet, allowed: tuple[str, ...]) -> None:
    """Run the change set and follow it to the end, the stack policy lifted for ``allowed`` meanwhile."""
    env, cloud, console = d.env, d.cloud, d.console
    stack = cloud.stack(change_set.stack_id)
    if stack is None:
        raise IotstackError(f"stack {env.stack_name} vanished before its change set {change_set.name} could run")
    lift = env.deploy.stack_policy and bool(allowed) and not stack.status.in_review
    if lift:
        cloud.set_stack_policy(stack.id, changes.stack_policy(allow=allowed))
        console.say(f"Stack policy lifted for this deploy only: {', '.join(sorted(allowed))}")
    try:
        outcome = run_operation(cloud, console, env, stack, "deploy",
                                lambda: cloud.execute_change_set(env.stack_name, change_set.name),
                                lambda status: status.deployed, d.waiting, len(change_set.changes))  # fmt: skip
    finally:
        if lift:
            _restore_policy(d, stack.id)
    console.say(f"Stack {env.stack_name} is {outcome.status}.")


def _restore_policy(d: Deployment, stack_id: str) -> None:
    try:
        d.cloud.set_stack_policy(stack_id, changes.stack_policy())
    except IotstackError as exc:
        raise IotstackError(f"the stack policy of {d.env.stack_name} was NOT restored ({exc}): it still allows the "
                            "replacement; deploy again (even with nothing to do, that restores it) or set it by hand"
                            ) from exc  # fmt: skip
    d.console.say("Stack policy restored")


def _finish(d: Deployment, stack_id: str) -> None:
    """Protection as the environment asks; the outputs printed and written to outputs/<env>.json."""
    stack = _protect(d, stack_id)
    d.console.say(outputs_table(stack))
    path = d.workspace.outputs(d.env.name)
    write_atomic(path, json.dumps(dict(stack.outputs), indent=2, sort_keys=True) + "\n")
    d.console.say(f"Outputs written to {d.workspace.show(path)}")


def _protect(d: Deployment, stack_id: str) -> Stack:
    """Set termination protection and the stack policy as the environment asks; return the stack."""
    env, cloud = d.env, d.cloud
    stack = cloud.stack(stack_id)
    if stack.termination_protection != env.deploy.termination_protection:
        cloud.set_termination_protection(stack_id, env.deploy.termination_protection)
    current = cloud.stack_policy(stack_id)
    if env.deploy.stack_policy and current != changes.stack_policy():
        cloud.set_stack_policy(stack_id, changes.stack_policy())
    elif not env.deploy.stack_policy and current:
        cloud.set_stack_policy(stack_id, changes.ALLOW_ALL_UPDATES)
    return cloud.stack(stack_id)
