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

The steps live in :mod:`.change_sets` (making, reviewing and running a change set, and cleaning up
what a run made and did not run) and :mod:`.stacks` (a stack ready for one, and protected after).
Every AWS call goes through :class:`generator.aws.gateway.Cloud`.
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from generator import cfn
from generator.aws.gateway import AwsError
from generator.bootstrap import NAME as BOOTSTRAP_NAME
from generator.bootstrap import STACK as BOOTSTRAP_STACK
from generator.bootstrap.artifacts import Store
from generator.deploy import changes
from generator.deploy.change_sets import (
    NoBootstrap,
    Pending,
    computed,
    execute_change_set,
    review,
    same_template,
    template_source,
    template_store,
)
from generator.deploy.context import Deployment, Options, StackTarget, confirm
from generator.deploy.events import Outcome
from generator.deploy.operation import learn, run_operation
from generator.deploy.report import status_report
from generator.deploy.results import ABSENT, DEPLOYED, DESTROYED, NO_CHANGES, READY, ROLLED_BACK, StackResult
from generator.deploy.stacks import finish, ready_stack, settled, write_outputs
from generator.errors import IotstackError, UsageError
from generator.files import WriteFailed, remove
from generator.generate import build, build_bootstrap
from generator.review.durations import Durations, History
from generator.review.forecast import forecast
from generator.review.gate import Committed, gate, sha

__all__ = ["Deployment", "Options", "bootstrap", "deploy", "destroy", "execute", "recover", "status"]

# The bootstrap stack: always protected from deletion; no stack policy (its bucket is kept anyway).
BOOTSTRAP = StackTarget(BOOTSTRAP_STACK, BOOTSTRAP_NAME, "bootstrap", termination_protection=True, stack_policy=False,
                   outputs=False)  # fmt: skip


def deploy(d: Deployment) -> StackResult:
    """Deploy the environment's committed template (see the module's docstring for the steps)."""
    (committed,) = gate([build(d.env, d.workspace)], d.workspace).values()
    return ship(d, committed)


def bootstrap(d: Deployment) -> StackResult:
    """Create or update the bootstrap stack (the artifact bucket) of the environment's account and
    region, from the committed ``templates/bootstrap.json``, exactly as ``deploy`` ships a template."""
    d = replace(d, target=BOOTSTRAP)
    (committed,) = gate([build_bootstrap(d.workspace, [d.env.region])], d.workspace).values()
    return ship(d, committed)


def ship(d: Deployment, committed: Committed) -> StackResult:
    """Take a committed template that passed the gate to ``d``'s stack through a change set."""
    env, cloud, console, options = d.env, d.cloud, d.console, d.options
    if options.execute and not options.assume_yes and not console.interactive:
        raise UsageError("deploying needs a confirmation, and there is no terminal to ask on: pass --yes to "
                         "deploy without asking, or --no-execute to leave the change set for review")  # fmt: skip
    if d.stack.outputs:
        d.workspace.usable_folder(
            d.workspace.outputs(d.stack.template).parent, "the stack outputs (outputs/<env>.json)"
        )
    store = _store_or_bootstrap(d, committed)
    stack = ready_stack(d)
    kind = "CREATE" if stack is None or stack.status.in_review else "UPDATE"
    name = changes.change_set_name(committed.sha)
    topics = changes.notification_arns(stack.notification_arns if stack else (), d.stack.notification_arns)
    source = template_source(d, committed, store)  # uploaded before anything is created
    console.say(f"Creating change set {name} ({kind}) for stack {d.stack.name} in {env.region}")
    outcome, said = None, ""  # of the change set's run, when it ran; what an empty one says
    with Pending(d, name, new_stack=stack is None) as pending:
        stack_id = cloud.create_change_set(
            StackName=d.stack.name, ChangeSetName=name, ChangeSetType=kind,
            Capabilities=cfn.capabilities(committed.body),
            Tags=changes.stack_tags(committed.sha, d.stack.template, stack.tags if stack else None),
            NotificationARNs=topics,
            Description=changes.description(committed.path.name, committed.sha), **source,
        )  # fmt: skip
        pending.made(stack_id)
        change_set = computed(d, name)
        if change_set.empty:
            said = (f"No changes: stack {d.stack.name} already runs {d.workspace.show(committed.path)} "
                    f"(sha256 {committed.sha}); its empty change set is deleted.")  # fmt: skip
        else:
            if "TemplateURL" in source:
                same_template(d, name, committed)
            reviewed = review(d, change_set, stack, committed)
            if not options.execute:
                pending.keep()
                return _result(d, READY, f"Change set {name} is ready for review; to run it:\n"
                                         f"  iotstack execute --env {env.name} --change-set {name}", name)  # fmt: skip
            confirm(d, f"Execute {name} ({len(change_set.changes)} changes) on {d.stack.name}?")
            outcome = execute_change_set(d, change_set, reviewed, pending)  # kept once AWS takes it to run
    if outcome is None:
        console.say(said)  # before the outputs that finish shows
    deployed = finish(d, change_set.stack_id)  # settings outside the template may change even with nothing to do
    if outcome is not None:
        learn(d, outcome)
    return _result(d, DEPLOYED if outcome else NO_CHANGES, "", name, deployed.outputs if deployed else {}, outcome)


