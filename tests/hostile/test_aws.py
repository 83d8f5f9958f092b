"""Hostile AWS, through the local emulator and the fault proxy (tests/support/proxy.py): error answers
after the change set was made, an endpoint that dies after AWS did the work, pages instead of answers,
a 403 without a body, a stack deployed from YAML, a stack that is another environment's, an outputs
file that cannot be written after a deploy that succeeded. Every case ends with nothing left in the
emulator that the run made and did not run: no change set, no empty stack in review, the stack
policy restored."""

from __future__ import annotations

import json
import signal

import boto3
import pytest

from generator import cfn
from generator.deploy.changes import OWNER_TAG, stack_policy
from generator.errors import Stopped
from generator.stack import kinesis
from tests.conftest import immutable, run
from tests.hostile import Case, expect

STACK = "iot-platform-dev"
PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Wi-Fi sign-in</h1></body></html>"
DENIED = "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:ExecuteChangeSet"


def cloudformation(endpoint):
    return boto3.client("cloudformation", region_name="sa-east-1", endpoint_url=endpoint)


def live(endpoint) -> list[dict]:
    stacks = cloudformation(endpoint).list_stacks()["StackSummaries"]
    return [s for s in stacks if s["StackStatus"] != "DELETE_COMPLETE"]


def available(endpoint, stack) -> list[str]:
    """The change sets of ``stack`` that could still run (the emulator keeps executed ones listed)."""
    summaries = cloudformation(endpoint).list_change_sets(StackName=stack)["Summaries"]
    return [s["ChangeSetName"] for s in summaries if s["ExecutionStatus"] == "AVAILABLE"]


# --- set-ups: (project, proxy, monkeypatch, request) -> state ------------------------------------


def execute_answered(code, status=400, message="refused"):
    def setup(project, proxy, monkeypatch, request):
        proxy.answer_error("ExecuteChangeSet", status, code, message)

    return setup


def deployed_with_a_stack_policy_and_a_replacement(fault):
    """dev with a stack policy, deployed; then its stream renamed (a replacement, allowed on the command
    line); then ``fault(proxy)``."""

    def setup(project, proxy, monkeypatch, request):
        path = project.environment_file("dev")
        path.write_text(path.read_text().replace("stack_policy = false", "stack_policy = true"))
        project.regenerate()
        assert run("deploy", "--env", "dev", "--yes").exit_code == 0
        original = kinesis.name
        monkeypatch.setattr(kinesis, "name", lambda env, kind: original(env, kind.replace("sensor-data", "sensors")))
        assert run("template", "--no-lint", "--env", "dev").exit_code == 0
        fault(proxy)

    return setup


def sigterm_while_the_outputs_are_written(project, proxy, monkeypatch, request):
    """The deploy succeeded; SIGTERM arrives while its outputs file is written."""

    def stopped(*args, **kwargs):
        raise Stopped(signal.SIGTERM)

    monkeypatch.setattr("generator.deploy.stacks.write_all", stopped)


def a_folder_where_the_outputs_go_and_no_protection(project, proxy, monkeypatch, request):
    (project.root / "outputs" / "dev.json").mkdir(parents=True)
    proxy.answer_error("GetStackPolicy", 403, "AccessDenied", "not authorized to perform: GetStackPolicy")


def execute_page(project, proxy, monkeypatch, request):
    """A captive portal's page where AWS's answer to ExecuteChangeSet should be: did it reach AWS?"""
    proxy.answer_status("ExecuteChangeSet", 200, body=PAGE)


def the_endpoint_dies_after_execute(project, proxy, monkeypatch, request):
    proxy.die_after("ExecuteChangeSet")


def head_object_forbidden(project, proxy, monkeypatch, request):
    """A template over the inline limit, a bucket, and credentials without s3:ListBucket: S3 answers a
    HEAD of a missing key with a bare 403."""
    monkeypatch.setattr(cfn, "INLINE_TEMPLATE_LIMIT", 10_000)
    boto3.client("s3", region_name="sa-east-1", endpoint_url=request.getfixturevalue("aws")).create_bucket(
        Bucket="iotstack-templates", CreateBucketConfiguration={"LocationConstraint": "sa-east-1"}
    )
    project.write("big", 'removal_policy = "destroy"\n[aurora]\ndeletion_protection = false\n[deploy]\n'
                         'termination_protection = false\nstack_policy = false\n'
                         'template_bucket = "iotstack-templates"\n')  # fmt: skip
    proxy.answer_status("HEAD /*", 403)


def deployed_then(fault):
    def setup(project, proxy, monkeypatch, request):
        assert run("deploy", "--env", "dev", "--yes").exit_code == 0
        fault(proxy)

    return setup


def a_folder_where_the_outputs_go(project, proxy, monkeypatch, request):
    (project.root / "outputs" / "dev.json").mkdir(parents=True)


