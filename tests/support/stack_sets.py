"""CloudFormation StackSets on the emulator (tests/support/emulator.py), well enough to rehearse a fleet rollout.

Test and demo support, not product: ``emulator._patch_moto`` applies :func:`patch`. The administrator is the
account of the caller's credentials (moto's ``123456789012`` for the dummy ones); an instance's stack lives in
its own account and region (``cloudformation_backends[account][region]``), where STS AssumeRole credentials for
a role of that account reach it. What moto 5.2.5 gets wrong with stack sets, measured against its server with
the emulator's other patches, and what this module makes of it (it replaces moto's stack-set actions whole):

Operations
- Every operation was SUCCEEDED within its request, with an ``EndTimestamp`` two minutes after its creation,
  and ``OperationPreferences`` were dropped. Now an operation is ``RUNNING`` until its instances end; each
  result goes ``PENDING`` → ``RUNNING`` → ``SUCCEEDED``/``FAILED``, or ``CANCELLED`` ("Cancelled since failure
  tolerance has exceeded", AWS's wording) if it never started. An instance takes :data:`seconds_per_instance`
  (env ``IOTSTACK_EMULATOR_STACK_SET_SECONDS``, default 0.3 s). Time advances lazily: before each
  CloudFormation request the emulator completes what has had its time and starts what may start next, so a
  client that only polls DescribeStackSetOperation or ListStackSetOperationResults sees progress; timestamps
  are the simulated ones (``EndTimestamp - CreationTimestamp`` is a whole number of instance durations). The
  time is read from :data:`clock` (``time.time``), which a test may replace with one it steps. The stacks of
  the instances whose time is up are made in the request that notices it (a poll after a long pause with high
  concurrency takes as long as those stacks); requests to other services advance nothing.
- The preferences are honoured as AWS documents them (API reference, ``StackSetOperationPreferences``; User
  Guide, "StackSet operation options"), per Region: ``MaxConcurrentCount`` or ``MaxConcurrentPercentage`` of
  the Region's accounts (rounded down, at least 1; default 1); ``FailureToleranceCount`` or
  ``FailureTolerancePercentage`` (rounded down; default 0); Regions one at a time in ``RegionOrder`` then in the
  order of the request (``SEQUENTIAL``, the default) or all at once (``PARALLEL``). When a Region's failures
  exceed its tolerance, no instance starts anywhere any more (those running finish), the rest are
  ``CANCELLED`` and the operation ends ``FAILED``; within the tolerance it ends ``SUCCEEDED``, failed instances
  and all. ``STRICT_FAILURE_TOLERANCE`` (the default) runs at most ``min(max concurrent, tolerance + 1)``
  instances, one fewer for each failure so far (never below 1), so failures never pass tolerance + 1;
  ``SOFT_FAILURE_TOLERANCE`` keeps the maximum whatever fails. In strict mode a ``MaxConcurrentCount`` above
  ``FailureToleranceCount + 1`` is accepted and capped, as the docs' "initial actual concurrency" says. Count
  and percentage together answer a ValidationError (the docs forbid it; the wording is ours). The preferences
  are kept as sent: DescribeStackSetOperation and ListStackSetOperations return them.
- An OperationId (boto3 makes one when the caller gives none) repeated with the same request answers the same
  operation and does nothing more, as AWS documents; with another request, ``OperationIdAlreadyExistsException``.
  Another operation while one runs answers ``OperationInProgressException: Another Operation on StackSet <arn>
  is in progress: <id>`` (AWS's wording as clients match it). moto ignored both: a repeated id made a second
  operation.
- DescribeStackSetOperation and ListStackSetOperationResults of an unknown id answered ``ValidationError: Stack
  with id <id> does not exist``; they answer ``OperationNotFoundException``. DescribeStackInstance of an
  instance that is not there answered 500; it answers ``StackInstanceNotFoundException``. ListStackSetOperations
  lists the newest first; every list pages with ``NextToken``/``MaxResults``. StopStackSetOperation stops
  starting instances (``STOPPING``, then ``STOPPED``; the others ``CANCELLED``).
- A result's ``AccountGateResult`` is ``SKIPPED`` with "Function not found: ...AWSCloudFormationStackSetAccountGate"
  for its own account and Region (moto named us-west-2 for all), and is absent on results that never started.

Stack sets
- A TemplateBody over 51,200 bytes answers AWS's ValidationError (moto took any size); TemplateURL reads the
  emulator's S3.
- A ``ClientRequestToken`` repeated on CreateStackSet with the same name answers the first ``StackSetId`` (moto
  made a second set); a name in use answers ``NameAlreadyExistsException`` (wording ours). DeleteStackSet of a
  set that is not there succeeds (its API lists no StackSetNotFoundException); a deleted set is found by its id
  only, ``DELETED``. The stack set's tags reach every target stack.

Target stacks
- moto named every instance's stack ``StackSet:<name>`` (a name CloudFormation refuses), and
  DescribeStackInstance answered a ``StackId`` made up anew on each call, not that stack's. A stack is now named
  ``StackSet-<stack set name>-<uuid>``, as AWS does, and the instance answers its id.
- ParameterOverrides replaced the stack set's parameters instead of overlaying them (the whole
  CreateStackInstances failed with "Missing parameter"). A stack's parameters are now the stack set's overlaid
  with the instance's overrides. UpdateStackInstances sets the overrides of the named instances as the API
  documents (a listed key takes its value, ``UsePreviousValue`` keeps the present one, an unlisted key goes
  back to the stack set's value, no ``ParameterOverrides`` at all keeps them all) and updates their stacks;
  a key the template does not declare answers a ValidationError (wording ours).
- UpdateStackSet and UpdateStackInstances never touched a stack. Now each targeted instance's stack is
  updated (template and parameters). With ``Accounts`` and ``Regions`` only those instances run (another
  answers ``StackInstanceNotFoundException``) and, if the template or parameters changed, the others are
  marked ``OUTDATED``, as the API documents. UpdateStackSet's ``Parameters`` are the new list (``UsePreviousValue``
  keeps a value; a key left out falls back to the template's default, as for UpdateStack: unmeasured for stack
  sets). One of TemplateBody, TemplateURL and UsePreviousTemplate is required, as documented.
- DeleteStackInstances ignored ``RetainStacks`` and deleted the stack; with it the stack stays and the
  instance goes.
- Stacks are made and updated through the emulator's own change-set path, so its soundness (outputs,
  exports, tags, failures) holds; the change set is removed afterwards. A stack that fails to create rolls
  back (``ROLLBACK_COMPLETE``) and its instance is ``FAILED`` with AWS's reason format
  ``ResourceLogicalId:<id>, ResourceType:<type>, ResourceStatusReason:<reason>.``; a failed update leaves the
  stack ``UPDATE_ROLLBACK_FAILED`` (the emulator cannot roll an update back). The next operation on an
  instance whose stack is ``ROLLBACK_COMPLETE`` deletes it and creates it again (unmeasured on AWS). A template
  parameter without a default and without a value fails the instance with "Parameters: [X] must have values".
  A failed DeleteStackInstances leaves the instance ``INOPERABLE``; UpdateStackSet and drift detection skip it.
- moto types a ``Number`` parameter's value (an int reaches the resource) but not its ``Default`` (text does):
  a stream whose RetentionPeriodHours came from a default answered 500 to IncreaseStreamRetentionPeriod
  (``'<' not supported between int and str``), in a change set of emulator.py too. A target stack gets the
  template's defaults as parameter values, so they are typed.
- moto keeps a stack's first parameters for its "no changes" test after an UPDATE change set (a parameter set
  back to its first value is refused as "didn't contain changes", for change sets of emulator.py too); this
  module sets a target stack's parameters after each update so its own updates are judged right.

Drift
- DetectStackSetDrift and ListStackInstanceResourceDrifts answered 500 (not implemented). Drift detection runs
  as an operation like any other (preferences honoured); each instance's ``DriftStatus`` becomes ``DRIFTED``
  or ``IN_SYNC`` with ``LastDriftCheckTimestamp``, and the stack set's ``StackSetDriftDetectionDetails`` counts
  them. The comparison is real for the properties a template sets of ``AWS::Kinesis::Stream``
  (RetentionPeriodHours, ShardCount), ``AWS::SSM::Parameter`` (Value) and ``AWS::Logs::LogGroup``
  (RetentionInDays): a change made in the target account is ``MODIFIED`` with its ``PropertyDifferences``, a
  resource deleted there is ``DELETED``; every other resource is ``NOT_CHECKED``. :func:`drift_resource` makes
  any resource ``MODIFIED`` for a test of another type. An instance whose stack failed to create (or to
  delete) fails the drift operation (wording ours).

Failures on demand: :func:`fail_instance` makes an instance's next operations end ``FAILED`` with a reason,
its stack left as it was (env ``IOTSTACK_EMULATOR_STACK_SET_FAILURES`` does it for the standalone server:
``account:region[=reason]``, ``;`` between them). ``/moto-api/reset`` forgets every stack set, failure and
drift mark (failures from the environment come back).

Not modelled: ``SERVICE_MANAGED`` stack sets (CreateStackSet answers a ValidationError), organizational units,
auto-deployment, ``CallAs``, managed execution (operations are never ``QUEUED``; a second one is refused),
ImportStacksToStackSet, ``RegionalStatusDetails``; the administration and execution roles are recorded, never
checked; capabilities are recorded, never checked; an operation's ``StatusReason`` is not set. Messages named
"ours" above are unverified against AWS.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from tests.support import emulator

SECONDS_ENV = "IOTSTACK_EMULATOR_STACK_SET_SECONDS"
FAILURES_ENV = "IOTSTACK_EMULATOR_STACK_SET_FAILURES"

TOLERANCE_EXCEEDED = "Cancelled since failure tolerance has exceeded"  # AWS's wording (CLI reference example)
STOPPED = "Cancelled since the operation was stopped"  # ours
INJECTED = "Failed on purpose (emulated by fail_instance)"

_OPERATION_ID = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")  # botocore's ClientRequestToken pattern, max 128
_PAGE = 100  # MaxResults' maximum in botocore's model
_INLINE_LIMIT = 51_200  # TemplateBody's maximum, in bytes (API reference, CreateStackSet); larger go by URL
_RUNNING = ("RUNNING", "STOPPING")


def _seconds_from_env() -> float:
    text = os.environ.get(SECONDS_ENV, "0.3")
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise ValueError(f"{SECONDS_ENV}={text!r}: must be a number of seconds, 0..3600")
    return seconds


# How long one stack instance takes in an operation, in seconds: set it in a test (monkeypatch) or a demo.
seconds_per_instance: float = _seconds_from_env()
# The emulator's time, in seconds since the epoch: a test may put a clock of its own here and step it, so that
# what it sees between two steps does not depend on how fast the machine answers.
clock: Callable[[], float] = time.time


# --- state ----------------------------------------------------------------------------------------------------


@dataclasses.dataclass(eq=False)
class Instance:
    account: str
    region: str
    stack_name: str
    overrides: dict[str, str] = dataclasses.field(default_factory=dict)
    stack_id: str | None = None
    status: str = "OUTDATED"  # CURRENT | OUTDATED | INOPERABLE
    detailed_status: str = "PENDING"
    reason: str | None = None
    drift_status: str = "NOT_CHECKED"
    drift_checked: float | None = None
    last_operation: str | None = None


@dataclasses.dataclass(eq=False)
class Result:
    account: str
    region: str
    status: str = "PENDING"
    reason: str | None = None
    ends: float = 0.0
    started: bool = False


@dataclasses.dataclass(eq=False)
class Operation:
    id: str
    action: str  # CREATE | UPDATE | DELETE | DETECT_DRIFT
    request: str  # the request, canonical, for a repeated OperationId
    preferences: dict
    template: str
    parameters: dict[str, str]
    tags: dict[str, str]
    results: list[Result]
    created: float
    retain_stacks: bool | None = None
    status: str = "RUNNING"
    ended: float | None = None
    clock: float = 0.0  # how far the operation has been simulated
    exceeded: bool = False
    stopping: bool = False
    failures: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    drifts: dict[tuple[str, str], list[dict]] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(eq=False)
class StackSet:
    name: str
    id: str
    arn: str
    template: str
    parameters: dict[str, str]
    capabilities: list[str]
    tags: dict[str, str]
    description: str | None
    admin_role: str
    execution_role: str
    status: str = "ACTIVE"
    instances: dict[tuple[str, str], Instance] = dataclasses.field(default_factory=dict)
    operations: list[Operation] = dataclasses.field(default_factory=list)
    drift_operation: Operation | None = None  # the latest DETECT_DRIFT

    def drift(self) -> dict:
        """StackSetDriftDetectionDetails."""
        return _drift_details(self.drift_operation) if self.drift_operation else {"DriftStatus": "NOT_CHECKED"}

    def running(self) -> Operation | None:
        return next((op for op in self.operations if op.status in _RUNNING), None)

    def operation(self, operation_id: str) -> Operation | None:
        return next((op for op in self.operations if op.id == operation_id), None)


# (administrator account, region) -> {stack set id: stack set}, oldest first
_stack_sets: dict[tuple[str, str], dict[str, StackSet]] = {}
_request_tokens: dict[tuple[str, str, str], tuple[str, str]] = {}  # CreateStackSet's ClientRequestToken
_failures: dict[tuple[str, str], list] = {}  # (account, region) -> [reason, times left or None]
_drift_marks: dict[tuple[str, str, str], dict] = {}  # (account, region, logical id) -> a PropertyDifference


# --- test hooks -----------------------------------------------------------------------------------------------


def fail_instance(account: str, region: str, reason: str = INJECTED, times: int | None = None) -> None:
    """Test support: the stack instance in ``account``/``region`` fails its next operations (every one, or the
    next ``times``) with ``reason`` as its StatusReason; its stack is left as it was. :func:`clear` undoes it."""
    if times is not None and times < 1:
        raise ValueError(f"fail_instance: times={times}: must be at least 1, or None for every operation")
    with emulator._cfn_lock:
        _failures[(account, region)] = [reason, times]


def drift_resource(
    account: str,
    region: str,
    logical_id: str,
    property_path: str = "/(emulated)",
    expected: str = "(as the template says)",
    actual: str = "(changed by drift_resource)",
) -> None:
    """Test support: drift detection finds the resource ``logical_id`` of the instance's stack ``MODIFIED``, with
    this one property difference, whatever its type (the real comparison covers three types: see the module)."""
    difference = {"PropertyPath": property_path, "ExpectedValue": expected, "ActualValue": actual}
    with emulator._cfn_lock:
        _drift_marks[(account, region, logical_id)] = {**difference, "DifferenceType": "NOT_EQUAL"}


def clear() -> None:
    """Forget the failures and drift marks set by :func:`fail_instance` and :func:`drift_resource`."""
    with emulator._cfn_lock:
        _failures.clear()
        _drift_marks.clear()


def _failures_from_env() -> dict[tuple[str, str], list]:
    """``account:region[=reason];...`` from :data:`FAILURES_ENV`."""
    found = {}
    for entry in filter(None, (e.strip() for e in os.environ.get(FAILURES_ENV, "").split(";"))):
        target, _, reason = entry.partition("=")
        account, _, region = target.strip().partition(":")
        if not re.fullmatch(r"\d{12}", account) or not region:
            raise ValueError(f"{FAILURES_ENV}: {entry!r}: must be account:region[=reason] (a 12-digit account)")
        found[(account, region.strip())] = [reason.strip() or INJECTED, None]
    return found


def _forget_everything() -> None:
    _stack_sets.clear()
    _request_tokens.clear()
    _drift_marks.clear()
    _failures.clear()
    _failures.update(_failures_from_env())


def _injected_failure(account: str, region: str) -> str | None:
    failure = _failures.get((account, region))
    if failure is None:
        return None
    reason, times = failure
    if times is not None:
        failure[1] = times - 1
        if failure[1] <= 0:
            del _failures[(account, region)]
    return reason


# --- errors ---------------------------------------------------------------------------------------------------


def _not_found(name: str) -> Exception:
    return emulator._error("StackSetNotFoundException", f"StackSet {name} not found")  # moto's wording


def _no_instance() -> Exception:
    return emulator._error("StackInstanceNotFoundException", "The specified stack instance doesn't exist.")


def _no_operation(operation_id: str) -> Exception:
    return emulator._error("OperationNotFoundException", f"The specified operation ID, {operation_id}, doesn't exist.")


# --- time -----------------------------------------------------------------------------------------------------


def _timestamp(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _advance_all(now: float) -> None:
    """Bring every running operation up to ``now``."""
    for stack_sets in _stack_sets.values():
        for stack_set in stack_sets.values():
            operation = stack_set.running()
            if operation is not None:
                _advance(stack_set, operation, now)


def _advance(stack_set: StackSet, op: Operation, now: float) -> None:
    """Simulate ``op`` from its clock to ``now``: start what may start, end what has had its time, in order."""
    while op.status in _RUNNING:
        _start_what_can(stack_set, op)
        running = [r for r in op.results if r.status == "RUNNING"]
        if not running:
            _end(stack_set, op)
            return
        soonest = min(r.ends for r in running)
        if soonest > now:
            return
        op.clock = soonest
        for result in [r for r in running if r.ends <= soonest]:
            _complete(stack_set, op, result)


def _limits(op: Operation, region: str) -> tuple[int, int]:
    """(max concurrent, failure tolerance) in ``region``: percentages of its accounts, rounded down (AWS)."""
    accounts = sum(r.region == region for r in op.results)
    prefs = op.preferences
    if "MaxConcurrentPercentage" in prefs:
        concurrent = max(1, accounts * prefs["MaxConcurrentPercentage"] // 100)
    else:
        concurrent = prefs.get("MaxConcurrentCount", 1)
    if "FailureTolerancePercentage" in prefs:
        tolerance = accounts * prefs["FailureTolerancePercentage"] // 100
    else:
        tolerance = prefs.get("FailureToleranceCount", 0)
    return concurrent, tolerance


def _concurrency(op: Operation, region: str) -> int:
    """How many instances may run at once in ``region`` now (see the module docstring for the two modes)."""
    concurrent, tolerance = _limits(op, region)
    if op.preferences.get("ConcurrencyMode") == "SOFT_FAILURE_TOLERANCE":
        return concurrent
    return max(1, min(concurrent, tolerance + 1) - op.failures[region])


def _regions_now(op: Operation) -> list[str]:
    """The Regions in which instances may start: all (PARALLEL), or the first one not finished."""
    regions = list(dict.fromkeys(r.region for r in op.results))
    if op.preferences.get("RegionConcurrencyType") == "PARALLEL":
        return regions
    unfinished = [r.region for r in op.results if r.status in ("PENDING", "RUNNING")]
    return [next(r for r in regions if r in unfinished)] if unfinished else []


def _start_what_can(stack_set: StackSet, op: Operation) -> None:
    if op.exceeded or op.stopping:
        for result in [r for r in op.results if r.status == "PENDING"]:
            _settle(stack_set, op, result, "CANCELLED", TOLERANCE_EXCEEDED if op.exceeded else STOPPED)
        return
    for region in _regions_now(op):
        here = [r for r in op.results if r.region == region]
        room = _concurrency(op, region) - sum(r.status == "RUNNING" for r in here)
        for result in [r for r in here if r.status == "PENDING"][: max(0, room)]:
            result.status, result.started, result.ends = "RUNNING", True, op.clock + seconds_per_instance
            instance = stack_set.instances.get((result.account, result.region))
            if instance is not None and op.action != "DETECT_DRIFT":
                instance.detailed_status = "RUNNING"


def _complete(stack_set: StackSet, op: Operation, result: Result) -> None:
    """Do the instance's part of the operation (the stack's create, update or delete, or its drift check)."""
    instance = stack_set.instances.get((result.account, result.region))
    reason = _injected_failure(result.account, result.region)
    if reason is None and instance is not None:
        try:
            reason = _ACTIONS[op.action](stack_set, op, instance)
        except Exception as exc:  # moto failing in a way nobody foresaw is the instance's failure, not a 500
            reason = f"{type(exc).__name__}: {exc}"
    _settle(stack_set, op, result, "FAILED" if reason else "SUCCEEDED", reason)
    if reason:
        op.failures[result.region] += 1
        if op.failures[result.region] > _limits(op, result.region)[1]:
            op.exceeded = True


def _settle(stack_set: StackSet, op: Operation, result: Result, status: str, reason: str | None) -> None:
    """Record how an instance ended in ``op``, on the result and on the instance."""
    result.status, result.reason = status, reason
    key = (result.account, result.region)
    instance = stack_set.instances.get(key)
    if instance is None or op.action == "DETECT_DRIFT":
        return
    if op.action == "DELETE" and status == "SUCCEEDED":
        del stack_set.instances[key]
        return
    instance.detailed_status, instance.reason = status, reason
    if op.action == "DELETE" and status == "FAILED":
        instance.status = instance.detailed_status = "INOPERABLE"
    else:
        instance.status = "CURRENT" if status == "SUCCEEDED" else "OUTDATED"


def _end(stack_set: StackSet, op: Operation) -> None:
    op.status = "STOPPED" if op.stopping else "FAILED" if op.exceeded else "SUCCEEDED"
    op.ended = op.clock


# --- what an instance does ------------------------------------------------------------------------------------


def _backend(instance: Instance):
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[instance.account][instance.region]


def _template(text: str) -> dict:
    from moto.cloudformation.models import Stack

    return Stack.parse_template(text) or {}


def _failure_reason(stack, events_before: int) -> str:
    """AWS's StatusReason for an instance whose stack failed: the first resource that failed, in its format."""
    events = stack.events[events_before:]
    for event in events:
        if event.resource_status.endswith("_FAILED") and event.resource_type != "AWS::CloudFormation::Stack":
            return (f"ResourceLogicalId:{event.logical_resource_id}, ResourceType:{event.resource_type}, "
                    f"ResourceStatusReason:{event.resource_status_reason}.")  # fmt: skip
    failing = [e.resource_status_reason for e in events if "FAILED" in e.resource_status or "ROLLBACK" in
               e.resource_status]  # fmt: skip
    return next((reason for reason in failing if reason), f"The stack is {stack.status}")


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def _deploy(stack_set: StackSet, op: Operation, instance: Instance) -> str | None:
    """Create or update the instance's stack from the operation's template and parameters; the failure's
    reason, or None."""
    backend = _backend(instance)
    declared = _template(op.template).get("Parameters") or {}
    # Defaults passed as values: moto types a Number parameter's value, not its default (see the module)
    defaults = {key: spec["Default"] for key, spec in declared.items() if "Default" in spec}
    parameters = {**defaults, **op.parameters, **instance.overrides}
    missing = [key for key in declared if key not in parameters]
    if missing:
        return f"Parameters: [{', '.join(missing)}] must have values"  # CreateStack's ValidationError
    stack = backend.stacks.get(instance.stack_id) if instance.stack_id else None
    if stack is not None and stack.status == "ROLLBACK_COMPLETE":  # a failed create: start again
        backend.delete_stack(stack.stack_id)
        stack = None
    if stack is not None and stack.status not in emulator._UPDATABLE:
        return f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated."
    name = stack.name if stack is not None else instance.stack_name
    events_before = len(stack.events) if stack is not None else 0
    try:
        change_set_id, stack_id = backend.create_change_set(
            name, f"StackSet-{op.id}", op.template, parameters, stack_set.description,
            "UPDATE" if stack is not None else "CREATE", tags=dict(op.tags) or None,
        )  # fmt: skip
    except Exception as exc:
        return _message(exc)
    instance.stack_id = stack_id
    try:
        if backend.change_sets[change_set_id].execution_status == "AVAILABLE":  # else: nothing to change
            backend.execute_change_set(change_set_id, name)
    finally:
        backend.change_sets.pop(change_set_id, None)
    stack = backend.stacks[stack_id]
    if stack.status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        return _failure_reason(stack, events_before)
    stack.parameters = dict(parameters)  # moto's "no changes" test reads these (see the module docstring)
    return None


