"""Every path from the project root: the same from any subdirectory, a clear error outside a project,
and the fast commands never import what they do not need."""

import json
import subprocess
import sys

import pytest

from generator.errors import UsageError
from generator.workspace import Workspace, find_root
from tests.conftest import run


def test_the_root_is_found_upward_from_any_subdirectory(project):
    deep = project.root / "tests" / "deploy"
    deep.mkdir(parents=True)
    workspace = Workspace.find(deep)
    assert workspace.root == project.root
    assert workspace.template("dev") == project.root / "templates" / "dev.json"
    assert workspace.outputs("dev") == project.root / "outputs" / "dev.json"
    assert workspace.environments == project.root / "environments"
    assert workspace.prices == project.root / "prices"


def test_a_setup_cfg_of_another_project_is_passed_over(project):
    other = project.root / "vendored"
    other.mkdir()
    (other / "setup.cfg").write_text("[metadata]\nname = something-else\n")
    assert find_root(other) == project.root


@pytest.mark.parametrize("command", [["check", "--env", "dev", "--skip-plan"],
                                     ["template", "--no-lint", "--env", "dev"]])  # fmt: skip
def test_a_command_from_a_subdirectory_behaves_as_from_the_root(project, monkeypatch, command):
    at_root = run(*command)
    (project.root / "tests").mkdir()
    monkeypatch.chdir(project.root / "tests")
    below = run(*command)
    assert below.exit_code == at_root.exit_code == 0, below.output
    assert below.output.splitlines()[:-1] == at_root.output.splitlines()[:-1]  # the last line is the time taken
    assert not (project.root / "tests" / "templates").exists()


def test_the_lint_cache_lives_at_the_root_unless_told(project, monkeypatch):
    monkeypatch.delenv("IOTSTACK_CACHE_DIR")
    assert Workspace.find(project.root).cache == project.root / ".cache" / "iotstack" / "lint"


@pytest.mark.parametrize(
    "command, exit_code",
    [(["template"], 2), (["check"], 2), (["status", "--env", "dev"], 2), (["diff"], 1)],
    ids=["template", "check", "status", "diff"],
)
def test_outside_any_project_it_says_so(tmp_path, monkeypatch, command, exit_code):
    monkeypatch.chdir(tmp_path)
    result = run(*command)
    assert result.exit_code == exit_code, result.output
    assert "not inside an iotstack project: no setup.cfg naming iotstack" in result.output


def test_find_root_outside_a_project_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError):
        find_root(tmp_path)


# --- the fast paths stay fast ------------------------------------------------------------------------

PROBE = """
import json, sys
from generator.cli import main
try:
    main({args!r}, standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & {{"boto3", "botocore", "cfnlint"}})))
"""

FAST = {
    "template-no-lint": (["template", "--no-lint", "--out", "{tmp}"], []),
    "diff-against-git": (["diff"], []),
    "check": (["check"], ["cfnlint"]),
    "lint": (["lint", "--env", "dev"], ["cfnlint"]),
}


@pytest.mark.parametrize("args, heavy", FAST.values(), ids=FAST)
def test_fast_commands_never_import_boto3_and_lint_only_where_they_lint(project, tmp_path, args, heavy):
    """In a project copy whose templates are committed to git (so that diff has nothing to plan)."""
    for git in (["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-qm", "t"]):
        subprocess.run(["git", *git], cwd=project.root, check=True, capture_output=True)
    args = [a.format(tmp=tmp_path) for a in args]
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                          cwd=project.root, check=True)  # fmt: skip
    assert json.loads(done.stdout.splitlines()[-1]) == heavy, done.stdout + done.stderr
