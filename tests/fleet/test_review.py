"""``diff --fleet`` and ``check`` on a fleet: the template's plan once, then what happens at each site, in every
format; a site's new network puts its data at stake (exit 3, and check asks for an approval)."""

import json

import pytest

from tests.conftest import run

FLEET = "fleets/plants.toml"


def edit(project, old: str, new: str) -> None:
    path = project.root / FLEET
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


RECIFE_RENUMBERED = ('vpc_cidr = "10.3.0.0/16"', 'vpc_cidr = "10.30.0.0/16"')
BELEM_GONE = (
    '[[sites]]\nname = "belem"\naccount = "222222222222"\nregion = "us-east-1"\nvpc_cidr = "10.4.0.0/16"\n',
    "",
)
NATAL_ADDED = ("[[sites]]\nname = \"campinas\"",
               "[[sites]]\nname = \"natal\"\naccount = \"333333333333\"\nregion = \"sa-east-1\"\n"
               "vpc_cidr = \"10.5.0.0/16\"\n\n[[sites]]\nname = \"campinas\"")  # fmt: skip
MANAUS_MOVED = ('name = "manaus"\naccount = "111111111111"', 'name = "manaus"\naccount = "333333333333"')


@pytest.mark.parametrize("change, code, site, action, said", [
    (None, 0, "campinas", "none", "no change"),
    (RECIFE_RENUMBERED, 3, "recife", "update",
     "parameters change (PrivateSubnet1Cidr 10.3.11.0/24 -> 10.30.11.0/24, PrivateSubnet2Cidr"),
    (BELEM_GONE, 2, "belem", "remove", "removed: its stack instance goes, the stack is kept (RetainStacks)"),
    (NATAL_ADDED, 2, "natal", "add", "added: a new stack instance"),
    (MANAUS_MOVED, 3, "manaus", "move", "moves from 111111111111/us-east-1 to 333333333333/us-east-1"),
], ids=["unchanged", "renumbered", "removed", "added", "moved"])  # fmt: skip
def test_each_site_says_what_the_deploy_does_there(repo, change, code, site, action, said):
    if change:
        edit(repo, *change)
    result = run("diff", "--fleet", "plants", "--format", "json")
    assert result.exit_code == code, result.output
    out = json.loads(result.output)
    sites = {s["site"]: s for s in out["fleets"][0]["sites"]}
    assert sites[site]["action"] == action and said in sites[site]["what"]
    assert out["exit_code"] == code
    others = [s for name, s in sites.items() if name != site]
    assert all(s["action"] == "none" for s in others)  # the template did not change: nothing else happens


def test_a_renumbered_site_puts_its_data_at_stake_and_names_the_vpc(repo):
    edit(repo, *RECIFE_RENUMBERED)
    result = run("diff", "--fleet", "plants")
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "recife 222222222222/sa-east-1 parameters change (" in text and "; at stake: Vpc" in text
    assert "fleet-plants/recife (against" in text  # the site's own plan, with its resources
    assert "Vpc is replaced, and with it every subnet and security group in it: AuroraCluster" in text
    out = json.loads(run("diff", "--fleet", "plants", "--format", "json").output)
    plans = {p["environment"]: p for p in out["plans"]}
    assert sorted(plans) == ["fleet-plants", "fleet-plants/recife"]  # the template's plan once, and the site's own
    vpc = next(r for r in plans["fleet-plants/recife"]["resources"] if r["logical_id"] == "Vpc")
    assert vpc["action"] == "replace" and "AuroraCluster" in vpc["within"]


def test_the_comment_has_one_verdict_and_one_table_of_sites(repo):
    edit(repo, *BELEM_GONE)
    edit(repo, *RECIFE_RENUMBERED)
    comment = run("diff", "--fleet", "plants", "--format", "markdown").output
    assert "### iotstack plan: 1 of 1 environment(s) and fleet(s) change" in comment
    assert comment.count("**fleet `plants`**") == 1
    assert "| site | account/region | what the deploy does |" in comment
    rows = [line for line in comment.splitlines() if line.startswith("  | ")][2:]  # under the header
    assert [row.split("|")[1].strip() for row in rows] == ["**recife**", "belem", "campinas", "manaus"]  # worst first
    assert comment.count("#### `fleet-plants") == 1  # the site's own plan; the template did not change


def test_check_asks_for_an_approval_of_a_sites_new_network_and_still_says_the_deploy_would_fail(repo):
    """A site's network cannot be renumbered in place: its security groups keep their custom names. An approval
    takes the data at stake, never the predicted failure."""
    edit(repo, *RECIFE_RENUMBERED)
    failed = run("check")
    assert failed.exit_code == 1, failed.output
    at_stake = "data at stake, not approved: fleet-plants/recife: Vpc (AWS::EC2::VPC) is replaced"
    would_fail = (
        "the deploy would fail: fleet-plants/recife: DatabaseSecurityGroup: GroupName stays 'rds-sg-prod-recife'"
    )
    assert at_stake in failed.output and would_fail in failed.output
    snippet = failed.output.split("    [[approval]]", 1)[1].split("    (or change", 1)[0]
    approval = "[[approval]]" + "\n".join(line.removeprefix("    ") for line in snippet.splitlines())
    (repo.root / "approvals.toml").write_text(approval.replace('reason = "..."', 'reason = "renumbered"'))
    approved = run("check")
    assert approved.exit_code == 1 and at_stake not in approved.output and would_fail in approved.output


def test_an_invalid_fleet_file_at_the_base_makes_no_plan_rather_than_a_wrong_one(repo):
    from tests.conftest import git

    edit(repo, 'environment = "prod"', 'environment = "nope"')
    git(repo.root, "commit", "-qam", "broken fleet")
    edit(repo, 'environment = "nope"', 'environment = "prod"')
    result = run("diff", "--fleet", "plants", "--base", "HEAD")
    assert result.exit_code == 1
    assert "the fleet file at HEAD is not valid, so what its sites passed cannot be known" in result.output