def _result(d: Deployment, action: str, message: str, change_set: str = "", outputs=None,
            outcome: Outcome | None = None) -> StackResult:  # fmt: skip
    return StackResult(d.stack.command, d.stack.name, d.env.region, action, message, change_set,
                       MappingProxyType(dict(outputs or {})), outcome)  # fmt: skip


def _store_or_bootstrap(d: Deployment, committed: Committed) -> Store | None:
    """Where the template goes; with no bootstrap stack, offer to make it on a terminal (never in CI)."""
    try:
        return template_store(d, committed)
    except NoBootstrap:
        question = (f"There is no bootstrap stack in {d.env.region}: create {BOOTSTRAP.name} now (an encrypted "
                    "S3 bucket for templates over the inline limit)?")  # fmt: skip
        if not d.console.interactive or not d.console.confirm(question, assume_yes=False):
            raise
    bootstrap(replace(d, options=replace(d.options, execute=True)))
    return template_store(d, committed)


def execute(d: Deployment, name: str) -> StackResult:
    """Run a change set left by ``deploy --no-execute``, if it is still the one to run."""
    env, cloud = d.env, d.cloud
    (committed,) = gate([build(env, d.workspace)], d.workspace).values()
    stack = settled(d)  # not while another operation runs on it
    if stack is None:
        raise UsageError(f"stack {d.stack.name} does not exist in {env.region}")
    try:
        change_set = cloud.change_set(d.stack.name, name)
    except AwsError as exc:
        if exc.code != "ChangeSetNotFound":
            raise
        raise UsageError(f"no change set {name} on stack {d.stack.name}: {exc}") from None
    if not change_set.executable:
        why = change_set.reason or change_set.status
        raise IotstackError(f"change set {name} is {change_set.execution_status} ({why}); only an AVAILABLE change "
                            "set can run: make a new one with `iotstack deploy`")  # fmt: skip
    if change_set.template_sha != committed.sha:
        raise IotstackError(f"change set {name} was made from template sha256 {change_set.template_sha}, but "
                            f"{d.workspace.show(committed.path)} is now sha256 {committed.sha}: make a new change set "
                            "with `iotstack deploy`")  # fmt: skip
    same_template(d, name, committed)  # the description says so; the template itself must say it too
    reviewed = review(d, change_set, stack, committed)
    confirm(d, f"Execute {name} ({len(change_set.changes)} changes) on {d.stack.name}?")
    outcome = execute_change_set(d, change_set, reviewed)
    deployed = finish(d, change_set.stack_id)
    learn(d, outcome)
    return replace(_result(d, DEPLOYED, "", name, deployed.outputs if deployed else {}, outcome), command="execute")