def _delete(stack_set: StackSet, op: Operation, instance: Instance) -> str | None:
    """Delete the instance's stack unless RetainStacks; the failure's reason, or None."""
    stack = _backend(instance).stacks.get(instance.stack_id) if instance.stack_id else None
    if op.retain_stacks or stack is None:
        return None
    events_before = len(stack.events)
    try:
        _backend(instance).delete_stack(stack.stack_id)
    except Exception as exc:  # termination protection
        return _message(exc)
    return _failure_reason(stack, events_before) if stack.status == "DELETE_FAILED" else None


# --- drift ----------------------------------------------------------------------------------------------------


def _kinesis_stream(account: str, region: str, name: str) -> dict | None:
    from moto.kinesis.models import kinesis_backends

    stream = kinesis_backends[account][region].streams.get(name)
    return None if stream is None else {"RetentionPeriodHours": stream.retention_period_hours,
                                        "ShardCount": stream.shard_count}  # fmt: skip


def _ssm_parameter(account: str, region: str, name: str) -> dict | None:
    from moto.ssm.models import ssm_backends

    parameter = ssm_backends[account][region].get_parameter(name)
    return None if parameter is None else {"Value": parameter.value}


def _log_group(account: str, region: str, name: str) -> dict | None:
    from moto.logs.models import logs_backends

    group = logs_backends[account][region].groups.get(name)
    return None if group is None else {"RetentionInDays": group.retention_in_days}


