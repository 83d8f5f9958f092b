"""Follow one stack operation through its events until it ends, and find the root cause of a failure."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.aws.gateway import Cloud
from generator.aws.views import StackEvent, StackStatus
from generator.console import Console
from generator.deploy.progress import HEARTBEAT, Progress, clock
from generator.errors import IotstackError


@dataclass
class Outcome:
    """How the operation ended: the stack's final status and the events that failed, oldest first."""

    status: StackStatus
    reason: str = ""
    failures: list[StackEvent] = field(default_factory=list)
    events: list[StackEvent] = field(default_factory=list)  # every event of the operation, oldest first
    elapsed: float = 0.0  # seconds followed

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
    progress: Progress,
    console: Console,
    timeout_minutes: float,
    poll_seconds: float = 5.0,
    started_here: bool = True,
    clock_: Callable[[], float] | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Outcome:
    """Print the stack's events newer than ``after`` until the operation ends; return how it ended.

    ``stack`` should be the stack id (ARN): a deleted stack is found by id only. One line per
    event: time, status, logical id, reason, then resources done of ``progress.total`` and elapsed time.
    Between events, on a terminal, a live line with the time left and what is in flight; elsewhere, after a
    minute without a line, one that says what is still in progress (:mod:`generator.deploy.progress`).
    For an operation ``started_here``, the stack's status counts only once a stack event of this
    operation has been seen: right after the call, DescribeStacks may still show the last one's end.
    """
    now_, sleep = clock_ or time.monotonic, sleep or time.sleep
    started = said = now_()
    failures: list[StackEvent] = []
    seen: list[StackEvent] = []
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
                now = now_()
                progress.see(event, now)
                seen.append(event)
                if event.of_stack:
                    begun = True
                elif event.failed:
                    failures.append(event)
                # The stack's own COMPLETE means every resource is where the template puts it, those that
                # reported nothing (unchanged, or an emulator's) too.
                count = progress.total if event.of_stack and event.done else len(progress.done)
                console.say(_line(event, count, progress.total, now - started))
                said = now
            if new:
                after = new[0].id
            now = now_()
            if (begun or description is None) and not status.in_progress:
                return Outcome(status, description.reason if description else "", failures, seen, now - started)
            if now - started > timeout_minutes * 60:
                raise StillRunning(f"the stack is still {status} after {timeout_minutes:g} min; iotstack stopped "
                                   "waiting, AWS has not (--timeout waits longer)")  # fmt: skip
            if console.live:
                width = shutil.get_terminal_size().columns
                console.status(progress.status_line(str(status), now - started, now, width))
            elif now - said >= HEARTBEAT:
                console.say(progress.heartbeat(now - started, now))
                said = now
            sleep(poll_seconds)
    finally:
        console.done()


def _line(event: StackEvent, done: int, total: int, elapsed: float) -> str:
    stamp = event.timestamp.strftime("%H:%M:%S")
    return (f"{stamp}  {event.status:<28} {event.logical_id:<34} "
            f"[{done}/{total}, {clock(elapsed)}] {event.reason}").rstrip()  # fmt: skip
