"""Typed views of CloudFormation's answers, so that the deploy code asks questions instead of
comparing status strings or digging through response shapes (as the AWS CDK's ``StackStatus``).

Each view is built from one answer (:meth:`Stack.of`, :meth:`ChangeSet.of`, :meth:`StackEvent.of`)
by :mod:`generator.aws.gateway`; nothing here calls AWS or imports boto3. The drift views
(:class:`StackDrift`, :class:`ResourceDrift`, :class:`PropertyDifference`) are in
:mod:`generator.aws.drift_views`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from generator.cfn import STACK_TYPE, STATEFUL_TYPES
from generator.errors import TOO_DEEP, IotstackError

# How CloudFormation says a change set has nothing to do (CreateChangeSet, and UpdateStack's wording).
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# A stack that serves a template: the last operation succeeded, or an update was rolled back to the last one.
_DEPLOYED = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
_RUNNING = _DEPLOYED | {"UPDATE_ROLLBACK_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}
# States no update can leave: a command of its own (recover, destroy) is needed first.
_STUCK = {"UPDATE_ROLLBACK_FAILED", "ROLLBACK_FAILED", "DELETE_FAILED", "IMPORT_ROLLBACK_FAILED"}
# A resource has reached one of these when its part of the operation is done.
_RESOURCE_DONE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE", "DELETE_SKIPPED", "IMPORT_COMPLETE"}
# Reasons of resources that failed only because another one did: the cascade, not the cause.
_CASCADE = ("Resource creation cancelled", "Resource update cancelled", "Resource deletion cancelled")


@dataclass(frozen=True)
class StackStatus:
    """A stack's status (``UPDATE_COMPLETE``, ...), and what it means for the next operation."""

    name: str

    def __str__(self) -> str:
        return self.name

    @property
    def in_progress(self) -> bool:
        """An operation is running (or a new stack waits in review for its first change set)."""
        return self.name.endswith("_IN_PROGRESS")

    @property
    def in_review(self) -> bool:
        """Created by a CREATE change set that has not run: the stack holds no resources yet."""
        return self.name == "REVIEW_IN_PROGRESS"

    @property
    def busy(self) -> bool:
        """Another operation is running; nothing else may start until it ends."""
        return self.in_progress and not self.in_review

    @property
    def deployed(self) -> bool:
        """The last create, update or import succeeded."""
        return self.name in _DEPLOYED

    @property
    def running(self) -> bool:
        """The stack serves a template: deployed, or an update rolled back to the previous one."""
        return self.name in _RUNNING

    @property
    def failed_creation(self) -> bool:
        """``ROLLBACK_COMPLETE``: the first creation failed and was rolled back; it cannot be updated."""
        return self.name == "ROLLBACK_COMPLETE"

    @property
    def stuck(self) -> bool:
        """A failed rollback or deletion: recover or destroy first."""
        return self.name in _STUCK

    @property
    def rollback_failed(self) -> bool:
        """``UPDATE_ROLLBACK_FAILED``: what ``iotstack recover`` continues."""
        return self.name == "UPDATE_ROLLBACK_FAILED"

    @property
    def rolled_back(self) -> bool:
        """``UPDATE_ROLLBACK_COMPLETE``: an update failed and the previous template runs again."""
        return self.name == "UPDATE_ROLLBACK_COMPLETE"

    @property
    def deleted(self) -> bool:
        return self.name == "DELETE_COMPLETE"


@dataclass(frozen=True)
class Stack:
    """One DescribeStacks answer."""

    name: str
    id: str
    status: StackStatus
    reason: str = ""
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    outputs: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    termination_protection: bool = False
    notification_arns: tuple[str, ...] = ()
    drift: DriftInformation = field(default_factory=lambda: DriftInformation("NOT_CHECKED"))

    @classmethod
    def of(cls, answer: dict) -> Stack:
        return cls(
            name=answer["StackName"],
            id=answer["StackId"],
            status=StackStatus(answer["StackStatus"]),
            reason=answer.get("StackStatusReason") or "",
            tags=MappingProxyType({t["Key"]: t["Value"] for t in answer.get("Tags", [])}),
            outputs=MappingProxyType(dict(sorted(_outputs(answer)))),
            termination_protection=bool(answer.get("EnableTerminationProtection")),
            notification_arns=tuple(answer.get("NotificationARNs", [])),
            drift=DriftInformation.of(answer.get("DriftInformation") or {}),
        )


@dataclass(frozen=True)
class DriftInformation:
    """DescribeStacks' ``DriftInformation``: the last drift detection's verdict and when it was taken."""

    status: str  # DRIFTED, IN_SYNC, UNKNOWN, or NOT_CHECKED (never checked)
    checked_at: datetime | None = None

    @classmethod
    def of(cls, answer: dict) -> DriftInformation:
        return cls(answer.get("StackDriftStatus") or "NOT_CHECKED", answer.get("LastCheckTimestamp"))

    @property
    def checked(self) -> bool:
        return self.status != "NOT_CHECKED"