# The resource types whose live properties the drift check reads back, and how: {property: value} or None (gone).
_READERS = {"AWS::Kinesis::Stream": _kinesis_stream, "AWS::SSM::Parameter": _ssm_parameter,
            "AWS::Logs::LogGroup": _log_group}  # fmt: skip


def _detect_drift(stack_set: StackSet, op: Operation, instance: Instance) -> str | None:
    """Compare the instance's stack with its resources; record them on ``op`` and the instance's DriftStatus."""
    from moto.cloudformation.parsing import clean_json

    stack = _backend(instance).stacks.get(instance.stack_id) if instance.stack_id else None
    if stack is None:
        return f"Stack with id {instance.stack_id or instance.stack_name} does not exist"
    if stack.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_FAILED"):  # nothing, or no template, to check
        return f"Stack:{stack.stack_id} is in {stack.status} state; its drift cannot be detected"  # ours
    drifts = []
    reading, emulator._operation.reading = getattr(emulator._operation, "reading", False), True
    try:  # resolving the template's properties must create nothing
        for logical_id, resource_json in (stack.template_dict.get("Resources") or {}).items():
            drifts.append(_resource_drift(stack, instance, logical_id, resource_json, op.clock, clean_json))
    finally:
        emulator._operation.reading = reading
    op.drifts[(instance.account, instance.region)] = drifts
    instance.drift_status, instance.drift_checked = ("DRIFTED" if _drifted(drifts) else "IN_SYNC"), op.clock
    return None


