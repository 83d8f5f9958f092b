"""deploy.events.follow: one line per event, with resources done of the template's and the time."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from generator.aws.views import StackEvent, StackStatus
from generator.deploy.events import follow
from generator.deploy.progress import Progress

STACK = "arn:aws:cloudformation:sa-east-1:123456789012:stack/s/1"


def event(number: int, logical: str, status: str, stack: bool = False) -> StackEvent:
    kind = "AWS::CloudFormation::Stack" if stack else "AWS::SNS::Topic"
    return StackEvent(f"e{number}", logical, kind, status, "", datetime(2026, 12, 4, 12, 0, number, tzinfo=UTC))


class Console:
    live = False

    def __init__(self):
        self.lines = []

    def say(self, text="", err=False):
        self.lines.append(text)

    def status(self, text):
        pass

    def done(self):
        pass


@pytest.mark.parametrize("events, last", [
    # An update that touched one of three resources (the others report nothing), then the stack completes.
    ([event(1, "s", "UPDATE_IN_PROGRESS", True), event(2, "A", "UPDATE_COMPLETE"),
      event(3, "s", "UPDATE_COMPLETE", True)], "[3/3, 0m00s]"),
    # An emulator that reports only the stack's own events.
    ([event(1, "s", "CREATE_IN_PROGRESS", True), event(2, "s", "CREATE_COMPLETE", True)], "[3/3, 0m00s]"),
    # A failed update rolled back: not every resource is where the template puts it.
    ([event(1, "s", "UPDATE_IN_PROGRESS", True), event(2, "A", "UPDATE_FAILED"),
      event(3, "s", "UPDATE_ROLLBACK_COMPLETE", True)], "[0/3, 0m00s]"),
], ids=["update", "only-stack-events", "rolled-back"])  # fmt: skip
def test_the_stacks_own_completion_counts_every_resource(events, last):
    final = events[-1].status
    cloud = SimpleNamespace(stack=lambda _: SimpleNamespace(status=StackStatus(final), reason=""),
                            events=lambda _: list(reversed(events)))  # fmt: skip
    console = Console()
    follow(cloud, STACK, None, Progress(3), console, timeout_minutes=1, clock_=lambda: 0.0, sleep=lambda _: None)
    assert last in console.lines[-1] and final in console.lines[-1]
    assert "[0/3," in console.lines[0]  # the operation's start: nothing done yet
