"""The shape every stack operation shares, in one place: mark the last event, act, follow the events
to the end, check the final status, report a failure.

Executing a change set, deleting a stack, continuing a rollback and waiting for someone else's
operation all run through :func:`run_operation`. Once iotstack has asked AWS to act, AWS carries on
whatever iotstack does: a Ctrl-C or a timeout while following says so, with the stack's state and
the command that follows it further, instead of pretending the operation stopped.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.aws.errors import AwsError
from generator.aws.gateway import Cloud
from generator.aws.views import Stack, StackStatus
from generator.deploy.context import Deployment
from generator.deploy.events import Outcome, StillRunning, follow, latest_event_id
from generator.deploy.progress import Progress
from generator.deploy.report import failure_report
from generator.errors import Interrupted, IotstackError, Unreachable, UsageError
from generator.files import WriteFailed
from generator.review.durations import History, measure
from generator.review.forecast import Forecast


def run_operation(
    d: Deployment,
    stack: Stack,
    what: str,
    act: Callable[[], object] | None,
    succeeded: Callable[[StackStatus], bool],
    total: int = 0,
    forecast: Forecast | None = None,
) -> Outcome:
    """Run one operation on ``stack`` and follow it to the end; raise with the root cause if the final
    status is not ``succeeded``.

    ``act`` starts the operation (None: follow an operation someone else started). ``what`` names it
    in messages ("deploy", "destroy", ...); ``total`` is the number of resources it touches, ``forecast``
    how long it should take. At the end: the time it took against the forecast (what it measured is
    :func:`learn`'s, once everything else is done).
    """
    cloud, waiting = d.cloud, d.waiting
    follow_further = (
        f"`iotstack status --env {d.env.name} --wait`" if d.target is None else "the CloudFormation console"
    )
    after = latest_event_id(cloud, stack.id)
    try:
        if act is not None:
            try:
                act()
            except KeyboardInterrupt as stop:
                raise Interrupted(
                    f"{{stopped}} while asking AWS for the {what}: the request may have reached "
                    f"it; {_state(cloud, stack)}. Follow it with {follow_further}",
                    by=stop,
                ) from None
            except (AwsError, UsageError):
                raise  # AWS answered: it did not start
            except IotstackError as lost:  # no answer, or one that is not AWS's: it may have started
                raise Unreachable(f"{lost}. Whether AWS started the {what} is unknown, so the stack's state is unknown"
                                  f": once AWS answers again, {follow_further} tells") from None  # fmt: skip
        progress = Progress(total, forecast)
        outcome = follow(cloud, stack.id, after, progress, d.console, waiting.timeout_minutes, waiting.poll_seconds,
                         started_here=act is not None)  # fmt: skip
    except KeyboardInterrupt as stop:
        raise Interrupted(f"iotstack stopped following the {what}, but CloudFormation carries on; "
                          f"{_state(cloud, stack)}. Follow it with {follow_further}", by=stop) from None  # fmt: skip
    except StillRunning as still:
        raise StillRunning(f"{still}; follow it with {follow_further}") from None
    d.console.say(progress.summary(outcome.elapsed))
    if not succeeded(outcome.status):
        raise IotstackError(failure_report(d.env, stack.name, d.stack.command, what, outcome))
    return outcome


def learn(d: Deployment, outcome: Outcome) -> None:
    """Keep what a deploy or destroy that succeeded measured for the next forecasts: the last step, after the
    outputs; a cache, so nothing here changes how the command ends (a failure is a warning, Ctrl-C says
    what was not kept)."""
    measured = measure(outcome.events)
    if not measured:
        return
    folder = d.workspace.durations
    if folder is None:
        d.console.say("Warning: the measured durations were not kept: a file is where .cache/iotstack/durations "
                      "should be", err=True)  # fmt: skip
        return
    history = History.load(folder, d.env.region)
    history.add(measured)
    try:
        path = history.save(folder)
    except WriteFailed as exc:
        d.console.say(f"Warning: the measured durations were not kept: {exc}", err=True)
        return
    except KeyboardInterrupt as stop:
        raise Interrupted(f"{{stopped}} after the {d.stack.command} had succeeded and its outputs were written, "
                          "while keeping the measured durations: they were not kept (the cache is as it was)",
                          by=stop) from None  # fmt: skip
    d.console.say(f"{len(measured)} measured duration(s) kept for the next forecasts: {d.workspace.show(path)}")


def _state(cloud: Cloud, stack: Stack) -> str:
    """The stack's state now, for a message written while the user waits for the prompt."""
    try:
        now = cloud.stack(stack.id)
    except (IotstackError, KeyboardInterrupt):
        return f"the state of stack {stack.name} is unknown (iotstack could not ask AWS)"
    return f"stack {stack.name} is {now.status if now else 'DELETE_COMPLETE'}"