def _drifted(drifts: list[dict]) -> bool:
    return any(d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED") for d in drifts)


def _resource_drift(stack, instance: Instance, logical_id: str, resource_json: dict, now: float, clean_json) -> dict:
    resource = stack.resource_map._parsed_resources.get(logical_id)
    physical_id = getattr(resource, "physical_resource_id", None)
    resource_type = resource_json.get("Type", "")
    drift = {"StackId": stack.stack_id, "LogicalResourceId": logical_id, "ResourceType": resource_type,
             "PhysicalResourceId": physical_id, "StackResourceDriftStatus": "NOT_CHECKED",
             "Timestamp": now}  # fmt: skip
    mark = _drift_marks.get((instance.account, instance.region, logical_id))
    reader = _READERS.get(resource_type)
    if mark is not None:
        return {**drift, "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": [dict(mark)]}
    if reader is None or not isinstance(physical_id, str):
        return drift
    actual = reader(instance.account, instance.region, physical_id)
    if actual is None:
        return {**drift, "StackResourceDriftStatus": "DELETED"}
    expected = clean_json(resource_json.get("Properties") or {}, stack.resource_map)
    differences = [
        {"PropertyPath": f"/{key}", "ExpectedValue": str(expected[key]), "ActualValue": str(value),
         "DifferenceType": "NOT_EQUAL"}
        for key, value in actual.items()
        if key in expected and str(expected[key]) != str(value)
    ]  # fmt: skip
    if differences:
        return {**drift, "StackResourceDriftStatus": "MODIFIED", "PropertyDifferences": differences}
    return {**drift, "StackResourceDriftStatus": "IN_SYNC"}


def _drift_details(op: Operation) -> dict:
    """StackSetDriftDetectionDetails of the drift operation ``op``, so far."""
    done = [r for r in op.results if r.status in ("SUCCEEDED", "FAILED", "CANCELLED")]
    failed = sum(r.status != "SUCCEEDED" for r in done)
    drifted = sum(r.status == "SUCCEEDED" and _drifted(op.drifts.get((r.account, r.region), [])) for r in done)
    in_sync = len(done) - failed - drifted
    if op.status in _RUNNING:
        detection = "IN_PROGRESS"
    elif op.status == "STOPPED":
        detection = "STOPPED"
    else:
        detection = "FAILED" if done and failed == len(done) else "PARTIAL_SUCCESS" if failed else "COMPLETED"
    return {"DriftStatus": "DRIFTED" if drifted else "IN_SYNC" if in_sync else "NOT_CHECKED",
            "DriftDetectionStatus": detection, "LastDriftCheckTimestamp": _timestamp(op.ended or op.clock),
            "TotalStackInstancesCount": len(op.results), "DriftedStackInstancesCount": drifted,
            "InSyncStackInstancesCount": in_sync, "InProgressStackInstancesCount": len(op.results) - len(done),
            "FailedStackInstancesCount": failed}  # fmt: skip


_ACTIONS = {"CREATE": _deploy, "UPDATE": _deploy, "DELETE": _delete, "DETECT_DRIFT": _detect_drift}


# --- requests -------------------------------------------------------------------------------------------------


def _sets(response) -> dict[str, StackSet]:
    return _stack_sets.setdefault((response.current_account, response.region), {})


def _find(response, name_or_id: str, active: bool = True) -> StackSet:
    """The ACTIVE stack set of that name or id; with ``active=False`` a DELETED one by its id too."""
    for stack_set in _sets(response).values():
        if stack_set.status == "ACTIVE" and name_or_id in (stack_set.name, stack_set.id):
            return stack_set
    found = _sets(response).get(name_or_id)
    if found is None or active:
        raise _not_found(name_or_id)
    return found


def _template_of(response, use_previous: str | None = None) -> str | None:
    body, url = response._get_param("TemplateBody"), response._get_param("TemplateURL")
    if url:
        return response._get_stack_from_s3_url(url)
    if body and len(body.encode()) > _INLINE_LIMIT:
        raise emulator._validation(
            "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have "
            f"length less than or equal to {_INLINE_LIMIT}"
        )
    return body or use_previous


def _parameters(listed: list[dict] | None, previous: dict[str, str]) -> dict[str, str]:
    """``[{ParameterKey, ParameterValue | UsePreviousValue}]`` resolved against ``previous``."""
    resolved = {}
    for parameter in listed or []:
        key = parameter["ParameterKey"]
        if parameter.get("UsePreviousValue"):
            if "ParameterValue" in parameter:
                raise emulator._validation(f"Invalid input for parameter key {key}. Cannot specify usePreviousValue "
                                           "as true and non empty value for a parameter")  # fmt: skip
            if key not in previous:
                raise emulator._validation(f"Parameter {key} has no previous value to use")  # ours
            resolved[key] = previous[key]
        else:
            resolved[key] = parameter.get("ParameterValue", "")
    return resolved


def _preferences(response) -> dict:
    prefs = dict(response._get_param("OperationPreferences") or {})
    for count, percentage in (("MaxConcurrentCount", "MaxConcurrentPercentage"),
                              ("FailureToleranceCount", "FailureTolerancePercentage")):  # fmt: skip
        if count in prefs and percentage in prefs:
            raise emulator._validation(f"You can specify either {count} or {percentage}, but not both.")  # ours
    return prefs


def _targets(response) -> tuple[list[str], list[str]]:
    """Accounts and Regions of the request (Accounts, or DeploymentTargets.Accounts: SELF_MANAGED)."""
    targets = response._get_param("DeploymentTargets") or {}
    if targets.get("OrganizationalUnitIds"):
        raise emulator._validation("StackSets with SELF_MANAGED permission model can only have accounts as target")
    accounts = response._get_param("Accounts") or targets.get("Accounts") or []
    return list(dict.fromkeys(accounts)), list(dict.fromkeys(response._get_param("Regions") or []))


def _in_run_order(pairs: list[tuple[str, str]], prefs: dict) -> list[tuple[str, str]]:
    """(account, region) pairs Region by Region: RegionOrder first, then as the request has them."""
    regions = list(dict.fromkeys(region for _, region in pairs))
    ordered = [r for r in prefs.get("RegionOrder", []) if r in regions]
    ordered += [r for r in regions if r not in ordered]
    return [(account, r) for r in ordered for account, region in pairs if region == r]


def _repeated_or_busy(response, stack_set: StackSet) -> tuple[str, str, str | None]:
    """(operation id, the request canonical, the id to answer if this request was made before). Raises for an
    id used by another request, and for a stack set busy with another operation."""
    operation_id = response._get_param("OperationId") or str(uuid.uuid4())
    if len(operation_id) > 128 or not _OPERATION_ID.fullmatch(operation_id):
        raise emulator._validation(f"1 validation error detected: Value '{operation_id}' at 'operationId' failed to "
                                   f"satisfy constraint: Member must satisfy regular expression pattern: "
                                   f"{_OPERATION_ID.pattern}")  # fmt: skip
    params = {k: v for k, v in response._get_params().items() if k != "OperationId"}
    request = json.dumps([response._get_action(), params], sort_keys=True, default=str)
    existing = stack_set.operation(operation_id)
    if existing is not None:
        if existing.request != request:
            raise emulator._error("OperationIdAlreadyExistsException",
                                  f"The operation ID {operation_id} already exists.")  # fmt: skip
        return operation_id, request, operation_id
    busy = stack_set.running()
    if busy is not None:
        raise emulator._error("OperationInProgressException",
                              f"Another Operation on StackSet {stack_set.arn} is in progress: {busy.id}")  # fmt: skip
    return operation_id, request, None


def _start(stack_set: StackSet, action: str, operation_id: str, request: str, prefs: dict,
           targets: list[tuple[str, str]], retain_stacks: bool | None = None):  # fmt: skip
    """A new operation on ``targets``, RUNNING from now; the answer with its id."""
    from moto.core.responses import ActionResult

    now = clock()
    op = Operation(id=operation_id, action=action, request=request, preferences=prefs,
                   template=stack_set.template, parameters=dict(stack_set.parameters), tags=dict(stack_set.tags),
                   results=[Result(a, r) for a, r in _in_run_order(targets, prefs)], created=now, clock=now,
                   retain_stacks=retain_stacks)  # fmt: skip
    stack_set.operations.append(op)
    if action != "DETECT_DRIFT":
        for result in op.results:
            instance = stack_set.instances[(result.account, result.region)]
            instance.status, instance.detailed_status, instance.reason = "OUTDATED", "PENDING", None
            instance.last_operation = op.id
    else:
        stack_set.drift_operation = op
    _advance(stack_set, op, now)  # an operation with nothing to do ends at once
    return ActionResult({"OperationId": op.id})


def _existing(stack_set: StackSet, accounts: list[str], regions: list[str]) -> list[tuple[str, str]]:
    """The pairs, each an instance of the stack set, else StackInstanceNotFoundException."""
    pairs = [(a, r) for r in regions for a in accounts]
    if any(pair not in stack_set.instances for pair in pairs):
        raise _no_instance()
    return pairs


# --- the actions ----------------------------------------------------------------------------------------------


def _create_stack_set(response):
    from moto.cloudformation.utils import generate_stackset_arn, generate_stackset_id
    from moto.core.responses import ActionResult

    name = response._get_param("StackSetName")
    if not re.fullmatch(r"[a-zA-Z][-a-zA-Z0-9]*", name or ""):
        raise emulator._validation(
            f"1 validation error detected: Value '{name}' at 'stackSetName' failed to satisfy constraint: Member "
            "must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*"
        )
    token = response._get_param("ClientRequestToken")
    key = (response.current_account, response.region, token or "")
    if token and key in _request_tokens and _request_tokens[key][0] == name:
        return ActionResult({"StackSetId": _request_tokens[key][1]})
    if (response._get_param("PermissionModel") or "SELF_MANAGED") != "SELF_MANAGED":
        raise emulator._validation("The emulator models SELF_MANAGED stack sets only (tests/support/stack_sets.py)")
    if any(s.status == "ACTIVE" and s.name == name for s in _sets(response).values()):
        raise emulator._error("NameAlreadyExistsException", f"StackSet {name} already exists")  # ours
    template = _template_of(response)
    if not template:
        raise emulator._validation("Either TemplateBody or TemplateURL must be specified.")  # ours
    stack_set_id = generate_stackset_id(name)
    account = response.current_account
    stack_set = StackSet(
        name=name, id=stack_set_id, arn=generate_stackset_arn(stack_set_id, response.region, account),
        template=template, parameters=_parameters(response._get_param("Parameters"), {}),
        capabilities=list(response._get_param("Capabilities") or []),
        tags={t["Key"]: t["Value"] for t in response._get_param("Tags") or []},
        description=response._get_param("Description"),
        admin_role=response._get_param("AdministrationRoleARN")
        or f"arn:{response.partition}:iam::{account}:role/AWSCloudFormationStackSetAdministrationRole",
        execution_role=response._get_param("ExecutionRoleName") or "AWSCloudFormationStackSetExecutionRole",
    )  # fmt: skip
    _sets(response)[stack_set_id] = stack_set
    if token:
        _request_tokens[key] = (name, stack_set_id)
    return ActionResult({"StackSetId": stack_set_id})


def _update_stack_set(response):
    stack_set = _find(response, response._get_param("StackSetName"))
    operation_id, request, repeated = _repeated_or_busy(response, stack_set)
    if repeated:
        return _answer(repeated)
    prefs = _preferences(response)
    previous = stack_set.template if response._get_bool_param("UsePreviousTemplate", False) else None
    template = _template_of(response, previous)
    if not template:
        raise emulator._validation("Either TemplateBody, TemplateURL or UsePreviousTemplate must be specified.")
    accounts, regions = _targets(response)
    if bool(accounts) != bool(regions):
        raise emulator._validation("Accounts and Regions must be specified together.")  # ours
    targets = (_existing(stack_set, accounts, regions) if accounts else
               [k for k, i in stack_set.instances.items() if i.status != "INOPERABLE"])  # fmt: skip
    parameters = _parameters(response._get_param("Parameters"), stack_set.parameters)
    changed = template != stack_set.template or parameters != stack_set.parameters
    stack_set.template, stack_set.parameters = template, parameters
    for attribute, param in (("description", "Description"), ("admin_role", "AdministrationRoleARN"),
                             ("execution_role", "ExecutionRoleName")):  # fmt: skip
        if response._get_param(param) is not None:
            setattr(stack_set, attribute, response._get_param(param))
    if response._get_param("Capabilities") is not None:
        stack_set.capabilities = list(response._get_param("Capabilities"))
    if response._get_param("Tags") is not None:
        stack_set.tags = {t["Key"]: t["Value"] for t in response._get_param("Tags")}
    if changed:  # the API: every instance is OUTDATED before the named ones are updated
        for instance in stack_set.instances.values():
            if instance.status == "CURRENT":
                instance.status = "OUTDATED"
    return _start(stack_set, "UPDATE", operation_id, request, prefs, targets)


def _delete_stack_set(response):
    from moto.core.responses import EmptyResult

    name = response._get_param("StackSetName")
    stack_set = next((s for s in _sets(response).values() if s.status == "ACTIVE" and name in (s.name, s.id)), None)
    if stack_set is None:
        return EmptyResult()  # DeleteStackSet documents no StackSetNotFoundException
    busy = stack_set.running()
    if busy is not None:
        raise emulator._error("OperationInProgressException",
                              f"Another Operation on StackSet {stack_set.arn} is in progress: {busy.id}")  # fmt: skip
    if stack_set.instances:
        raise emulator._error("StackSetNotEmptyException", "StackSet is not empty")  # moto's wording
    stack_set.status = "DELETED"
    return EmptyResult()


def _create_stack_instances(response):
    stack_set = _find(response, response._get_param("StackSetName"))
    operation_id, request, repeated = _repeated_or_busy(response, stack_set)
    if repeated:
        return _answer(repeated)
    prefs = _preferences(response)
    accounts, regions = _targets(response)
    if not accounts or not regions:
        raise emulator._validation("Accounts and Regions must be specified.")  # ours
    overrides = response._get_param("ParameterOverrides")
    _check_overrides(stack_set, overrides)
    pairs = [(a, r) for r in regions for a in accounts]
    for account, region in pairs:
        instance = stack_set.instances.get((account, region))
        if instance is None:
            instance = Instance(account, region, f"StackSet-{stack_set.name}-{uuid.uuid4()}")
            stack_set.instances[(account, region)] = instance
        if overrides is not None:
            instance.overrides = _parameters(overrides, instance.overrides)
    return _start(stack_set, "CREATE", operation_id, request, prefs, pairs)


def _update_stack_instances(response):
    stack_set = _find(response, response._get_param("StackSetName"))
    operation_id, request, repeated = _repeated_or_busy(response, stack_set)
    if repeated:
        return _answer(repeated)
    prefs = _preferences(response)
    accounts, regions = _targets(response)
    pairs = _existing(stack_set, accounts, regions)
    overrides = response._get_param("ParameterOverrides")
    _check_overrides(stack_set, overrides)
    if overrides is not None:  # absent: the overrides stay; a list: exactly these (UsePreviousValue keeps one)
        for pair in pairs:
            stack_set.instances[pair].overrides = _parameters(overrides, stack_set.instances[pair].overrides)
    return _start(stack_set, "UPDATE", operation_id, request, prefs, pairs)


def _delete_stack_instances(response):
    stack_set = _find(response, response._get_param("StackSetName"))
    operation_id, request, repeated = _repeated_or_busy(response, stack_set)
    if repeated:
        return _answer(repeated)
    prefs = _preferences(response)
    accounts, regions = _targets(response)
    pairs = [(a, r) for r in regions for a in accounts if (a, r) in stack_set.instances]
    retain = response._get_bool_param("RetainStacks", False)
    return _start(stack_set, "DELETE", operation_id, request, prefs, pairs, retain_stacks=retain)


def _detect_stack_set_drift(response):
    stack_set = _find(response, response._get_param("StackSetName"))
    operation_id, request, repeated = _repeated_or_busy(response, stack_set)
    if repeated:
        return _answer(repeated)
    prefs = _preferences(response)
    pairs = [k for k, i in stack_set.instances.items() if i.stack_id and i.status != "INOPERABLE"]
    return _start(stack_set, "DETECT_DRIFT", operation_id, request, prefs, pairs)


def _stop_stack_set_operation(response):
    from moto.core.responses import EmptyResult

    stack_set = _find(response, response._get_param("StackSetName"), active=False)
    operation_id = response._get_param("OperationId")
    op = stack_set.operation(operation_id)
    if op is None:
        raise _no_operation(operation_id)
    if op.status != "RUNNING":
        raise emulator._error("InvalidOperationException", f"Operation {operation_id} is {op.status}")  # ours
    op.stopping, op.status = True, "STOPPING"
    _advance(stack_set, op, clock())
    return EmptyResult()


def _check_overrides(stack_set: StackSet, overrides: list[dict] | None) -> None:
    """The API: only the parameters of the stack set's template can be overridden (the wording is ours)."""
    declared = _template(stack_set.template).get("Parameters") or {}
    unknown = [p["ParameterKey"] for p in overrides or [] if p["ParameterKey"] not in declared]
    if unknown:
        raise emulator._validation(f"Parameter overrides {unknown} are not parameters of the stack set's template")


def _answer(operation_id: str):
    from moto.core.responses import ActionResult

    return ActionResult({"OperationId": operation_id})


# --- reads ----------------------------------------------------------------------------------------------------


def _present(view: dict) -> dict:
    """``view`` without its empty members (botocore reads an absent member as absent, a null one too)."""
    return {k: v for k, v in view.items() if v is not None}


def _page(response, items: list) -> dict:
    """``{"Summaries": page, "NextToken": ...}`` of ``items`` (NextToken: the offset, as text)."""
    token, size = response._get_param("NextToken"), response._get_param("MaxResults") or _PAGE
    start = int(token) if token and token.isdigit() else 0
    end = start + min(size, _PAGE)
    return _present({"Summaries": items[start:end], "NextToken": str(end) if end < len(items) else None})


def _stack_set_view(stack_set: StackSet) -> dict:
    regions = list(dict.fromkeys(region for _, region in stack_set.instances))
    return _present({
        "StackSetName": stack_set.name, "StackSetId": stack_set.id, "Description": stack_set.description,
        "Status": stack_set.status, "TemplateBody": stack_set.template,
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in stack_set.parameters.items()],
        "Capabilities": stack_set.capabilities, "Tags": [{"Key": k, "Value": v} for k, v in stack_set.tags.items()],
        "StackSetARN": stack_set.arn, "AdministrationRoleARN": stack_set.admin_role,
        "ExecutionRoleName": stack_set.execution_role, "PermissionModel": "SELF_MANAGED",
        "StackSetDriftDetectionDetails": stack_set.drift(),
        "ManagedExecution": {"Active": False}, "Regions": regions,
    })  # fmt: skip


