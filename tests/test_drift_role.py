"""templates/drift-role.json (generator/drift_role.py): the role the drift job assumes trusts one
repository's job in one GitHub environment, may make exactly the CloudFormation calls `iotstack drift`
makes, and read every resource type of every environment's template, no data; the committed file is
what the code makes of the committed environment templates, byte for byte."""

import json

import pytest

from generator.config import load_environments
from generator.drift_role import DRIFT_CALLS, EXCLUDED, NAME, build_drift_role_template, schema_reads
from generator.generate import build, build_drift_role, generate
from generator.render import render
from generator.workspace import Workspace
from tests.conftest import ROOT, run
from tests.support.stubs import Script, drifted, stubbed

ENVIRONMENTS = load_environments((), ROOT / "environments")
REGIONS = sorted({env.region for env in ENVIRONMENTS})
TEMPLATES = {env.name: json.loads((ROOT / "templates" / f"{env.name}.json").read_text()) for env in ENVIRONMENTS}
COMMITTED = ROOT / "templates" / f"{NAME}.json"
# Reads of data that no role of ours may have, whatever a schema lists (the issue names these).
DATA_READS = {"secretsmanager:getsecretvalue", "s3:getobject", "logs:getlogevents", "kinesis:getrecords",
              "kms:decrypt"}  # fmt: skip


@pytest.fixture(scope="module")
def role():
    """The drift role's template as data, built from the committed environment templates."""
    return json.loads(render(build_drift_role_template(TEMPLATES, REGIONS)))


def statements(role) -> dict[str, dict]:
    (policy,) = role["Resources"]["DriftRole"]["Properties"]["Policies"]
    return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}


def allowed(role) -> set[str]:
    return {action for s in statements(role).values() for action in s["Action"]}


def test_the_committed_drift_role_is_what_the_code_makes_of_the_environment_templates(role):
    assert COMMITTED.read_text() == render(role), "templates/drift-role.json is stale: `make template` writes it"


def test_the_bytes_do_not_depend_on_the_order_of_the_environments():
    reversed_order = dict(reversed(list(TEMPLATES.items())))
    first = render(build_drift_role_template(TEMPLATES, REGIONS))
    assert render(build_drift_role_template(reversed_order, list(reversed(REGIONS)))) == first
    assert first.endswith("}\n") and json.dumps(json.loads(first), indent=2, sort_keys=True) + "\n" == first


def test_no_action_is_a_wildcard(role):
    assert allowed(role) and [a for a in allowed(role) if "*" in a or "?" in a] == []


def test_no_action_reads_data(role):
    granted = {a.lower() for a in allowed(role)}
    assert granted.isdisjoint(DATA_READS) and granted.isdisjoint(a.lower() for a in EXCLUDED)
    assert {a.lower() for a in EXCLUDED} >= DATA_READS  # each with its reason


def test_every_exclusion_that_applies_is_recorded_with_its_reason_and_types(role):
    recorded = role["Metadata"]["iotstack"]["excluded_permissions"]
    assert recorded["secretsmanager:GetSecretValue"]["types"] == [
        "AWS::SecretsManager::Secret", "AWS::SecretsManager::SecretTargetAttachment"]  # fmt: skip
    assert all(entry["reason"] == EXCLUDED[action] and len(entry["reason"]) >= 30 for action, entry in recorded.items())


@pytest.mark.parametrize("environment", sorted(TEMPLATES))
def test_the_role_reads_every_type_of_every_environment_template(role, environment):
    """Each type's read handler permissions (AWS's schema, in cfn-lint), less the exclusions, are allowed;
    a type without a read handler is listed as such."""
    reads = schema_reads()
    metadata = role["Metadata"]["iotstack"]
    granted = {a.lower() for a in allowed(role)}
    for resource_type in sorted({r["Type"] for r in TEMPLATES[environment]["Resources"].values()}):
        assert resource_type in metadata["resource_types"]
        permissions = reads(REGIONS[0], resource_type)
        if permissions is None:
            assert resource_type in metadata["types_without_read_handler"]
            continue
        missing = {p for p in permissions if p.lower() not in granted and p not in EXCLUDED}
        assert missing == set(), f"{environment}: {resource_type}"


def test_the_nested_stack_of_the_rotation_transform_is_read_on_the_stacks_nested_stacks_only(role):
    """AWS::SecretsManager's transform puts the rotation function in a nested stack (staging, prod)."""
    assert any(t.get("Transform") == "AWS::SecretsManager-2020-07-23" for t in TEMPLATES.values())
    assert "AWS::CloudFormation::Stack" in role["Metadata"]["iotstack"]["resource_types"]
    nested = statements(role)["ReadTheNestedStacks"]
    assert set(nested["Action"]) == {"cloudformation:DescribeStacks", "cloudformation:GetStackPolicy",
                                     "cloudformation:GetTemplate"}  # fmt: skip
    assert nested["Resource"] == [{"Fn::Sub": STACK_ARN + "-*/*"}]


STACK_ARN = "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${StackName}"
PROVIDER = "arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com"
SUBJECT = "repo:${GitHubRepository}:environment:${GitHubEnvironment}"


