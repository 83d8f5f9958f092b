import json

import pytest
from troposphere import Output, Parameter, Ref, Template
from troposphere.kinesis import Stream
from troposphere.kms import Alias

from generator.bootstrap.template import build_bootstrap_template
from generator.render import plain, render
from generator.stack import build_template
from tests.conftest import environment


def test_render_is_canonical_json():
    text = render(build_template(environment("dev")))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


@pytest.mark.parametrize("template", [
    build_template(environment("dev")),
    build_template(environment("prod", aurora={"instances": 2}, alerts={"emails": ("ops@example.com",)})),
    build_bootstrap_template(),
], ids=["dev", "prod", "bootstrap"])  # fmt: skip
def test_plain_is_troposphere_s_own_data_in_the_same_order(template):
    assert json.dumps(plain(template)) == json.dumps(template.to_dict())


def test_plain_validates_as_troposphere_does():
    template = Template(Description="d")
    template.add_parameter(Parameter("Shards", Type="Number"))
    template.add_resource(Stream("Stream", ShardCount=Ref("Shards")))
    template.add_output(Output("Name", Value=Ref("Stream")))
    assert plain(template) == template.to_dict()
    template.add_resource(Alias("Alias", AliasName="alias/a"))  # TargetKeyId, required, is checked when encoded
    with pytest.raises(ValueError, match="Resource TargetKeyId required in type AWS::KMS::Alias"):
        template.to_dict()
    with pytest.raises(ValueError, match="Resource TargetKeyId required in type AWS::KMS::Alias"):
        plain(template)


def test_same_environment_same_bytes():
    assert render(build_template(environment("dev"))) == render(build_template(environment("dev")))


VALUES = {
    "nested": {"b": [1, 2.5, True, False, None, 'é\u2028"\\'], "a": {}, "c": [], "d": {"z": 1, "y": [{}]}},
    "numbers": {"big": 10**30, "float": 1e20, "negative-zero": -0.0, "small": 0.1},
    "empty": {},
}


@pytest.mark.parametrize("data", VALUES.values(), ids=VALUES)
def test_render_writes_exactly_what_json_dumps_writes(data):
    assert render(data) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def test_render_falls_back_to_json_for_other_types():
    data = {"a": (1, 2), "b": float("nan")}
    assert render(data) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True) + "\n"