def _instance_view(stack_set: StackSet, instance: Instance, full: bool) -> dict:
    view = {"StackSetId": stack_set.id, "Region": instance.region, "Account": instance.account,
            "StackId": instance.stack_id, "Status": instance.status, "StatusReason": instance.reason,
            "StackInstanceStatus": {"DetailedStatus": instance.detailed_status},
            "DriftStatus": instance.drift_status, "LastDriftCheckTimestamp": _timestamp(instance.drift_checked),
            "LastOperationId": instance.last_operation}  # fmt: skip
    if full:
        view["ParameterOverrides"] = [{"ParameterKey": k, "ParameterValue": v} for k, v in instance.overrides.items()]
    return _present(view)


def _operation_view(stack_set: StackSet, op: Operation, full: bool) -> dict:
    failed = sum(r.status == "FAILED" for r in op.results)
    view = {"OperationId": op.id, "Action": op.action, "Status": op.status,
            "CreationTimestamp": _timestamp(op.created), "EndTimestamp": _timestamp(op.ended),
            "StatusDetails": {"FailedStackInstancesCount": failed}, "OperationPreferences": op.preferences}  # fmt: skip
    if full:
        view.update(StackSetId=stack_set.id, RetainStacks=op.retain_stacks, AdministrationRoleARN=stack_set.admin_role,
                    ExecutionRoleName=stack_set.execution_role)  # fmt: skip
        if op.action == "DETECT_DRIFT":
            view["StackSetDriftDetectionDetails"] = _drift_details(op)
    return _present(view)


