"""Cost in review: ``iotstack diff`` prints each changed environment's month before and after, and ``iotstack cost``
prints the estimate; both at the prices of the test's price-file copy written as the project's snapshots."""

import json
from decimal import Decimal

import pytest

from generator.cost.offers import local
from generator.cost.snapshot import snapshot_of, text
from tests.conftest import run
from tests.cost.price_files import price, write_price_files

H = 730


@pytest.fixture
def priced(repo, tmp_path):
    """The ``repo`` project with a snapshot of each Region, made from the test's price-file copy."""
    read = local(write_price_files(tmp_path / "price-files"))
    (repo.root / "prices").mkdir()
    for region in ("sa-east-1", "us-east-1"):
        (repo.root / "prices" / f"{region}.json").write_text(text(snapshot_of(read, region)))
    return repo


# dev's shards 2 -> 4: two shard-months, and the shard-level metrics of the new shards (4 metrics x 2 shards)
SHARDS = price("sa-east-1", "shard-hours", 2 * H)
METRICS = price("sa-east-1", "metrics", 16) - price("sa-east-1", "metrics", 8)


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01')):,}"


def test_the_diff_of_more_shards_shows_two_shard_months_in_every_format(priced):
    priced.append("dev", "[kinesis]\nshard_count = 4\n")
    table = run("diff", "--env", "dev")
    markdown = run("diff", "--env", "dev", "--format", "markdown")
    plan = json.loads(run("diff", "--env", "dev", "--format", "json").output)["plans"][0]
    assert table.exit_code == markdown.exit_code == 2
    assert f"(+{money(SHARDS + METRICS)})" in table.output and f"(+{money(SHARDS)})" in table.output
    verdict = next(line for line in markdown.output.splitlines() if line.startswith("- **`dev`**"))
    assert f"(+{money(SHARDS + METRICS)})" in verdict
    assert f"| SensorDataStream | 2 shards: 1,460 shard-hours, {money(SHARDS)} | 4 shards: 2,920 shard-hours, " \
           f"{money(2 * SHARDS)} | +{money(SHARDS)} |" in markdown.output  # fmt: skip
    cost = plan["cost"]
    assert Decimal(cost["delta"]) == SHARDS + METRICS
    (shards,) = [c for c in cost["changed"] if c["after"]["rate"] == "shard-hours"]
    assert Decimal(shards["after"]["monthly"]) - Decimal(shards["before"]["monthly"]) == SHARDS
    assert cost["prices"].startswith("prices/sa-east-1.json, price list published 2026-11-01")


@pytest.mark.parametrize("fmt, said", [("table", "cost: unchanged ("), ("markdown", "cost unchanged (")])
def test_a_tag_only_change_says_the_cost_does_not_change(priced, fmt, said):
    priced.append("dev", '[tags]\nTeam = "sensors"\n')
    result = run("diff", "--env", "dev", "--format", fmt)
    assert result.exit_code == 2 and said in result.output
    plan = json.loads(run("diff", "--env", "dev", "--format", "json").output)["plans"][0]
    assert plan["cost"]["delta"] == "0" and plan["cost"]["changed"] == []


def test_without_a_snapshot_the_quantities_show_with_the_make_prices_line_and_the_same_exit_code(repo):
    repo.append("dev", "[kinesis]\nshard_count = 4\n")
    table = run("diff", "--env", "dev")
    assert table.exit_code == 2
    assert "cost: not priced (2 billed item(s) change); no prices for sa-east-1: `make prices`" in " ".join(
        table.output.split())  # fmt: skip
    assert "2 shards: 1,460 shard-hours -> 4 shards: 2,920 shard-hours" in " ".join(table.output.split())
    plan = json.loads(run("diff", "--env", "dev", "--format", "json").output)["plans"][0]
    assert plan["cost"]["delta"] is None and plan["cost"]["after"] is None and plan["cost"]["before"] is None
    cost = run("cost", "--env", "dev")
    assert cost.exit_code == 0 and "dev in sa-east-1: not priced" in cost.output and "2,920 shard-hours" in cost.output


def test_cost_prints_each_environment_and_a_fleet_per_site_and_in_total(priced):
    result = run("cost", "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    names = [e["name"] for e in found["estimates"]]
    assert names[:3] == ["dev", "prod", "staging"] and "plants/recife" in names
    sites = [e for e in found["estimates"] if e["name"].startswith("plants/")]
    assert Decimal(found["fleets"]["plants"]) == sum(Decimal(e["total"]) for e in sites)
    # a site costs what its Region's prices say: the same stack is cheaper in us-east-1 at the test's prices
    by_name = {e["name"]: Decimal(e["total"]) for e in found["estimates"]}
    assert by_name["plants/manaus"] < by_name["plants/campinas"] == by_name["prod"]
    for fmt in ("table", "markdown"):
        shown = run("cost", "--env", "prod", "--fleet", "plants", "--format", fmt).output
        assert money(by_name["prod"]) in shown and "fleet plants: 4 sites, about" in shown
        assert "data transfer" in shown  # what it leaves out


@pytest.mark.parametrize("broken", ["{", '{"schema": "iotstack-prices/1", "region": "sa-east-1", "offers": {}, '
                                    '"prices": [{"per_unit": "NaN"}]}'])  # fmt: skip
def test_a_broken_snapshot_says_so_in_the_cost_line_and_never_stops_the_plan_or_the_gate(priced, broken):
    (priced.root / "prices" / "sa-east-1.json").write_text(broken)
    priced.append("dev", "[kinesis]\nshard_count = 4\n")
    table = run("diff", "--env", "dev")
    assert table.exit_code == 2 and "cost: not priced" in table.output
    said = " ".join(table.output.split())
    assert "no prices: prices/sa-east-1.json: " in said and "Traceback" not in said
    assert run("check", "--env", "dev", "--skip-plan").exit_code == 0
    gate = run("check", "--env", "dev")
    assert "price" not in gate.output.lower(), gate.output  # the gate does not read prices
    cost = run("cost", "--env", "dev")
    assert cost.exit_code == 2 and "sa-east-1.json" in cost.output and "make prices" in cost.output