@dataclass(frozen=True)
class StackEvent:
    """One stack event: a resource (or the stack itself) reaching a status."""

    id: str
    logical_id: str
    resource_type: str
    status: str
    reason: str
    timestamp: datetime
    token: str = ""  # the ClientRequestToken of the operation that caused it
    stack_name: str = ""  # the stack's name ("" when not known: then any stack-type event is the stack's)

    @classmethod
    def of(cls, answer: dict) -> StackEvent:
        return cls(answer["EventId"], answer["LogicalResourceId"], answer.get("ResourceType", ""),
                   answer["ResourceStatus"], answer.get("ResourceStatusReason") or "", answer["Timestamp"],
                   answer.get("ClientRequestToken") or "", answer.get("StackName") or "")  # fmt: skip

    @property
    def of_stack(self) -> bool:
        """An event of the stack itself (its operation began or ended), not of one of its resources; a nested
        stack (what the Secrets Manager rotation transform adds) is one of its resources: its logical id is
        not the stack's name."""
        return self.resource_type == STACK_TYPE and (not self.stack_name or self.logical_id == self.stack_name)

    @property
    def done(self) -> bool:
        """This resource's part of the operation is done."""
        return self.status in _RESOURCE_DONE

    @property
    def failed(self) -> bool:
        return self.status.endswith("_FAILED")

    @property
    def cascade(self) -> bool:
        """Failed only because another resource did."""
        return self.reason.startswith(_CASCADE)


@dataclass(frozen=True)
class ResourceChange:
    """One row of a change set: what happens to one resource."""

    action: str  # Add, Modify, Remove, Import, Dynamic
    logical_id: str
    resource_type: str
    replacement: str = ""  # "True", "False", "Conditional" ("" for Add and Remove)
    policy_action: str = ""  # Delete, Retain, Snapshot, ReplaceAndDelete, ...
    paths: tuple[str, ...] = ()  # the changed properties

    @classmethod
    def of(cls, answer: dict) -> ResourceChange:
        paths = sorted({_target_path(d.get("Target", {})) for d in answer.get("Details", [])} - {""})
        return cls(answer["Action"], answer["LogicalResourceId"], answer["ResourceType"],
                   answer.get("Replacement") or "", answer.get("PolicyAction") or "", tuple(paths))  # fmt: skip

    @property
    def removes(self) -> bool:
        return self.action == "Remove"

    @property
    def may_replace(self) -> bool:
        """CloudFormation says it replaces the resource, or may (``Conditional``)."""
        return self.replacement in ("True", "Conditional")

    @property
    def stateful(self) -> bool:
        return self.resource_type in STATEFUL_TYPES


@dataclass(frozen=True)
class ChangeSet:
    """One DescribeChangeSet answer, every page of its changes merged."""

    name: str
    stack_id: str
    status: str
    execution_status: str
    reason: str
    description: str
    changes: tuple[ResourceChange, ...] = ()
    id: str = ""  # its ARN

    @classmethod
    def of(cls, answer: dict) -> ChangeSet:
        rows = tuple(ResourceChange.of(c["ResourceChange"]) for c in answer.get("Changes", [])
                     if c.get("Type", "Resource") == "Resource")  # fmt: skip
        return cls(answer["ChangeSetName"], answer["StackId"], answer.get("Status", ""),
                   answer.get("ExecutionStatus", ""), answer.get("StatusReason") or "",
                   answer.get("Description") or "", rows, answer.get("ChangeSetId", ""))  # fmt: skip

    @property
    def computed(self) -> bool:
        """CloudFormation has worked out the changes."""
        return self.status == "CREATE_COMPLETE"

    @property
    def failed(self) -> bool:
        return self.status == "FAILED"

    @property
    def empty(self) -> bool:
        """It failed only because there is nothing to change."""
        return self.failed and any(text in self.reason for text in _NO_CHANGES)

    @property
    def executable(self) -> bool:
        return self.execution_status == "AVAILABLE"

    @property
    def template_sha(self) -> str | None:
        """The template hash iotstack wrote into the description (``... sha256 <12 hex>``)."""
        found = re.search(r"sha256 ([0-9a-f]{12})$", self.description)
        return found[1] if found else None


def _outputs(answer: dict) -> list[tuple[str, str]]:
    return [(o["OutputKey"], o.get("OutputValue", "")) for o in answer.get("Outputs", [])]


def _target_path(target: dict) -> str:
    if target.get("Path"):
        return target["Path"]
    if target.get("Attribute") == "Properties" and target.get("Name"):
        return f"Properties.{target['Name']}"
    return target.get("Attribute", "")


# --- templates ----------------------------------------------------------------------------------


def template_of(body: Any, where: str) -> dict:
    """A GetTemplate body as data. botocore decodes a JSON body; a stack made by hand or by another tool
    may run YAML, short forms (``!Ref``, ``!Sub``, ``!GetAtt``) included, which cfn-lint's CloudFormation
    YAML loader reads into the long forms JSON has (``{"Fn::Sub": ...}``). Anything else is one clear
    line naming ``where`` it came from: a plan must never read a stack it cannot read as empty."""
    if isinstance(body, dict):
        return json.loads(json.dumps(body, default=str))  # plain dicts and lists, whatever botocore made
    try:
        decoded = json.loads(body)
    except (TypeError, ValueError):
        decoded = _yaml(body, where)
    if not isinstance(decoded, dict):
        raise IotstackError(f"{where} is not a CloudFormation template: a template is an object, not "
                            f"{type(decoded).__name__}")  # fmt: skip
    return decoded


def _yaml(body: Any, where: str) -> Any:
    from cfnlint.decode.cfn_yaml import loads  # cfn-lint's loader: CloudFormation's YAML, short forms included
    from yaml import YAMLError

    try:
        data = loads(body if isinstance(body, str) else str(body))
    except (YAMLError, ValueError, TypeError, RecursionError) as exc:
        problem = TOO_DEEP if isinstance(exc, RecursionError) else " ".join(str(exc).split())[:200]
        raise IotstackError(f"{where} is neither JSON nor YAML that CloudFormation reads: {problem}") from None
    return json.loads(json.dumps(data, default=str))  # cfn-lint's nodes as plain dicts, lists and strings
