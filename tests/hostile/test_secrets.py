"""No secret printed, by any command: secrets are planted where a hostile setting or a template puts
them (the password of a URL in AWS_ENDPOINT_URL, the secret key and session token; a literal password,
a list of them, a parameter's default, an output named as a credential and one that is a URL with a
password, in the template a stack runs and in a committed template), every command runs, and its
output is searched for them."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import run
from tests.hostile import PLANTED
from tests.hostile.test_aws import cloudformation
from tests.support.stubs import Script, drifted, stubbed

# Every command, as a user would run it against dev; the errors some of them end with are fine, a
# secret in any of them is not.
COMMANDS = [
    ("template", "--no-lint"), ("check", "--env", "dev", "--skip-plan"), ("lint", "--env", "dev"),
    ("diff", "--deployed", "--env", "dev"), ("diff", "--deployed", "--env", "dev", "--format", "markdown"),
    ("diff", "--deployed", "--env", "dev", "--format", "json"), ("status", "--env", "dev"),
    ("deploy", "--env", "dev", "--yes", "--no-execute"), ("execute", "--env", "dev", "--change-set", "nope", "--yes"),
    ("drift", "--env", "dev"), ("drift", "--env", "dev", "--format", "json"), ("recover", "--env", "dev"),
    ("bootstrap", "--env", "dev", "--yes"), ("destroy", "--env", "dev", "--yes"), ("database-users", "--env", "dev"),
]  # fmt: skip
# The committed template with literal credentials in it (what E9005 finds: found, not quoted); offline,
# so once, with AWS answering.
PLANTED_COMMANDS = [
    ("check", "--env", "dev", "--skip-plan", "--templates", "planted"), ("lint", "--env", "dev", "--templates",
    "planted"), ("lint", "--env", "dev", "--templates", "planted", "--format", "sarif"),
    ("deploy", "--env", "dev", "--yes", "--templates", "planted"),
]  # fmt: skip

# The template of a stack someone deployed by hand: a literal password, a list of them, a parameter's
# default, outputs that are a credential and a URL with one.
BY_HAND = {
    "Parameters": {"DbPassword": {"Type": "String", "Default": f"{PLANTED}-default"}},
    "Resources": {
        "AuroraCluster": {"Type": "AWS::RDS::DBCluster", "Properties": {
            "Engine": "aurora-postgresql", "MasterUsername": "dbadmin", "MasterUserPassword": PLANTED}},
        "Broker": {"Type": "AWS::AmazonMQ::Broker", "Properties": {"Passwords": [PLANTED, f"{PLANTED}-2"]}},
    },
    "Outputs": {"Url": {"Value": f"postgres://app:{PLANTED}@db.example.com:5432/sensors"},
                "DbPassword": {"Value": f"{PLANTED}-output"}},
}  # fmt: skip


def planted_template(project) -> None:
    """``planted/``: the committed templates, dev's with literal credentials (a list, a parameter default)."""
    shutil.copytree(project.root / "templates", project.root / "planted")
    path = project.root / "planted" / "dev.json"
    template = json.loads(path.read_text())
    template["Resources"]["AuroraCluster"]["Properties"]["MasterUserPassword"] = [f"{PLANTED}-committed"]
    template["Parameters"] = {"ApiToken": {"Type": "String", "Default": f"{PLANTED}-token"}}
    path.write_text(json.dumps(template, indent=2, sort_keys=True) + "\n")


@pytest.mark.parametrize("reachable", [True, False], ids=["aws-answers", "aws-unreachable"])
def test_no_command_prints_a_planted_secret(project, aws, monkeypatch, reachable):
    cloudformation(aws).create_stack(StackName="iot-platform-dev", TemplateBody=json.dumps(BY_HAND))
    planted_template(project)
    endpoint = aws if reachable else "http://127.0.0.1:9"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.replace("http://", f"http://admin:{PLANTED}@"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", f"{PLANTED}-secret-key")
    monkeypatch.setenv("AWS_SESSION_TOKEN", f"{PLANTED}-session-token")
    outputs = {}
    for command in COMMANDS + (PLANTED_COMMANDS if reachable else []):
        result = run(*command)
        outputs[" ".join(command)] = result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    printed = [command for command, output in outputs.items() if PLANTED in output]
    assert printed == [], outputs[printed[0]] if printed else ""
    said = "\n".join(outputs.values())
    if reachable:  # what held the secrets was shown, masked
        assert "MasterUserPassword" in said and "(secret, masked)" in said, said
        assert "Url         postgres://***@db.example.com:5432/sensors" in outputs["status --env dev"], said
        assert "DbPassword  (secret, masked)" in outputs["status --env dev"], said
        assert "E9005" in outputs["lint --env dev --templates planted"], said
    else:
        assert outputs["status --env dev"].startswith("Error: cannot reach AWS at http://***@127.0.0.1:9")


# Drift as CloudFormation reports it (the emulator has no drift detection: a Stubber plays it), every
# secret in a place a credential can be: a list, an environment variable, a header, a URL.
DRIFTED = drifted("Function", "AWS::Lambda::Function", "MODIFIED", [
    ("/Environment/Variables", '{"API_KEY":"' + PLANTED + '-1","DB_URL":"postgres://u:' + PLANTED + '@db:5432/x"}',
     "null", "REMOVE"),
    ("/Users/0/Passwords", f'["{PLANTED}-2","{PLANTED}-3"]', f'["{PLANTED}-4"]', "NOT_EQUAL"),
    ("/Headers/x-api-key", f"{PLANTED}-5", f"{PLANTED}-6", "NOT_EQUAL"),
])  # fmt: skip


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_drift_prints_no_planted_secret(project, monkeypatch, fmt):
    with stubbed(monkeypatch) as stub:
        script = Script(stub, "iot-platform-dev")
        script.stack("UPDATE_COMPLETE")
        script.detect_drift()
        script.detection(stack_drift="DRIFTED", drifted=1)
        script.resource_drifts([DRIFTED])
        result = run("drift", "--env", "dev", "--poll-seconds", "0", "--format", fmt)
        stub.assert_no_pending_responses()
    assert result.exit_code == 2, result.output
    assert PLANTED not in result.output, result.output
    assert "/Users/0/Passwords" in result.output and "postgres://***@db:5432/x" in result.output
