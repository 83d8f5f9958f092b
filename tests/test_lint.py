import json
import re
import subprocess
import sys

import pytest

from generator import lint
from generator.errors import UsageError
from generator.lint import Finding, cache_key, lint_templates, lint_text
from generator.lint_report import lint_files
from generator.render import render
from generator.stack import build_template
from tests.conftest import ROOT, environment
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


def test_the_cache_key_covers_every_module_the_policy_rules_import():
    """Editing what a rule imports (what counts as a credential, say) changes its verdicts: no clean result
    of the old one may stand."""
    rules = (ROOT / "generator" / "rules").glob("*.py")
    imported = {m for path in rules for m in re.findall(r"^from generator\.(\w+)", path.read_text(), re.MULTILINE)}
    assert {f"{module}.py" for module in imported - {"rules"}} <= set(lint.RULES_IMPORT)


CONFLICTED = """{
  "Resources": {
<<<<<<< HEAD
    "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}}
=======
    "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}}
>>>>>>> other
  }
}
"""


def as_read(content: bytes) -> str:
    """A file's bytes as lint_text takes them: read with errors="surrogateescape", so that a byte that
    is not UTF-8 arrives as a lone surrogate."""
    return content.decode("utf-8", errors="surrogateescape")


@pytest.mark.parametrize(
    "text, line, message",
    [
        (as_read(CONFLICTED.encode()), 4, "did not find expected ',' or '}'"),  # cfn-lint's message and line
        (as_read(b'{\n  "Description": "caf\xe9"\n}\n'), 2, "not UTF-8: byte 0xe9 at column 22"),  # Latin-1
        ('{\n\n  "Description": "\ud800"\n}\n', 3, "not UTF-8: lone surrogate U+D800 at column 19"),
        (as_read(b'{"Resources": '), 2, "did not find expected node content"),
    ],
    ids=["merge-conflict-markers", "latin-1-byte", "lone-surrogate", "truncated"],
)
def test_an_unreadable_template_is_a_parse_finding(text, line, message):
    (finding,) = lint_text(text, "sa-east-1")
    assert (finding.rule, finding.level, finding.path, finding.line) == ("E0000", "error", "", line)
    assert finding.message == message


def test_unreadable_templates_come_back_from_the_workers_and_are_not_cached(tmp_path):
    undecodable = as_read(b'{"Description": "\xff"}')
    found = lint_templates({"a": (CONFLICTED, "sa-east-1"), "b": (undecodable, "sa-east-1")}, tmp_path)
    assert [f.rule for f in found["a"]] == ["E0000"] and found["b"] == [
        Finding("E0000", "error", "not UTF-8: byte 0xff at column 18", "", 1)
    ]
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_region_is_a_usage_error(dev_template):
    with pytest.raises(UsageError, match=r"unknown region xx-nowhere-1: it must be an AWS region that cfn-lint"):
        lint_text(json.dumps(dev_template), "xx-nowhere-1")


def test_an_unknown_region_is_a_usage_error_from_the_workers_too(tmp_path, dev_template):
    text = json.dumps(dev_template)
    with pytest.raises(UsageError, match="unknown region mars-north-1"):
        lint_templates({"a": (text, "mars-north-1"), "b": (text + " ", "mars-north-1")}, tmp_path)


def test_an_unknown_region_is_a_usage_error_in_cfn_lint_formats_too(tmp_path, dev_template):
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(dev_template))
    with pytest.raises(UsageError, match=f"{path}: unknown region xx-nowhere-1"):
        lint_files({path: "xx-nowhere-1"}, "sarif")


def test_cfn_lint_and_process_pools_are_imported_only_to_lint(tmp_path):
    """Importing the module, and a run where every template is cached, import none of them."""
    code = f"""
import sys
from pathlib import Path
from generator.lint import cache_key, lint_templates
(Path({str(tmp_path)!r}) / cache_key("{{}}", "sa-east-1")).touch()
assert lint_templates({{"x": ("{{}}", "sa-east-1")}}, Path({str(tmp_path)!r})) == {{"x": []}}
print(sorted(m for m in sys.modules if m.split(".")[0] in ("cfnlint", "multiprocessing", "concurrent")))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
