"""cost.estimate and cost.bill: a month of each environment at the prices of the test's price-file copy
(tests/cost/price_files.py), against sums computed here by hand from those prices."""

import json
from datetime import date
from decimal import Decimal

import pytest

from generator.config import load_environment, parse_environment
from generator.cost.estimate import CostChange, estimate
from generator.cost.offers import local
from generator.cost.snapshot import snapshot_of
from generator.errors import ConfigError
from tests.conftest import ROOT, build, environment
from tests.cost.price_files import price, write_price_files

H = 730  # hours a month


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory):
    read = local(write_price_files(tmp_path_factory.mktemp("price-files")))
    return {region: snapshot_of(read, region) for region in ("sa-east-1", "us-east-1")}


def month(env, snapshots, region="sa-east-1"):
    return estimate(env.name, region, build(env), env.usage, snapshots[region])


def by_hand(region, quantities):
    return sum((price(region, rate, q) for rate, q in quantities), Decimal(0))


D = Decimal
# Each environment's quantities, from its file and the [usage] defaults (100 records/s of 1 KB, 25 % of the
# ACU range, 20 GB, 10 M I/Os, 100,000 KMS and 10,000 Secrets Manager requests, 1 GB a log group, 5 GB flow logs).
DEV = [("aurora-capacity", D("0.875") * H), ("aurora-storage", 20), ("aurora-io", 10_000_000), ("aurora-backup", 0),
       ("cache-node:cache.t3.micro", 2 * H), ("shard-hours", 2 * H), ("put-units", 100 * 730 * 3600),
       ("metrics", 4 * 2), ("vended-logs", 5), ("kms-keys", 5), ("kms-requests", 100_000), ("secrets", 2),
       ("secret-requests", 10_000), ("log-ingestion", 3), ("log-storage", D(3 + 5) * 7 / 30)]  # fmt: skip
STAGING = [("aurora-capacity", D("1.375") * H * 2), ("aurora-storage", 20), ("aurora-io", 10_000_000),
           ("aurora-backup", 0), ("cache-node:cache.t3.micro", 2 * H), ("shard-hours", 2 * H),
           ("put-units", 100 * 730 * 3600), ("extended-retention", 2 * H), ("metrics", 4 * 2), ("vended-logs", 5),
           ("kms-keys", 6), ("kms-requests", 100_000), ("secrets", 2), ("secret-requests", 10_000),
           ("endpoint-hours", 2 * H), ("endpoint-bytes", 1), ("alarms", 17), ("dashboards", 1),
           ("log-ingestion", 4), ("log-storage", D(4 + 5) * 30 / 30)]  # fmt: skip
PROD = [("aurora-capacity", D("4.75") * H * 2), ("aurora-storage", 20), ("aurora-io", 10_000_000),
        ("aurora-backup", 0), ("cache-node:cache.t3.medium", 2 * H), ("shard-hours", 4 * H),
        ("put-units", 100 * 730 * 3600), ("extended-retention", 4 * H), ("metrics", 4 * 4), ("vended-logs", 5),
        ("kms-keys", 6), ("kms-requests", 100_000), ("secrets", 2), ("secret-requests", 10_000),
        ("endpoint-hours", 2 * H), ("endpoint-bytes", 1), ("alarms", 17), ("dashboards", 1),
        ("log-ingestion", 4), ("log-storage", D(4 + 5) * 90 / 30)]  # fmt: skip


@pytest.mark.parametrize("name, quantities", [("dev", DEV), ("staging", STAGING), ("prod", PROD)])
@pytest.mark.parametrize("region", ["sa-east-1", "us-east-1"])
def test_each_environment_costs_the_sum_computed_by_hand(snapshots, name, quantities, region):
    env = load_environment(name, ROOT / "environments")
    found = month(env, snapshots, region)
    assert not found.unpriced
    assert found.total == by_hand(region, quantities)
    billed = {}
    for r in found.rows:  # two Aurora instances are two rows
        billed[r.item.rate] = billed.get(r.item.rate, 0) + r.item.quantity
    assert billed == {rate.partition(":")[0]: D(q) for rate, q in quantities}


def test_aurora_shows_its_floor_and_ceiling_beside_the_estimate(snapshots):
    prod = month(load_environment("prod", ROOT / "environments"), snapshots)
    others = prod.total - by_hand("sa-east-1", [("aurora-capacity", D("4.75") * H * 2)])
    assert prod.bound(0) == others + by_hand("sa-east-1", [("aurora-capacity", 1 * H * 2)])
    assert prod.bound(1) == others + by_hand("sa-east-1", [("aurora-capacity", 16 * H * 2)])
    assert "at its floor" in prod.headline() and "at its ceiling" in prod.headline()


@pytest.mark.parametrize("change, delta", [
    # dev's shards 2 -> 4: two shard-months, and the 4 shard-level metrics of the two new shards
    ({"kinesis": {"shard_count": 4}}, price("sa-east-1", "shard-hours", 2 * H) + price("sa-east-1", "metrics", 16)
     - price("sa-east-1", "metrics", 8)),
    ({"redis": {"node_type": "cache.m6g.large"}},
     price("sa-east-1", "cache-node:cache.m6g.large", 2 * H) - price("sa-east-1", "cache-node:cache.t3.micro", 2 * H)),
    # a second instance: its capacity, and the three alarms that watch each instance
    ({"aurora": {"instances": 2}}, price("sa-east-1", "aurora-capacity", D("0.875") * H)
     + price("sa-east-1", "alarms", 3)),
    ({"kinesis": {"retention_hours": 48}}, price("sa-east-1", "extended-retention", 2 * H)),
    ({"tags": {"Team": "sensors"}}, 0),
    ({"deploy": {"termination_protection": False}}, 0),
])  # fmt: skip
def test_a_change_costs_exactly_its_price_difference(snapshots, change, delta):
    before = month(environment(), snapshots)
    after = month(environment(**change), snapshots)
    cost = CostChange(before, after)
    assert cost.delta == delta
    if delta == 0:
        assert cost.changed() == [] and cost.headline().startswith("unchanged")
    else:
        assert cost.changed() and f"(+{cost.delta.quantize(D('0.01'))})" in cost.headline()


