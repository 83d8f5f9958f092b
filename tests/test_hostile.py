"""Hostile input, one table: every case is one clear line (what, where, what is allowed) and its
documented exit code, through the command line a user would meet it on, and never a traceback.

Exit codes: 2 bad usage, input or credentials; 1 a failed operation; the plan-style ``diff`` exits
1 for every error (its 2 means "changes").
"""

import os

import pytest

from tests.conftest import run
from tests.support.stubs import Script, stubbed


def edit(project, name, old, new):
    path = project.environment_file(name)
    path.write_text(path.read_text().replace(old, new))


def region_typo(project, monkeypatch, request):
    edit(project, "dev", 'region = "sa-east-1"', 'region = "sa-east-2"')


def byte_not_utf8(project, monkeypatch, request):
    path = project.root / "templates" / "dev.json"
    path.write_bytes(path.read_bytes().replace(b"sensor-data-stream-dev", b"sensor-data-stream-d\xe9v"))


def deployed_dev_with_a_byte_not_utf8(project, monkeypatch, request):
    """status reads the committed template of a deployed stack: a Stubber plays CloudFormation."""
    byte_not_utf8(project, monkeypatch, request)
    stub = stubbed(monkeypatch)
    stub.activate()
    request.addfinalizer(stub.deactivate)
    script = Script(stub, "iot-platform-dev")
    script.stack("UPDATE_COMPLETE", Tags=[{"Key": "iotstack:template-sha256", "Value": "0123456789ab"}])
    script.event("iot-platform-dev", "UPDATE_COMPLETE")
    script.events_page()
    script.call("get_stack_policy", {"StackName": script.id})


def busy_stack(project, monkeypatch, request):
    stub = stubbed(monkeypatch)
    stub.activate()
    request.addfinalizer(stub.deactivate)
    Script(stub, "iot-platform-dev").stack("UPDATE_IN_PROGRESS")


def aws_setting(name, value):
    def setup(project, monkeypatch, request):
        monkeypatch.setenv(name, value)

    return setup


def malformed_aws_config(project, monkeypatch, request):
    path = project.root / "aws-config"
    path.write_text("[default\nregion = sa-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(path))


def cache_dir_is_a_file(project, monkeypatch, request):
    (project.root / "cache-file").write_text("not a folder\n")
    monkeypatch.setenv("IOTSTACK_CACHE_DIR", str(project.root / "cache-file"))


def outputs_is_a_file(project, monkeypatch, request):
    (project.root / "outputs").write_text("not a folder\n")


def file_profile_missing(project, monkeypatch, request):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    edit(project, "dev", "[deploy]", '[deploy]\nprofile = "nosuchprofile"')


def merge_conflict_markers(project, monkeypatch, request):
    path = project.root / "templates" / "dev.json"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines[:10], "<<<<<<< HEAD\n", *lines[10:12], "=======\n", ">>>>>>> branch\n",
                             *lines[12:]]))  # fmt: skip


def deployed_dev(project, monkeypatch, request):
    request.getfixturevalue("aws")
    assert run("deploy", "--env", "dev", "--yes").exit_code == 0


def editor_lock_file(project, monkeypatch, request):
    os.symlink("user@host.1234:1700000000", project.root / "environments" / ".#dev.toml")  # dangling, as emacs makes


REGION = 'dev.toml: region = "sa-east-2": must be an AWS region such as sa-east-1 (did you mean sa-east-1?)'
PROFILE = "The config profile (nosuchprofile) could not be found (AWS_PROFILE=nosuchprofile)"
ATTEMPTS = "must be a whole number of 1..100 (attempts per AWS call, the first included)"
CONFIG = "Unable to parse config file"
ENDPOINT = "AWS_ENDPOINT_URL='not-a-url' is not a URL"
CACHE = "is a file, not a folder"
BUSY = "stack iot-platform-dev is busy (UPDATE_IN_PROGRESS): another operation is running"