def _result_view(op: Operation, result: Result) -> dict:
    gate = None
    if result.started:  # no gate function in the target account: AWS skips the gate
        function = f"arn:aws:lambda:{result.region}:{result.account}:function:AWSCloudFormationStackSetAccountGate"
        gate = {"Status": "SKIPPED", "StatusReason": f"Function not found: {function}"}
    return _present({"Account": result.account, "Region": result.region, "Status": result.status,
                     "StatusReason": result.reason, "AccountGateResult": gate})  # fmt: skip


def _filtered(items: list[dict], filters: list[dict] | None, fields: dict[str, Callable]) -> list[dict]:
    for entry in filters or []:
        read = fields.get(entry.get("Name"))
        if read is not None:
            items = [i for i in items if read(i) == entry.get("Values")]
    return items


def _describe_stack_set(response):
    from moto.core.responses import ActionResult

    stack_set = _find(response, response._get_param("StackSetName"), active=False)
    return ActionResult({"StackSet": _stack_set_view(stack_set)})


def _list_stack_sets(response):
    from moto.core.responses import ActionResult

    status = response._get_param("Status")
    summaries = [_present({"StackSetName": s.name, "StackSetId": s.id, "Description": s.description,
                           "Status": s.status, "PermissionModel": "SELF_MANAGED",
                           "DriftStatus": s.drift()["DriftStatus"],
                           "LastDriftCheckTimestamp": s.drift().get("LastDriftCheckTimestamp"),
                           "ManagedExecution": {"Active": False}})
                 for s in _sets(response).values() if status in (None, s.status)]  # fmt: skip
    return ActionResult(_page(response, summaries))


