"""``iotstack template`` end to end: files, exit codes, messages, and nothing half-done."""

import pytest

from tests.conftest import ROOT, run

ENVIRONMENTS = ["dev", "prod", "staging"]
TEMPLATES = ["bootstrap", *ENVIRONMENTS, "fleet-plants"]  # every environment's and fleet's, the bootstrap stack's
FILES = ["json", "md"]  # the template and its picture


def test_writes_one_linted_template_per_environment(tmp_path):
    result = run("template", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    # the drift role's and the fleet's roles are made where cfn-lint runs (their permissions come from it)
    linted = sorted([*TEMPLATES, "drift-role", "fleet-plants-administration", "fleet-plants-execution"])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f"{e}.{x}" for e in linted for x in FILES)
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[1:9]}
    assert sorted(rows) == linted
    assert all(row[-3] == "clean" for row in rows.values()), result.output  # lint, file, (written)
    assert "8 template(s), 8 changed" in result.output


def test_committed_templates_are_what_the_code_generates(tmp_path):
    """The golden files: a stale templates/ folder fails here, naming the command that fixes it."""
    assert run("template", "--no-lint", "--out", str(tmp_path)).exit_code == 0
    for name in (f"{env}.{x}" for env in TEMPLATES for x in FILES):
        committed = (ROOT / "templates" / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, f"templates/{name} is stale: run make template"


def test_generating_twice_gives_identical_bytes(tmp_path):
    run("template", "--no-lint", "--out", str(tmp_path / "a"))
    second = run("template", "--no-lint", "--out", str(tmp_path / "b"))
    assert second.exit_code == 0
    for name in (f"{env}.{x}" for env in ENVIRONMENTS for x in FILES):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_second_run_reports_nothing_changed(tmp_path):
    run("template", "--no-lint", "--env", "dev", "--out", str(tmp_path))
    result = run("template", "--no-lint", "--env", "dev", "--out", str(tmp_path))
    assert "dev.json (unchanged)" in result.output and "0 changed" in result.output
    assert "skipped" in result.output


@pytest.mark.parametrize("alerts, note", [
    ("enabled = false", None),  # dev as shipped
    ("enabled = true", "note: dev: alerting on, [alerts] emails empty: no one is told"),
    ('enabled = true\nemails = ["ops@example.com"]', None),
], ids=["alerting-off", "nobody-subscribed", "an-address"])  # fmt: skip
def test_alerting_that_tells_no_one_is_said(env_dir, tmp_path, alerts, note):
    dev = env_dir / "dev.toml"
    assert "\nenabled = false\n" in dev.read_text()
    dev.write_text(dev.read_text().replace("\nenabled = false\n", f"\n{alerts}\n"))
    result = run("template", "--no-lint", "--env", "dev", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note:")]
    assert notes == ([note] if note else [])


def test_only_the_named_environments_are_built(tmp_path):
    result = run("template", "--no-lint", "--env", "prod", "--env", "dev", "--out", str(tmp_path))
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dev.json", "dev.md", "prod.json", "prod.md"]


@pytest.mark.parametrize(
    "args, dev_toml, exit_code, message",
    [
        (["--env", "qa"], None, 2, "unknown environment qa; known environments: dev, prod, staging"),
        ([], 'region = "sa-east-1"\n[kinesis]\nretention_hours = 10\n', 2,
         "dev.toml: kinesis.retention_hours = 10: must be 24..8760"),
        ([], "[aurora]\nengine_version = '15.4'\n", 1,
         "dev: W3690 [warning] Resources/AuroraCluster/Properties"),
        ([], "[aurora]\nengine_version = '15.99'\n", 1, "dev: E3690 [error] Resources/AuroraCluster/Properties"),
    ],
    ids=["unknown-environment", "invalid-setting", "lint-warning", "lint-error"],
)  # fmt: skip
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, env_dir, args, dev_toml, exit_code, message):
    out = tmp_path / "out"
    out.mkdir()
    for name in (f"{env}.{x}" for env in ENVIRONMENTS for x in FILES):
        (out / name).write_text("previous\n")
    if dev_toml is not None:
        (env_dir / "dev.toml").write_text(dev_toml)
    result = run("template", "--out", str(out), *args)
    assert result.exit_code == exit_code
    assert message in result.output
    assert "Traceback" not in result.output
    assert all((out / f"{env}.{x}").read_text() == "previous\n" for env in ENVIRONMENTS for x in FILES)


def test_every_problem_of_every_file_is_reported_at_once(tmp_path, env_dir):
    (env_dir / "dev.toml").write_text("colour = 'blue'\n")
    (env_dir / "prod.toml").write_text("[logs]\nretention_days = 8\n")
    result = run("template", "--no-lint", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "dev.toml: colour: unknown key" in result.output
    assert "prod.toml: logs.retention_days = 8: must be one of 1, 3, 5, 7, 14" in result.output


def test_adding_a_file_adds_an_environment(tmp_path, env_dir):
    (env_dir / "qa.toml").write_text('[network]\nvpc_cidr = "10.5.0.0/16"\n'
                                     'public_subnet_cidrs = ["10.5.1.0/24", "10.5.2.0/24"]\n'
                                     'private_subnet_cidrs = ["10.5.11.0/24", "10.5.12.0/24"]\n')  # fmt: skip
    result = run("template", "--no-lint", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert '"redis-qa"' in (tmp_path / "qa.json").read_text()


def test_help_lists_exit_codes():
    result = run("--help")
    assert result.exit_code == 0
    assert "Exit codes: 0 success or nothing to do, 1 failed, 2 bad usage or input,\n  3 refused" in result.output


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert run("--version").output.strip() == f"iotstack, version {version('iotstack')}"


# --- iotstack scan (issue 5) --------------------------------------------------------------------


def test_scan_without_scanners_is_a_usage_error(tmp_path):
    result = run("scan", "--scanners", str(tmp_path))
    assert result.exit_code == 2
    assert "checkov, cfripper not found" in result.output and "make scan" in result.output


def test_scan_fails_on_a_finding(tmp_path, monkeypatch):
    from generator import scan as scan_module

    finding = scan_module.Finding("checkov", "dev.json", "CKV_AWS_7", "AWS::KMS::Key.RdsKey", "rotation")
    report = scan_module.ScanReport(["dev.json"], [finding], checkov_passed=10, checkov_skipped=0)
    monkeypatch.setattr(scan_module, "scan", lambda templates, scanners, filters: report)
    result = run("scan")
    assert result.exit_code == 1
    assert "checkov CKV_AWS_7 dev.json AWS::KMS::Key.RdsKey: rotation" in result.output
    assert "1 unsuppressed scanner finding(s)" in result.output


def test_what_nothing_expected_is_one_line_and_a_debug_switch(project, monkeypatch):
    """A bug is one line that says so (masked, exit 1), not a traceback; IOTSTACK_DEBUG=1 shows where."""

    def broken(*args, **kwargs):
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str' at http://u:p4ss@h")

    monkeypatch.setattr("generator.generate.build_template", broken)
    result = run("template", "--no-lint")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert ("iotstack failed unexpectedly (TypeError: unsupported operand type(s) for +: 'int' and 'str' at "
            "http://***@h): a bug of iotstack's; IOTSTACK_DEBUG=1 shows where") in result.output  # fmt: skip
    monkeypatch.setenv("IOTSTACK_DEBUG", "1")
    assert isinstance(run("template", "--no-lint").exception, TypeError)