def outputs_read_only(project, proxy, monkeypatch, request):
    (project.root / "outputs").mkdir()
    immutable(project.root / "outputs", request)


YAML = """AWSTemplateFormatVersion: 2010-09-09
Resources:
  SensorDataStream:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: !Sub "sensor-data-${AWS::Region}"
      ShardCount: 1
  Old:
    Type: AWS::SNS::Topic
Outputs:
  StreamArn:
    Value: !GetAtt SensorDataStream.Arn
"""


def deployed_from_yaml(project, proxy, monkeypatch, request):
    """The stack made by hand (or by another tool) from YAML with short forms."""
    monkeypatch.setenv("COLUMNS", "200")  # the plan's headline on one line
    cloudformation(request.getfixturevalue("aws")).create_stack(StackName=STACK, TemplateBody=YAML)


def deployed_then_dev_renamed_qa(project, proxy, monkeypatch, request):
    """dev deployed; then its file renamed qa.toml, pointing at dev's stack by name."""
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0
    dev = project.environment_file("dev")
    project.environment_file("qa").write_text(dev.read_text().replace("[deploy]", f'[deploy]\nstack_name = "{STACK}"'))
    dev.unlink()
    (project.root / "templates" / "dev.json").unlink()
    (project.root / "templates" / "dev.md").unlink()
    project.regenerate()


# --- what must hold after ---------------------------------------------------------------------------


def nothing_left(project, endpoint, output):
    """Nothing this run made is left: no stack (the empty one in review deleted with its change set)."""
    assert live(endpoint) == []


def no_change_set_left_and_the_policy_restored(project, endpoint, output):
    assert available(endpoint, STACK) == []  # so `execute` can never run it later
    assert cloudformation(endpoint).get_stack_policy(StackName=STACK)["StackPolicyBody"] == stack_policy()
    assert "Stack policy restored" in output


def deployed_and_the_policy_set_again(project, endpoint, output):
    assert cloudformation(endpoint).get_stack_policy(StackName=STACK)["StackPolicyBody"] == stack_policy()
    assert "Stack iot-platform-dev is UPDATE_COMPLETE." in output
    assert (project.root / "outputs" / "dev.json").is_file()


def deployed_and_said(project, endpoint, output):
    assert "Stack iot-platform-dev is CREATE_COMPLETE." in output
    assert cloudformation(endpoint).describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def nothing_lifted(project, endpoint, output):
    assert "NOT restored" not in output and "Stack policy lifted" not in output  # it never was
    assert cloudformation(endpoint).get_stack_policy(StackName=STACK)["StackPolicyBody"] == stack_policy()
    assert available(endpoint, STACK) == []


def left_to_aws_and_said(project, endpoint, output):
    left_to_aws(project, endpoint, output)
    assert available(endpoint, STACK)  # not deleted: whether it started was unknown


def left_to_aws(project, endpoint, output):
    assert "Cleaned up" not in output  # it may run: nothing of it is deleted


def no_page_printed(project, endpoint, output):
    assert "<html" not in output.lower() and "Wi-Fi" not in output


def status_writes_them_once_it_can(project, endpoint, output):
    (project.root / "outputs" / "dev.json").rmdir()
    result = run("status", "--env", "dev")
    assert result.exit_code == 0, result.output
    assert "Outputs written to outputs/dev.json" in result.output
    assert "VpcId" in json.loads((project.root / "outputs" / "dev.json").read_text())


def still_devs(project, endpoint, output):
    stack = cloudformation(endpoint).describe_stacks(StackName=STACK)["Stacks"][0]
    assert {t["Key"]: t["Value"] for t in stack["Tags"]}[OWNER_TAG] == "dev"
    assert available(endpoint, STACK) == []


# --- the table -------------------------------------------------------------------------------------

DEPLOY = ("deploy", "--env", "dev", "--yes")
CLEANED_NEW = "Cleaned up: the empty stack iot-platform-dev (REVIEW_IN_PROGRESS) and its change set iotstack-… deleted."
NOT_WRITTEN = ("stack iot-platform-dev is CREATE_COMPLETE, but its outputs were NOT written: cannot write "
               "outputs/dev.json: ")  # fmt: skip
ANOTHERS = ("refused: stack iot-platform-dev in sa-east-1 belongs to environment dev (its tag iotstack:environment or "
            "outputs say so), not to qa")  # fmt: skip