def _describe_stack_instance(response):
    from moto.core.responses import ActionResult

    stack_set = _find(response, response._get_param("StackSetName"), active=False)
    key = (response._get_param("StackInstanceAccount"), response._get_param("StackInstanceRegion"))
    if key not in stack_set.instances:
        raise _no_instance()
    return ActionResult({"StackInstance": _instance_view(stack_set, stack_set.instances[key], full=True)})


def _list_stack_instances(response):
    from moto.core.responses import ActionResult

    stack_set = _find(response, response._get_param("StackSetName"), active=False)
    account, region = response._get_param("StackInstanceAccount"), response._get_param("StackInstanceRegion")
    views = [_instance_view(stack_set, i, full=False) for i in stack_set.instances.values()
             if account in (None, i.account) and region in (None, i.region)]  # fmt: skip
    fields = {"DETAILED_STATUS": lambda v: v["StackInstanceStatus"]["DetailedStatus"],
              "LAST_OPERATION_ID": lambda v: v.get("LastOperationId"),
              "DRIFT_STATUS": lambda v: v.get("DriftStatus")}  # fmt: skip
    views = _filtered(views, response._get_param("Filters"), fields)
    return ActionResult(_page(response, views))


def _operation_of(response) -> tuple[StackSet, Operation]:
    stack_set = _find(response, response._get_param("StackSetName"), active=False)
    operation_id = response._get_param("OperationId")
    op = stack_set.operation(operation_id)
    if op is None:
        raise _no_operation(operation_id)
    return stack_set, op


