"""How far a running stack operation is, against its forecast (:mod:`generator.review.forecast`).

:class:`Progress` sees each stack event as :func:`generator.deploy.events.follow` prints it and answers
three questions: on a terminal, the live status line (a bar of resources done, the time left along the
remaining longest path, what is in flight with its elapsed and expected time); without one (CI), a
heartbeat line when nothing else was printed for :data:`HEARTBEAT` seconds; at the end, the time taken
against the forecast and the slowest resources. What is in flight is timed by the follower's clock
(monotonic, injectable) from when its first ``*_IN_PROGRESS`` was seen; what is done, by its events'
timestamps, as the measured durations are. Once a resource fails or the stack rolls back, the forecast
no longer applies: the line says "rolling back" and gives no time left.
"""

from __future__ import annotations

from datetime import datetime

from generator.aws.views import StackEvent
from generator.review.forecast import DELETED, Forecast, about

HEARTBEAT = 60.0  # seconds of silence before a non-terminal run says what is still in progress
BAR = 12  # characters of the status line's bar
SHOWN = 3  # resources in flight named on one line


class Progress:
    """What an operation has done and has left; ``forecast`` None when there is none (a recover)."""

    def __init__(self, total: int, forecast: Forecast | None = None):
        self.total, self.forecast = total, forecast
        self.done: set[str] = set()  # logical ids done (the count the event lines show)
        self.finished: dict[str, float] = {}  # task key -> seconds it took (its events' timestamps)
        self.running: dict[str, float] = {}  # task key -> when its first IN_PROGRESS was seen (follower's clock)
        self.started: dict[str, datetime] = {}  # task key -> its first IN_PROGRESS event's timestamp
        self.failing = False  # a resource failed, or the stack rolls back: the forecast no longer applies

    def see(self, event: StackEvent, now: float) -> None:
        """Count ``event``, seen at ``now`` (the follower's clock)."""
        if event.of_stack:
            self.failing = self.failing or "ROLLBACK" in event.status or event.failed
            return
        key = event.logical_id + (DELETED if event.status.startswith("DELETE_") else "")
        if event.status.endswith("_IN_PROGRESS"):
            self.running.setdefault(key, now)
            self.started.setdefault(key, event.timestamp)
        elif event.done or event.failed:
            self.running.pop(key, None)
            began = self.started.pop(key, None)
            if event.failed:
                self.failing = True
            else:
                self.done.add(event.logical_id)
                self.finished[key] = (event.timestamp - began).total_seconds() if began else 0.0

    def left(self, now: float) -> float | None:
        """Seconds left along the remaining longest path; None without a forecast that still applies."""
        if self.forecast is None or self.failing or not self.forecast.known:
            return None
        running = {key: now - since for key, since in self.running.items()}
        return self.forecast.left(set(self.finished), running)[0]

    def _ahead(self, now: float) -> str:
        """``~8 min left``, ``overdue``, ``rolling back`` or ""."""
        if self.failing:
            return "rolling back"
        left = self.left(now)
        if left is None:
            return ""
        return "overdue" if left == 0 and self.running else f"{about(left).replace('about ', '~')} left"

    def _in_flight(self, now: float) -> list[str]:
        """``AuroraCluster 3m10s of ~3m42s`` for the longest-running resources, longest first."""
        expected = self.forecast.operations if self.forecast else {}
        shown = []
        for key, since in sorted(self.running.items(), key=lambda item: (item[1], item[0]))[:SHOWN]:
            task, elapsed = expected.get(key), now - since
            of = f" of ~{clock(task.seconds)}" if task and task.seconds else ""
            late = " (overdue)" if task and task.seconds and elapsed > task.seconds else ""
            shown.append(f"{key} {clock(elapsed)}{of}{late}")
        more = len(self.running) - SHOWN
        return shown + ([f"{more} more"] if more > 0 else [])

    def status_line(self, status: str, elapsed: float, now: float, width: int) -> str:
        """The live line, never wider than ``width - 1`` (a wrapped line could not be drawn over):
        ``UPDATE_IN_PROGRESS [#####-------] 12/45 3m10s, ~8 min left | AuroraCluster 3m10s of ~3m42s``."""
        share = len(self.done) / self.total if self.total else 0.0
        filled = min(BAR, round(share * BAR))
        ahead = self._ahead(now)
        head = f"{status} [{'#' * filled}{'-' * (BAR - filled)}] {len(self.done)}/{self.total} {clock(elapsed)}"
        line = " | ".join([head + (f", {ahead}" if ahead else ""), *self._in_flight(now)])
        room = max(width - 1, 1)
        return line if len(line) <= room else line[: max(room - 3, 0)] + "..."[:room]

    def heartbeat(self, elapsed: float, now: float) -> str:
        """One line for a log nobody watches live: what is still in progress, elapsed and expected."""
        ahead = self._ahead(now).replace("~", "about ")
        flying = ", ".join(self._in_flight(now)) or "no resource reported yet"
        return f"... {clock(elapsed)} elapsed{', ' + ahead if ahead else ''}; in progress: {flying}"

    def summary(self, elapsed: float) -> str:
        """The end: actual against forecast, and the slowest resources."""
        said = f"Took {clock(elapsed)}"
        if self.forecast and self.forecast.operations and not self.failing:
            said += f" (forecast: {self.forecast.length})"
        slowest = sorted(self.finished.items(), key=lambda item: (-item[1], item[0]))[:SHOWN]
        expected = self.forecast.operations if self.forecast else {}
        if slowest and slowest[0][1] >= 1:
            said += "; slowest: " + ", ".join(
                f"{key} {clock(seconds)}" + (f" (~{clock(expected[key].seconds)} expected)" if key in expected else "")
                for key, seconds in slowest
            )
        return said + "."


def clock(seconds: float) -> str:
    """``3m10s``."""
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"