def test_the_drift_calls_are_scoped_to_the_stack_where_they_can_be(role):
    found = statements(role)
    assert found["DriftOfTheStack"]["Resource"] == [{"Fn::Sub": STACK_ARN + "/*"}]
    assert set(found["DriftOfTheStack"]["Action"]) == {a for a, scoped in DRIFT_CALLS.items() if scoped}
    status = found["DriftDetectionStatus"]
    assert (status["Action"], status["Resource"]) == (["cloudformation:DescribeStackDriftDetectionStatus"], ["*"])
    assert found["ReadTheResources"]["Resource"] == ["*"]
    assert not [a for a in found["ReadTheResources"]["Action"] if a.startswith("cloudformation:")]


def test_the_drift_calls_are_exactly_what_iotstack_drift_sends(monkeypatch, project):
    """`iotstack drift` on a Stubber conversation that finds drift (every call it can make): the
    operations it sends are the role's CloudFormation actions, no more, no fewer."""
    sent = []
    with stubbed(monkeypatch) as stub:
        stub.client.meta.events.register("before-parameter-build.cloudformation",
                                         lambda model, **_: sent.append(f"cloudformation:{model.name}"))  # fmt: skip
        script = Script(stub, "iot-platform-dev")
        script.stack("UPDATE_COMPLETE")
        script.detect_drift()
        script.detection(status="DETECTION_IN_PROGRESS", stack_drift=None)
        script.detection(stack_drift="DRIFTED", drifted=1)
        script.resource_drifts([drifted("RedisSlowLogGroup", "AWS::Logs::LogGroup", "DELETED")], next_page="page-2")
        script.resource_drifts([], page="page-2")
        result = run("drift", "--env", "dev", "--poll-seconds", "0")
        stub.assert_no_pending_responses()
    assert result.exit_code == 2, result.output
    assert set(sent) == set(DRIFT_CALLS)


def test_the_trust_is_one_repositorys_job_in_one_github_environment(role):
    (trust,) = role["Resources"]["DriftRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == ["sts:AssumeRoleWithWebIdentity"] and trust["Effect"] == "Allow"
    assert trust["Principal"] == {"Federated": {"Fn::Sub": PROVIDER}}
    assert trust["Condition"] == {"StringEquals": {  # equals, not like: no wildcard in the subject
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": {"Fn::Sub": SUBJECT},
    }}  # fmt: skip
    assert set(role["Parameters"]) == {"GitHubRepository", "GitHubEnvironment", "StackName"}


def fake(**schemas):
    """A read-permission lookup answering from ``schemas`` (type without "AWS::" and "::" -> list or None)."""
    return lambda region, resource_type: schemas[resource_type.removeprefix("AWS::").replace("::", "")]


ONE_TYPE = {"Resources": {"Thing": {"Type": "AWS::Demo::Thing"}}}
READ_HANDLERS = {
    "reads-are-granted": (["demo:DescribeThing", "demo:ListTags", "demo:GetPolicy"], None,
                          {"demo:DescribeThing", "demo:GetPolicy", "demo:ListTags"}),
    "a-data-read-is-left-out-and-recorded": (["demo:DescribeThing", "s3:GetObject"], None, {"demo:DescribeThing"}),
    "iam-ignores-the-case": (["demo:DescribeThing", "KMS:decrypt"], None, {"demo:DescribeThing"}),
    "no-read-handler": (None, None, set()),
    "a-write-stops-the-build": (["demo:DescribeThing", "demo:DeleteThing"],
                                "AWS::Demo::Thing: its read handler lists demo:DeleteThing, which is neither", None),
}  # fmt: skip


@pytest.mark.parametrize("permissions, error, granted", READ_HANDLERS.values(), ids=READ_HANDLERS)
def test_what_a_read_handler_lists_becomes(permissions, error, granted):
    build_it = lambda: build_drift_role_template({"demo": ONE_TYPE}, ["sa-east-1"], reads=fake(DemoThing=permissions))  # noqa: E731
    if error:
        with pytest.raises(ValueError, match=error):
            build_it()
        return
    role = json.loads(render(build_it()))
    assert allowed(role) - set(DRIFT_CALLS) == granted
    metadata = role["Metadata"]["iotstack"]
    assert metadata["types_without_read_handler"] == ([] if permissions else ["AWS::Demo::Thing"])
    assert "ReadTheNestedStacks" not in statements(role)


def test_no_environment_template_is_bad_input():
    with pytest.raises(ValueError, match="no environment template"):
        build_drift_role_template({}, ["sa-east-1"])


def test_the_schema_answers_are_cached_and_cfn_lint_is_not_asked_again(tmp_path, monkeypatch):
    from generator import drift_role

    first = schema_reads(tmp_path)("sa-east-1", "AWS::Kinesis::Stream")
    assert first and all(p.startswith("kinesis:") for p in first)
    (cached,) = tmp_path.glob("read-permissions-*-sa-east-1.json")
    monkeypatch.setattr(drift_role, "_read_handler", lambda *_: pytest.fail("cfn-lint asked again"))
    assert schema_reads(tmp_path)("sa-east-1", "AWS::Kinesis::Stream") == first
    assert json.loads(cached.read_text()) == {"AWS::Kinesis::Stream": first}


def test_template_writes_the_drift_role_when_it_lints(tmp_path):
    """`iotstack template` (all environments, linted): the drift role comes from the environments it just
    built; without lint (no cfn-lint, no schemas) it is not built."""
    workspace = Workspace.find(ROOT, templates=tmp_path / "out")
    generated = [build(env, workspace) for env in ENVIRONMENTS]
    assert build_drift_role(workspace, generated).text == COMMITTED.read_text()
    unlinted = generate(ENVIRONMENTS, workspace, lint=False, bootstrap=True)
    assert NAME not in [r.name for r in unlinted]