def _describe_stack_set_operation(response):
    from moto.core.responses import ActionResult

    stack_set, op = _operation_of(response)
    return ActionResult({"StackSetOperation": _operation_view(stack_set, op, full=True)})


def _list_stack_set_operations(response):
    from moto.core.responses import ActionResult

    stack_set = _find(response, response._get_param("StackSetName"), active=False)
    views = [_operation_view(stack_set, op, full=False) for op in reversed(stack_set.operations)]  # newest first
    return ActionResult(_page(response, views))


def _list_stack_set_operation_results(response):
    from moto.core.responses import ActionResult

    _, op = _operation_of(response)
    views = _filtered([_result_view(op, r) for r in op.results], response._get_param("Filters"),
                      {"OPERATION_RESULT_STATUS": lambda v: v["Status"]})  # fmt: skip
    return ActionResult(_page(response, views))


def _list_stack_instance_resource_drifts(response):
    from moto.core.responses import ActionResult

    stack_set, op = _operation_of(response)
    key = (response._get_param("StackInstanceAccount"), response._get_param("StackInstanceRegion"))
    if key not in stack_set.instances and key not in op.drifts:
        raise _no_instance()
    wanted = response._get_param("StackInstanceResourceDriftStatuses")
    drifts = [_present({**d, "Timestamp": _timestamp(d["Timestamp"])}) for d in op.drifts.get(key, [])
              if not wanted or d["StackResourceDriftStatus"] in wanted]  # fmt: skip
    return ActionResult(_page(response, drifts))


_HANDLERS = (
    _create_stack_set,
    _update_stack_set,
    _delete_stack_set,
    _describe_stack_set,
    _list_stack_sets,
    _create_stack_instances,
    _update_stack_instances,
    _delete_stack_instances,
    _describe_stack_instance,
    _list_stack_instances,
    _describe_stack_set_operation,
    _list_stack_set_operations,
    _list_stack_set_operation_results,
    _stop_stack_set_operation,
    _detect_stack_set_drift,
    _list_stack_instance_resource_drifts,
)


def patch() -> None:
    """Replace moto's stack-set actions with this module's; advance operations before every CloudFormation
    request; forget everything on ``/moto-api/reset``. Called once, by ``emulator._patch_moto``, after the
    emulator's own patches (its lock is taken here first)."""
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.moto_api._internal.models import MotoAPIBackend

    for handler in _HANDLERS:
        setattr(CloudFormationResponse, handler.__name__[1:], handler)  # moto's method of that name
    for path in ("DescribeStackSetOutput.StackSet.Parameters", "DescribeStackSetOutput.StackSet.Tags"):
        CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.pop(path, None)  # made lists of moto's dicts

    call_action = CloudFormationResponse.call_action

    def call_action_advancing(self):
        with emulator._cfn_lock:
            _advance_all(clock())
            return call_action(self)

    CloudFormationResponse.call_action = call_action_advancing

    reset = MotoAPIBackend.reset

    def reset_stack_sets_too(self) -> None:
        with emulator._cfn_lock:
            reset(self)
            _forget_everything()

    MotoAPIBackend.reset = reset_stack_sets_too
    _forget_everything()
