"""generate(): all environments validated, built and linted before any file is written."""

import pytest

from generator.config import load_environments
from generator.errors import ConfigError, LintError, UsageError
from generator.generate import generate
from generator.workspace import Workspace


@pytest.fixture
def environments(tmp_path):
    folder = tmp_path / "environments"
    folder.mkdir()
    (folder / "dev.toml").write_text('removal_policy = "destroy"\n[aurora]\ndeletion_protection = false\n')
    (folder / "prod.toml").write_text("[aurora]\ninstances = 2\n")
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = iotstack\n")
    return folder


def run_generate(environments, out, names=(), lint=True):
    """generate() for the project around ``environments``, writing to ``out``."""
    workspace = Workspace.find(environments.parent, templates=out)
    return generate(load_environments(names, environments), workspace, lint=lint)


def test_loads_every_environment_when_none_is_named(environments):
    assert [e.name for e in load_environments((), environments)] == ["dev", "prod"]


def test_a_name_given_twice_is_built_once(environments):
    assert [e.name for e in load_environments(("prod", "prod"), environments)] == ["prod"]


@pytest.mark.parametrize(
    "files, error, message",
    [
        ({}, UsageError, "no environment files (*.toml) in"),
        ({"dev.toml": "[kinesis]\nshard_count = 0\n", "prod.toml": "[redis]\ncache_clusters = 9\n"}, ConfigError,
         "dev.toml: kinesis.shard_count = 0: must be 1..10000\n  prod.toml: redis.cache_clusters = 9: must be 1..6"),
    ],
    ids=["no-files", "problems-of-all-files-together"],
)  # fmt: skip
def test_loading_problems(tmp_path, files, error, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(error) as raised:
        load_environments((), tmp_path)
    assert message in str(raised.value)


def test_writes_each_template_and_reports_what_changed(tmp_path, environments):
    out = tmp_path / "out"
    first = run_generate(environments, out)
    assert [(r.name, r.file, r.findings) for r in first] == [("dev", "written", []), ("prod", "written", [])]
    assert (out / "prod.json").read_text() == first[1].text
    second = run_generate(environments, out, ("prod",), lint=False)
    assert [(r.name, r.file, r.findings) for r in second] == [("prod", "unchanged", None)]


def test_one_dirty_template_stops_every_write(tmp_path, environments):
    (environments / "prod.toml").write_text("[aurora]\nengine_version = '15.4'\n")  # deprecated: W3690
    out = tmp_path / "out"
    with pytest.raises(LintError) as raised:
        run_generate(environments, out)
    assert not out.exists()
    assert [(r.name, bool(r.findings)) for r in raised.value.results] == [("dev", False), ("prod", True)]
    assert "prod: W3690" in str(raised.value) and "dev:" not in str(raised.value)


def test_the_picture_is_written_next_to_the_template_and_kept_current(tmp_path, environments):
    out = tmp_path / "out"
    (first,) = run_generate(environments, out, ("dev",), lint=False)
    assert (out / "dev.md").read_text() == first.picture and "```mermaid" in first.picture
    (out / "dev.md").unlink()  # only the picture is missing: the run writes it again
    (second,) = run_generate(environments, out, ("dev",), lint=False)
    assert second.file == "written" and (out / "dev.md").read_text() == first.picture
