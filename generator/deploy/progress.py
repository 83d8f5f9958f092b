"""How far a running stack operation is, against its forecast (:mod:`generator.review.forecast`).

:class:`Progress` sees each stack event as :func:`generator.deploy.events.follow` prints it and answers
three questions: on a terminal, the live status line (a bar of resources done, the time left along the
remaining longest path, what is in flight with its elapsed and expected time); without one (CI), a
heartbeat line when nothing else was printed for :data:`HEARTBEAT` seconds; at the end, the time taken
against the forecast and the slowest resources. Times are the follower's clock (monotonic, injectable):
a resource's time starts when its first ``*_IN_PROGRESS`` is seen, so it is as exact as the polling.
"""

from __future__ import annotations

from generator.aws.views import StackEvent
from generator.review.forecast import DELETED, Forecast, about

HEARTBEAT = 60.0  # seconds of silence before a non-terminal run says what is still in progress
BAR = 12  # characters of the status line's bar
SHOWN = 3  # resources in flight named on one line


class Progress:
    """What an operation has done and has left; ``forecast`` None when there is none (a destroy's, a recover)."""

    def __init__(self, total: int, forecast: Forecast | None = None):
        self.total, self.forecast = total, forecast
        self.done: set[str] = set()  # logical ids done (the count the event lines show)
        self.finished: dict[str, float] = {}  # task key -> seconds it took
        self.running: dict[str, float] = {}  # task key -> when its first IN_PROGRESS was seen

    def see(self, event: StackEvent, now: float) -> None:
        """Count ``event``, seen at ``now`` (the follower's clock)."""
        if event.of_stack:
            return
        key = event.logical_id + (DELETED if event.status.startswith("DELETE_") else "")
        if event.status.endswith("_IN_PROGRESS"):
            self.running.setdefault(key, now)
        elif event.done or event.failed:
            started = self.running.pop(key, now)
            if event.done:
                self.done.add(event.logical_id)
                self.finished[key] = now - started

    def left(self, now: float) -> float | None:
        """Seconds left along the remaining longest path; None without a forecast."""
        if self.forecast is None:
            return None
        running = {key: now - since for key, since in self.running.items()}
        return self.forecast.left(set(self.finished), running)[0]

    def _in_flight(self, now: float) -> list[str]:
        """``AuroraCluster 3m10s of ~3m42s`` for the longest-running resources, longest first."""
        expected = self.forecast.operations if self.forecast else {}
        shown = []
        for key, since in sorted(self.running.items(), key=lambda item: (item[1], item[0]))[:SHOWN]:
            task = expected.get(key)
            of = f" of ~{clock(task.seconds)}" if task and task.seconds else ""
            shown.append(f"{key} {clock(now - since)}{of}")
        more = len(self.running) - SHOWN
        return shown + ([f"{more} more"] if more > 0 else [])

    def status_line(self, status: str, elapsed: float, now: float, width: int) -> str:
        """The live line: ``UPDATE_IN_PROGRESS [#####-------] 12/45 3m10s, ~8 min left · AuroraCluster ...``."""
        share = len(self.done) / self.total if self.total else 0.0
        filled = min(BAR, round(share * BAR))
        left = self.left(now)
        time = clock(elapsed) + (f", {about(left).replace('about ', '~')} left" if left else "")
        line = " · ".join([f"{status} [{'#' * filled}{'-' * (BAR - filled)}] {len(self.done)}/{self.total} {time}",
                           *self._in_flight(now)])  # fmt: skip
        return line if len(line) < width else line[: max(width - 2, 10)] + "…"

    def heartbeat(self, elapsed: float, now: float) -> str:
        """One line for a log nobody watches live: what is still in progress, elapsed and expected."""
        left = self.left(now)
        ahead = f", {about(left)} left" if left else ""
        flying = ", ".join(self._in_flight(now)) or "no resource reported yet"
        return f"... {clock(elapsed)} elapsed{ahead}; in progress: {flying}"

    def summary(self, elapsed: float) -> str:
        """The end: actual against forecast, and the slowest resources."""
        said = f"Took {clock(elapsed)}"
        if self.forecast and self.forecast.operations:
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
