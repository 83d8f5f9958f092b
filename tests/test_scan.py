"""checkov and cfripper over the committed templates, and proof that a finding fails the scan.

The scanners live in ``.venv-scan`` (``make test`` and ``make scan`` create it). Run bare, without
it, pytest skips the scanner tests and says why.
"""

import json

import pytest

from generator.errors import UsageError
from generator.scan import Finding
from generator.scan import scan as scan_with
from generator.workspace import Workspace
from tests.conftest import ROOT

TEMPLATES = sorted((ROOT / "templates").glob("*.json"))
WORKSPACE = Workspace.find(ROOT)
DEFAULT_SCANNERS = WORKSPACE.scanners


def scan(templates, scanners=DEFAULT_SCANNERS):
    return scan_with(templates, scanners, WORKSPACE.cfripper_filters)


needs_scanners = pytest.mark.skipif(
    not (DEFAULT_SCANNERS / "checkov").is_file() or not (DEFAULT_SCANNERS / "cfripper").is_file(),
    reason="checkov and cfripper are not installed in .venv-scan (make test installs them)",
)


@needs_scanners
def test_committed_templates_have_no_unsuppressed_finding():
    report = scan(TEMPLATES)
    assert report.findings == [], "\n".join(map(str, report.findings))
    assert report.templates == [
        "bootstrap.json",
        "dev.json",
        "drift-role.json",
        "fleet-plants-administration.json",
        "fleet-plants-execution.json",
        "fleet-plants.json",
        "prod.json",
        "staging.json",
    ]
    assert report.checkov_passed > 200  # checkov did check them (241 passing checks when written)


@needs_scanners
def test_a_finding_fails_and_metadata_suppresses_it_for_each_scanner(tmp_path):
    """RdsKey loses rotation and its suppression: both scanners report it. KinesisKey loses rotation
    too, but suppresses both scanners' rotation checks in its Metadata: nothing is reported."""
    template = json.loads((ROOT / "templates" / "dev.json").read_text())
    rds, kinesis = template["Resources"]["RdsKey"], template["Resources"]["KinesisKey"]
    rds["Properties"]["EnableKeyRotation"] = kinesis["Properties"]["EnableKeyRotation"] = False
    del rds["Metadata"]
    kinesis["Metadata"]["checkov"] = {"skip": [{"id": "CKV_AWS_7", "comment": "a test"}]}
    kinesis["Metadata"]["cfripper_ignore"]["KMSKeyEnabledKeyRotation"] = "a test"
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(template))

    report = scan([path])
    assert sorted(report.findings, key=str) == [
        Finding("cfripper", "planted.json", "GenericResourceWildcardPolicyRule", "RdsKey",
                "RdsKey should not allow a wildcard (`*` or `?`) action"),
        Finding("cfripper", "planted.json", "KMSKeyEnabledKeyRotation", "RdsKey",
                "KMS Key RdsKey should have the key rotation enabled for symmetric keys"),
        Finding("checkov", "planted.json", "CKV_AWS_7", "AWS::KMS::Key.RdsKey",
                "Ensure rotation for customer created CMKs is enabled"),
    ]  # fmt: skip
    assert report.checkov_skipped == 1


def test_missing_scanners_are_named_with_the_command_that_installs_them(tmp_path):
    with pytest.raises(UsageError, match=r"checkov, cfripper not found in .*; `make scan` installs"):
        scan(TEMPLATES, tmp_path)
