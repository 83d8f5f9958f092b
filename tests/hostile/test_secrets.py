"""No secret printed, by any command: secrets are planted where a hostile setting or a template puts
them (the password of a URL in AWS_ENDPOINT_URL, the secret key and session token, a literal password
and a list of them in the template a stack runs, a stack output that is a URL with a password), every
command runs, and its output is searched for them."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run
from tests.hostile import PLANTED
from tests.hostile.test_aws import cloudformation

# Every command, as a user would run it against dev; the errors some of them end with are fine, a
# secret in any of them is not.
COMMANDS = [
    ("template", "--no-lint"), ("check", "--env", "dev", "--skip-plan"), ("lint", "--env", "dev"),
    ("diff", "--deployed", "--env", "dev"), ("diff", "--deployed", "--env", "dev", "--format", "markdown"),
    ("diff", "--deployed", "--env", "dev", "--format", "json"), ("status", "--env", "dev"),
    ("deploy", "--env", "dev", "--yes", "--no-execute"), ("execute", "--env", "dev", "--change-set", "nope", "--yes"),
    ("drift", "--env", "dev"), ("drift", "--env", "dev", "--format", "json"), ("recover", "--env", "dev"),
    ("bootstrap", "--env", "dev", "--yes"), ("destroy", "--env", "dev", "--yes"),
]  # fmt: skip

# The template of a stack someone deployed by hand: a literal password, and a list of them.
BY_HAND = {
    "Resources": {
        "AuroraCluster": {"Type": "AWS::RDS::DBCluster", "Properties": {
            "Engine": "aurora-postgresql", "MasterUsername": "dbadmin", "MasterUserPassword": PLANTED}},
        "Broker": {"Type": "AWS::AmazonMQ::Broker", "Properties": {"Passwords": [PLANTED, f"{PLANTED}-2"]}},
    },
    "Outputs": {"Url": {"Value": f"postgres://app:{PLANTED}@db.example.com:5432/sensors"}},
}  # fmt: skip


@pytest.mark.parametrize("reachable", [True, False], ids=["aws-answers", "aws-unreachable"])
def test_no_command_prints_a_planted_secret(project, aws, monkeypatch, reachable):
    cloudformation(aws).create_stack(StackName="iot-platform-dev", TemplateBody=json.dumps(BY_HAND))
    endpoint = aws if reachable else "http://127.0.0.1:9"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint.replace("http://", f"http://admin:{PLANTED}@"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", f"{PLANTED}-secret-key")
    monkeypatch.setenv("AWS_SESSION_TOKEN", f"{PLANTED}-session-token")
    outputs = {}
    for command in COMMANDS:
        result = run(*command)
        outputs[" ".join(command)] = result.output
        assert "Traceback" not in result.output, result.output
    printed = [command for command, output in outputs.items() if PLANTED in output]
    assert printed == [], outputs[printed[0]] if printed else ""
    said = "\n".join(outputs.values())
    if reachable:  # what held the secrets was shown, masked
        assert "MasterUserPassword" in said and "(secret, masked)" in said, said
        assert "Url     postgres://***@db.example.com:5432/sensors" in outputs["status --env dev"], said
    else:
        assert outputs["status --env dev"].startswith("Error: cannot reach AWS at http://***@127.0.0.1:9")
