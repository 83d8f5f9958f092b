import json
import os

import pytest

from generator.render import render, write_atomic
from generator.stack import build_template
from tests.conftest import environment


def test_render_is_canonical_json():
    text = render(build_template(environment("dev")))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_same_environment_same_bytes():
    assert render(build_template(environment("dev"))) == render(build_template(environment("dev")))


def test_write_atomic_replaces_and_reports_a_change(tmp_path):
    path = tmp_path / "t" / "dev.json"
    assert write_atomic(path, "one\n") is True
    assert write_atomic(path, "two\n") is True
    assert path.read_text() == "two\n"
    assert [p.name for p in path.parent.iterdir()] == ["dev.json"]  # no temporary left behind


def test_write_atomic_leaves_an_identical_file_untouched(tmp_path):
    path = tmp_path / "dev.json"
    write_atomic(path, "same\n")
    os.utime(path, (1, 1))
    assert write_atomic(path, "same\n") is False
    assert path.stat().st_mtime == 1


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "dev.json"
    path.write_text("previous\n")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(path, "new\n")
    assert path.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["dev.json"]
