"""What ``diff`` and ``check`` compare with: ``--base``, else the merge base with the main branch, else
HEAD, never a silent fallback in CI; and ``check`` fails where the plan says the deploy will fail."""

import pytest

from generator.errors import UsageError
from generator.review.baseline import default_base
from generator.review.gate import sha
from generator.stack import aurora
from tests.conftest import git, merged_toml, run


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
        assert result.exit_code == 1 and "pass --base REF" in result.output, result.output  # an error; no plan


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
    assert "Renaming a custom-named resource that is replaced lets the deploy replace it" in failed.output
    rename(monkeypatch, **{"aurora-cluster": "aurora-db", "aurora-instance": "aurora-db-instance"})
    passed = run("check", "--env", "dev", "--base", base)
    assert passed.exit_code == 0, passed.output  # dev deletes its data anyway (removal_policy = "destroy")
    # The stateful verdict is printed, not a failure: the deploy keeps its own guard.
    assert f"plan: dev (against {base}:templates/dev.json): 3 to replace, 3 to modify" in passed.output
    assert "REPLACES STATEFUL AuroraCluster, AuroraInstance, AuroraPostgresqlLogGroup" in passed.output
    assert "  warning: AuroraCluster is replaced: UpdateReplacePolicy Delete" in passed.output
    assert passed.output.rstrip().splitlines()[-1].startswith("check passed: 1 template(s)")


def approve(root, template, *resources, environment="prod"):
    lines = [f'[[approval]]\nenvironment = "{environment}"\nresource = "{r}"\ntemplate = "{template}"\n'
             'reason = "renamed on purpose; restored from the final snapshot"\n' for r in resources]  # fmt: skip
    (root / "approvals.toml").write_text("\n".join(lines))


RENAMED = ("AuroraCluster", "AuroraInstance", "AuroraInstance2", "AuroraPostgresqlLogGroup")


def test_data_at_stake_where_it_is_kept_fails_check_until_approved_for_that_template(repo, monkeypatch):
    def renamed(cluster):
        original = aurora.name
        monkeypatch.setattr(
            aurora,
            "name",
            lambda env, kind: original(
                env, kind.replace("aurora-cluster", cluster).replace("aurora-instance", f"{cluster}-i")
            ),
        )
        assert run("template", "--no-lint", "--env", "prod").exit_code == 0
        return sha((repo.root / "templates" / "prod.json").read_text())

    template = renamed("aurora-db")  # the cluster and its instances: the deploy would go through, prod's data not
    failed = run("check", "--env", "prod")
    assert failed.exit_code == 1, failed.output
    assert ("data at stake, not approved: prod: AuroraCluster (AWS::RDS::DBCluster) is replaced and prod keeps its "
            f"data: not approved for template {template}") in failed.output  # fmt: skip
    assert f'[[approval]]\n    environment = "prod"\n    resource = "AuroraCluster"\n    template = "{template}"' in (
        failed.output
    )  # the lines that approve it, ready to paste
    approve(repo.root, template, *RENAMED[:2])  # not all of them
    assert "AuroraInstance2 (AWS::RDS::DBInstance) is replaced" in run("check", "--env", "prod").output
    approve(repo.root, template, *RENAMED)
    passed = run("check", "--env", "prod")
    assert passed.exit_code == 0, passed.output
    assert "  warning: AuroraCluster is replaced: UpdateReplacePolicy Snapshot" in passed.output
    other = renamed("aurora-data")  # another change: the approval is stale and does not carry over
    stale = run("check", "--env", "prod")
    assert stale.exit_code == 1
    assert (f"AuroraCluster (AWS::RDS::DBCluster) is replaced and prod keeps its data: not approved for template "
            f"{other}; the approval in approvals.toml is for template {template}: stale") in stale.output  # fmt: skip


@pytest.mark.parametrize("text, problem", [
    ("[[approval]]\nenvironment = 'prod'\n", "approvals.toml: approval 1: resource must be a non-empty string"),
    ("approval = 3\n", "approvals.toml: approval must be an array of tables"),
    ("[[approval]\n", "approvals.toml: not valid TOML"),
])  # fmt: skip
def test_a_bad_approvals_file_is_bad_input(repo, text, problem):
    (repo.root / "approvals.toml").write_text(text)
    result = run("check", "--env", "prod")
    assert result.exit_code == 2 and problem in result.output, result.output


def test_check_fails_when_kinesis_would_refuse_the_new_shard_count(repo):
    base = git(repo.root, "rev-parse", "HEAD")
    env_file = repo.root / "environments" / "dev.toml"
    text = env_file.read_text()
    assert "shard_count" not in text  # dev takes the default, 2 shards
    for count, code in ((6, 1), (4, 0)):  # 2 -> 6 more than doubles; 2 -> 4 does not
        env_file.write_text(merged_toml(text, f"[kinesis]\nshard_count = {count}"))
        assert run("template", "--no-lint", "--env", "dev").exit_code == 0
        result = run("check", "--env", "dev", "--base", base)
        assert result.exit_code == code, result.output
        if code:
            assert (
                f"the deploy would fail: dev: SensorDataStream: ShardCount 2 → {count}: Kinesis refuses"
                in result.output
            )