CASES = {
    "execute-access-denied": Case(execute_answered("AccessDenied", 403, DENIED), DEPLOY, 1, CLEANED_NEW,
                                  nothing_left),
    "execute-expired-token": Case(execute_answered("ExpiredToken", 403, "The security token included in the request "
                                                   "is expired"), DEPLOY, 2, CLEANED_NEW, nothing_left),
    "execute-validation-error": Case(execute_answered("ValidationError"), DEPLOY, 1, CLEANED_NEW, nothing_left),
    "execute-denied-on-an-allowed-replacement": Case(deployed_with_a_stack_policy_and_a_replacement(
                                                         lambda p: p.answer_error("ExecuteChangeSet", 403,
                                                                                  "AccessDenied", DENIED)),
                                                     (*DEPLOY, "--allow-replace", "SensorDataStream"), 1,
                                                     "Cleaned up: change set iotstack-… deleted.",
                                                     no_change_set_left_and_the_policy_restored),
    "execute-answered-by-a-page": Case(execute_page, DEPLOY, 1, "is not one AWS gives (…). Whether AWS started the "
                                       "deploy is unknown, so the stack's state is unknown", left_to_aws_and_said),
    "the-policy-restore-refused-after-a-deploy": Case(deployed_with_a_stack_policy_and_a_replacement(
                                                          lambda p: p.answer_error("SetStackPolicy", 403,
                                                                                   "AccessDenied", DENIED, skip=1)),
                                                      (*DEPLOY, "--allow-replace", "SensorDataStream"), 0,
                                                      "Warning: the stack policy of iot-platform-dev was NOT restored "
                                                      "(…AccessDenied…); it is set again with the stack's protection",
                                                      deployed_and_the_policy_set_again),
    "sigterm-while-the-outputs-are-written": Case(sigterm_while_the_outputs_are_written, DEPLOY, 143,
                                                  "terminated (SIGTERM) after stack iot-platform-dev was deployed, "
                                                  "before its outputs and protection were seen to: `iotstack status "
                                                  "--env dev` writes the outputs", deployed_and_said),
    "the-lift-refused": Case(deployed_with_a_stack_policy_and_a_replacement(
                                 lambda p: p.answer_error("SetStackPolicy", 403, "AccessDenied", DENIED)),
                             (*DEPLOY, "--allow-replace", "SensorDataStream"), 1,
                             "cloudformation SetStackPolicy failed: AccessDenied", nothing_lifted),
    "outputs-not-written-and-no-protection": Case(a_folder_where_the_outputs_go_and_no_protection, DEPLOY, 1,
                                                  "is CREATE_COMPLETE, but its protection could not be set as dev.toml "
                                                  "asks: …AccessDenied…\n" + NOT_WRITTEN),
    "the-endpoint-dies-during-execute": Case(the_endpoint_dies_after_execute, DEPLOY, 1,
                                             "Whether AWS started the deploy is unknown, so the stack's state is "
                                             "unknown: once AWS answers again, `iotstack status --env dev --wait` "
                                             "tells", left_to_aws),
    "s3-head-object-403": Case(head_object_forbidden, ("deploy", "--env", "big", "--yes"), 1,
                               "S3 refused HeadObject of s3://iotstack-templates/iot-platform-big/….json (403 "
                               "Forbidden): the credentials need s3:GetObject on iotstack-templates/* and "
                               "s3:ListBucket on iotstack-templates", nothing_left),
    "drift-answered-by-a-page": Case(deployed_then(lambda p: p.answer_status("DescribeStacks", 200, body=PAGE)),
                                     ("drift", "--env", "dev"), 1,
                                     "AWS call describe_stacks failed: the answer of http://127.0.0.1:… is not one "
                                     "AWS gives", no_page_printed),
    "drift-answered-502-with-a-page": Case(deployed_then(lambda p: p.answer_status("DescribeStacks", 502, 2, PAGE)),
                                           ("drift", "--env", "dev"), 1,
                                           "cloudformation DescribeStacks failed: HTTP 502 with no AWS error in the "
                                           "answer", no_page_printed),
    "outputs-file-is-a-folder": Case(a_folder_where_the_outputs_go, DEPLOY, 4,
                                     NOT_WRITTEN + "Is a directory (a folder is in the way)",
                                     status_writes_them_once_it_can),
    "outputs-folder-read-only": Case(outputs_read_only, DEPLOY, 4, NOT_WRITTEN + "Operation not permitted"),
    "a-stack-deployed-from-yaml": Case(deployed_from_yaml, ("diff", "--deployed", "--env", "dev"), 3,
                                       "dev (against deployed stack iot-platform-dev (sa-east-1)): 52 to add, 1 to "
                                       "replace, 1 to remove"),
    "deploy-to-another-environments-stack": Case(deployed_then_dev_renamed_qa, ("deploy", "--env", "qa", "--yes"), 2,
                                                 ANOTHERS, still_devs),
    "destroy-another-environments-stack": Case(deployed_then_dev_renamed_qa, ("destroy", "--env", "qa", "--yes"), 2,
                                               ANOTHERS, still_devs),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_hostile_aws(project, aws, faulty_aws, monkeypatch, request, case):
    case.setup(project, faulty_aws, monkeypatch, request)
    result = run(*case.command)
    expect(result.output, result.exit_code, case, result.exception)
    if case.after:
        case.after(project, aws, result.output)  # what must hold: asked of the emulator itself
