"""The stack set calls of the AWS gateway (:class:`generator.aws.gateway.Cloud` inherits them), and typed views
of their answers: a stack set, its instances, an operation and its per-instance results.

Every operation (UpdateStackSet, Create/Update/DeleteStackInstances, DetectStackSetDrift) carries an
``OperationId`` made by the caller: AWS treats a repeated id as the same operation ("the operation ID also
functions as an idempotency token"), so botocore's retries of a call whose answer was lost never start a
second operation; and before the caller retries by hand it asks :meth:`StackSetCalls.operation` whether the
first one exists. Lists are read to their last page.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.aws.errors import AwsError

# An operation that has not ended; SUCCEEDED, FAILED and STOPPED are its ends.
RUNNING = ("RUNNING", "QUEUED", "STOPPING")


@dataclass(frozen=True)
class StackSet:
    """DescribeStackSet: the template and the stack set's own parameter values."""

    name: str
    status: str  # ACTIVE, DELETED
    template: str  # TemplateBody
    parameters: dict[str, str]
    permission_model: str

    @classmethod
    def of(cls, answer: dict) -> StackSet:
        return cls(answer["StackSetName"], answer.get("Status", ""), answer.get("TemplateBody", ""),
                   {p["ParameterKey"]: p.get("ParameterValue", "") for p in answer.get("Parameters", [])},
                   answer.get("PermissionModel", "SELF_MANAGED"))  # fmt: skip


@dataclass(frozen=True)
class Instance:
    """A stack instance: where it is, how it stands, and (DescribeStackInstance) what it overrides."""

    account: str
    region: str
    status: str  # CURRENT, OUTDATED, INOPERABLE
    detailed: str  # PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED, INOPERABLE, SKIPPED_SUSPENDED_ACCOUNT
    reason: str
    drift: str  # DRIFTED, IN_SYNC, UNKNOWN, NOT_CHECKED
    last_operation: str
    stack_id: str
    overrides: dict[str, str] | None = None  # None: not read (ListStackInstances does not give them)

    @classmethod
    def of(cls, answer: dict) -> Instance:
        given = answer.get("ParameterOverrides")
        overrides = None if given is None else {p["ParameterKey"]: p.get("ParameterValue", "") for p in given}
        return cls(answer["Account"], answer["Region"], answer.get("Status", ""),
                   (answer.get("StackInstanceStatus") or {}).get("DetailedStatus", ""), answer.get("StatusReason", ""),
                   answer.get("DriftStatus", "NOT_CHECKED"), answer.get("LastOperationId", ""),
                   answer.get("StackId", ""),
                   overrides)  # fmt: skip


@dataclass(frozen=True)
class Operation:
    """DescribeStackSetOperation: what it is and how far."""

    id: str
    action: str  # CREATE, UPDATE, DELETE, DETECT_DRIFT
    status: str  # RUNNING, SUCCEEDED, FAILED, STOPPING, STOPPED, QUEUED
    reason: str

    @classmethod
    def of(cls, answer: dict) -> Operation:
        return cls(answer["OperationId"], answer.get("Action", ""), answer["Status"], answer.get("StatusReason", ""))

    @property
    def running(self) -> bool:
        return self.status in RUNNING


@dataclass(frozen=True)
class Result:
    """One instance's result in an operation (ListStackSetOperationResults)."""

    account: str
    region: str
    status: str  # PENDING, RUNNING, SUCCEEDED, FAILED, CANCELLED
    reason: str

    @classmethod
    def of(cls, answer: dict) -> Result:
        return cls(answer["Account"], answer["Region"], answer["Status"], answer.get("StatusReason", ""))

    @property
    def ended(self) -> bool:
        return self.status in ("SUCCEEDED", "FAILED", "CANCELLED")


class StackSetCalls:
    """The StackSets API; every call goes through the gateway's ``_call``."""

    cloudformation: Any

    def _call(self, client: Any, operation: str, took_effect: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # the gateway's

    def _pages(self, operation: str, key: str, **kwargs: Any) -> Iterator[dict]:
        token: dict = {}
        while True:
            page = self._call(self.cloudformation, operation, **kwargs, **token)
            yield from page.get(key, [])
            if not page.get("NextToken"):
                return
            token = {"NextToken": page["NextToken"]}

    def stack_set(self, name: str) -> StackSet | None:
        """The stack set, or None when there is none (or only a deleted one)."""
        try:
            found = StackSet.of(self._call(self.cloudformation, "describe_stack_set", StackSetName=name)["StackSet"])
        except AwsError as exc:
            if exc.code == "StackSetNotFoundException":
                return None
            raise
        return None if found.status == "DELETED" else found

    def instances(self, name: str, overrides: bool = False) -> list[Instance]:
        """Every stack instance (``overrides``: with what each overrides, one DescribeStackInstance each)."""
        found = [Instance.of(s) for s in self._pages("list_stack_instances", "Summaries", StackSetName=name,
                                                      MaxResults=100)]  # fmt: skip
        if not overrides:
            return found
        return [Instance.of(self._call(self.cloudformation, "describe_stack_instance", StackSetName=name,
                                       StackInstanceAccount=i.account, StackInstanceRegion=i.region)["StackInstance"])
                for i in found]  # fmt: skip

    def operations(self, name: str) -> list[Operation]:
        """The stack set's operations, newest first."""
        return [Operation.of(o) for o in self._pages("list_stack_set_operations", "Summaries", StackSetName=name,
                                                      MaxResults=100)]  # fmt: skip

    def operation(self, name: str, operation_id: str) -> Operation | None:
        try:
            answer = self._call(self.cloudformation, "describe_stack_set_operation", StackSetName=name,
                                OperationId=operation_id)  # fmt: skip
        except AwsError as exc:
            if exc.code == "OperationNotFoundException":
                return None
            raise
        return Operation.of(answer["StackSetOperation"])

    def results(self, name: str, operation_id: str) -> list[Result]:
        return [Result.of(r) for r in self._pages("list_stack_set_operation_results", "Summaries", StackSetName=name,
                                                   OperationId=operation_id, MaxResults=100)]  # fmt: skip

    def create_stack_set(self, **kwargs: Any) -> None:
        """CreateStackSet (not an operation; its ClientRequestToken makes a retry safe)."""
        self._call(self.cloudformation, "create_stack_set", **kwargs)

    def delete_stack_set(self, name: str) -> None:
        """DeleteStackSet: refused by AWS while the stack set has instances or an operation runs."""
        self._call(self.cloudformation, "delete_stack_set", StackSetName=name)

    def start(self, call: str, name: str, operation_id: str, **kwargs: Any) -> str:
        """Start an operation (``update_stack_set``, ``create_stack_instances``, ``update_stack_instances``,
        ``delete_stack_instances``, ``detect_stack_set_drift``) under ``operation_id``; its id."""

        def took_effect() -> dict | None:
            started = self.operation(name, operation_id)
            return {"OperationId": operation_id} if started else None

        return self._call(self.cloudformation, call, took_effect, StackSetName=name, OperationId=operation_id,
                          **kwargs)["OperationId"]  # fmt: skip

    def instance_drifts(self, name: str, account: str, region: str, operation_id: str) -> list[dict]:
        """The drifted resources of one instance, as the detection ``operation_id`` found them."""
        where = {"StackInstanceAccount": account, "StackInstanceRegion": region, "OperationId": operation_id,
                 "StackInstanceResourceDriftStatuses": ["MODIFIED", "DELETED"]}  # fmt: skip
        return list(self._pages("list_stack_instance_resource_drifts", "Summaries", StackSetName=name, **where,
                                MaxResults=100))  # fmt: skip
