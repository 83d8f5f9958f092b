"""The one gate: what ``make check`` refuses, ``deploy`` and ``execute`` refuse with the same words,
before any AWS call (the tests' AWS endpoint is a closed port: reaching it would say so)."""

import pytest

from generator import stack
from generator.generate import build
from generator.review.gate import gate
from tests.conftest import run


def open_the_cache_to_the_world(monkeypatch):
    """A deliberately broken stack module: the cache admits 0.0.0.0/0 (policy rule E9006; cfn-lint itself
    finds nothing wrong with it)."""
    original = stack.add_security_groups

    def broken(template, env, network):
        groups = original(template, env, network)
        ingress = template.resources["CacheIngressFromConsumers"]
        del ingress.properties["SourceSecurityGroupId"]
        ingress.CidrIp = "0.0.0.0/0"
        return groups

    monkeypatch.setattr(stack, "add_security_groups", broken)


def edit_the_committed_template(project):
    path = project.root / "templates" / "dev.json"
    path.write_text(path.read_text().replace('"sensor-data-stream-dev"', '"sensor-data-stream-edited"'))


def after_heading(output: str) -> str:
    """The message without its first line, which names the command ("check failed:", "refused by the gate")."""
    return output.split("\n", 1)[1]


CASES = {
    "policy-rule": (open_the_cache_to_the_world, 1, "templates/dev.json: E9006 [error]"),
    "stale-template": (lambda monkeypatch: None, 2, "templates/dev.json: stale, differs from what the code generates"),
}


@pytest.mark.parametrize("break_it, deploy_exit, finding", CASES.values(), ids=CASES)
def test_deploy_and_execute_refuse_what_check_refuses_with_the_same_message(
    project, monkeypatch, break_it, deploy_exit, finding
):
    break_it(monkeypatch)
    if break_it is open_the_cache_to_the_world:
        assert run("template", "--no-lint", "--env", "dev").exit_code == 0  # --no-lint lets the broken module write
    else:
        edit_the_committed_template(project)
    checked = run("check", "--env", "dev", "--skip-plan")
    deployed = run("deploy", "--env", "dev", "--yes")
    executed = run("execute", "--env", "dev", "--change-set", "iotstack-any", "--yes")
    assert checked.exit_code == 1, checked.output
    assert (deployed.exit_code, executed.exit_code) == (deploy_exit, deploy_exit), deployed.output
    assert finding in checked.output
    skipped = "\nplan: SKIPPED (--skip-plan)"
    assert after_heading(deployed.output) == after_heading(checked.output.split(skipped)[0] + "\n")
    assert after_heading(deployed.output) == after_heading(executed.output)
    assert "cannot reach AWS" not in deployed.output + executed.output  # refused before any AWS call


def test_a_stale_picture_does_not_block_a_deploy(project):
    (project.root / "templates" / "dev.md").write_text("an old picture\n")
    (committed,) = gate([build(_dev(project), project.workspace)], project.workspace).values()
    assert committed.path == project.root / "templates" / "dev.json"
    assert run("check", "--env", "dev", "--skip-plan").exit_code == 1  # but check refuses it


def test_a_template_with_a_byte_that_is_not_utf8_is_stale_not_a_crash(project):
    path = project.root / "templates" / "dev.json"
    path.write_bytes(path.read_bytes().replace(b"sensor-data-stream-dev", b"sensor-data-stream-d\xe9v"))
    result = run("deploy", "--env", "dev", "--yes")
    assert result.exit_code == 2, result.output
    assert "templates/dev.json: stale" in result.output and "Traceback" not in result.output


def _dev(project):
    from generator.config import load_environments

    (env,) = load_environments(["dev"], project.workspace.environments)
    return env
