"""The gate, never weaker without saying so: git missing, a copy without .git, a repository git refuses,
a project inside a repository that is not its own, in and out of CI; a change that empties prod's
database, also when the same change sets prod to delete its data; approvals that are malformed or
approve nothing; the base named in what check prints."""

from __future__ import annotations

import os
import shutil

import pytest

from generator.stack import aurora
from tests.conftest import git, run
from tests.hostile import Case, expect
from tests.review.test_base import RENAMED, approve

# --- set-ups ----------------------------------------------------------------------------------------


def no_git_on_path(project, monkeypatch, request):
    empty = project.root.parent / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def a_copy_without_git(project, monkeypatch, request):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.root.parent))


def a_repository_of_another_user(project, monkeypatch, request):
    git(project.root, "init", "-q")
    if os.geteuid() != 0:
        pytest.skip("only root can hand the repository to another user")
    os.chown(project.root, 4242, 4242)
    monkeypatch.setenv("HOME", str(project.root.parent))  # no safe.directory of the user's own


def inside_another_repository(project, monkeypatch, request):
    """The project copied into a repository that does not track it (a home folder's dotfiles, say)."""
    git(project.root.parent, "init", "-q", "-b", "main")
    git(project.root.parent, "commit", "-q", "--allow-empty", "-m", "dotfiles")
    prod_renamed(project, monkeypatch)


def in_ci(setup):
    def also_in_ci(project, monkeypatch, request):
        monkeypatch.setenv("CI", "1")
        return setup(project, monkeypatch, request)

    return also_in_ci


def prod_renamed(project, monkeypatch):
    """The change a reviewer's run found: the cluster renamed, and its instances too (what the "will fail"
    note advises), so the deploy would go through, and prod's data with it."""
    original = aurora.name
    monkeypatch.setattr(aurora, "name", lambda env, kind: original(env, kind.replace("aurora-", "aurora-db-")))
    assert run("template", "--no-lint", "--env", "prod").exit_code == 0


def prod_renamed_in_a_repository(project, monkeypatch, request):
    request.getfixturevalue("repo")
    prod_renamed(project, monkeypatch)


def prod_renamed_and_set_to_delete_its_data(project, monkeypatch, request):
    """The same change also sets prod's removal_policy to destroy: the approval cannot be opted out of."""
    request.getfixturevalue("repo")  # the base keeps prod's data
    path = project.environment_file("prod")
    path.write_text(path.read_text().replace('removal_policy = "snapshot"', 'removal_policy = "destroy"'))
    assert 'removal_policy = "destroy"' in path.read_text()
    prod_renamed_in_a_repository(project, monkeypatch, request)


def prod_renamed_in_a_copy_of_templates(project, monkeypatch, request):
    """The renamed prod, checked from an untracked copy of templates/ (--templates tpl-copy)."""
    prod_renamed_in_a_repository(project, monkeypatch, request)
    shutil.copytree(project.root / "templates", project.root / "tpl-copy")


def prod_renamed_through_a_linked_templates_folder(project, monkeypatch, request):
    """templates/ becomes a symbolic link to another folder of the project: the base is still read where git
    holds the templates, not where the link leads."""
    prod_renamed_in_a_repository(project, monkeypatch, request)
    (project.root / "templates").rename(project.root / "real-templates")
    (project.root / "templates").symlink_to("real-templates")


def prod_renamed_against_a_base_without_templates(project, monkeypatch, request):
    repo = request.getfixturevalue("repo")
    git(repo.root, "rm", "-q", "-r", "--cached", "templates")
    git(repo.root, "commit", "-q", "-m", "no templates")
    git(repo.root, "tag", "notemplates")
    git(repo.root, "reset", "-q", "HEAD~1")
    prod_renamed(project, monkeypatch)


def git_in_german(setup):
    def translated(project, monkeypatch, request):
        monkeypatch.setenv("LANGUAGE", "de")
        monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
        return setup(project, monkeypatch, request)

    return translated


def a_master_branch(project, monkeypatch, request):
    git(request.getfixturevalue("repo").root, "branch", "-q", "-m", "main", "master")


def no_main_branch(project, monkeypatch, request):
    git(request.getfixturevalue("repo").root, "branch", "-q", "-m", "main", "trunk")


def approvals(text):
    def setup(project, monkeypatch, request):
        request.getfixturevalue("repo")
        (project.root / "approvals.toml").write_text(text)

    return setup


