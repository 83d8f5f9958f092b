"""The drift calls of the AWS gateway (:class:`generator.aws.gateway.Cloud` inherits them): start a
detection, follow it, and read what drifted."""

from __future__ import annotations

from typing import Any

from generator.aws.drift_views import DRIFTED_RESOURCE, ResourceDrift, StackDrift


class DriftCalls:
    """DetectStackDrift and what follows it; every call goes through the gateway's ``_call``."""

    cloudformation: Any

    def _call(self, client: Any, operation: str, took_effect: Any = None, **kwargs: Any) -> Any:
        raise NotImplementedError  # the gateway's

    def detect_drift(self, stack: str) -> str:
        """Start drift detection on the stack; return the detection's id. (Repeating it after a lost
        answer only starts another detection, which changes nothing.)"""
        return self._call(self.cloudformation, "detect_stack_drift", StackName=stack)["StackDriftDetectionId"]

    def drift_detection(self, detection_id: str) -> StackDrift:
        """How far the detection is, and its verdict once it ends."""
        return StackDrift.of(self._call(self.cloudformation, "describe_stack_drift_detection_status",
                                        StackDriftDetectionId=detection_id))  # fmt: skip

    def resource_drifts(self, stack: str) -> list[ResourceDrift]:
        """The stack's drifted resources (MODIFIED, DELETED) of the last detection, every page."""
        drifts: list[ResourceDrift] = []
        page_token: dict = {}
        while True:
            page = self._call(self.cloudformation, "describe_stack_resource_drifts", StackName=stack,
                              StackResourceDriftStatusFilters=list(DRIFTED_RESOURCE), MaxResults=100,
                              **page_token)  # fmt: skip
            drifts += map(ResourceDrift.of, page["StackResourceDrifts"])
            if not page.get("NextToken"):
                return drifts
            page_token = {"NextToken": page["NextToken"]}
