"""``iotstack diff`` and ``iotstack lint`` end to end: git bases, formats, exit codes."""

import json

import pytest

from generator.stack import kinesis
from tests.conftest import ROOT, git, run
from tests.rules.test_customer_managed_keys import with_open_ingress


def test_no_changes_exits_0(repo):
    result = run("diff")
    assert result.exit_code == 0, result.output
    assert "dev (against merge-base(main)=" in result.output and ":templates/dev.json): no changes" in result.output


def test_a_modification_exits_2(repo, env_dir):
    (env_dir / "prod.toml").write_text((env_dir / "prod.toml").read_text().replace("cache.t3.medium", "cache.t3.small"))
    result = run("diff", "--env", "prod", "--format", "markdown")
    assert result.exit_code == 2, result.output
    assert "| **modify** | `RedisReplicationGroup` | cache group |" in result.output  # bold: it has a note
    assert "> **`prod`: read before deploying**" in result.output  # what it interrupts, not data at stake
    assert "> - `RedisReplicationGroup`: node type" in result.output  # one environment: no name on each line
    assert "node type cache.t3.medium → cache.t3.small: online vertical scaling" in result.output
    assert '  CacheNodeType\n-   "cache.t3.medium"\n+   "cache.t3.small"\n' in result.output


def test_replacing_a_stateful_resource_exits_3(repo, monkeypatch):
    original = kinesis.name
    monkeypatch.setattr(
        kinesis, "name", lambda env, kind: original(env, "stream" if kind == "sensor-data-stream" else kind)
    )
    result = run("diff", "--format", "json")
    assert result.exit_code == 3, result.output
    plans = {p["environment"]: p for p in json.loads(result.output)["plans"]}
    assert sorted(plans) == ["dev", "fleet-plants", "prod", "staging"]  # the fleet's template takes it too
    fleet = [(r["logical_id"], r["action"]) for r in plans["fleet-plants"]["resources"]]
    assert ("SensorDataStream", "replace") in fleet
    assert [(r["logical_id"], r["action"]) for r in plans["dev"]["resources"]] == [
        ("SensorDataStream", "replace"),
        ("SensorStreamConsumerPolicy", "modify"),  # they name the stream's ARN
        ("SensorStreamProducerPolicy", "modify"),
    ]


def test_a_new_environment_is_all_added(repo):
    git(repo.root, "rm", "-q", "--cached", "templates/prod.json", "environments/prod.toml")
    git(repo.root, "commit", "-q", "-m", "no prod yet")
    result = run("diff", "--env", "prod", "--env", "dev", "--base", "HEAD")
    assert result.exit_code == 2
    resources = len(json.loads((ROOT / "templates" / "prod.json").read_text())["Resources"])
    assert f"prod (against HEAD:templates/prod.json): {resources} to add, " in result.output


def test_an_environment_whose_template_is_not_at_the_base_has_no_plan(repo):
    """What it deploys cannot be known: planning it as new would let a replacement of its data through."""
    git(repo.root, "rm", "-q", "--cached", "templates/prod.json")
    git(repo.root, "commit", "-q", "-m", "prod's template left out")
    for command in ("diff", "check"):  # diff: an error; check: a problem, no plan
        result = run(command, "--env", "prod", "--base", "HEAD")
        assert result.exit_code == 1, result.output
        assert ("HEAD has environments/prod.toml but no templates/prod.json: what that environment deploys cannot "
                "be known, so the plan cannot be made") in result.output  # fmt: skip


@pytest.mark.parametrize(
    "args, message",
    [
        (["--base", "no-such-branch"], "unknown git revision 'no-such-branch'"),
        (["--env", "qa"], "unknown environment qa"),
        (["--format", "html"], "Invalid value for '--format'"),
    ],
    ids=["unknown-ref", "unknown-environment", "bad-option"],
)
def test_errors_exit_1_not_2_which_means_changes(repo, args, message):
    result = run("diff", *args)
    assert result.exit_code == 1 and message in result.output


