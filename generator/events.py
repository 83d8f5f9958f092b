"""Follow one stack operation through its events until it ends, and find the root cause of a failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from generator.aws import Cloud
from generator.console import Console
from generator.errors import IotstackError

STACK_TYPE = "AWS::CloudFormation::Stack"
# A resource has reached one of these when its part of the operation is done.
DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "DELETE_SKIPPED", "IMPORT_COMPLETE"}
# Reasons of resources that failed only because another one did: the cascade, not the cause.
CASCADE = ("Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled")


@dataclass
class Outcome:
    """How the operation ended: the stack's final status and the events that failed, oldest first."""

    status: str
    reason: str = ""
    failures: list[dict] = field(default_factory=list)

    @property
    def root_causes(self) -> list[dict]:
        """The failures that are not just the cascade of another failure (at most three)."""
        causes = [e for e in self.failures if not e.get("ResourceStatusReason", "").startswith(CASCADE)]
        return (causes or self.failures)[:3]


def latest_event_id(cloud: Cloud, stack: str) -> str | None:
    """The newest event of the stack now: the events of the next operation come after it."""
    return next((e["EventId"] for e in cloud.events(stack)), None)


def follow(
    cloud: Cloud,
    stack: str,
    after: str | None,
    total: int,
    console: Console,
    timeout_minutes: int,
    poll_seconds: float = 5.0,
    started_here: bool = True,
    clock: Callable[[], float] = time.monotonic,
) -> Outcome:
    """Print the stack's events newer than ``after`` until the operation ends; return how it ended.

    ``stack`` should be the stack id (ARN): a deleted stack is found by id only. One line per
    event: time, status, logical id, reason, then resources done of ``total`` and elapsed time.
    For an operation ``started_here``, the stack's status counts only once a stack event of this
    operation has been seen: right after the call, DescribeStacks may still show the last one's end.
    """
    started = clock()
    done: set[str] = set()
    failures: list[dict] = []
    begun = not started_here
    try:
        while True:
            # The status first, then the events: every event up to that status is then printed.
            description = cloud.stack(stack)
            status = description["StackStatus"] if description else "DELETE_COMPLETE"
            new = []
            for event in cloud.events(stack):
                if event["EventId"] == after:
                    break
                new.append(event)
            for event in reversed(new):
                logical_id, event_status = event["LogicalResourceId"], event["ResourceStatus"]
                if event.get("ResourceType") == STACK_TYPE:
                    begun = True
                elif event_status in DONE:
                    done.add(logical_id)
                elif event_status.endswith("_FAILED"):
                    failures.append(event)
                console.say(_line(event, len(done), total, clock() - started))
            if new:
                after = new[0]["EventId"]
            if (begun or description is None) and not status.endswith("_IN_PROGRESS"):
                return Outcome(status, (description or {}).get("StackStatusReason", ""), failures)
            elapsed = clock() - started
            if elapsed > timeout_minutes * 60:
                raise IotstackError(
                    f"the stack is still {status} after {timeout_minutes} min; iotstack stopped waiting, AWS has "
                    "not: watch it with `iotstack status`, or wait longer with --timeout"
                )
            console.status(f"{status}  {len(done)}/{total} resources  {_elapsed(elapsed)}")
            time.sleep(poll_seconds)
    finally:
        console.done()


def _line(event: dict, done: int, total: int, elapsed: float) -> str:
    stamp = event["Timestamp"].strftime("%H:%M:%S")
    reason = event.get("ResourceStatusReason") or ""
    return (f"{stamp}  {event['ResourceStatus']:<28} {event['LogicalResourceId']:<34} "
            f"[{done}/{total}, {_elapsed(elapsed)}] {reason}").rstrip()  # fmt: skip


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"
