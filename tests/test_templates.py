"""Properties of the committed templates as a whole: metadata, sizes, no secrets, policies."""

import json
import re

import pytest

from generator import __version__
from generator.generate import INLINE_TEMPLATE_LIMIT
from generator.stack.common import STATEFUL_TYPES as STATEFUL
from tests.conftest import ROOT

TEMPLATES = sorted((ROOT / "templates").glob("*.json"))
# Properties that carry a credential. Their value must be a dynamic reference, never a literal.
# GenerateSecretString is the exception by design: it holds the recipe, and AWS makes the value.
SECRET_PROPERTIES = re.compile(
    r"(?i)(?!GenerateSecretString$).*(password|passwd|secretstring|token|secretkey|privatekey)"
)
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):.+\}\}")


def load(path):
    return json.loads(path.read_text())


def walk(node, path=""):
    """Every (path, key, value) in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def literal_secrets(template: dict) -> list[str]:
    """Credential-bearing properties (by name) whose value is not a dynamic reference, and a
    generated secret whose recipe carries the password. A literal hidden under an unrelated key
    (an output, a Join) is not found: the property names are what this scan knows."""
    found = []
    for path, key, value in walk(template):
        if key == "SecretStringTemplate" and "password" in json.loads(value):
            found.append(f"{path}/{key}")
        if not SECRET_PROPERTIES.fullmatch(key):
            continue
        text = value.get("Fn::Sub") if isinstance(value, dict) else value
        if not (isinstance(text, str) and DYNAMIC_REFERENCE.fullmatch(text)):
            found.append(f"{path}/{key}")
    return found


def test_there_is_one_template_per_environment():
    assert [p.stem for p in TEMPLATES] == ["dev", "prod", "staging"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_no_literal_password_or_secret(path):
    assert literal_secrets(load(path)) == []


@pytest.mark.parametrize(
    "value",
    ["hunter2hunter2", {"Fn::Sub": "${AWS::StackName}-pw"}, {"Fn::Sub": "x{{resolve:secretsmanager:s}}"}],
)
def test_the_secret_scan_catches_a_literal(value):
    template = {"Resources": {"Db": {"Properties": {"MasterUserPassword": value, "AuthToken": value}}}}
    assert literal_secrets(template) == [
        "/Resources/Db/Properties/MasterUserPassword",
        "/Resources/Db/Properties/AuthToken",
    ]


def test_the_secret_scan_catches_a_password_in_the_generation_template():
    recipe = {"SecretStringTemplate": json.dumps({"username": "u", "password": "p"}), "GenerateStringKey": "password"}
    template = {"Resources": {"S": {"Properties": {"GenerateSecretString": recipe}}}}
    assert literal_secrets(template) == ["/Resources/S/Properties/GenerateSecretString/SecretStringTemplate"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_metadata_names_generator_version_and_environment(path):
    template = load(path)
    assert template["Metadata"]["iotstack"] == {"environment": path.stem, "version": __version__}
    assert path.stem in template["Description"] and __version__ in template["Description"]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_stateful_resource_has_explicit_policies(path):
    for logical, resource in load(path)["Resources"].items():
        if resource["Type"] in STATEFUL:
            assert {"DeletionPolicy", "UpdateReplacePolicy"} <= resource.keys(), logical


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_fits_cloudformations_inline_limit(path):
    assert path.stat().st_size <= INLINE_TEMPLATE_LIMIT


def test_prod_is_what_a_careful_operator_runs():
    resources = load(ROOT / "templates" / "prod.json")["Resources"]
    cluster = resources["AuroraCluster"]
    assert cluster["Properties"]["DeletionProtection"] is True
    assert cluster["DeletionPolicy"] == "Snapshot"
    zones = {
        resources[i]["Properties"]["AvailabilityZone"]["Fn::Select"][0] for i in ("AuroraInstance", "AuroraInstance2")
    }
    assert zones == {0, 1}


def test_dev_is_easy_to_tear_down():
    resources = load(ROOT / "templates" / "dev.json")["Resources"]
    assert resources["AuroraCluster"]["Properties"]["DeletionProtection"] is False
    assert {r["DeletionPolicy"] for r in resources.values() if r["Type"] in STATEFUL} == {"Delete"}
