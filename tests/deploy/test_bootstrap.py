"""The bootstrap stack, on the emulator: made by `iotstack bootstrap`, used by deploy without being told
for a template over the inline limit (prod's), uploaded once under a content-addressed key; without
it and without a terminal, deploy says what to run and creates nothing."""

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from generator import cfn
from generator.bootstrap import STACK
from generator.bootstrap.artifacts import Store, upload
from generator.bootstrap.template import VERSION
from tests.conftest import run

BUCKET = "iotstack-artifacts-123456789012-sa-east-1"  # the emulator's account and the region


def cloudformation():
    return boto3.client("cloudformation", region_name="sa-east-1")


def s3():
    return boto3.client("s3", region_name="sa-east-1")


def stack_names():
    return sorted(s["StackName"] for s in cloudformation().describe_stacks()["Stacks"])


def test_bootstrap_makes_the_artifact_bucket_and_a_second_run_has_nothing_to_do(aws, project):
    made = run("bootstrap", "--env", "prod", "--yes")
    assert made.exit_code == 0, made.output
    stack = cloudformation().describe_stacks(StackName=STACK)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["BucketName"] == BUCKET and outputs["BootstrapVersion"] == str(VERSION)
    assert stack["EnableTerminationProtection"] is True
    s3().head_bucket(Bucket=BUCKET)  # moto makes the bucket (not its versioning or lifecycle: see test_template.py)
    again = run("bootstrap", "--env", "prod", "--yes")
    assert again.exit_code == 0, again.output
    assert "No changes: stack iotstack-bootstrap already runs templates/bootstrap.json" in again.output
    assert not (project.root / "outputs").exists()  # the bootstrap stack's outputs are deploy's business


def test_prod_deploys_through_the_bootstrap_bucket_uploaded_once(aws, project):
    assert run("bootstrap", "--env", "prod", "--yes").exit_code == 0
    text = (project.root / "templates" / "prod.json").read_text()
    assert len(text.encode()) > cfn.INLINE_TEMPLATE_LIMIT  # prod does not fit inline
    deployed = run("deploy", "--env", "prod", "--yes")
    assert deployed.exit_code == 0, deployed.output
    key = f"iot-platform-prod/{hashlib.sha256(text.encode()).hexdigest()}.json"
    versions = s3().list_object_versions(Bucket=BUCKET, Prefix="iot-platform-prod/")["Versions"]
    assert [v["Key"] for v in versions] == [key]
    assert cloudformation().describe_stacks(StackName="iot-platform-prod")["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )
    again = run("deploy", "--env", "prod", "--yes")
    assert again.exit_code == 0, again.output
    assert len(s3().list_object_versions(Bucket=BUCKET, Prefix="iot-platform-prod/")["Versions"]) == 1  # not again


def test_without_a_bootstrap_stack_and_a_terminal_deploy_says_what_to_run_and_creates_nothing(aws, project):
    result = run("deploy", "--env", "prod", "--yes")
    assert result.exit_code == 2, result.output
    assert "has no bootstrap stack (iotstack-bootstrap) to upload it to: `iotstack bootstrap --env prod`" in (
        result.output
    )
    assert stack_names() == [] and s3().list_buckets()["Buckets"] == []


def test_an_older_bootstrap_stack_is_refused_with_the_command_that_updates_it(aws, project):
    template = json.loads((project.root / "templates" / "bootstrap.json").read_text())
    template["Outputs"]["BootstrapVersion"]["Value"] = str(VERSION - 1)
    cloudformation().create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    result = run("deploy", "--env", "prod", "--yes")
    assert result.exit_code == 2, result.output
    assert f"is version {VERSION - 1}; this iotstack needs version {VERSION}: `iotstack bootstrap --env prod`" in (
        result.output
    )


class Objects:
    """A stand-in for the gateway's two S3 calls: what each key holds (checksum, when written), the writes."""

    def __init__(self, written=None):
        self.written, self.puts = dict(written or {}), []

    def object_checksum(self, bucket, key, owner):
        assert owner == "123456789012"
        return self.written.get(key)

    def put_object(self, bucket, key, body, checksum, owner):
        assert owner == "123456789012" and checksum == SUM
        self.puts.append(key)


NOW = datetime(2026, 11, 27, tzinfo=UTC)
KEY = f"s/{hashlib.sha256(b'{}').hexdigest()}.json"
SUM = base64.b64encode(hashlib.sha256(b"{}").digest()).decode()


@pytest.mark.parametrize(
    "written, retention, uploads",
    [({}, 30, 1), ({KEY: (SUM, NOW - timedelta(days=3))}, 30, 0), ({KEY: (SUM, NOW - timedelta(days=29))}, 30, 1),
     ({KEY: (SUM, NOW - timedelta(days=400))}, None, 0), ({KEY: ("", NOW)}, 30, 1), ({KEY: ("other", NOW)}, 30, 1)],
    ids=["new", "there", "about-to-expire", "no-lifecycle", "written-without-a-checksum", "other-bytes"],
)  # fmt: skip
def test_an_upload_is_repeated_only_when_missing_changed_or_about_to_expire(written, retention, uploads):
    objects = Objects(written)
    url = upload(objects, Store("b", retention), "s", "{}", "cn-north-1", owner="123456789012", now=NOW)
    assert url == f"https://b.s3.cn-north-1.amazonaws.com.cn/{KEY}"
    assert len(objects.puts) == uploads


def test_a_template_changed_in_the_bucket_on_the_way_is_refused_and_nothing_is_left(aws, project, monkeypatch):
    """Someone writes the key between the upload and CreateChangeSet: the change set's template is not
    the committed file, so nothing runs and the empty stack is deleted again."""
    from generator.bootstrap import artifacts
    from generator.deploy import change_sets

    assert run("bootstrap", "--env", "prod", "--yes").exit_code == 0
    real = artifacts.upload

    def upload_then_tamper(cloud, store, stack, text, region, owner, now=None):
        url = real(cloud, store, stack, text, region, owner, now)
        planted = json.loads(text)
        planted["Resources"]["Planted"] = {"Type": "AWS::SNS::Topic"}
        s3().put_object(Bucket=store.bucket, Key=url.split(".com/", 1)[1], Body=json.dumps(planted).encode())
        return url

    monkeypatch.setattr(change_sets, "upload", upload_then_tamper)
    result = run("deploy", "--env", "prod", "--yes")
    assert result.exit_code == 1, result.output
    assert "was not made from templates/prod.json" in result.output and "nothing was run" in result.output
    assert "Cleaned up: the empty stack iot-platform-prod (REVIEW_IN_PROGRESS)" in result.output
    assert stack_names() == [STACK]
