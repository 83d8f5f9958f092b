"""Hostile input, offline: files and folders in the way, names the tool keeps for itself, settings of the
shell that cannot work, secrets in a URL. (git and the plan: test_gate.py.)
Every case is one clear line and its documented exit code, never a traceback; a write is all or nothing.
"""

from __future__ import annotations

import os

import pytest

from generator.deploy.changes import stack_policy
from tests.conftest import immutable, merged_toml, run
from tests.hostile import PLANTED, Case, expect, snapshot
from tests.support.stubs import Script, stubbed

# --- set-ups -------------------------------------------------------------------------------------


def edit(project, name, old, new):
    path = project.environment_file(name)
    path.write_text(path.read_text().replace(old, new))


def nothing(project, monkeypatch, request):
    return None


def templates_as_they_were(project, before, output):
    assert snapshot(project.root / "templates") == before  # nothing half written, nothing left beside


def with_a_change(setup):
    """``setup``, after a change to dev.toml that makes ``template`` write dev.json; returns the snapshot of
    templates/ before the run."""

    def changed(project, monkeypatch, request):
        path = project.environment_file("dev")
        path.write_text(merged_toml(path.read_text(), "[kinesis]\nshard_count = 3"))
        setup(project, monkeypatch, request)
        return snapshot(project.root / "templates")

    return changed


def prod_json_immutable(project, monkeypatch, request):
    """prod.json stale (so that the run must write it, after dev.json) and immutable."""
    (project.root / "templates" / "prod.json").write_text("{}\n")
    immutable(project.root / "templates" / "prod.json", request)


def templates_read_only(project, monkeypatch, request):
    immutable(project.root / "templates", request)


def a_folder_where_prod_json_goes(project, monkeypatch, request):
    (project.root / "templates" / "prod.json").unlink()
    (project.root / "templates" / "prod.json").mkdir()


def a_leftover_of_this_process(project, monkeypatch, request):
    """What an earlier version left when killed: a temporary file named after the process id."""
    (project.root / "templates" / f".dev.json.{os.getpid()}.tmp").write_text("half a temp")


def dev_json_written(project, before, output):
    after = snapshot(project.root / "templates")
    assert after["dev.json"] != before["dev.json"] and after["prod.json"] == before["prod.json"]


def environment_named_bootstrap(project, monkeypatch, request):
    (project.environment_file("bootstrap")).write_text(project.environment_file("dev").read_text())
    return snapshot(project.root / "templates")


def environment_named_drift_role(project, monkeypatch, request):
    (project.environment_file("drift-role")).write_text(project.environment_file("dev").read_text())
    return snapshot(project.root / "templates")


def bootstrap_stack_name(project, monkeypatch, request):
    edit(project, "dev", "[deploy]", '[deploy]\nstack_name = "iotstack-bootstrap"')


def two_environments_one_stack(project, monkeypatch, request):
    text = project.environment_file("dev").read_text().replace("[deploy]", '[deploy]\nstack_name = "iot-platform-dev"')
    project.environment_file("qa").write_text(text)


def a_file_named_readme(project, monkeypatch, request):
    (project.root / "README.md").write_text("# not a folder\n")


def region_typo(project, monkeypatch, request):
    edit(project, "dev", 'region = "sa-east-1"', 'region = "sa-east-2"')


def byte_not_utf8(project, monkeypatch, request):
    path = project.root / "templates" / "dev.json"
    path.write_bytes(path.read_bytes().replace(b"sensor-data-stream-dev", b"sensor-data-stream-d\xe9v"))


def stubbed_stack(status, policy=None, **answer):
    """A Stubber plays CloudFormation: the stack in ``status``, for ``status --env dev``."""

    def setup(project, monkeypatch, request):
        stub = stubbed(monkeypatch)
        stub.activate()
        request.addfinalizer(stub.deactivate)
        script = Script(stub, "iot-platform-dev")
        script.stack(status, **answer)
        if status.endswith("_COMPLETE"):
            script.event("iot-platform-dev", status)
            script.events_page()
            script.call("get_stack_policy", {"StackName": script.id}, {"StackPolicyBody": policy} if policy else {})

    return setup


def deployed_with_a_byte_not_utf8(project, monkeypatch, request):
    byte_not_utf8(project, monkeypatch, request)
    tags = [{"Key": "iotstack:template-sha256", "Value": "0123456789ab"}]
    stubbed_stack("UPDATE_COMPLETE", Tags=tags)(project, monkeypatch, request)


def deployed_with_outputs_read_only(project, monkeypatch, request):
    (project.root / "outputs").mkdir()
    immutable(project.root / "outputs", request)
    outputs = [{"OutputKey": "VpcId", "OutputValue": "vpc-1"}]
    stubbed_stack("UPDATE_COMPLETE", Outputs=outputs)(project, monkeypatch, request)


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


def lint_cache_read_only(project, monkeypatch, request):
    cache = project.root / "read-only-cache"
    (cache / "lint").mkdir(parents=True)
    immutable(cache / "lint", request)
    monkeypatch.setenv("IOTSTACK_CACHE_DIR", str(cache))


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