def test_without_a_snapshot_the_quantities_show_and_no_amount_is_made_up():
    env = environment()
    found = estimate(env.name, env.region, build(env), env.usage, None)
    assert found.total is None and found.headline() == "not priced"
    assert all(r.monthly is None and r.item.quantity is not None for r in found.rows)
    assert "`make prices`" in found.prices_said(date(2026, 12, 4))
    change = CostChange(found, estimate(env.name, env.region, build(environment(kinesis={"shard_count": 4})),
                                        env.usage, None))  # fmt: skip
    assert change.delta is None and change.headline() == "not priced (2 billed item(s) change)"


@pytest.mark.parametrize("today, stale", [(date(2027, 1, 30), False), (date(2027, 1, 31), True)])
def test_a_snapshot_older_than_90_days_is_named_as_such(snapshots, today, stale):
    said = month(environment(), snapshots).prices_said(today)
    assert said.startswith("prices/sa-east-1.json, price list published 2026-11-01")
    assert ("older than 90 days" in said) is stale


def test_several_products_at_different_prices_for_one_rate_leave_the_row_unpriced(snapshots):
    from dataclasses import replace

    snapshot = snapshots["sa-east-1"]
    shard = snapshot.find("shard-hours")[0]
    doubled = replace(snapshot, prices=(*snapshot.prices, replace(shard, sku="OTHER", per_unit=D("9"))))
    env = environment()
    found = estimate(env.name, env.region, build(env), env.usage, doubled)
    (row,) = [r for r in found.rows if r.item.rate == "shard-hours"]
    assert row.monthly is None and "different prices" in row.unpriced and "OTHER" in row.unpriced
    assert found.total is not None and "1 item(s) not priced" in found.headline()


@pytest.mark.parametrize("line, problem", [
    ("aurora_capacity_percent = 150", "usage.aurora_capacity_percent = 150: must be 0..100"),
    ("kinesis_records_per_second = -1", "usage.kinesis_records_per_second = -1: must be 0..10000000"),
    ('log_gb_per_group = "lots"', 'usage.log_gb_per_group = "lots": must be a number'),
    ("flow_log_gb = nan", "usage.flow_log_gb = nan: must be 0..1000000000"),
    ("shards = 2", "usage.shards: unknown key"),
])  # fmt: skip
def test_usage_assumptions_are_validated(line, problem):
    with pytest.raises(ConfigError) as raised:
        parse_environment("dev", f"[usage]\n{line}\n", "environments/dev.toml")
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_an_estimate_as_json_keeps_every_digit_and_names_its_prices(snapshots):
    found = month(environment(), snapshots).to_dict(date(2026, 12, 4))
    assert D(found["total"]) == sum(D(r["monthly"]) for r in found["rows"])
    (shards,) = [r for r in found["rows"] if r["rate"] == "shard-hours"]
    assert (shards["quantity"], shards["prices"][0]["per_unit"], shards["prices"][0]["usage_type"]) == (
        "1460", "0.02", "SAE1-Storage-ShardHour")  # fmt: skip
    assert json.dumps(found)  # serialisable as it is


@pytest.mark.parametrize("change, said", [
    ({"kinesis": {"shard_count": 4}}, "not priced: no price for shard-hours, which the change bills"),
    ({"redis": {"node_type": "cache.r6g.large"}}, "not priced: no price for NodeUsage:cache.r6g.large, which the "
                                                   "change bills"),
])  # fmt: skip
def test_a_change_to_an_item_the_snapshot_cannot_price_has_no_difference_never_a_saving(snapshots, change, said):
    from dataclasses import replace

    snapshot = snapshots["sa-east-1"]
    lacking = replace(snapshot, prices=tuple(p for p in snapshot.prices if p.usage_type != "SAE1-Storage-ShardHour"))
    cost = CostChange(
        estimate("t", "sa-east-1", build(environment()), environment().usage, lacking),
        estimate("t", "sa-east-1", build(environment(**change)), environment().usage, lacking),
    )
    assert cost.delta is None and cost.headline() == said


@pytest.mark.parametrize("properties, said", [
    ({"ShardCount": "two"}, 'not counted: ShardCount "two" is not a whole number'),
    ({"ShardCount": 2.9}, "not counted: ShardCount 2.9 is not a whole number"),
    ({"ShardCount": {"Ref": "Shards"}}, 'not counted: ShardCount {"Ref": "Shards"} is not a whole number'),
    ({"StreamModeDetails": {"StreamMode": "ON_DEMAND"}}, "not counted: an on-demand stream is billed by the data"),
])  # fmt: skip
def test_a_value_that_cannot_be_counted_is_named_never_guessed(snapshots, properties, said):
    template = build(environment())
    template["Resources"]["SensorDataStream"]["Properties"].update(properties)
    found = estimate("t", "sa-east-1", template, environment().usage, snapshots["sa-east-1"])
    (row,) = [r for r in found.rows if r.item.resource == "SensorDataStream"]
    assert row.monthly is None and row.unpriced.startswith(said)
    assert "1 item(s) not priced" in found.headline()