def test_outside_git_is_a_clear_error(project, monkeypatch):
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.root.parent))
    result = run("diff")
    assert result.exit_code == 1 and "is not in a git repository (a copy without .git?)" in result.output


@pytest.fixture
def open_ingress(tmp_path):
    """A dev template whose one finding is a policy rule's: E9006, ingress from anywhere."""
    (tmp_path / "dev.json").write_text(json.dumps(with_open_ingress(), indent=2))
    return tmp_path


def test_lint_sarif_lists_the_policy_findings(open_ingress):
    result = run("lint", "--env", "dev", "--format", "sarif", "--templates", str(open_ingress))
    assert result.exit_code == 1
    sarif = json.loads(result.output)
    assert sarif["version"] == "2.1.0"
    (run_,) = sarif["runs"]
    assert run_["automationDetails"] == {"id": "iotstack-lint/dev/"}  # one category per environment
    (finding,) = run_["results"]
    assert finding["ruleId"] == "E9006" and finding["level"] == "error"
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == str(open_ingress / "dev.json") and location["region"]["startLine"] > 1
    (built,) = finding["relatedLocations"]  # the stack module that builds the ingress rule
    source = built["physicalLocation"]
    assert source["artifactLocation"]["uri"] == "generator/stack/security_groups.py"
    line = (ROOT / "generator/stack/security_groups.py").read_text().splitlines()[source["region"]["startLine"] - 1]
    assert "add_resource" in line
    (rule,) = run_["tool"]["driver"]["rules"]
    assert rule["id"] == "E9006" and "private subnets" in rule["fullDescription"]["text"]


@pytest.mark.parametrize(
    "fmt, expected",
    [
        ("sarif", '"results": []'),
        ("json", "[]"),
        ("text", "lint clean: 1 template(s) (dev): cfn-lint and 15 policy rules"),
    ],
)
def test_lint_clean_exits_0(fmt, expected):
    result = run("lint", "--env", "dev", "--format", fmt, "--templates", str(ROOT / "templates"))
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_one_finding_two_rules_report_is_reported_once(tmp_path):
    """A stateful resource without UpdateReplacePolicy: the policy rule E9004 (with its reason), not also I3011."""
    template = json.loads((ROOT / "templates" / "dev.json").read_text())
    del template["Resources"]["DatabaseSecret"]["UpdateReplacePolicy"]
    (tmp_path / "dev.json").write_text(json.dumps(template, indent=2))
    result = run("lint", "--env", "dev", "--format", "json", "--templates", str(tmp_path))
    assert result.exit_code == 1
    assert [(f["Rule"]["Id"], f["Location"]["Path"][:2]) for f in json.loads(result.output)] == [
        ("E9004", ["Resources", "DatabaseSecret"])]  # fmt: skip


def test_lint_text_and_a_missing_template(open_ingress, tmp_path):
    result = run("lint", "--env", "dev", "--templates", str(open_ingress))
    assert result.exit_code == 1 and "E9006 CacheIngressFromConsumers: ingress from 0.0.0.0/0" in result.output
    result = run("lint", "--env", "prod", "--templates", str(open_ingress))
    assert result.exit_code == 2 and "run `make template` first" in result.output


MOVES = {
    "region": (
        'region = "us-east-1"',
        "from stack iot-platform-dev in sa-east-1 to stack iot-platform-dev in us-east-1",
    ),
    "stack-name": (
        '[deploy]\nstack_name = "iot-dev-2"',
        "from stack iot-platform-dev in sa-east-1 to stack iot-dev-2 in",
    ),
}


