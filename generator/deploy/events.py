"""Follow one stack operation through its events until it ends, and find the root cause of a failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.aws.gateway import Cloud
from generator.aws.views import StackEvent, StackStatus
from generator.console import Console
from generator.errors import IotstackError


@dataclass
class Outcome:
    """How the operation ended: the stack's final status and the events that failed, oldest first."""

    status: StackStatus
    reason: str = ""
    failures: list[StackEvent] = field(default_factory=list)

    @property
    def root_causes(self) -> list[StackEvent]:
        """The failures that are not just the cascade of another failure (at most three)."""
        return ([e for e in self.failures if not e.cascade] or self.failures)[:3]


class StillRunning(IotstackError):
    """iotstack stopped waiting (a timeout); the operation goes on in AWS."""


def latest_event_id(cloud: Cloud, stack: str) -> str | None:
    """The newest event of the stack now: the events of the next operation come after it."""
    return next((e.id for e in cloud.events(stack)), None)


def follow(
    cloud: Cloud,
    stack: str,
    after: str | None,
    total: int,
    console: Console,
    timeout_minutes: float,
    poll_seconds: float = 5.0,
    started_here: bool = True,
    clock: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Outcome:
    """Print the stack's events newer than ``after`` until the operation ends; return how it ended.

    ``stack`` should be the stack id (ARN): a deleted stack is found by id only. One line per
    event: time, status, logical id, reason, then resources done of ``total`` and elapsed time.
    For an operation ``started_here``, the stack's status counts only once a stack event of this
    operation has been seen: right after the call, DescribeStacks may still show the last one's end.
    """
    clock, sleep = clock or time.monotonic, sleep or time.sleep
    started = clock()
    done: set[str] = set()
    failures: list[StackEvent] = []
    begun = not started_here
    try:
        while True:
            # The status first, then the events: every event up to that status is then printed.
            description = cloud.stack(stack)
            status = description.status if description else StackStatus("DELETE_COMPLETE")
            new = []
            for event in cloud.events(stack):
                if event.id == after:
                    break
                new.append(event)
            for event in reversed(new):
                if event.of_stack:
                    begun = True
                elif event.done:
                    done.add(event.logical_id)
                elif event.failed:
                    failures.append(event)
                # The stack's own COMPLETE means every resource is where the template puts it, those that
                # reported nothing (unchanged, or an emulator's) too.
                count = total if event.of_stack and event.done else len(done)
                console.say(_line(event, count, total, clock() - started))
            if new:
                after = new[0].id
            if (begun or description is None) and not status.in_progress:
                return Outcome(status, description.reason if description else "", failures)
            elapsed = clock() - started
            if elapsed > timeout_minutes * 60:
                raise StillRunning(f"the stack is still {status} after {timeout_minutes:g} min; iotstack stopped "
                                   "waiting, AWS has not (--timeout waits longer)")  # fmt: skip
            console.status(f"{status}  {len(done)}/{total} resources  {_elapsed(elapsed)}")
            sleep(poll_seconds)
    finally:
        console.done()


def _line(event: StackEvent, done: int, total: int, elapsed: float) -> str:
    stamp = event.timestamp.strftime("%H:%M:%S")
    return (f"{stamp}  {event.status:<28} {event.logical_id:<34} "
            f"[{done}/{total}, {_elapsed(elapsed)}] {event.reason}").rstrip()  # fmt: skip


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"
