"""Cloud.importers: the stacks that import an export (ListImports), through a Stubber."""

import boto3
import pytest
from botocore.stub import Stubber

from generator.aws.gateway import AwsError, Cloud


@pytest.fixture
def stubbed():
    client = boto3.client("cloudformation", region_name="sa-east-1")
    with Stubber(client) as stubber:
        yield Cloud(client, None), stubber


def test_every_page_of_importers_sorted(stubbed):
    cloud, stubber = stubbed
    stubber.add_response("list_imports", {"Imports": ["telemetry", "api"], "NextToken": "t"}, {"ExportName": "x-Id"})
    stubber.add_response("list_imports", {"Imports": ["billing"]}, {"ExportName": "x-Id", "NextToken": "t"})
    assert cloud.importers("x-Id") == ["api", "billing", "telemetry"]


def test_an_export_nobody_imports_has_no_importers(stubbed):
    cloud, stubber = stubbed
    stubber.add_client_error("list_imports", "ValidationError", "Export 'x-Id' is not imported by any stack.")
    assert cloud.importers("x-Id") == []


def test_other_errors_are_errors(stubbed):
    cloud, stubber = stubbed
    stubber.add_client_error("list_imports", "AccessDenied", "not allowed")
    with pytest.raises(AwsError, match="AccessDenied"):
        cloud.importers("x-Id")