def approved_for_an_unknown_environment(project, monkeypatch, request):
    request.getfixturevalue("repo")
    approve(project.root, "0123456789ab", *RENAMED[:1], environment="prd")


# --- the table --------------------------------------------------------------------------------------

NO_PLAN = "  no plan against the base of the change: "
NO_GIT = "git is not installed (no git on PATH)"
NOT_A_REPOSITORY = "is not in a git repository (a copy without .git?)"
REFUSED = "git refuses the repository at …: it belongs to another user"
AT_STAKE = ("data at stake, not approved: prod: AuroraCluster (AWS::RDS::DBCluster) is replaced and prod keeps its "
            "data: not approved for template")  # fmt: skip
CHECK = ("check", "--env", "dev")

CASES = {
    "no-git-check": Case(no_git_on_path, CHECK, 1, NO_PLAN + NO_GIT),
    "no-git-check-in-ci": Case(in_ci(no_git_on_path), CHECK, 1, NO_PLAN + NO_GIT),
    "no-git-diff": Case(no_git_on_path, ("diff", "--env", "dev"), 1, NO_GIT),
    "no-git-skip-plan": Case(no_git_on_path, (*CHECK, "--skip-plan"), 0,
                             "plan: SKIPPED (--skip-plan): the change was not planned against its base"),
    "a-copy-without-git-check": Case(a_copy_without_git, CHECK, 1, NO_PLAN + "…" + NOT_A_REPOSITORY),
    "a-copy-without-git-check-in-ci": Case(in_ci(a_copy_without_git), CHECK, 1, NOT_A_REPOSITORY),
    "dubious-ownership-check": Case(a_repository_of_another_user, CHECK, 1, NO_PLAN + REFUSED),
    "dubious-ownership-diff": Case(a_repository_of_another_user, ("diff", "--env", "dev"), 1, REFUSED),
    "a-project-inside-another-repository": Case(inside_another_repository, ("check", "--env", "prod"), 1,
                                                NO_PLAN + "the project at … is not tracked by the git repository "
                                                "around it"),
    "prod-database-renamed": Case(prod_renamed_in_a_repository, ("check", "--env", "prod"), 1, AT_STAKE),
    "prod-renamed-in-an-untracked-copy": Case(prod_renamed_in_a_copy_of_templates,
                                              ("check", "--env", "prod", "--templates", "tpl-copy"), 1,
                                              NO_PLAN + "merge-base(main)=… has environments/prod.toml but no "
                                              "tpl-copy/prod.json"),
    "prod-renamed-through-a-linked-folder": Case(prod_renamed_through_a_linked_templates_folder,
                                                 ("check", "--env", "prod"), 1, AT_STAKE),
    "prod-renamed-against-a-base-without-templates": Case(prod_renamed_against_a_base_without_templates,
                                                          ("check", "--env", "prod", "--base", "notemplates"), 1,
                                                          NO_PLAN + "notemplates has environments/prod.toml but no "
                                                          "templates/prod.json"),
    "a-copy-without-git-in-german": Case(git_in_german(a_copy_without_git), CHECK, 1, NOT_A_REPOSITORY),
    "a-copy-without-git-in-german-in-ci": Case(git_in_german(in_ci(a_copy_without_git)), CHECK, 1, NOT_A_REPOSITORY),
    "prod-database-renamed-and-set-to-delete": Case(prod_renamed_and_set_to_delete_its_data,
                                                    ("check", "--env", "prod"), 1, AT_STAKE),
    "the-base-is-named": Case(a_master_branch, CHECK, 0, "the plan against merge-base(master)=… clean"),
    "a-fallback-to-head-is-said": Case(no_main_branch, CHECK, 0, "plan: against HEAD: no main branch (origin/main, "
                                       "main, origin/HEAD, origin/master, master) to take the merge base with"),
    "approval-not-a-short-sha": Case(approvals('[[approval]]\nenvironment = "prod"\nresource = "AuroraCluster"\n'
                                               'template = "4deb9b8603"\nreason = "x"\n'), CHECK, 2,
                                     'approvals.toml: approval 1: template = "4deb9b8603": must be the 12 hex digits'),
    "approval-of-an-unknown-environment": Case(approved_for_an_unknown_environment, CHECK, 0,
                                               "approvals.toml: prd AuroraCluster: there is no environment prd"),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES)
def test_hostile_gate(project, monkeypatch, request, case):
    case.setup(project, monkeypatch, request)
    result = run(*case.command)
    expect(result.output, result.exit_code, case, result.exception)
