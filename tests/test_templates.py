"""Properties of the committed templates as a whole: metadata, sizes, the policy rules."""

import json
import re

import pytest

from generator import __version__
from generator.cfn import INLINE_TEMPLATE_LIMIT, inline_body
from generator.cfn import STATEFUL_TYPES as STATEFUL
from generator.config import load_environment
from generator.fleet import load_fleet
from generator.rules import RULES
from tests.conftest import ROOT
from tests.rules import findings

# every environment's and fleet's (and a fleet's two roles), the bootstrap stack's, the drift role's
TEMPLATES = sorted((ROOT / "templates").glob("*.json"))
ROLES = ("drift-role", "fleet-plants-administration", "fleet-plants-execution")
ENVIRONMENTS = [p for p in TEMPLATES if p.stem not in ("bootstrap", *ROLES)]  # a fleet's too: its environment's


def environment_of(path):
    """The environment a template is built from: its own, or its fleet's."""
    if path.stem.startswith("fleet-"):
        return load_fleet(path.stem.removeprefix("fleet-"), ROOT / "fleets", ROOT / "environments").environment
    return load_environment(path.stem, ROOT / "environments")


def load(path):
    return json.loads(path.read_text())


def test_there_is_one_template_per_environment_and_the_bootstrap_stacks():
    assert [p.stem for p in TEMPLATES] == [
        "bootstrap",
        "dev",
        "drift-role",
        "fleet-plants-administration",
        "fleet-plants-execution",
        "fleet-plants",
        "prod",
        "staging",
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.id}-{r.__name__}")
@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.stem)
def test_every_policy_rule_passes(path, rule):
    """No literal secret, explicit removal policies, ... (tests/rules/ has each rule's bad cases)."""
    assert findings(rule, load(path)) == []


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.stem)
def test_metadata_names_generator_version_and_environment(path):
    template = load(path)
    fleet = {"fleet": path.stem.removeprefix("fleet-")} if path.stem.startswith("fleet-") else {}
    env = environment_of(path).name
    assert template["Metadata"]["iotstack"] == {"environment": env, "version": __version__, **fleet}
    assert env in template["Description"] and __version__ in template["Description"]


def test_dev_fits_cloudformations_inline_limit():
    """dev deploys without a template bucket (alerting off): sent unindented, it fits; staging and prod, with
    rotation and alerting, go through the bootstrap stack's bucket."""
    text = (ROOT / "templates" / "dev.json").read_text()
    assert len(text) > INLINE_TEMPLATE_LIMIT  # indented, it would not
    assert json.loads(inline_body(text)) == json.loads(text)
    assert all(inline_body((ROOT / "templates" / f"{env}.json").read_text()) is None for env in ("staging", "prod"))


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


# --- security properties (issue 5), asserted on every committed template ----------------------

WORLD = {"0.0.0.0/0", "::/0"}


def security_group_rules(template: dict):
    """Every security group rule as (where, direction, rule): inline ones and separate resources."""
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::EC2::SecurityGroup":
            for direction in ("SecurityGroupIngress", "SecurityGroupEgress"):
                for i, rule in enumerate(props.get(direction, [])):
                    yield f"{logical}/{direction}/{i}", direction, rule, logical
        elif resource["Type"] in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            direction = "SecurityGroupIngress" if resource["Type"].endswith("Ingress") else "SecurityGroupEgress"
            yield logical, direction, props, props["GroupId"]["Fn::GetAtt"][0]


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.stem)
def test_no_ingress_from_the_whole_internet(path):
    for where, direction, rule, _ in security_group_rules(load(path)):
        if direction == "SecurityGroupIngress":
            assert not {rule.get("CidrIp"), rule.get("CidrIpv6")} & WORLD, where


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.stem)
def test_every_rule_has_a_description(path):
    rules = list(security_group_rules(load(path)))
    assert rules
    for where, _, rule, _ in rules:
        assert isinstance(rule.get("Description"), str) and rule["Description"].strip(), where


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.stem)
def test_data_stores_admit_only_security_groups_and_the_networks_the_environment_names(path):
    template = load(path)
    named = set(environment_of(path).network.consumer_cidrs)
    stores = set()
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        ids = props.get("VpcSecurityGroupIds", []) + props.get("SecurityGroupIds", [])
        if resource["Type"] in ("AWS::RDS::DBCluster", "AWS::ElastiCache::ReplicationGroup"):
            stores |= {i["Fn::GetAtt"][0] for i in ids}
    assert stores == {"DatabaseSecurityGroup", "CacheSecurityGroup"}
    sources = []
    for where, direction, rule, group in security_group_rules(template):
        if direction == "SecurityGroupIngress" and group in stores:
            if "SourceSecurityGroupId" in rule:
                sources.append(rule["SourceSecurityGroupId"]["Fn::GetAtt"][0])
            else:
                assert rule.get("CidrIp") in named and "CidrIpv6" not in rule, where
    assert "ConsumerSecurityGroup" in sources


