import json

import pytest

from generator.lint import cache_key, lint_templates, lint_text
from generator.render import render
from generator.stack import build_template
from tests.conftest import environment
from tests.rules.test_customer_managed_keys import with_open_ingress


@pytest.fixture(scope="module")
def dev_template() -> dict:
    return json.loads(render(build_template(environment("dev"))))


def broken(template: dict, change) -> str:
    copy = json.loads(json.dumps(template))
    change(copy["Resources"])
    return json.dumps(copy, indent=2)


@pytest.mark.parametrize(
    "change, rule",
    [
        (lambda r: r["AuroraCluster"]["Properties"].update(EngineVersion="15.4"), "W3690"),  # end of support
        (lambda r: r["RedisReplicationGroup"].pop("DeletionPolicy"), "I3011"),  # stateful without a policy
        (lambda r: r["SensorDataStream"]["Properties"].update(ShardCount="two"), "E3012"),  # wrong type
        (lambda r: r["AuroraCluster"]["Properties"].update(Colour="blue"), "E3002"),  # unknown property
    ],
    ids=["deprecated-engine", "missing-deletion-policy", "wrong-type", "unknown-property"],
)
def test_findings_are_reported_with_rule_and_path(dev_template, change, rule):
    findings = lint_text(broken(dev_template, change), "sa-east-1")
    assert rule in {f.rule for f in findings}


def test_generated_template_is_clean(dev_template):
    assert lint_text(json.dumps(dev_template), "sa-east-1") == []


def test_only_clean_results_are_cached(tmp_path, dev_template):
    clean = json.dumps(dev_template)
    dirty = broken(dev_template, lambda r: r["AuroraCluster"]["Properties"].update(EngineVersion="15.4"))
    first = lint_templates({"clean": (clean, "sa-east-1"), "dirty": (dirty, "sa-east-1")}, tmp_path)
    assert first["clean"] == [] and first["dirty"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [cache_key(clean, "sa-east-1")]
    # The finding is shown again on the next run; the clean one is not linted again.
    again = lint_templates({"dirty": (dirty, "sa-east-1"), "clean": (clean, "sa-east-1")}, tmp_path)
    assert list(again) == ["dirty", "clean"] and again["dirty"] == first["dirty"]


def test_a_cached_result_is_trusted_without_linting(tmp_path, monkeypatch):
    text = '{"not": "a template"}'
    (tmp_path / cache_key(text, "sa-east-1")).touch()
    monkeypatch.setattr("generator.lint.lint_text", lambda *a: pytest.fail("linted despite the cache"))
    assert lint_templates({"x": (text, "sa-east-1")}, tmp_path) == {"x": []}


@pytest.mark.parametrize(
    "other",
    [("{} ", "sa-east-1"), ("{}", "us-east-1")],
    ids=["other-bytes", "other-region"],
)
def test_cache_key_depends_on_bytes_and_region(other):
    assert cache_key("{}", "sa-east-1") != cache_key(*other)


def test_cache_key_depends_on_the_cfn_lint_version(monkeypatch):
    before = cache_key("{}", "sa-east-1")
    monkeypatch.setattr("generator.lint.version", lambda package: "999.0.0")
    assert cache_key("{}", "sa-east-1") != before


def test_policy_rules_run_in_the_same_pass_only_when_asked():
    text = json.dumps(with_open_ingress())
    assert lint_text(text, "sa-east-1") == []
    assert {f.rule for f in lint_text(text, "sa-east-1", policy=True)} == {"E9006"}


def test_cache_key_depends_on_the_policy_rules(monkeypatch):
    without, with_rules = cache_key("{}", "sa-east-1"), cache_key("{}", "sa-east-1", policy=True)
    assert without != with_rules
    monkeypatch.setattr("generator.lint._policy_fingerprint", lambda: "edited rules")
    assert cache_key("{}", "sa-east-1", policy=True) != with_rules
