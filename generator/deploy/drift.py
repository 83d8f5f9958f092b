"""``iotstack drift``: does the deployed stack still look like the template it runs?

Someone changes a security group or a Redis setting in the console, and the committed template no
longer says what runs. :func:`drift` asks CloudFormation to compare (DetectStackDrift), waits for
the verdict with a live status line (``--poll-seconds``, ``--timeout``), and lists every drifted
resource: MODIFIED or DELETED (types drift detection cannot check, NOT_CHECKED, are not drift),
each with its property differences, expected -> actual, credentials masked
(:class:`generator.aws.drift_views.PropertyDifference`).

Exit codes, for a scheduled job that must tell drift from trouble: 0 in sync, 2 drifted, 1 every
error (no such stack, bad credentials, detection failed or timed out).
"""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generator.aws.drift_views import ResourceDrift, StackDrift
from generator.deploy.context import Deployment
from generator.errors import Interrupted, IotstackError

FORMATS = ("table", "json")
# Detection takes seconds to a few minutes (it reads every resource); --timeout overrides.
TIMEOUT_MINUTES = 15
IN_SYNC, TROUBLE, DRIFTED = 0, 1, 2  # exit codes
VALUE_WIDTH = 64  # a longer value is wrapped in the table: 80 columns in all
MAX_VALUE_LINES = 8  # and cut after this many lines (a policy document); JSON has it whole

# The clock and the pause between polls: module attributes, so a test can time out without waiting.
clock, sleep = time.monotonic, time.sleep


@dataclass(frozen=True)
class DriftResult:
    """One detection's verdict on one environment's stack, and the resources that drifted."""

    environment: str
    stack: str
    region: str
    status: str  # IN_SYNC, DRIFTED, DETECTION_FAILED, or UNKNOWN
    reason: str = ""
    checked_at: datetime | None = None
    resources: tuple[ResourceDrift, ...] = ()

    @property
    def exit_code(self) -> int:
        return {"IN_SYNC": IN_SYNC, "DRIFTED": DRIFTED}.get(self.status, TROUBLE)

    def to_dict(self) -> dict[str, Any]:
        """The documented JSON shape (docs/drift.md)."""
        return {
            "environment": self.environment, "stack": self.stack, "region": self.region, "status": self.status,
            "reason": self.reason, "checked_at": _iso(self.checked_at),
            "resources": [{
                "logical_id": r.logical_id, "type": r.resource_type, "status": r.status, "physical_id": r.physical_id,
                "differences": [{"path": d.path, "expected": d.expected, "actual": d.actual, "type": d.type}
                                for d in r.differences],
            } for r in self.resources],
        }  # fmt: skip


def drift(d: Deployment) -> DriftResult:
    """Detect drift on the environment's stack, wait for the verdict, and collect what drifted."""
    env, cloud = d.env, d.cloud
    stack = cloud.stack(env.stack_name)
    if stack is None or stack.status.in_review or stack.status.deleted:
        raise IotstackError(f"stack {env.stack_name} is not deployed in {env.region}: there is nothing to compare "
                            f"(`iotstack deploy --env {env.name}` deploys it)")  # fmt: skip
    if stack.status.busy:
        raise IotstackError(f"stack {env.stack_name} is {stack.status}: drift is detected on a stack at rest; "
                            f"`iotstack status --env {env.name} --wait` follows the operation to its end")  # fmt: skip
    timeout = d.options.timeout_minutes or TIMEOUT_MINUTES
    d.console.say(f"Detecting drift of stack {env.stack_name} in {env.region} (waiting up to {timeout:g} min)",
                  err=True)  # fmt: skip
    detection = _wait(d, cloud.detect_drift(stack.id), timeout)
    resources: list[ResourceDrift] = []
    if detection.drifted or detection.failed or detection.drifted_count > 0:  # else there is nothing to list
        resources = sorted((r for r in cloud.resource_drifts(stack.id) if r.drifted), key=lambda r: r.logical_id)
    status = "DETECTION_FAILED" if detection.failed else detection.status
    reason = detection.reason or ("CloudFormation gave no reason" if detection.failed else "")
    return DriftResult(env.name, env.stack_name, env.region, status, reason, detection.timestamp, tuple(resources))


