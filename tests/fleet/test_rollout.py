"""fleet.rollout: a fleet's plan as stack set operations: the template's change in one operation over the sites
that stay, removals grouped so that accounts-by-regions are exactly the sites removed, one operation per site
added or given new parameters (a parameter override applies to every instance of its call)."""

import pytest

from generator.fleet.review import Place, fleet_plan, places
from generator.fleet.rollout import _exact_groups, preferences, steps
from generator.fleet.settings import RolloutSettings
from generator.fleet.template import build_fleet_template
from tests.fleet.test_load import GOOD, parse, site

FLEET = parse(GOOD + site())  # campinas 1111/sa-east-1, manaus 2222/us-east-1, belem 3333/sa-east-1
TEMPLATE = build_fleet_template(FLEET)


def calls(before_template, before_sites, fleet=FLEET, delete=frozenset()):
    fp = fleet_plan(fleet, TEMPLATE, before_template, before_sites, "deployed")
    return [(s.call, s.sites, s.arguments) for s in steps(fp, fleet, {"TemplateURL": "u"}, {}, delete)]


def test_a_new_fleet_adds_each_site_with_its_own_values():
    made = calls(None, {})
    assert [(c, s) for c, s, _ in made] == [("create_stack_instances", ("belem",)),
                                            ("create_stack_instances", ("campinas",)),
                                            ("create_stack_instances", ("manaus",))]  # fmt: skip
    belem = made[0][2]
    assert belem["Accounts"] == ["333333333333"] and belem["Regions"] == ["sa-east-1"]
    overrides = {p["ParameterKey"]: p["ParameterValue"] for p in belem["ParameterOverrides"]}
    assert overrides["SiteName"] == "belem" and overrides["VpcCidr"] == "10.9.0.0/16"
    assert belem["OperationPreferences"]["MaxConcurrentCount"] == 1  # the rollout reaches every call


def test_a_template_change_is_one_operation_over_the_sites_that_stay():
    before = {k: v for k, v in TEMPLATE.items()}
    before = {**before, "Description": "older"}
    deployed = places(FLEET)
    made = calls(before, deployed)
    assert [(c, s) for c, s, _ in made] == [("update_stack_set", ("belem", "campinas", "manaus"))]
    arguments = made[0][2]
    assert arguments["TemplateURL"] == "u" and "Regions" not in arguments  # every instance: the sites that stay


def test_removals_come_before_the_template_change_which_never_reaches_a_site_about_to_go():
    deployed = places(FLEET) | {"natal": Place("111111111111", "us-east-1", {})}  # inside the kept sites' pairs
    made = calls({**TEMPLATE, "Description": "older"}, deployed)
    assert [(c, s) for c, s, _ in made] == [("delete_stack_instances", ("natal",)),
                                            ("update_stack_set", ("belem", "campinas", "manaus"))]  # fmt: skip


def test_nothing_changed_is_no_operation():
    assert calls(TEMPLATE, places(FLEET)) == []


def test_removed_sites_keep_their_stacks_unless_named():
    deployed = places(FLEET) | {"natal": Place("333333333333", "us-east-1", {}),
                                "belo": Place("444444444444", "us-east-1", {})}  # fmt: skip
    made = calls(TEMPLATE, deployed)
    assert [(c, s, a["RetainStacks"], a["Accounts"], a["Regions"]) for c, s, a in made] == [
        ("delete_stack_instances", ("belo", "natal"), True, ["333333333333", "444444444444"], ["us-east-1"])
    ]
    made = calls(TEMPLATE, deployed, delete=frozenset({"natal"}))
    assert [(s, a["RetainStacks"]) for _, s, a in made] == [(("belo",), True), (("natal",), False)]


@pytest.mark.parametrize("sites, expected", [
    ([("a", "1", "r1"), ("b", "2", "r1")], [(["1", "2"], ["r1"], ("a", "b"))]),
    ([("a", "1", "r1"), ("b", "1", "r2")], [(["1"], ["r1", "r2"], ("a", "b"))]),  # same accounts: one call
    ([("a", "1", "r1"), ("b", "2", "r2")], [(["1"], ["r1"], ("a",)), (["2"], ["r2"], ("b",))]),  # never 1 in r2
])  # fmt: skip
def test_removals_name_exactly_the_sites_removed(sites, expected):
    assert _exact_groups([(name, Place(account, region)) for name, account, region in sites]) == expected


@pytest.mark.parametrize("rollout, expected", [
    (RolloutSettings(), {"RegionConcurrencyType": "SEQUENTIAL", "ConcurrencyMode": "STRICT_FAILURE_TOLERANCE",
                         "FailureToleranceCount": 0}),
    (RolloutSettings(max_concurrent_percentage=50, failure_tolerance_percentage=10, region_order=("us-east-1",),
                     region_concurrency="parallel", concurrency_mode="soft"),
     {"RegionConcurrencyType": "PARALLEL", "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE", "MaxConcurrentPercentage": 50,
      "FailureTolerancePercentage": 10, "RegionOrder": ["us-east-1"]}),
])  # fmt: skip
def test_the_rollout_becomes_operation_preferences(rollout, expected):
    assert preferences(rollout) == expected


def test_sites_added_one_by_one_follow_the_region_order():
    fleet = parse(GOOD.replace("max_concurrent = 1", 'max_concurrent = 1\nregion_order = ["us-east-1", "sa-east-1"]'))
    fp = fleet_plan(fleet, TEMPLATE, None, {}, "deployed")
    assert [s.sites for s in steps(fp, fleet, {}, {})] == [("manaus",), ("campinas",)]


def test_a_service_managed_fleet_names_its_sites_within_its_ous():
    text = GOOD.replace('[stack_set]\naccount = "999999999999"',
                        '[stack_set]\naccount = "999999999999"\npermission_model = "service-managed"\n'
                        'organizational_units = ["ou-ab12-cd34ef56"]').replace('environment = "prod"',
                                                                               'environment = "dev"')  # fmt: skip
    fleet = parse(text)
    made = steps(fleet_plan(fleet, build_fleet_template(fleet), None, {}, "deployed"), fleet, {}, {})
    assert made[0].arguments["DeploymentTargets"] == {
        "OrganizationalUnitIds": ["ou-ab12-cd34ef56"], "Accounts": ["111111111111"], "AccountFilterType": "INTERSECTION"
    } and "Accounts" not in made[0].arguments  # fmt: skip
