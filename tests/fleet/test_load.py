"""fleet.load: a fleet file in, a validated Fleet out, or every problem at once naming file, key, value and what is
allowed."""

import pytest

from generator.config.load import load_environment, parse_environment
from generator.errors import ConfigError, UsageError
from generator.fleet import load_fleet, parse_fleet
from tests.conftest import ROOT

SITES = """
[[sites]]
name = "campinas"
account = "111111111111"
region = "sa-east-1"
vpc_cidr = "10.1.0.0/16"

[[sites]]
name = "manaus"
account = "222222222222"
region = "us-east-1"
vpc_cidr = "10.2.0.0/16"
public_subnet_cidrs = ["10.2.100.0/24", "10.2.101.0/24"]
private_subnet_cidrs = ["10.2.110.0/24", "10.2.111.0/24"]
"""
GOOD = 'environment = "prod"\n[stack_set]\naccount = "999999999999"\n[rollout]\nmax_concurrent = 1\n' + SITES


def parse(text: str):
    return parse_fleet("plants", text, "plants.toml", lambda env: load_environment(env, ROOT / "environments"))


def test_a_good_fleet_loads_with_its_defaults_and_derived_subnets():
    fleet = parse(GOOD)
    assert fleet.environment.name == "prod" and fleet.stack_set_name == "iot-platform-plants"
    assert fleet.stack_set.permission_model == "self-managed" and fleet.rollout.concurrency_mode == "strict"
    campinas, manaus = (site.network() for site in fleet.sites)
    assert campinas.public_subnet_cidrs == ("10.1.1.0/24", "10.1.2.0/24")  # the /24s number 1, 2, 11 and 12
    assert campinas.private_subnet_cidrs == ("10.1.11.0/24", "10.1.12.0/24")
    assert manaus.public_subnet_cidrs == ("10.2.100.0/24", "10.2.101.0/24")  # as given


def site(**changed) -> str:
    fields = {"name": '"belem"', "account": '"333333333333"', "region": '"sa-east-1"', "vpc_cidr": '"10.9.0.0/16"',
              **changed}  # fmt: skip
    return "\n[[sites]]\n" + "\n".join(f"{k} = {v}" for k, v in fields.items() if v is not None) + "\n"


@pytest.mark.parametrize("text, problem", [
    ('environment = "qa"' + SITES, "plants.toml: environment = 'qa': unknown environment 'qa'"),
    (SITES, "plants.toml: environment: must name an environment file"),
    ('environment = "prod"\n', "plants.toml: sites: must be one or more [[sites]] tables"),
    ('environment = "prod"\ncolour = 1' + SITES, "plants.toml: colour: unknown key; allowed keys: environment, "
                                                 "rollout, sites, stack_set"),
    (GOOD + site(name='"campinas"', vpc_cidr='"10.3.0.0/16"'),
     'plants.toml: sites[2].name = "campinas": sites[0] has it already'),
    (GOOD + site(account='"111111111111"', vpc_cidr='"10.1.128.0/17"'),
     'plants.toml: sites[2].region = "sa-east-1": site "campinas" is in 111111111111/sa-east-1 already, and a stack '
     "set holds one stack instance per account and region"),
    (GOOD + site(account=None), "plants.toml: sites[2].account = \"\": is required"),
    (GOOD.replace("max_concurrent = 1", 'max_concurrent = 1\nregion_order = ["us-east-1", "moon-1"]'),
     "plants.toml: rollout.region_order = ['us-east-1', 'moon-1']: moon-1: no site is there; the regions of the "
     "sites are sa-east-1, us-east-1"),
    (GOOD + site(name='"unassigned"'), 'plants.toml: sites[2].name = "unassigned": is the stack set\'s own value'),
    (GOOD + site(account='"12345"'), 'plants.toml: sites[2].account = "12345": must be 12 digits'),
    (GOOD + site(region='"sa-east-9"'), 'plants.toml: sites[2].region = "sa-east-9"'),
    (GOOD + site(vpc_cidr='"10.9.0.0/24"'), 'plants.toml: sites[2].vpc_cidr = "10.9.0.0/24": a block smaller than '
                                            "/20 needs its public_subnet_cidrs and private_subnet_cidrs given"),
    (GOOD + site(public_subnet_cidrs='["10.8.1.0/24", "10.9.2.0/24"]'),
     "10.8.1.0/24 must lie inside vpc_cidr 10.9.0.0/16"),
    (GOOD + site(name='"Belem"'), 'plants.toml: sites[2].name = "Belem": must be 1..20 lowercase letters'),
    (GOOD + site(alert_emails='["not-an-address"]'), 'plants.toml: sites[2].alert_emails = ["not-an-address"]'),
    (GOOD + '[stack_set]\npermission_model = "service-managed"\norganizational_units = ["ou-ab12-cdef3456"]\n',
     "not valid TOML"),  # a second [stack_set]: TOML's own rule
], ids=["unknown-env", "no-env", "no-sites", "unknown-key", "same-name", "same-place", "no-account", "stray-region",
        "unassigned",
        "short-account", "bad-region", "small-vpc", "subnet-outside", "capital-name", "bad-email",
        "table-twice"])  # fmt: skip
