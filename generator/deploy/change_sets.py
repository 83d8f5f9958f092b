"""A change set from creation to execution: the template sent inline or by URL, waiting until
CloudFormation has worked it out, the review and the stateful guard, and the run with the stack
policy lifted for what was allowed.

What a run creates and does not run (the change set, and for a new stack the empty stack in
``REVIEW_IN_PROGRESS``) it deletes again, whatever stops it (:class:`Pending`): a refusal, a
decline, a timeout, an error answer to any call (ExecuteChangeSet's too), Ctrl-C, SIGTERM or SIGHUP.
A stack policy lifted for the run is restored on the same ways out (:func:`execute_change_set`).
"""

from __future__ import annotations

import time
from typing import NamedTuple

from generator import cfn
from generator.aws.errors import AwsError
from generator.aws.views import ChangeSet, Stack
from generator.bootstrap import STACK as BOOTSTRAP_STACK
from generator.bootstrap.artifacts import Store, bootstrap_store, upload
from generator.deploy import changes
from generator.deploy.context import Deployment
from generator.deploy.events import Outcome
from generator.deploy.operation import run_operation
from generator.deploy.report import change_table, refusal
from generator.errors import GuardRefusal, Interrupted, IotstackError, UsageError, signal_name
from generator.review.durations import Durations, History
from generator.review.forecast import Forecast, forecast
from generator.review.gate import Committed
from generator.review.plan import YES, plan


class Pending:
    """The change set this run made, and for a new stack the empty stack (``REVIEW_IN_PROGRESS``) it
    came with: deleted again when the block ends without :meth:`keep`, whatever ends it (an error
    answer to any call, a refusal, a decline, a timeout, Ctrl-C, SIGTERM, SIGHUP). :meth:`keep` is
    called once AWS has taken the change set to run (or may have: no answer), or to leave it for review.

    Only what this run made: the stack is known by the id CloudFormation answered (:meth:`made`),
    or, when CreateChangeSet did not answer, by this run's change set (its name is this run's own);
    a stack someone else created meanwhile is never touched."""

    def __init__(self, d: Deployment, name: str, new_stack: bool):
        self.d, self.name, self.new_stack, self.kept = d, name, new_stack, False
        self.stack_id: str | None = None

    def made(self, stack_id: str) -> None:
        """CreateChangeSet answered: the change set is on the stack ``stack_id``."""
        self.stack_id = stack_id

    def keep(self) -> None:
        self.kept = True

    def __enter__(self) -> Pending:
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if self.kept:
            return False
        cleaned, done = self._clean_up()
        if kind is not None and issubclass(kind, KeyboardInterrupt):
            raise Interrupted(f"{{stopped}} before anything ran: {cleaned}; nothing was deployed", by=error) from None
        if kind is not None or not done:  # on success, only a failure is news
            self.d.console.say(f"Cleaned up: {cleaned}.")
        return False

    def _clean_up(self) -> tuple[str, bool]:
        """Delete what this run made; what was done (or could not be), and whether all of it was."""
        cloud, stack = self.d.cloud, self.d.stack.name
        try:
            if self.stack_id is None:
                mine = cloud.find_change_set(stack, self.name)
                if mine is None:
                    return "nothing to delete: this run created no change set", True
                self.stack_id = mine.stack_id
            if self.new_stack:
                made = cloud.stack(self.stack_id)
                if made is not None and made.status.in_review:
                    cloud.delete_stack(self.stack_id)  # it holds no resources; its change sets go with it
                    return f"the empty stack {stack} (REVIEW_IN_PROGRESS) and its change set {self.name} deleted", True
            cloud.delete_change_set(stack, self.name)
        except (IotstackError, KeyboardInterrupt) as exc:
            left = f"stack {stack} (REVIEW_IN_PROGRESS)" if self.new_stack else f"change set {self.name}"
            if isinstance(exc, (AwsError, UsageError)):  # AWS answered: it is still there
                return f"could NOT delete {left} ({exc}): delete it in the CloudFormation console", False
            why = exc if isinstance(exc, IotstackError) else f"stopped again by {signal_name(exc)}"
            return (f"could not tell whether {left} was deleted ({why}): look in the CloudFormation console, and "
                    "delete it there if it is still listed"), False  # fmt: skip
        return f"change set {self.name} deleted", True