CASES = {
    # id: (setup, command, exit code, message)
    "region-typo-template": (region_typo, ["template"], 2, REGION),
    "region-typo-check": (region_typo, ["check"], 2, REGION),
    "region-typo-deploy": (region_typo, ["deploy", "--env", "dev", "--yes"], 2, REGION),
    "region-typo-diff": (region_typo, ["diff"], 1, REGION),
    "not-utf8-check": (byte_not_utf8, ["check", "--env", "dev"], 1, "templates/dev.json: stale"),
    "not-utf8-deploy": (byte_not_utf8, ["deploy", "--env", "dev", "--yes"], 2, "templates/dev.json: stale"),
    "not-utf8-status": (deployed_dev_with_a_byte_not_utf8, ["status", "--env", "dev"], 0,
                        "which is not what the code generates: `make template`, review and commit it"),
    "no-such-profile": (aws_setting("AWS_PROFILE", "nosuchprofile"), ["status", "--env", "dev"], 2, PROFILE),
    "no-such-profile-diff": (aws_setting("AWS_PROFILE", "nosuchprofile"), ["diff", "--deployed"], 1, PROFILE),
    "no-such-profile-in-the-file": (file_profile_missing, ["status", "--env", "dev"], 2,
                                    "The config profile (nosuchprofile) could not be found (profile nosuchprofile "
                                    "(deploy.profile))"),
    "max-attempts-not-a-number": (aws_setting("AWS_MAX_ATTEMPTS", "abc"), ["status", "--env", "dev"], 2, ATTEMPTS),
    "max-attempts-zero": (aws_setting("AWS_MAX_ATTEMPTS", "0"), ["status", "--env", "dev"], 2, ATTEMPTS),
    "malformed-aws-config": (malformed_aws_config, ["status", "--env", "dev"], 2, CONFIG),
    "endpoint-not-a-url": (aws_setting("AWS_ENDPOINT_URL", "not-a-url"), ["status", "--env", "dev"], 2, ENDPOINT),
    "service-endpoint-not-a-url": (aws_setting("AWS_ENDPOINT_URL_CLOUDFORMATION", "nope"), ["status", "--env", "dev"],
                                   2, "AWS_ENDPOINT_URL_CLOUDFORMATION='nope' is not a URL"),
    "cache-dir-is-a-file-template": (cache_dir_is_a_file, ["template"], 2, f"IOTSTACK_CACHE_DIR=.*{CACHE}"),
    "cache-dir-is-a-file-check": (cache_dir_is_a_file, ["check"], 2, CACHE),
    "outputs-is-a-file": (outputs_is_a_file, ["deploy", "--env", "dev", "--yes"], 2,
                          "the stack outputs (outputs/<env>.json): outputs is a file, not a folder"),
    "merge-conflict-markers-check": (merge_conflict_markers, ["check", "--env", "dev"], 1,
                                     "templates/dev.json: E0000 [error]"),
    "merge-conflict-markers-deploy": (merge_conflict_markers, ["deploy", "--env", "dev", "--yes"], 2,
                                      "templates/dev.json: stale"),
    "missing-change-set": (deployed_dev, ["execute", "--env", "dev", "--change-set", "iotstack-nope", "--yes"], 2,
                           "no change set iotstack-nope on stack iot-platform-dev"),
    "editor-lock-file": (editor_lock_file, ["template", "--no-lint"], 0, "4 template(s), 0 changed"),
    "destroy-busy-stack": (busy_stack, ["destroy", "--env", "dev", "--yes"], 1, BUSY),
    "recover-busy-stack": (busy_stack, ["recover", "--env", "dev"], 1, BUSY),
}  # fmt: skip


@pytest.mark.parametrize("setup, command, exit_code, message", CASES.values(), ids=CASES)
def test_hostile_input(project, monkeypatch, request, setup, command, exit_code, message):
    import re

    setup(project, monkeypatch, request)
    result = run(*command)
    assert result.exit_code == exit_code, result.output
    assert re.search(message if ".*" in message else re.escape(message), result.output), result.output
    assert "Traceback" not in result.output
    if setup not in (deployed_dev, deployed_dev_with_a_byte_not_utf8):  # status writes a deployed stack's outputs
        assert not (project.root / "outputs").is_dir()  # nothing was deployed
