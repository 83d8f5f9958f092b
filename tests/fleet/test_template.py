"""fleet.template: one template for every site, whose stack at a site is exactly the environment's stack built
for that site (its name appended to every resource name, its network, its alert addresses)."""

import json
from dataclasses import replace

import pytest

from generator.fleet.template import (
    EMAILS,
    NETWORK,
    SITE_NAME,
    UNASSIGNED,
    build_fleet_template,
    parametrised,
    resolved,
    site_parameters,
    stack_set_parameters,
)
from generator.render import plain, render
from generator.stack import build_template
from tests.fleet.test_load import GOOD, parse, site


def as_environment(fleet, site):
    """The environment's own template, built as if the site were an environment of its own."""
    env = fleet.environment
    network = replace(site.network(), consumer_cidrs=env.network.consumer_cidrs)
    emails = site.alert_emails or env.alerts.emails
    return plain(build_template(replace(env, name=f"{env.name}-{site.name}", network=network,
                                        alerts=replace(env.alerts, emails=emails))))  # fmt: skip


def without_subscriptions(template):
    return {k: r for k, r in template["Resources"].items() if r["Type"] != "AWS::SNS::Subscription"}


def subscriptions(template):
    return sorted(json.dumps(r["Properties"], sort_keys=True) for r in template["Resources"].values()
                  if r["Type"] == "AWS::SNS::Subscription")  # fmt: skip


FLEET = parse(GOOD + site(name='"belem"', alert_emails='["a@example.com", "b@example.com"]'))


@pytest.mark.parametrize("index", range(len(FLEET.sites)), ids=[s.name for s in FLEET.sites])
def test_each_site_runs_exactly_the_environments_stack_built_for_it(index):
    fleet_site = FLEET.sites[index]
    mine = resolved(build_fleet_template(FLEET), site_parameters(FLEET, fleet_site))
    theirs = as_environment(FLEET, fleet_site)
    assert without_subscriptions(mine) == without_subscriptions(theirs)
    assert mine["Outputs"] == theirs["Outputs"]
    assert subscriptions(mine) == subscriptions(theirs)  # the site's addresses, or else the environment's
    assert "Parameters" not in mine and "Conditions" not in mine


def test_the_template_is_the_same_bytes_whatever_the_sites():
    one = parse(GOOD)
    more = parse(GOOD + site() + site(name='"natal"', account='"444444444444"', vpc_cidr='"10.20.0.0/16"'))
    assert render(build_fleet_template(one)) == render(build_fleet_template(more))


def test_names_carry_the_site_and_the_network_comes_from_parameters():
    template = build_fleet_template(FLEET)
    resources = template["Resources"]
    cluster = resources["AuroraCluster"]["Properties"]["DBClusterIdentifier"]
    assert cluster == {"Fn::Sub": "aurora-cluster-prod-${SiteName}"}
    assert resources["Vpc"]["Properties"]["CidrBlock"] == {"Ref": "VpcCidr"}
    assert resources["PrivateSubnet2"]["Properties"]["CidrBlock"] == {"Ref": "PrivateSubnet2Cidr"}
    assert set(template["Parameters"]) == {SITE_NAME, *NETWORK, *EMAILS}
    assert template["Parameters"][SITE_NAME]["MaxLength"] == 20  # redis-prod-<site> fits 40 up to 29
    assert "zz" not in json.dumps(template)  # no marker is left


@pytest.mark.parametrize("value, parameters, expected", [
    ("zzsitenamezz", {}, {"Ref": "SiteName"}),
    ("redis-prod-zzsitenamezz", {}, {"Fn::Sub": "redis-prod-${SiteName}"}),
    ("${literal} zzvpccidrzz", {}, {"Fn::Sub": "${!literal} ${VpcCidr}"}),  # a literal ${ stays literal
    ({"Fn::Sub": "arn:${AWS::Partition}:x:zzsitenamezz"}, {}, {"Fn::Sub": "arn:${AWS::Partition}:x:${SiteName}"}),
    ({"Fn::Sub": ["${A}-zzsitenamezz", {"A": "zzsitenamezz"}]}, {},
     {"Fn::Sub": ["${A}-${SiteName}", {"A": {"Ref": "SiteName"}}]}),
    (["plain", {"Ref": "X"}], {}, ["plain", {"Ref": "X"}]),
])  # fmt: skip
def test_markers_become_parameters(value, parameters, expected):
    assert parametrised(value) == expected


def test_a_marker_in_a_logical_id_is_refused():
    with pytest.raises(ValueError, match="holds a site's value"):
        parametrised({"Bucketzzsitenamezz": {}})


@pytest.mark.parametrize("template, values, expected", [
    ({"Resources": {"A": {"Properties": {"N": {"Fn::Sub": "a-${SiteName}-${AWS::Region}"}}}}}, {"SiteName": "x"},
     {"Resources": {"A": {"Properties": {"N": {"Fn::Sub": "a-x-${AWS::Region}"}}}}}),
    ({"Resources": {"A": {"Properties": {"N": {"Fn::Sub": "${!lit}-${SiteName}"}}}}}, {"SiteName": "x"},
     {"Resources": {"A": {"Properties": {"N": "${lit}-x"}}}}),
    ({"Conditions": {"C": {"Fn::Not": [{"Fn::Equals": [{"Ref": "E"}, ""]}]}},
      "Resources": {"A": {"Condition": "C"}, "B": {}}}, {"E": ""}, {"Resources": {"B": {}}}),
    ({"Conditions": {"C": {"Fn::Not": [{"Fn::Equals": [{"Ref": "E"}, ""]}]}},
      "Resources": {"A": {"Condition": "C"}}}, {"E": "a@b.c"}, {"Resources": {"A": {}}}),
    ({"Conditions": {"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}}, "Parameters": {"E": {}, "F": {}},
      "Resources": {"A": {"Condition": "C"}}}, {"E": "1"},
     {"Conditions": {"C": {"Fn::Equals": [{"Ref": "AWS::Region"}, "x"]}}, "Parameters": {"F": {}},
      "Resources": {"A": {"Condition": "C"}}}),  # what depends on something else stays
])  # fmt: skip
def test_resolved_is_a_sites_stack(template, values, expected):
    assert resolved(template, values) == expected


def test_the_stack_sets_own_values_are_the_environments_and_a_name_no_site_takes():
    values = stack_set_parameters(FLEET)
    assert values[SITE_NAME] == UNASSIGNED and values["VpcCidr"] == FLEET.environment.network.vpc_cidr
    assert set(values) == set(build_fleet_template(FLEET)["Parameters"])
    assert UNASSIGNED not in {s.name for s in FLEET.sites}