@pytest.mark.parametrize("setting, moved", MOVES.values(), ids=MOVES)
def test_a_moved_deploy_target_is_a_new_stack_that_leaves_the_old_one_running(repo, env_dir, monkeypatch, setting,
                                                                             moved):  # fmt: skip
    monkeypatch.setenv("COLUMNS", "400")  # one line per note
    dev = env_dir / "dev.toml"
    text = dev.read_text()
    edited = text.replace('region = "sa-east-1"', setting) if "region" in setting else text.replace("[deploy]", setting)
    dev.write_text(edited)
    assert run("template", "--no-lint", "--env", "dev").exit_code == 0
    result = run("diff", "--env", "dev")
    assert result.exit_code == 3, result.output
    assert f"WARNING: the deploy target moves {moved}" in result.output
    assert "a new stack: creates everything; the old stack keeps running with its stateful resources (" in result.output
    assert "AuroraCluster" in result.output and "LEAVES THE OLD STACK RUNNING" in result.output
    data = json.loads(run("diff", "--env", "dev", "--format", "json").output)["plans"]
    assert data[0]["moved_from"]["stack"] == "iot-platform-dev" and data[0]["exit_code"] == 3
    checked = run("check", "--env", "dev")
    assert checked.exit_code == 0, checked.output  # check keeps its own exit codes: the move may be intended
    assert f"  warning: the deploy target moves {moved}" in checked.output


def test_a_reference_to_a_resource_that_may_be_replaced_may_change_its_value():
    """MasterUsername is a conditionally create-only property of a DB cluster: it may replace it."""
    from generator.review.plan import MAYBE, plan

    before = {"Resources": {"Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUsername": "a"}},
                            "Alarm": {"Type": "AWS::CloudWatch::Alarm",
                                      "Properties": {"AlarmDescription": {"Ref": "Db"}}}}}  # fmt: skip
    after = json.loads(json.dumps(before))
    after["Resources"]["Db"]["Properties"]["MasterUsername"] = "b"
    changes = {r.logical_id: r for r in plan(before, after, "sa-east-1").resources}
    assert changes["Db"].replacement == MAYBE
    assert changes["Alarm"].causes == ("AlarmDescription refers to Db, which may be replaced: its value may change",)


MALFORMED_BASES = {
    "resources-a-list": ({"Resources": []}, "its Resources must be an object"),
    "resource-a-number": ({"Resources": {"X": 5}}, "Resources.X must be an object"),
    "output-a-number": ({"Outputs": {"A": 1}}, "Outputs.A must be an object"),
    "type-a-number": ({"Resources": {"X": {"Type": 5}}}, "Resources.X has no Type (a string)"),
    "a-list": ([], "a template is a JSON object, not list"),
    "null": (None, "a template is a JSON object, not NoneType"),
}


@pytest.mark.parametrize("base, problem", MALFORMED_BASES.values(), ids=MALFORMED_BASES)
def test_a_base_that_is_json_but_no_template_is_one_line_not_a_traceback(repo, base, problem):
    (repo.root / "templates" / "dev.json").write_text(json.dumps(base))
    git(repo.root, "commit", "-qam", "odd base")
    git(repo.root, "checkout", "-q", "HEAD~1", "--", "templates/dev.json")
    for command in (["diff", "--env", "dev", "--base", "HEAD"], ["check", "--env", "dev", "--base", "HEAD"]):
        result = run(*command)
        assert result.exit_code == 1, result.output  # diff: an error; check: a problem (no plan)
        assert f"HEAD:templates/dev.json is not a CloudFormation template the plan can read: {problem}" in result.output
        assert "Traceback" not in result.output


def test_lint_of_every_template_covers_the_fleets_and_their_roles(monkeypatch):
    from generator import lint_report

    linted = {}
    monkeypatch.setattr(lint_report, "lint_files", lambda files, fmt, sources: linted.update(files) or ("", 0))
    assert run("lint").exit_code == 0
    assert sorted(path.stem for path in linted) == ["bootstrap", "dev", "fleet-plants", "fleet-plants-administration",
                                                    "fleet-plants-execution", "prod", "staging"]  # fmt: skip
    assert {linted[ROOT / "templates" / f"{name}.json"] for name in ("fleet-plants", "prod")} == {"sa-east-1"}
