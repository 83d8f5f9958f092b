"""The typed views of CloudFormation's answers: what each stack status means for the next operation."""

import pytest

from generator.aws.views import ChangeSet, ResourceChange, Stack, StackStatus

PREDICATES = ("busy", "in_review", "deployed", "running", "failed_creation", "stuck", "rollback_failed",
              "rolled_back", "deleted")  # fmt: skip
STATUSES = {
    "CREATE_COMPLETE": {"deployed", "running"},
    "UPDATE_COMPLETE": {"deployed", "running"},
    "UPDATE_ROLLBACK_COMPLETE": {"running", "rolled_back"},
    "UPDATE_IN_PROGRESS": {"busy"},
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS": {"busy"},
    "DELETE_IN_PROGRESS": {"busy"},
    "REVIEW_IN_PROGRESS": {"in_review"},
    "ROLLBACK_COMPLETE": {"failed_creation"},
    "ROLLBACK_FAILED": {"stuck"},
    "UPDATE_ROLLBACK_FAILED": {"stuck", "rollback_failed"},
    "DELETE_FAILED": {"stuck"},
    "DELETE_COMPLETE": {"deleted"},
}


@pytest.mark.parametrize("name, true", STATUSES.items(), ids=STATUSES)
def test_what_a_status_means(name, true):
    status = StackStatus(name)
    assert {p for p in PREDICATES if getattr(status, p)} == true


def test_a_stack_answer_becomes_a_view():
    stack = Stack.of({
        "StackName": "s", "StackId": "arn:s", "StackStatus": "UPDATE_COMPLETE", "EnableTerminationProtection": True,
        "Tags": [{"Key": "k", "Value": "v"}], "Outputs": [{"OutputKey": "B", "OutputValue": "2"},
                                                          {"OutputKey": "A", "OutputValue": "1"}],
    })  # fmt: skip
    assert (stack.name, stack.id, stack.status.deployed, stack.termination_protection) == ("s", "arn:s", True, True)
    assert dict(stack.tags) == {"k": "v"} and list(stack.outputs.items()) == [("A", "1"), ("B", "2")]


@pytest.mark.parametrize(
    "answer, computed, empty, executable",
    [
        ({"Status": "CREATE_COMPLETE", "ExecutionStatus": "AVAILABLE"}, True, False, True),
        ({"Status": "CREATE_PENDING", "ExecutionStatus": "UNAVAILABLE"}, False, False, False),
        ({"Status": "FAILED", "StatusReason": "The submitted information didn't contain changes."}, False, True, False),
        ({"Status": "FAILED", "StatusReason": "Requires capabilities"}, False, False, False),
    ],
    ids=["ready", "pending", "no-changes", "failed"],
)
def test_what_a_change_set_says(answer, computed, empty, executable):
    change_set = ChangeSet.of({"ChangeSetName": "cs", "StackId": "arn:s", "Description": "x sha256 0123456789ab",
                               **answer})  # fmt: skip
    assert (change_set.computed, change_set.empty, change_set.executable) == (computed, empty, executable)
    assert change_set.template_sha == "0123456789ab"


def test_a_change_row_knows_what_it_risks():
    row = ResourceChange.of({"Action": "Modify", "LogicalResourceId": "C", "ResourceType": "AWS::RDS::DBCluster",
                             "Replacement": "Conditional", "Details": [{"Target": {"Attribute": "Properties",
                                                                                   "Name": "Port"}}]})  # fmt: skip
    assert (row.may_replace, row.removes, row.stateful, row.paths) == (True, False, True, ("Properties.Port",))