def status(d: Deployment, wait: bool = False) -> str:
    """What is deployed: status, version and template hash against the committed one, outputs.

    With ``wait``, an operation in progress is followed to its end first.
    """
    env, cloud = d.env, d.cloud
    stack = cloud.stack(d.stack.name)
    if stack is None:
        return f"Stack {d.stack.name} does not exist in {env.region}: not deployed."
    if wait and stack.status.in_progress and not stack.status.in_review:
        d.console.say(f"Stack {d.stack.name} is {stack.status}; following it to the end")
        run_operation(d, stack, "operation", None, lambda status: True)
        stack = cloud.stack(stack.id) or stack
    path = d.workspace.template(d.stack.template)
    try:
        text: str | None = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # missing, or a folder in the way: the verdict says "missing"
        text = None
    current = text == build(env, d.workspace).text  # else deploy would refuse it: say what will work
    last = next((e for e in cloud.events(stack.id) if e.of_stack), None)
    unwritten = write_outputs(d, stack)  # what a deploy could not write, written again
    report = status_report(env, stack, d.workspace.show(path), sha(text) if text else None, last, current,
                           cloud.stack_policy(stack.id))  # fmt: skip
    return report + (f"\nWarning: {unwritten}" if unwritten else "")


def destroy(d: Deployment) -> StackResult:
    """Delete the stack after confirmation; refused while termination or deletion protection is on."""
    env, cloud, console = d.env, d.cloud, d.console
    stack = settled(d)
    if stack is None:
        return replace(_result(d, ABSENT, f"Stack {d.stack.name} does not exist in {env.region}: nothing to destroy."),
                       command="destroy")  # fmt: skip
    if stack.termination_protection:
        raise IotstackError(f"stack {d.stack.name} has termination protection on: set deploy.termination_protection"
                            f" = false in {env.name}.toml and deploy, then destroy")  # fmt: skip
    deployed = cloud.template(stack.id)
    resources = deployed.get("Resources", {})
    protected = sorted(i for i, r in resources.items() if r.get("Properties", {}).get("DeletionProtection") is True)
    if protected:
        raise IotstackError(f"{', '.join(protected)} of stack {d.stack.name} has deletion protection on: set "
                            f"it off in {env.name}.toml (aurora.deletion_protection = false), deploy, then destroy"
                            )  # fmt: skip
    kept = sorted(f"{i} ({r['DeletionPolicy']})" for i, r in resources.items()
                  if r.get("DeletionPolicy") in ("Retain", "Snapshot", "RetainExceptOnCreate"))  # fmt: skip
    if kept:
        console.say("Kept after the stack is deleted (their DeletionPolicy): " + ", ".join(kept))
    expected = forecast(deployed, {}, dict.fromkeys(resources, "remove"),
                        Durations(History.load(d.workspace.durations, env.region)))  # fmt: skip
    console.say("Forecast: " + "; ".join([expected.summary(), *expected.left_out]))
    confirm(d, f"Delete stack {d.stack.name} in {env.region} and its {len(resources)} resources?", "destroyed")
    outcome = run_operation(d, stack, "destroy", lambda: cloud.delete_stack(stack.id),
                            lambda status: status.deleted, len(resources), expected)  # fmt: skip
    console.say(f"Stack {d.stack.name} deleted.")
    try:
        remove(d.workspace.outputs(d.stack.template), d.workspace.show)
    except WriteFailed as exc:
        console.say(f"Warning: the deleted stack's outputs stay: {exc}; remove them by hand", err=True)
    learn(d, outcome)
    return replace(_result(d, DESTROYED, "", outcome=outcome), command="destroy")


def recover(d: Deployment, skip: tuple[str, ...] = ()) -> StackResult:
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED, skipping ``skip`` if named."""
    cloud = d.cloud
    stack = settled(d)
    if stack is None or not stack.status.rollback_failed:
        raise UsageError(f"recover continues a failed rollback; stack {d.stack.name} is "
                         f"{stack.status if stack else 'not deployed'}, not UPDATE_ROLLBACK_FAILED")  # fmt: skip
    outcome = run_operation(d, stack, "recover", lambda: cloud.continue_update_rollback(stack.id, skip),
                            lambda status: status.rolled_back)  # fmt: skip
    said = (f"Stack {d.stack.name} rolled back to its last working template (UPDATE_ROLLBACK_COMPLETE); fix the cause "
            "and deploy again.")  # fmt: skip
    return replace(_result(d, ROLLED_BACK, said, outcome=outcome), command="recover")