def test_a_bad_fleet_file_names_what_is_wrong(text, problem):
    with pytest.raises(ConfigError) as failed:
        parse(text)
    assert any(problem in p for p in failed.value.problems), failed.value.problems


@pytest.mark.parametrize("stack_set, rollout, problem", [
    ('permission_model = "service-managed"\norganizational_units = ["ou-ab12-cdef3456"]', "",
     "prod's template uses the AWS::SecretsManager-2020-07-23 transform"),
    ('permission_model = "service-managed"', "", "a service-managed stack set needs at least one OU"),
    ('permission_model = "service-managed"\norganizational_units = ["ou-x"]', "", "ou-x: must be an OU id"),
    ('organizational_units = ["ou-ab12-cdef3456"]', "", "only for service-managed"),
    ('administration_role_arn = "role/x"', "", "must be an IAM role ARN"),
    ('account = "999999999999"\nadministration_role_arn = "arn:aws:iam::111111111111:role/x"', "",
     'must be a role of the administrator account, account = "999999999999"'),
    ("", "max_concurrent = 2\nmax_concurrent_percentage = 10",
     "set max_concurrent or max_concurrent_percentage, never both"),
    ("", "failure_tolerance = 1\nfailure_tolerance_percentage = 10", "never both"),
    ("", "max_concurrent = 3\nfailure_tolerance = 1", "at most failure_tolerance + 1 = 2 in the strict mode"),
    ("", 'region_concurrency = "random"', "must be one of"),
    ("", 'region_order = ["sa-east-1", "sa-east-1"]', "names a region twice"),
], ids=["service-managed-transform", "no-ou", "bad-ou", "ou-self-managed", "bad-role", "role-elsewhere",
        "concurrency-both",
        "tolerance-both", "strict-concurrency", "region-concurrency", "region-twice"])  # fmt: skip
def test_aws_rules_on_a_stack_set_are_checked_offline(stack_set, rollout, problem):
    with pytest.raises(ConfigError) as failed:
        parse(f'environment = "prod"\n[stack_set]\n{stack_set}\n[rollout]\n{rollout}\n{SITES}')
    assert any(problem in p for p in failed.value.problems), failed.value.problems


def test_soft_concurrency_may_exceed_the_tolerance_and_a_fleet_of_a_shape_without_transform_may_be_service_managed():
    parse(f'environment = "prod"\n[rollout]\nmax_concurrent = 5\nconcurrency_mode = "soft"\n{SITES}')
    dev = 'environment = "dev"\n[stack_set]\npermission_model = "service-managed"\norganizational_units = ["r-ab12"]\n'
    assert parse(dev + SITES).stack_set.permission_model == "service-managed"  # dev has no password rotation


def test_every_problem_is_said_at_once():
    with pytest.raises(ConfigError) as failed:
        parse(GOOD + site(account='"1"', region='"mars"') + site(name='"campinas"', vpc_cidr='"10.4.0.0/16"'))
    assert len(failed.value.problems) == 3