class NoBootstrap(UsageError):
    """A template over the inline limit, and no bucket to put it in: ``iotstack bootstrap`` makes one."""


def template_store(d: Deployment, committed: Committed) -> Store | None:
    """Where a template over CloudFormation's inline limit goes: ``deploy.template_bucket`` when the
    environment names one, else the bootstrap stack's bucket; None when it fits inline.
    :class:`NoBootstrap` when there is none (nothing is created silently)."""
    if committed.inline is not None:
        return None
    if d.env.deploy.template_bucket:
        return Store(d.env.deploy.template_bucket)
    store = bootstrap_store(d.cloud, d.env.region, d.env.name)
    if store is None:
        raise NoBootstrap(f"{d.workspace.show(committed.path)} is {committed.size:,} bytes, over CloudFormation's "
                          f"{cfn.INLINE_TEMPLATE_LIMIT:,}-byte inline limit (unindented too), and {d.env.region} of "
                          f"this account has no bootstrap stack ({BOOTSTRAP_STACK}) to upload it to: `iotstack "
                          f"bootstrap --env {d.env.name}` creates one (an encrypted S3 bucket for templates), or set "
                          "deploy.template_bucket to a bucket of yours")  # fmt: skip
    return store


def template_source(d: Deployment, committed: Committed, store: Store | None) -> dict:
    """``TemplateBody`` when the template fits inline, else ``TemplateURL`` of its upload to ``store``."""
    if store is None:
        return {"TemplateBody": committed.inline}
    url = upload(d.cloud, store, d.stack.name, committed.text, d.env.region, owner=d.cloud.account())
    return {"TemplateURL": url}


def same_template(d: Deployment, name: str, committed: Committed) -> None:
    """Refuse a change set whose template is not the committed one: one made from a URL reads the
    object when CloudFormation fetches it, and a bucket may have been written meanwhile."""
    if d.cloud.change_set_template(d.stack.name, name) != committed.body:
        raise IotstackError(f"change set {name} was not made from {d.workspace.show(committed.path)} (sha256 "
                            f"{committed.sha}): its template differs, so someone changed it on the way; nothing "
                            "was run")  # fmt: skip


def computed(d: Deployment, name: str) -> ChangeSet:
    """The change set once CloudFormation has worked it out (or found it empty)."""
    started = time.monotonic()
    while True:
        change_set = d.cloud.change_set(d.stack.name, name)
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


class Reviewed(NamedTuple):
    """What the review of a change set decided: the replacements allowed, and how long running it should take."""

    allowed: tuple[str, ...]
    forecast: Forecast


def review(d: Deployment, change_set: ChangeSet, stack: Stack | None, committed: Committed) -> Reviewed:
    """Show the changes, apply the stateful guard and say how long running them should take.

    ``stack`` is the stack as it was before the change set (None: a new one).
    """
    d.console.say(change_table(change_set))
    before = d.cloud.template(stack.id) if stack is not None and not stack.status.in_review else None
    verdict = changes.guard(change_set.changes, d.options.allow_replace, predicted(d, before, committed))
    for unused in verdict.unused:
        d.console.say(f"note: --allow-replace {unused}: this change set does not replace or remove it")
    if verdict.refused:
        raise GuardRefusal(refusal(verdict.refused))
    durations = Durations(History.load(d.workspace.durations, d.env.region))
    types = {c.logical_id: c.resource_type for c in change_set.changes}  # a transform's resources too
    expected = forecast(before, committed.body, actions(change_set), durations, types)
    d.console.say("Forecast: " + "; ".join([expected.summary(), *expected.left_out, expected.source]))
    return Reviewed(tuple(c.logical_id for c in verdict.allowed), expected)


def actions(change_set: ChangeSet) -> dict[str, str]:
    """The change set's changes as the plan names them: ``add``, ``modify``, ``replace``, ``remove``."""
    named = {"Add": "add", "Remove": "remove"}
    return {c.logical_id: named.get(c.action, "replace" if c.replacement == "True" else "modify")
            for c in change_set.changes}  # fmt: skip


