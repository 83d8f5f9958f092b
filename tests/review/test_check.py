"""``iotstack check`` / ``make check``: fails on stale files, lint findings and each policy rule, says
what to do, and passes on the committed templates."""

import json
import shutil

import pytest

import generator.rules
from generator.config import load_environments
from generator.lint import lint_templates
from generator.review.check import CheckFailed
from generator.review.check import check as run_check
from generator.workspace import Workspace
from tests.conftest import ROOT, run


@pytest.fixture
def templates(tmp_path):
    """A copy of the committed templates/ folder."""
    folder = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", folder)
    return folder


def check(names, templates):
    """``iotstack check [--env NAME ...] --templates DIR`` as a function call."""
    workspace = Workspace.find(ROOT, templates=templates)
    return run_check(load_environments(names, workspace.environments), workspace, every=not names)


def edit(folder, env, change):
    path = folder / f"{env}.json"
    template = json.loads(path.read_text())
    change(template["Resources"])
    path.write_text(json.dumps(template, indent=2, sort_keys=True) + "\n")


def test_passes_on_the_committed_templates():
    report = check((), ROOT / "templates")
    assert report.ok and report.names == ["dev", "prod", "staging", "bootstrap", "drift-role"]
    assert not report.strays  # the fleet's template and its roles' belong to fleets/plants.toml


def test_a_stale_template_shows_a_capped_diff_and_the_fix(templates):
    edit(templates, "dev", lambda r: [r[k].setdefault("Metadata", {}).update(x=1) for k in r])
    with pytest.raises(CheckFailed) as failed:
        check(("dev",), templates)
    message = str(failed.value)
    assert f"{templates}/dev.json: stale, differs from what the code generates:" in message
    assert f"--- {templates}/dev.json (committed)" in message and "more diff lines" in message
    assert "run `make template`, review and commit templates/" in message
    assert "dev.md" not in message


def test_missing_and_stray_files(templates):
    (templates / "dev.md").unlink()
    (templates / "qa.json").write_text("{}\n")
    with pytest.raises(CheckFailed) as failed:
        check((), templates)
    assert f"{templates}/dev.md: missing" in str(failed.value)
    assert f"{templates}/qa.json: belongs to no environment" in str(failed.value)
    assert "delete them (`git rm`)" in str(failed.value)


def test_a_lint_finding_in_a_committed_template_fails(project, env_dir):
    (env_dir / "dev.toml").write_text("[aurora]\nengine_version = '15.4'\n")  # deprecated: W3690
    assert run("template", "--no-lint", "--env", "dev").exit_code == 0
    result = run("check", "--env", "dev")
    assert result.exit_code == 1
    assert "templates/dev.json: W3690 [warning] Resources/AuroraCluster/Properties" in result.output
    assert "stale" not in result.output
    assert "fix the stack code or the environment file, then `make template`" in result.output


def open_to_the_world(ingress: dict) -> None:
    del ingress["SourceSecurityGroupId"]
    ingress["CidrIp"] = "0.0.0.0/0"


def statement_dropped(policy: dict, sid: str) -> None:
    document = policy["Properties"]["PolicyDocument"]
    document["Statement"] = [st for st in document["Statement"] if st.get("Sid") != sid]


def alarms_silenced(resources: dict) -> None:
    for resource in resources.values():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            resource["Properties"]["AlarmActions"] = []


# One change per rule that breaks it and nothing else: (environment, change to its template's resources).
BAD = {
    "E9001": ("dev", lambda r: r["SensorDataStream"]["Properties"].update(RetentionPeriodHours=12)),
    "E9002": ("dev", lambda r: r["RedisReplicationGroup"]["Properties"].update(NumCacheClusters=1)),
    "E9003": ("dev", lambda r: r["AuroraPostgresqlLogGroup"]["Properties"].update(KmsKeyId={"Ref": "RdsKey"})),
    "E9004": ("dev", lambda r: r["DatabaseSecret"].pop("UpdateReplacePolicy")),
    "E9005": ("dev", lambda r: r["AuroraCluster"]["Properties"].update(MasterUserPassword="hunter2hunter2")),
    "E9006": ("dev", lambda r: open_to_the_world(r["CacheIngressFromConsumers"]["Properties"])),
    "E9007": ("prod", alarms_silenced),
    "E9008": ("prod", lambda r: r["SecretsManagerEndpoint"]["Properties"].pop("PolicyDocument")),
    "E9009": ("prod", lambda r: r["AuroraClusterParameterGroup"]["Properties"]["Parameters"]
              .update({"rds.force_ssl": "0"})),
    "E9010": ("prod", lambda r: r["RdsKey"]["Properties"].update(PendingWindowInDays=7)),
    "E9011": ("prod", lambda r: r.pop("KeyDeletionOrDisableRule")),
    "E9012": ("prod", lambda r: statement_dropped(r["CacheEventsTopicPolicy"], "DenyPublishingWithoutTls")),
    "E9013": ("prod", lambda r: r.pop("DatabaseSecretResourcePolicy")),
    "E9014": ("prod", lambda r: r["SensorStreamProducerPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
              .update(Action=["kinesis:PutRecord"])),
    "E9015": ("prod", lambda r: r["RotationFunctionLogGroup"]["Properties"].update(LogGroupName="/aws/lambda/x")),
}  # fmt: skip


def test_every_rule_has_a_bad_case_here():
    assert sorted(BAD) == sorted(rule.id for rule in generator.rules.RULES)


def test_each_policy_rules_bad_case_is_found_and_nothing_else(templates):
    """Every rule's bad case, linted in one batch (as ``check`` lints: with the policy rules): its rule and no other
    error (E9005's literal password is cfn-lint's warning W2501 as well)."""
    jobs = {}
    for rule_id, (env, change) in BAD.items():
        template = json.loads((templates / f"{env}.json").read_text())
        change(template["Resources"])
        jobs[rule_id] = (json.dumps(template, indent=2, sort_keys=True) + "\n", "sa-east-1")
    found = lint_templates(jobs, None, policy=True)
    errors = {name: sorted({f.rule for f in findings if f.rule.startswith("E")}) for name, findings in found.items()}
    assert errors == {rule_id: [rule_id] for rule_id in BAD}


@pytest.mark.parametrize("rule", [r for r in generator.rules.RULES if r.id in ("E9006", "E9013")], ids=lambda r: r.id)
def test_check_fails_on_a_policy_rule_with_its_reason_and_the_code_that_built_it(templates, rule):
    env, change = BAD[rule.id]
    edit(templates, env, change)
    result = run("check", "--env", env, "--templates", str(templates))
    assert result.exit_code == 1
    found = {line.split(": ")[1].split()[0] for line in result.output.splitlines() if ".json: E" in line}
    assert found == {rule.id}  # only the rule that was broken
    assert f"    {rule.id}: {rule.shortdesc}. {rule.description}" in result.output
    assert "(built in generator/stack/" in result.output  # the finding points at the code as well
    assert "lint and policy findings: fix the stack code or the environment file" in result.output
