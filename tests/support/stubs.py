"""botocore Stubber conversations: what iotstack sends to CloudFormation and what AWS answers.

Stubber checks every request and response against the real service model. The tests use it for
what the emulator cannot show (replacements, failed resources, stuck stacks). :func:`stubbed`
points the CLI's AWS gateway at a Stubber-backed client.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
from botocore.stub import ANY, Stubber

from generator.aws import gateway

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
# The calls that carry a ClientRequestToken, fresh per call.
TOKENED = ("execute_change_set", "delete_stack", "continue_update_rollback")


def stubbed(monkeypatch) -> Stubber:
    """A Stubber on the CloudFormation client every command will use (its S3 client is never called);
    activate it (``with`` or ``.activate()``) and check ``assert_no_pending_responses()`` after."""
    client = boto3.client("cloudformation", region_name="sa-east-1")
    cloud = gateway.Cloud(
        client, boto3.client("s3", region_name="sa-east-1"), boto3.client("sts", region_name="sa-east-1")
    )
    monkeypatch.setattr(gateway, "connect", lambda region, *args, **kwargs: cloud)
    return Stubber(client)


class Script:
    """A CloudFormation conversation for one stack: what iotstack sends and what AWS answers."""

    def __init__(self, stub: Stubber, stack: str):
        self.stub, self.name = stub, stack
        self.id = f"arn:aws:cloudformation:sa-east-1:123456789012:stack/{stack}/0a1b2c3d"
        self.events: list[dict] = []

    def missing(self):
        self.stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {self.name} does not exist",
                                   expected_params={"StackName": self.name})  # fmt: skip

    def stack(self, status, by_id=False, **extra):
        body = {"StackName": self.name, "StackId": self.id, "CreationTime": NOW, "StackStatus": status, **extra}
        self.stub.add_response("describe_stacks", {"Stacks": [body]}, {"StackName": self.id if by_id else self.name})

    def event(self, logical_id, status, reason="", resource_type="AWS::RDS::DBCluster"):
        """Record an event (newest last); ``events()`` answers with every one recorded so far."""
        if logical_id == self.name:
            resource_type = "AWS::CloudFormation::Stack"
        self.events.append({
            "StackId": self.id, "EventId": f"event-{len(self.events)}", "StackName": self.name,
            "LogicalResourceId": logical_id, "ResourceType": resource_type, "ResourceStatus": status,
            "Timestamp": NOW + timedelta(seconds=len(self.events)), "ResourceStatusReason": reason,
        })  # fmt: skip

    def events_page(self):
        self.stub.add_response("describe_stack_events", {"StackEvents": self.events[::-1]}, {"StackName": self.id})

    def created(self, change_set_type="UPDATE"):
        """CreateChangeSet as iotstack sends it for this stack."""
        # dev's flow-log role is IAM; prod's password rotation is a transform that adds a Lambda and its role.
        capabilities = ["CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"] if "prod" in self.name else ["CAPABILITY_IAM"]
        self.stub.add_response("create_change_set", {"Id": "arn:cs", "StackId": self.id},
                               {"StackName": self.name, "ChangeSetName": ANY, "ChangeSetType": change_set_type,
                                "Capabilities": capabilities, "Tags": ANY, "Description": ANY,
                                "TemplateBody": ANY, "ClientToken": ANY, "NotificationARNs": ANY})  # fmt: skip

    def computing(self, status="CREATE_IN_PROGRESS"):
        """DescribeChangeSet while CloudFormation still works the change set out."""
        self.stub.add_response("describe_change_set", {
            "ChangeSetName": "cs-1", "StackId": self.id, "StackName": self.name, "Status": status,
            "ExecutionStatus": "UNAVAILABLE", "Changes": [],
        }, {"StackName": self.name, "ChangeSetName": ANY})  # fmt: skip

    def change_set(self, changes, change_set_type="UPDATE"):
        """CreateChangeSet, then DescribeChangeSet answering with ``changes``, ready to run."""
        self.created(change_set_type)
        self.stub.add_response("describe_change_set", {
            "ChangeSetName": "cs-1", "StackId": self.id, "StackName": self.name, "Status": "CREATE_COMPLETE",
            "ExecutionStatus": "AVAILABLE", "Changes": changes,
        }, {"StackName": self.name, "ChangeSetName": ANY})  # fmt: skip

    def deployed(self, template=None):
        """The guard's second eye: GetTemplate of what the stack runs (by default the committed template
        of the working folder, so that iotstack's plan predicts nothing)."""
        env = self.name.removeprefix("iot-platform-")
        body = template if template is not None else json.loads(Path(f"templates/{env}.json").read_text())
        self.stub.add_response("get_template", {"TemplateBody": json.dumps(body)}, {"StackName": self.id})

    def call(self, operation, params, response=None):
        """Any other call; the calls that are not idempotent carry a fresh token, so ANY is expected."""
        if operation in TOKENED and params is not None:
            params = {**params, "ClientRequestToken": ANY}
        self.stub.add_response(operation, response or {}, params)

    def no_changes(self):
        """CreateChangeSet, then a change set that failed because there is nothing to change."""
        self.stub.add_response("create_change_set", {"Id": "arn:cs", "StackId": self.id}, None)
        self.failed_change_set("No updates are to be performed.")

    def failed_change_set(self, reason):
        self.stub.add_response("describe_change_set", {
            "ChangeSetName": "cs-1", "StackId": self.id, "Status": "FAILED", "Changes": [], "StatusReason": reason,
        }, None)  # fmt: skip

    # --- drift detection ----------------------------------------------------------------------

    def detect_drift(self, detection_id="drift-1"):
        """DetectStackDrift on this stack (by id, as iotstack sends it once it has found the stack)."""
        self.stub.add_response("detect_stack_drift", {"StackDriftDetectionId": detection_id}, {"StackName": self.id})

    def detection(self, status="DETECTION_COMPLETE", stack_drift="IN_SYNC", reason="", drifted=0,
                  detection_id="drift-1"):  # fmt: skip
        """One DescribeStackDriftDetectionStatus answer; ``stack_drift`` None leaves StackDriftStatus out."""
        body = {"StackId": self.id, "StackDriftDetectionId": detection_id, "DetectionStatus": status,
                "DriftedStackResourceCount": drifted, "Timestamp": NOW + timedelta(seconds=5)}  # fmt: skip
        if stack_drift:
            body["StackDriftStatus"] = stack_drift
        if reason:
            body["DetectionStatusReason"] = reason
        self.stub.add_response("describe_stack_drift_detection_status", body, {"StackDriftDetectionId": detection_id})

    def resource_drifts(self, drifts, page=None, next_page=None):
        """One page of DescribeStackResourceDrifts (MODIFIED and DELETED only, as iotstack asks):
        ``drifts`` are rows of :func:`drifted`; ``page`` is the NextToken that asked for it."""
        params = {"StackName": self.id, "StackResourceDriftStatusFilters": ["MODIFIED", "DELETED"], "MaxResults": 100}
        body = {"StackResourceDrifts": [{**row, "StackId": self.id, "Timestamp": NOW} for row in drifts]}
        if page:
            params["NextToken"] = page
        if next_page:
            body["NextToken"] = next_page
        self.stub.add_response("describe_stack_resource_drifts", body, params)


def change(action, logical_id, resource_type, replacement=None, paths=()):
    """One row of a DescribeChangeSet answer."""
    resource = {"Action": action, "LogicalResourceId": logical_id, "ResourceType": resource_type,
                "Details": [{"Target": {"Attribute": "Properties", "Name": p, "RequiresRecreation": "Always"}}
                            for p in paths]}  # fmt: skip
    if replacement:
        resource["Replacement"] = replacement
    return {"Type": "Resource", "ResourceChange": resource}


REPLACE_CLUSTER = change("Modify", "AuroraCluster", "AWS::RDS::DBCluster", "True", ["DBClusterIdentifier"])


def drifted(logical_id, resource_type, status="MODIFIED", differences=(), physical_id=""):
    """One row of a DescribeStackResourceDrifts answer; ``differences`` are (path, expected, actual, type)."""
    row = {"LogicalResourceId": logical_id, "ResourceType": resource_type, "StackResourceDriftStatus": status,
           "PropertyDifferences": [{"PropertyPath": p, "ExpectedValue": e, "ActualValue": a, "DifferenceType": t}
                                   for p, e, a, t in differences]}  # fmt: skip
    if physical_id:
        row["PhysicalResourceId"] = physical_id
    return row
