"""The bootstrap stack's template: the artifact bucket as the issue asks for it, property by property."""

import json

import pytest

from generator.bootstrap.template import VERSION, build_bootstrap_template
from generator.render import render


@pytest.fixture(scope="module")
def template():
    return json.loads(render(build_bootstrap_template()))


def test_the_bucket_is_encrypted_versioned_private_owner_enforced_and_kept(template):
    bucket = template["Resources"]["ArtifactBucket"]
    props = bucket["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
    }  # fmt: skip
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["BucketName"] == {"Fn::Sub": "iotstack-artifacts-${AWS::AccountId}-${AWS::Region}"}


def test_the_lifecycle_expires_templates_old_versions_and_uploads(template):
    rules = {
        r["Id"]: r for r in template["Resources"]["ArtifactBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    }
    assert rules["expire-templates"]["ExpirationInDays"] == {"Ref": "TemplateRetentionDays"}
    assert rules["expire-old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert template["Parameters"]["TemplateRetentionDays"]["Default"] == 30


def test_the_policy_denies_every_request_without_tls(template):
    (statement,) = template["Resources"]["ArtifactBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Principal"] == "*" and statement["Action"] == ["s3:*"]
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_outputs_are_what_deploy_reads(template):
    outputs = template["Outputs"]
    assert outputs["BucketName"]["Value"] == {"Ref": "ArtifactBucket"}
    assert outputs["BootstrapVersion"]["Value"] == str(VERSION)