def customer_managed_key(template: dict, value) -> bool:
    """Whether ``value`` points at a KMS key of this template (Ref or GetAtt Arn)."""
    if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
        target = value.get("Ref") or value["Fn::GetAtt"][0]
        return template["Resources"].get(target, {}).get("Type") == "AWS::KMS::Key"
    return False


# Where each encrypted type names its key, and what else must be on for the key to be used.
ENCRYPTION = {
    "AWS::Logs::LogGroup": (lambda p: p.get("KmsKeyId"), lambda p: True),
    "AWS::SecretsManager::Secret": (lambda p: p.get("KmsKeyId"), lambda p: True),
    "AWS::RDS::DBCluster": (lambda p: p.get("KmsKeyId"), lambda p: p.get("StorageEncrypted") is True),
    "AWS::ElastiCache::ReplicationGroup": (lambda p: p.get("KmsKeyId"), lambda p: p["AtRestEncryptionEnabled"]),
    "AWS::Kinesis::Stream": (lambda p: p["StreamEncryption"]["KeyId"],
                             lambda p: p["StreamEncryption"]["EncryptionType"] == "KMS"),
}  # fmt: skip


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.stem)
def test_every_log_group_data_store_and_secret_is_on_a_customer_managed_key(path):
    template = load(path)
    checked = 0
    for logical, resource in template["Resources"].items():
        if resource["Type"] in ENCRYPTION:
            key_of, enabled = ENCRYPTION[resource["Type"]]
            props = resource["Properties"]
            assert customer_managed_key(template, key_of(props)) and enabled(props), logical
            checked += 1
    assert checked >= 7  # stream, cluster, cache, two secrets, the postgresql and flow-log groups


def principals(statement: dict) -> list:
    principal = statement.get("Principal", {})
    if not isinstance(principal, dict):
        return [principal]
    values = []
    for value in principal.values():
        values += value if isinstance(value, list) else [value]
    return values


@pytest.mark.parametrize("path", ENVIRONMENTS, ids=lambda p: p.stem)
def test_no_key_policy_has_a_wildcard_principal(path):
    keys = [r for r in load(path)["Resources"].values() if r["Type"] == "AWS::KMS::Key"]
    alerting = environment_of(path).alerts.enabled
    assert len(keys) == (6 if alerting else 5)  # the alert topic's key where alerting is on
    for key in keys:
        for statement in key["Properties"]["KeyPolicy"]["Statement"]:
            assert all(p != "*" and "*" not in json.dumps(p) for p in principals(statement)), statement
            assert "NotPrincipal" not in statement


@pytest.mark.parametrize(
    "statement, wildcard",
    [({"Principal": "*"}, True), ({"Principal": {"AWS": ["arn:x", "*"]}}, True),
     ({"Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}}, False)],
    ids=["star", "star-in-list", "account-root"],
)  # fmt: skip
def test_the_wildcard_principal_check_sees_a_wildcard(statement, wildcard):
    assert any(p == "*" or "*" in json.dumps(p) for p in principals(statement)) is wildcard


# --- suppressions: the templates' Metadata and docs/SECURITY.md agree --------------------------

SECURITY_DOC = ROOT / "docs" / "SECURITY.md"
SUPPRESSIONS_BLOCK = re.compile(r"<!-- suppressions:start -->\n(.*?)<!-- suppressions:end -->", re.DOTALL)


def template_suppressions() -> list[str]:
    """The suppression table rows docs/SECURITY.md must carry, from every template's Metadata."""
    found: dict[tuple[str, str, str, str], list[str]] = {}
    for path in TEMPLATES:
        for logical, resource in load(path)["Resources"].items():
            metadata = resource.get("Metadata", {})
            entries = [("checkov", s["id"], s["comment"]) for s in metadata.get("checkov", {}).get("skip", [])]
            entries += [("cfripper", rule, why) for rule, why in metadata.get("cfripper_ignore", {}).items()]
            for scanner, check, why in entries:
                found.setdefault((scanner, check, logical, why), []).append(path.stem)
    return [
        f"| {scanner} | `{check}` | `{logical}` | {', '.join(envs)} | {why} |"
        for (scanner, check, logical, why), envs in sorted(found.items())
    ]


def test_every_suppression_has_a_reason():
    for row in template_suppressions():
        assert len(row.rsplit("|", 2)[1].strip()) >= 30, row  # a sentence, not a placeholder


def test_security_doc_lists_exactly_the_suppressions_in_the_templates():
    (block,) = SUPPRESSIONS_BLOCK.findall(SECURITY_DOC.read_text(encoding="utf-8"))
    header, separator, *documented = block.splitlines()
    assert (header, separator) == ("| scanner | check | resource | environments | reason |", "| --- " * 5 + "|")
    expected = template_suppressions()
    assert expected, "no suppression found in the templates: the parser no longer reads them"
    assert documented == expected, "docs/SECURITY.md is out of date; its suppressions table must read:\n" + "\n".join(
        expected
    )
