"""generator.sources: every resource and output of every environment is traced to the stack module
(and the line) that adds it, innermost first, without changing the template."""

import pytest

from generator.sources import ROOT, sources
from tests.conftest import build, environment


@pytest.mark.parametrize("name", ["dev", "prod"])
def test_every_resource_and_output_points_at_the_line_that_adds_it(name):
    env = environment(name, aurora={"password_rotation": name == "prod", "instances": 2})
    template = build(env)
    found = sources(env)
    assert set(found) == set(template["Resources"]) | set(template["Outputs"])
    for logical, frames in found.items():
        module, line = frames[0]
        assert module.startswith("generator/stack/") and not module.endswith("__init__.py"), logical
        code = (ROOT / module).read_text().splitlines()[line - 1]
        assert "add_resource" in code or "add_output" in code, (logical, module, line)


def test_a_helper_and_its_caller_are_both_named():
    (logs, caller) = sources(environment("dev"))["AuroraPostgresqlLogGroup"]
    assert (logs[0], caller[0]) == ("generator/stack/logs.py", "generator/stack/aurora.py")


def test_recording_leaves_the_template_as_it_is():
    env = environment("dev")
    before = build(env)
    sources(env)
    assert build(env) == before
