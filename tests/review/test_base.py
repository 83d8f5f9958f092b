"""What ``diff`` and ``check`` compare with: ``--base``, else the merge base with the main branch, else
HEAD, never a silent fallback in CI; and ``check`` fails where the plan says the deploy will fail."""

import subprocess

import pytest

from generator.errors import UsageError
from generator.review.baseline import default_base
from generator.stack import aurora
from tests.conftest import run


def git(repo, *args) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=repo,
                          check=True, capture_output=True, text=True)  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def repo(project):
    """The project copy as a git repository: ``main`` holds today's templates, ``HEAD`` is a branch off it."""
    git(project.root, "init", "-q", "-b", "main")
    git(project.root, "add", "templates", "environments")
    git(project.root, "commit", "-q", "-m", "templates")
    git(project.root, "checkout", "-q", "-b", "change")
    return project


def test_the_default_base_is_the_merge_base_with_main(repo):
    fork = git(repo.root, "rev-parse", "HEAD")
    git(repo.root, "commit", "-q", "--allow-empty", "-m", "on the branch")
    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "commit", "-q", "--allow-empty", "-m", "main moves on")
    git(repo.root, "checkout", "-q", "change")
    assert default_base(repo.workspace) == (fork, f"merge-base(main)={fork[:10]}")
    assert f"dev (against merge-base(main)={fork[:10]}:templates/dev.json): no changes" in run("diff").output


def unrelated_main(root):
    """A main branch with no common history: what a shallow clone of a pull request looks like to git."""
    git(root, "checkout", "-q", "--orphan", "other")
    git(root, "commit", "-q", "--allow-empty", "-m", "x")
    git(root, "branch", "-q", "-D", "main")
    git(root, "branch", "-q", "-m", "other", "main")
    git(root, "checkout", "-q", "change")


WITHOUT_MERGE_BASE = {
    "no-main-branch": lambda root: git(root, "branch", "-q", "-m", "main", "trunk"),
    "unrelated-main": unrelated_main,
}


@pytest.mark.parametrize("setup", WITHOUT_MERGE_BASE.values(), ids=WITHOUT_MERGE_BASE)
def test_without_a_merge_base_head_locally_an_error_in_ci(repo, monkeypatch, setup):
    setup(repo.root)
    assert default_base(repo.workspace) == ("HEAD", "HEAD")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(UsageError, match="pass --base REF"):
        default_base(repo.workspace)
    for command in (["diff"], ["check", "--env", "dev"]):
        result = run(*command)
        assert result.exit_code in (1, 2) and "pass --base REF" in result.output, result.output


def test_an_explicit_base_needs_no_main_branch_in_ci(repo, monkeypatch):
    monkeypatch.setenv("CI", "true")
    git(repo.root, "branch", "-q", "-m", "main", "trunk")
    result = run("check", "--env", "dev", "--base", "trunk")
    assert result.exit_code == 0, result.output


def rename(monkeypatch, **kinds):
    original = aurora.name
    monkeypatch.setattr(aurora, "name", lambda env, kind: original(env, kinds.get(kind, kind)))
    assert run("template", "--no-lint", "--env", "dev").exit_code == 0


def test_check_fails_when_the_plan_says_the_deploy_fails_and_passes_once_it_would_not(repo, monkeypatch):
    base = git(repo.root, "rev-parse", "HEAD")
    rename(monkeypatch, **{"aurora-cluster": "aurora-db"})  # the cluster renamed, its instance not
    failed = run("check", "--env", "dev", "--base", base)
    assert failed.exit_code == 1, failed.output
    assert ("the deploy would fail: dev: AuroraInstance: DBInstanceIdentifier stays 'aurora-instance-dev'"
            in failed.output)  # fmt: skip
    assert "rename a replaced resource too" in failed.output
    rename(monkeypatch, **{"aurora-cluster": "aurora-db", "aurora-instance": "aurora-db-instance"})
    passed = run("check", "--env", "dev", "--base", base)
    assert passed.exit_code == 0, passed.output
    # The stateful verdict is printed, not a failure: the deploy keeps its own guard.
    assert f"plan: dev (against {base}:templates/dev.json): 3 to replace, 1 to modify" in passed.output
    assert "REPLACES STATEFUL AuroraCluster, AuroraInstance, AuroraPostgresqlLogGroup" in passed.output
    assert "  warning: AuroraCluster is replaced: UpdateReplacePolicy Delete" in passed.output
    assert passed.output.rstrip().splitlines()[-1].startswith("check passed: 1 template(s)")


def test_outside_git_check_has_no_plan_to_check_but_fails_in_ci(project, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.root.parent))
    assert run("check", "--env", "dev").exit_code == 0
    monkeypatch.setenv("CI", "1")
    result = run("check", "--env", "dev")
    assert result.exit_code == 2 and "pass --base REF" in result.output, result.output