def deep_toml(project, monkeypatch, request):
    project.environment_file("deep").write_text("a = " + "[" * 6000 + "]" * 6000 + "\n")


def deep_json(project, monkeypatch, request):
    (project.root / "templates" / "dev.json").write_text('{"a": ' * 6000 + "1" + "}" * 6000 + "\n")


def editor_lock_file(project, monkeypatch, request):
    os.symlink("user@host.1234:1700000000", project.root / "environments" / ".#dev.toml")  # dangling, as emacs makes


# --- the table ------------------------------------------------------------------------------------

REGION = 'dev.toml: region = "sa-east-2": must be an AWS region such as sa-east-1 (did you mean sa-east-1?)'
CACHE = "is a file, not a folder"
README = "README.md is a file, not a folder"
NOTHING_WRITTEN = "; nothing was written (the files of this run are as they were)"
BOTH = ("dev.toml and qa.toml both deploy to stack iot-platform-dev in sa-east-1: each environment needs a stack of "
        "its own")  # fmt: skip

CASES = {
    # --- files: all or nothing, nothing over the tool's own, no collision with what a killed run left
    "environment-named-bootstrap": Case(environment_named_bootstrap, ("template",), 2,
                                        "bootstrap.toml: environment name 'bootstrap' is reserved: "
                                        "templates/bootstrap.json is the bootstrap stack's template",
                                        templates_as_they_were),
    "environment-named-bootstrap-check": Case(environment_named_bootstrap, ("check",), 2,
                                              "environment name 'bootstrap' is reserved"),
    "environment-named-drift-role": Case(environment_named_drift_role, ("template",), 2,
                                         "drift-role.toml: environment name 'drift-role' is reserved: "
                                         "templates/drift-role.json is the drift job's role",
                                         templates_as_they_were),
    "a-template-immutable": Case(with_a_change(prod_json_immutable), ("template", "--no-lint"), 1,
                                 "cannot write templates/prod.json: Operation not permitted" + NOTHING_WRITTEN,
                                 templates_as_they_were),
    "templates-read-only": Case(with_a_change(templates_read_only), ("template", "--no-lint"), 1,
                                "cannot write templates/…: Operation not permitted" + NOTHING_WRITTEN,
                                templates_as_they_were),
    "a-folder-where-a-template-goes": Case(with_a_change(a_folder_where_prod_json_goes), ("template", "--no-lint"), 1,
                                           "cannot write templates/prod.json: Is a directory (a folder is in the way)"
                                           + NOTHING_WRITTEN, templates_as_they_were),
    "a-leftover-temporary-file": Case(with_a_change(a_leftover_of_this_process), ("template", "--no-lint"), 0,
                                      "dev                  53", dev_json_written),
    "out-below-a-file": Case(a_file_named_readme, ("template", "--no-lint", "--out", "README.md/sub"), 2,
                             f"the templates folder README.md/sub: {README}"),
    "templates-below-a-file-check": Case(a_file_named_readme, ("check", "--templates", "README.md/sub"), 2, README),
    "templates-below-a-file-diff": Case(a_file_named_readme, ("diff", "--templates", "README.md/sub"), 1, README),
    "templates-typo-diff": Case(nothing, ("diff", "--templates", "templat"), 1,
                                "the templates folder templat does not exist (the project's is templates)"),
    "templates-typo-lint": Case(nothing, ("lint", "--templates", "templat"), 2,
                                "the templates folder templat does not exist"),
    "editor-lock-file": Case(editor_lock_file, ("template", "--no-lint"), 0, "5 template(s), 0 changed"),
    # --- names the tool keeps: no environment on the bootstrap stack, none on another's
    "bootstrap-stack-name-check": Case(bootstrap_stack_name, ("check",), 2,
                                       'dev.toml: deploy.stack_name = "iotstack-bootstrap": is the bootstrap stack'),
    "bootstrap-stack-name-deploy": Case(bootstrap_stack_name, ("deploy", "--env", "dev", "--yes"), 2,
                                        "is the bootstrap stack, which holds the artifact bucket"),
    "two-environments-one-stack": Case(two_environments_one_stack, ("template", "--no-lint"), 2, BOTH),
    "two-environments-one-stack-one-asked": Case(two_environments_one_stack, ("deploy", "--env", "dev", "--yes"), 2,
                                                 BOTH),
    # --- environment files and templates that cannot be read
    "region-typo-template": Case(region_typo, ("template",), 2, REGION),
    "region-typo-deploy": Case(region_typo, ("deploy", "--env", "dev", "--yes"), 2, REGION),
    "region-typo-diff": Case(region_typo, ("diff",), 1, REGION),
    "toml-nested-too-deep": Case(deep_toml, ("template", "--no-lint"), 2,
                                 "deep.toml: not valid TOML: nested too deeply to read"),
    "json-nested-too-deep": Case(deep_json, ("check", "--env", "dev", "--skip-plan"), 1,
                                 "templates/dev.json: E0000 [error]  (line 1): exceeded maximum nesting depth"),
    "not-utf8-check": Case(byte_not_utf8, ("check", "--env", "dev", "--skip-plan"), 1, "templates/dev.json: stale"),
    "not-utf8-deploy": Case(byte_not_utf8, ("deploy", "--env", "dev", "--yes"), 2, "templates/dev.json: stale"),
    "merge-conflict-markers-check": Case(merge_conflict_markers, ("check", "--env", "dev", "--skip-plan"), 1,
                                         "templates/dev.json: E0000 [error]"),
    "merge-conflict-markers-deploy": Case(merge_conflict_markers, ("deploy", "--env", "dev", "--yes"), 2,
                                          "templates/dev.json: stale"),
    # --- a read-only checkout: the commands that only read work
    "lint-cache-read-only": Case(lint_cache_read_only, ("check", "--env", "dev", "--skip-plan"), 0, "check passed"),
    "status-with-outputs-read-only": Case(deployed_with_outputs_read_only, ("status", "--env", "dev"), 0,
                                          "Warning: stack iot-platform-dev is UPDATE_COMPLETE, but its outputs were "
                                          "NOT written: cannot write outputs/dev.json"),
    "status-of-a-stale-template": Case(deployed_with_a_byte_not_utf8, ("status", "--env", "dev"), 0,
                                       "which is not what the code generates: `make template`, review and commit it"),
    "status-of-a-lifted-policy": Case(stubbed_stack("UPDATE_COMPLETE", policy=stack_policy(allow=["AuroraCluster"])),
                                      ("status", "--env", "dev"), 0,
                                      "stack policy LIFTED for AuroraCluster by a deploy that did not finish"),
    # --- the shell's AWS settings: one line, exit 2, before any call; no secret printed
    "endpoint-with-a-password": Case(aws_setting("AWS_ENDPOINT_URL", f"http://admin:{PLANTED}@127.0.0.1:9"),
                                     ("status", "--env", "dev"), 1, "cannot reach AWS at http://***@127.0.0.1:9"),
    "endpoint-with-a-password-not-a-url": Case(aws_setting("AWS_ENDPOINT_URL", f"admin:{PLANTED}@127.0.0.1:9"),
                                               ("status", "--env", "dev"), 2,
                                               "AWS_ENDPOINT_URL='***@127.0.0.1:9' is not a URL"),
    "no-such-profile": Case(aws_setting("AWS_PROFILE", "nosuchprofile"), ("status", "--env", "dev"), 2,
                            "The config profile (nosuchprofile) could not be found (AWS_PROFILE=nosuchprofile)"),
    "no-such-profile-diff": Case(aws_setting("AWS_PROFILE", "nosuchprofile"), ("diff", "--deployed"), 1,
                                 "The config profile (nosuchprofile) could not be found"),
    "no-such-profile-in-the-file": Case(file_profile_missing, ("status", "--env", "dev"), 2,
                                        "The config profile (nosuchprofile) could not be found (profile nosuchprofile "
                                        "(deploy.profile))"),
    "max-attempts-not-a-number": Case(aws_setting("AWS_MAX_ATTEMPTS", "abc"), ("status", "--env", "dev"), 2,
                                      "must be a whole number of 1..100 (attempts per AWS call, the first included)"),
    "max-attempts-zero": Case(aws_setting("AWS_MAX_ATTEMPTS", "0"), ("status", "--env", "dev"), 2,
                              "must be a whole number of 1..100"),
    "malformed-aws-config": Case(malformed_aws_config, ("status", "--env", "dev"), 2, "Unable to parse config file"),
    "endpoint-not-a-url": Case(aws_setting("AWS_ENDPOINT_URL", "not-a-url"), ("status", "--env", "dev"), 2,
                               "AWS_ENDPOINT_URL='not-a-url' is not a URL"),
    "service-endpoint-not-a-url": Case(aws_setting("AWS_ENDPOINT_URL_CLOUDFORMATION", "nope"),
                                       ("status", "--env", "dev"), 2,
                                       "AWS_ENDPOINT_URL_CLOUDFORMATION='nope' is not a URL"),
    "cache-dir-is-a-file-template": Case(cache_dir_is_a_file, ("template",), 2, f"IOTSTACK_CACHE_DIR=…{CACHE}"),
    "cache-dir-is-a-file-check": Case(cache_dir_is_a_file, ("check",), 2, CACHE),
    "outputs-is-a-file": Case(outputs_is_a_file, ("deploy", "--env", "dev", "--yes"), 2,
                              "the stack outputs (outputs/<env>.json): outputs is a file, not a folder"),
    "destroy-busy-stack": Case(stubbed_stack("UPDATE_IN_PROGRESS"), ("destroy", "--env", "dev", "--yes"), 1,
                               "stack iot-platform-dev is busy (UPDATE_IN_PROGRESS): another operation is running"),
    "recover-busy-stack": Case(stubbed_stack("UPDATE_IN_PROGRESS"), ("recover", "--env", "dev"), 1,
                               "stack iot-platform-dev is busy (UPDATE_IN_PROGRESS)"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_hostile_input(project, monkeypatch, request, case):
    state = case.setup(project, monkeypatch, request)
    result = run(*case.command)
    expect(result.output, result.exit_code, case, result.exception)
    if case.after:
        case.after(project, state, result.output)
