"""Typed views of CloudFormation's drift answers: a detection's progress and verdict, the drifted
resources, and each property difference with its credentials masked.

The views of the other answers are in :mod:`generator.aws.views` (this is a module of its own so
that neither passes the 300-line limit). Built by :mod:`generator.aws.gateway`; nothing here calls
AWS or imports boto3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator.masking import masked

# What a resource may be; only these two are drift (NOT_CHECKED and UNSUPPORTED are types drift
# detection cannot check, UNKNOWN its own trouble).
DRIFTED_RESOURCE = ("MODIFIED", "DELETED")


@dataclass(frozen=True)
class StackDrift:
    """One DescribeStackDriftDetectionStatus answer: how far a detection is, and its verdict."""

    detection_id: str
    detection: str  # DETECTION_IN_PROGRESS, DETECTION_COMPLETE, DETECTION_FAILED
    status: str  # the stack's: DRIFTED, IN_SYNC, UNKNOWN (also while in progress), NOT_CHECKED
    reason: str
    drifted_count: int
    timestamp: datetime

    @classmethod
    def of(cls, answer: dict) -> StackDrift:
        return cls(answer["StackDriftDetectionId"], answer["DetectionStatus"],
                   answer.get("StackDriftStatus") or "UNKNOWN", answer.get("DetectionStatusReason") or "",
                   answer.get("DriftedStackResourceCount") or 0, answer["Timestamp"])  # fmt: skip

    @property
    def in_progress(self) -> bool:
        return self.detection == "DETECTION_IN_PROGRESS"

    @property
    def failed(self) -> bool:
        """Detection failed for at least one resource; the others may still have results."""
        return self.detection == "DETECTION_FAILED"

    @property
    def drifted(self) -> bool:
        return self.status == "DRIFTED"

    @property
    def in_sync(self) -> bool:
        return self.status == "IN_SYNC"


@dataclass(frozen=True)
class PropertyDifference:
    """One property that differs from the template: where, what was expected, what is there now.

    A value is as CloudFormation reports it (a string), the object or list when it encodes one, or
    None when absent (``null``); a credential is masked by :func:`generator.masking.masked` under the
    path's last key, before it is kept, so no view ever holds one.
    """

    path: str  # a JSON pointer into the resource's properties: /SecurityGroupIngress/0/CidrIp
    expected: Any
    actual: Any
    type: str  # ADD, REMOVE, NOT_EQUAL

    @classmethod
    def of(cls, answer: dict) -> PropertyDifference:
        path = answer["PropertyPath"]
        key = last_key(path)
        return cls(path, masked(key, _value(answer["ExpectedValue"])), masked(key, _value(answer["ActualValue"])),
                   answer["DifferenceType"])  # fmt: skip


@dataclass(frozen=True)
class ResourceDrift:
    """One drifted resource of DescribeStackResourceDrifts: its status and property differences."""

    logical_id: str
    resource_type: str
    status: str  # MODIFIED, DELETED (also IN_SYNC, NOT_CHECKED, ... when not filtered out)
    physical_id: str = ""
    differences: tuple[PropertyDifference, ...] = ()

    @classmethod
    def of(cls, answer: dict) -> ResourceDrift:
        return cls(answer["LogicalResourceId"], answer["ResourceType"], answer["StackResourceDriftStatus"],
                   answer.get("PhysicalResourceId") or "",
                   tuple(sorted(map(PropertyDifference.of, answer.get("PropertyDifferences", [])),
                                key=lambda d: d.path)))  # fmt: skip

    @property
    def drifted(self) -> bool:
        return self.status in DRIFTED_RESOURCE


def last_key(path: str) -> str:
    """The last property name of a JSON pointer, list indices skipped: ``/Users/0`` -> ``Users``."""
    keys = [k for k in path.split("/") if k and not k.isdigit()]
    return keys[-1] if keys else ""


def _value(text: str) -> Any:
    """The value behind CloudFormation's string: None for ``null``, the object or list it encodes, else itself."""
    if text == "null":
        return None
    if text[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text