def predicted(d: Deployment, before: dict | None, committed: Committed) -> list[changes.Predicted]:
    """The guard's second eye: iotstack's offline plan of the template the stack runs (``before``, from
    GetTemplate; None for a new stack) against the one being deployed; certain replacements and removals only."""
    if before is None:
        return []  # a new stack: nothing to replace
    planned = plan(before, committed.body, d.env.region)
    return [changes.Predicted(r.logical_id, r.type, r.action == "remove", _why(r)) for r in planned.resources
            if r.replaces or r.action == "remove"]  # fmt: skip


def _why(change) -> str:
    if change.action == "remove":
        return "removed from the template"
    create_only = [c.path for c in change.changes if c.replacement == YES]
    return f"{', '.join(create_only)} create-only" if create_only else change.causes[0] if change.causes else "replaced"


def execute_change_set(d: Deployment, change_set: ChangeSet, reviewed: Reviewed,
                       pending: Pending | None = None) -> Outcome:  # fmt: skip
    """Run the change set and follow it to the end, the stack policy lifted for what ``reviewed`` allowed meanwhile
    and restored on every way out (the lift itself included: a signal during it restores too).
    ``pending`` (a change set this run made) is kept from the moment AWS takes it to run, or may have
    taken it (no answer, an answer that is not AWS's, a signal during the request); an error answer
    from AWS leaves it to the cleanup."""
    cloud, console, allowed = d.cloud, d.console, reviewed.allowed
    stack = cloud.stack(change_set.stack_id)
    if stack is None:
        raise IotstackError(f"stack {d.stack.name} vanished before its change set {change_set.name} could run")
    lift = d.stack.stack_policy and bool(allowed) and not stack.status.in_review

    def run() -> None:
        try:
            cloud.execute_change_set(d.stack.name, change_set.name)
        except (AwsError, UsageError):  # AWS answered no: nothing runs, the change set is left to the cleanup
            raise
        except BaseException:  # no answer (or not AWS's), or a signal during the request: AWS may run it
            _keep(pending)
            raise
        _keep(pending)

    lifted = False  # True once the lift took effect, or may have (no answer, a signal during it)
    try:
        if lift:
            try:
                cloud.set_stack_policy(stack.id, changes.stack_policy(allow=allowed))
            except (AwsError, UsageError):
                raise  # AWS answered no: nothing was lifted, nothing to restore
            except BaseException:
                lifted = True
                raise
            lifted = True
            console.say(f"Stack policy lifted for this deploy only: {', '.join(sorted(allowed))}")
        outcome = run_operation(d, stack, "deploy", run, lambda status: status.deployed, len(change_set.changes),
                                reviewed.forecast)  # fmt: skip
    except BaseException:
        if lifted:
            restore_policy(d, stack.id, failing=True)  # says what it could not do; never hides why the run stopped
        raise
    console.say(f"Stack {d.stack.name} is {outcome.status}.")  # first: whatever follows, it deployed
    if lift:
        restore_policy(d, stack.id)
    return outcome


def _keep(pending: Pending | None) -> None:
    if pending is not None:
        pending.keep()


def restore_policy(d: Deployment, stack_id: str, failing: bool = False) -> None:
    """Put the stack policy back after a lift. When AWS refuses or does not answer, say so: after a
    deploy that succeeded the stack's protection (:func:`generator.deploy.stacks.protect`) sets it
    again, and says if it cannot; while something else is failing (``failing``) the warning is all,
    so that it never hides why the run stopped. A signal during it is a stop of its own."""
    try:
        d.cloud.set_stack_policy(stack_id, changes.stack_policy())
    except (IotstackError, KeyboardInterrupt) as exc:
        why = exc if isinstance(exc, IotstackError) else f"stopped by {signal_name(exc)}"
        message = (f"the stack policy of {d.stack.name} was NOT restored ({why}): it still allows replacing what "
                   f"this deploy allowed; `iotstack {d.stack.command} --env {d.env.name}` restores it (even with "
                   "nothing to deploy)")  # fmt: skip
        if isinstance(exc, KeyboardInterrupt) and not failing:
            raise Interrupted(f"{{stopped}} after the deploy succeeded, while the stack policy was being restored: "
                              f"{message}; the outputs were not written: `iotstack status --env {d.env.name}` "
                              "writes them", by=exc) from None  # fmt: skip
        d.console.say(f"Warning: {message}" + ("" if failing else "; it is set again with the stack's protection"),
                      err=True)  # fmt: skip
        return
    d.console.say("Stack policy restored")