def _wait(d: Deployment, detection_id: str, timeout_minutes: float) -> StackDrift:
    """Poll the detection until it ends; the live status line shows how long it has run."""
    started = clock()
    try:
        while True:
            detection = d.cloud.drift_detection(detection_id)
            if not detection.in_progress:
                return detection
            elapsed = clock() - started
            if elapsed > timeout_minutes * 60:
                raise IotstackError(f"drift detection of stack {d.env.stack_name} still runs after {timeout_minutes:g} "
                                    "min; iotstack stopped waiting (--timeout waits longer)")  # fmt: skip
            d.console.status(f"drift detection of {d.env.stack_name}: in progress  {_elapsed(elapsed)}")
            sleep(d.options.poll_seconds)
    except KeyboardInterrupt as stop:
        raise Interrupted("iotstack stopped waiting for the drift detection, which changes nothing; `iotstack "
                          f"status --env {d.env.name}` shows its verdict once it ends", by=stop) from None  # fmt: skip
    finally:
        d.console.done()


# --- what a person or a machine reads ---------------------------------------------------------------


def render(result: DriftResult, fmt: str) -> str:
    """The result as a table for a terminal (80 columns) or JSON for machines."""
    if fmt == "json":
        return json.dumps(result.to_dict(), indent=2, sort_keys=True) + "\n"
    return _table(result)


def _table(result: DriftResult) -> str:
    name, count = result.environment, f"{len(result.resources)} resource(s)"
    lines = [{
        "IN_SYNC": f"{name}: IN SYNC: every resource is as its template says",
        "DRIFTED": f"{name}: DRIFTED: {count} differ from the template",
        "DETECTION_FAILED": f"{name}: drift detection FAILED",
    }.get(result.status, f"{name}: drift status {result.status}")]  # fmt: skip
    lines.append(f"  stack {result.stack} in {result.region}, checked {_when(result.checked_at)}")
    if result.status == "DETECTION_FAILED":
        lines += textwrap.wrap(f"reason: {result.reason}", 78, initial_indent="  ", subsequent_indent="    ")
    if result.status == "DETECTION_FAILED" and result.resources:
        lines.append(f"Found drifted before it failed: {count}")
    cut = False
    for r in result.resources:
        lines.append(f"{r.status:<9} {r.logical_id} ({r.resource_type})")
        if r.physical_id:
            lines.append(f"    physical id  {r.physical_id}")
        for diff in r.differences:
            lines.append(f"    {diff.path}  ({diff.type})")
            for label, value in (("expected", diff.expected), ("actual", diff.actual)):
                shown = _wrapped(value)
                cut = cut or shown[-1].endswith(" ...")
                lines += [f"      {label:<8}  {shown[0]}", *(f"                {more}" for more in shown[1:])]
    if cut:
        lines.append(f"(long values cut after {MAX_VALUE_LINES} lines; --format json shows them whole)")
    if result.status == "DETECTION_FAILED":
        lines.append(f"next: fix the cause, then `iotstack drift --env {name}` again")
    if result.status == "DRIFTED":
        lines += ["next: undo the change where it was made, or make it part of the code (the",
                  "  environment file), review and deploy: deploying an unchanged template does",
                  "  not undo drift"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _wrapped(value: Any) -> list[str]:
    """A value as lines of at most :data:`VALUE_WIDTH` characters (at most :data:`MAX_VALUE_LINES`)."""
    if value is None:
        return ["(absent)"]
    text = value if isinstance(value, str) and value.isprintable() and value else json.dumps(value, sort_keys=True)
    lines = textwrap.wrap(text, VALUE_WIDTH, break_long_words=True, break_on_hyphens=False) or [text]
    if len(lines) > MAX_VALUE_LINES:
        lines = [*lines[: MAX_VALUE_LINES - 1], lines[MAX_VALUE_LINES - 1][: VALUE_WIDTH - 4] + " ..."]
    return lines


def _when(moment: datetime | None) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if moment else "never"


def _iso(moment: datetime | None) -> str | None:
    return f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}" if moment else None


def _elapsed(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s"