def test_an_environment_may_not_take_a_fleets_name():
    with pytest.raises(ConfigError, match="names beginning with fleet- are the fleets'"):
        parse_environment("fleet-plants", "", "fleet-plants.toml")


def test_a_site_name_must_fit_every_resource_name_it_ends():
    """The Redis replication group id, redis-<env>-<site>, is at most 40 characters (ElastiCache)."""
    text = (ROOT / "environments" / "dev.toml").read_text()
    long_env = "plant-floor-sensors"  # 19 characters: room for 40 - 5 - 19 - 2 = 14 in a site's name

    def environment(name):
        return parse_environment(long_env, text, f"{long_env}.toml")

    fits = f'environment = "{long_env}"' + site(name='"fourteen-chars"')
    assert parse_fleet("plants", fits, "plants.toml", environment).sites[0].name == "fourteen-chars"
    with pytest.raises(ConfigError) as failed:
        parse_fleet("plants", f'environment = "{long_env}"' + site(name='"fifteen-chars-x"'), "plants.toml",
                    environment)  # fmt: skip
    assert failed.value.problems == [
        'plants.toml: sites[0].name = "fifteen-chars-x": the Redis replication group id '
        "redis-plant-floor-sensors-fifteen-chars-x would be 41 characters, over 40: at most 14 for environment "
        "plant-floor-sensors"
    ]


def test_a_fleet_is_read_from_its_folder_and_an_unknown_one_names_those_there(tmp_path):
    (tmp_path / "plants.toml").write_text(GOOD)
    assert [s.name for s in load_fleet("plants", tmp_path, ROOT / "environments").sites] == ["campinas", "manaus"]
    with pytest.raises(UsageError, match=r"unknown fleet 'mines': no .*mines\.toml; known fleets: plants"):
        load_fleet("mines", tmp_path, ROOT / "environments")


@pytest.mark.parametrize("name", ["Plants", "1plant", "plants--north", "a" * 21])
def test_a_fleet_name_the_template_file_cannot_carry_is_refused(name):
    with pytest.raises(ConfigError, match=r"fleet name .*: must be 1\.\.20 lowercase letters"):
        parse_fleet(name, GOOD, f"{name}.toml", lambda env: load_environment(env, ROOT / "environments"))


@pytest.mark.parametrize("name", ["plants-execution", "a-administration"])  # at most 20 characters
def test_a_fleet_may_not_take_the_name_of_another_fleets_role_template(name):
    with pytest.raises(ConfigError, match=rf"templates/fleet-{name}\.json is the name of the .* role's template"):
        parse_fleet(name, GOOD, f"{name}.toml", lambda env: load_environment(env, ROOT / "environments"))


@pytest.mark.parametrize("second, problem", [
    ("", "fleets mines and plants would both make the administration role AWSCloudFormationStackSetAdministrationRole "
         "in account 999999999999"),
    ('administration_role_arn = "arn:aws:iam::999999999999:role/mines-admin"',
     "fleets mines and plants would both make the execution role AWSCloudFormationStackSetExecutionRole in account "
     "111111111111"),
    ('administration_role_arn = "arn:aws:iam::999999999999:role/mines-admin"\nexecution_role_name = "mines-exec"',
     None),
], ids=["same-administration-role", "same-execution-role", "own-roles"])  # fmt: skip
def test_two_fleets_may_not_make_the_same_role_in_one_account(tmp_path, second, problem):
    from generator.fleet import load_fleets

    (tmp_path / "plants.toml").write_text(GOOD)
    mines = GOOD.replace('account = "999999999999"', f'account = "999999999999"\n{second}')
    (tmp_path / "mines.toml").write_text(mines)
    if problem is None:
        assert [f.name for f in load_fleets((), tmp_path, ROOT / "environments")] == ["mines", "plants"]
        return
    with pytest.raises(ConfigError) as failed:
        load_fleets((), tmp_path, ROOT / "environments")
    assert any(problem in p and "[stack_set]" in p for p in failed.value.problems), failed.value.problems
