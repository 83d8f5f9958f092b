"""review.forecast and review.durations: the longest path through a change, on small hand-made graphs, on the
real templates, and from recorded stack events."""

import json
import os
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from generator.review.durations import CREATE, DELETE, KEPT, PUBLISHED, UPDATE, Durations, History, measure
from generator.review.forecast import DELETED, about, forecast
from tests.conftest import ROOT

# Hand-made types, each with a measured duration (so the published table does not answer for them).
SECONDS = {"T::A": 10, "T::B": 20, "T::C": 5, "T::D": 40}
TIMES = Durations(History("xx-test-1", {t: {CREATE: [s], UPDATE: [s / 2], DELETE: [s / 5]}
                                        for t, s in SECONDS.items()}))  # fmt: skip


def template(**resources: tuple[str, list[str]]) -> dict:
    """``name=(type, [what it refers to])``: a template whose resources Ref those names."""
    return {"Resources": {name: {"Type": kind, "Properties": {f"P{i}": {"Ref": d} for i, d in enumerate(deps)}}
                          for name, (kind, deps) in resources.items()}}  # fmt: skip


def new_stack(t: dict):
    return forecast(None, t, {k: "add" for k in t["Resources"]}, TIMES)


@pytest.mark.parametrize("graph, seconds, path", [
    ({"A": ("T::A", []), "B": ("T::B", ["A"]), "C": ("T::C", ["B"])}, 35, ("A", "B", "C")),  # chain: the sum
    ({"A": ("T::A", []), "B": ("T::B", ["A"]), "C": ("T::C", ["A"])}, 30, ("A", "B")),  # fork: the longer branch
    ({"A": ("T::A", []), "B": ("T::B", []), "C": ("T::C", ["A", "B"])}, 25, ("B", "C")),  # join: waits for the slower
    ({"A": ("T::A", []), "B": ("T::B", []), "D": ("T::D", [])}, 40, ("D",)),  # independent: the longest alone
    ({"A": ("T::A", []), "B": ("T::B", ["A"]), "D": ("T::D", []), "C": ("T::C", ["B", "D"])}, 45, ("D", "C")),
], ids=["chain", "fork", "join", "parallel", "diamond-ish"])  # fmt: skip
def test_a_new_stack_takes_its_longest_path_not_the_sum(graph, seconds, path):
    f = new_stack(template(**graph))
    assert (f.seconds, f.path) == (seconds, path)


def test_depends_on_and_sub_and_getatt_are_edges_too():
    t = {"Resources": {
        "A": {"Type": "T::A"},
        "B": {"Type": "T::B", "DependsOn": "A"},
        "C": {"Type": "T::C", "Properties": {"X": {"Fn::Sub": "${B}-x"}}},
        "D": {"Type": "T::D", "Properties": {"Y": {"Fn::GetAtt": ["C", "Arn"]}}},
    }}  # fmt: skip
    assert new_stack(t).path == ("A", "B", "C", "D")


def test_an_unchanged_resource_is_passed_through_but_takes_no_time():
    t = template(A=("T::A", []), B=("T::D", ["A"]), C=("T::C", ["B"]))
    f = forecast(t, t, {"A": "modify", "C": "modify"}, TIMES)  # B (40 s to make) does not change
    assert (f.seconds, f.path) == (5 + 2.5, ("A", "C"))


def test_a_replacement_creates_the_new_one_then_deletes_the_old_one_after_every_update():
    t = template(A=("T::A", []), B=("T::B", ["A"]), D=("T::D", []))
    f = forecast(t, t, {"B": "replace", "D": "modify"}, TIMES)
    # the new B (20 s) and D's update (20 s) in parallel; then the old B is deleted (4 s) in the clean-up
    assert f.seconds == 24 and f.path[-1] == "B" + DELETED


def test_removals_go_in_reverse_dependency_order():
    before = template(A=("T::A", []), B=("T::B", ["A"]), C=("T::C", ["B"]))
    f = forecast(before, {"Resources": {}}, {k: "remove" for k in before["Resources"]}, TIMES)
    assert f.path == ("C" + DELETED, "B" + DELETED, "A" + DELETED) and f.seconds == 1 + 4 + 2


def test_a_deletion_nobody_measured_is_left_out_and_said_so():
    before = template(A=("AWS::SNS::Topic", []))
    f = forecast(before, {"Resources": {}}, {"A": "remove"}, Durations())
    assert f.length == "unknown"
    assert f.left_out == ("1 deletion(s) not counted: none published, none measured here yet",)


def test_a_type_no_table_knows_is_named():
    f = forecast(None, template(A=("Custom::Thing", [])), {"A": "add"}, Durations())
    assert f.left_out == ("no duration known for Custom::Thing",)


def test_time_left_counts_what_remains_of_the_running_and_all_of_the_rest():
    f = new_stack(template(A=("T::A", []), B=("T::B", ["A"]), C=("T::C", ["B"])))
    assert f.left(set(), {}) == (35, ("A", "B", "C"))
    assert f.left({"A"}, {"B": 15}) == (10, ("B", "C"))  # B has 5 s left, then C's 5
    assert f.left({"A"}, {"B": 60})[0] == 5  # overdue: nothing more expected of B, C still to come
    assert f.left({"A", "B", "C"}, {}) == (0, ())


@pytest.mark.parametrize("seconds, said", [(0, "under a minute"), (59, "under a minute"), (60, "about 1 min"),
                                            (940, "about 16 min")])  # fmt: skip
def test_about(seconds, said):
    assert about(seconds) == said


# --- the real templates, checked against the architecture document's expectations -------------------------


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_a_new_stack_runs_through_the_database_and_matches_the_architecture_documents_total(env):
    """The architecture document expects 15-25 minutes for a first deploy; the longest path is the database's,
    and is the longest of all: no other resource ends later."""
    t = json.loads((ROOT / "templates" / f"{env}.json").read_text())
    f = forecast(None, t, {k: "add" for k in t["Resources"]}, Durations())
    assert 15 * 60 <= f.seconds <= 25 * 60
    assert {"AuroraCluster", "AuroraInstance"} <= set(f.path)
    every_create = sum(PUBLISHED[r["Type"]][0] for r in t["Resources"].values())
    assert f.seconds < every_create / 2  # in parallel, not one after another
    assert f.seconds == max(_ends(t).values())


def _ends(t: dict) -> dict[str, float]:
    """When each resource is done, by relaxing every edge until nothing moves (no path search)."""
    resources = t["Resources"]
    deps = {k: {d for d in resources if d != k and (json.dumps(r.get("Properties", {})).count(f'"{d}"')
                or d in r.get("DependsOn", []) or f"${{{d}" in json.dumps(r.get("Properties", {})))}
            for k, r in resources.items()}  # fmt: skip
    end = {k: 0.0 for k in resources}
    for _ in resources:
        end = {k: PUBLISHED[resources[k]["Type"]][0] + max((end[d] for d in deps[k]), default=0) for k in resources}
    return end


def test_the_redis_group_matches_the_architecture_documents_expectation():
    assert 10 * 60 <= PUBLISHED["AWS::ElastiCache::ReplicationGroup"][0] <= 15 * 60  # "ElastiCache Redis: 10-15"


# --- history: measured from stack events, kept per region --------------------------------------------------

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def event(second: int, logical: str, status: str, kind: str = "AWS::RDS::DBCluster", reason: str = ""):
    return SimpleNamespace(timestamp=T0 + timedelta(seconds=second), logical_id=logical, status=status,
                           resource_type=kind, reason=reason,
                           of_stack=kind == "AWS::CloudFormation::Stack")  # fmt: skip


RECORDED = [  # a create, an update, a replacement, a failure and a clean-up, as CloudFormation writes them
    event(0, "iot", "CREATE_IN_PROGRESS", "AWS::CloudFormation::Stack", "User Initiated"),
    event(1, "Db", "CREATE_IN_PROGRESS"),
    event(2, "Db", "CREATE_IN_PROGRESS", reason="Resource creation Initiated"),
    event(223, "Db", "CREATE_COMPLETE"),
    event(300, "Key", "UPDATE_IN_PROGRESS", "AWS::KMS::Key"),
    event(371, "Key", "UPDATE_COMPLETE", "AWS::KMS::Key"),
    event(400, "Db", "UPDATE_IN_PROGRESS", reason="Requested update requires the creation of a new physical "
                                                  "resource; hence creating one."),
    event(401, "Db", "UPDATE_IN_PROGRESS", reason="Resource creation Initiated"),
    event(640, "Db", "UPDATE_COMPLETE"),
    event(650, "Log", "CREATE_IN_PROGRESS", "AWS::Logs::LogGroup"),
    event(652, "Log", "CREATE_FAILED", "AWS::Logs::LogGroup", "already exists"),
    event(700, "Db", "DELETE_IN_PROGRESS"),
    event(760, "Db", "DELETE_COMPLETE"),
    event(761, "iot", "UPDATE_COMPLETE", "AWS::CloudFormation::Stack"),
]  # fmt: skip


def test_measured_from_recorded_events_a_replacement_counts_as_a_create_and_a_failure_not_at_all():
    assert sorted(measure(reversed(RECORDED))) == [  # DescribeStackEvents answers newest first
        ("AWS::KMS::Key", UPDATE, 71.0), ("AWS::RDS::DBCluster", CREATE, 222.0),
        ("AWS::RDS::DBCluster", CREATE, 240.0), ("AWS::RDS::DBCluster", DELETE, 60.0),
    ]  # fmt: skip


def test_history_is_kept_per_region_and_its_median_wins_over_the_published_average(tmp_path):
    history = History("sa-east-1")
    history.add(measure(RECORDED))
    history.save(tmp_path)
    loaded = History.load(tmp_path, "sa-east-1")
    durations = Durations(loaded)
    assert durations.seconds("AWS::RDS::DBCluster", CREATE) == (231.0, True)  # the median of 222 and 240
    assert durations.seconds("AWS::RDS::DBCluster", DELETE) == (60.0, True)
    assert durations.seconds("AWS::RDS::DBInstance", CREATE) == (595.0, False)  # published
    assert Durations(History.load(tmp_path, "us-east-1")).seconds("AWS::RDS::DBCluster", CREATE) == (222.0, False)


def test_only_the_newest_samples_are_kept(tmp_path):
    history = History("sa-east-1")
    history.add([("AWS::KMS::Key", CREATE, float(s)) for s in range(KEPT + 5)])
    history.save(tmp_path)
    kept = History.load(tmp_path, "sa-east-1").samples["AWS::KMS::Key"][CREATE]
    assert kept == [float(s) for s in range(5, KEPT + 5)]


BROKEN = ["{not json", '{"schema": "other/1", "samples": {}}', '["a list"]',
          '{"schema": "iotstack-durations/1", "samples": {"T": {"create": ["x", -1, true]}}}']  # fmt: skip


@pytest.mark.parametrize("text", BROKEN)
def test_a_broken_history_is_no_history(tmp_path, text):
    (tmp_path / "sa-east-1.json").write_text(text)
    assert History.load(tmp_path, "sa-east-1").samples == {}


def test_a_forecast_says_what_was_measured_here():
    t = template(A=("AWS::KMS::Key", []), B=("AWS::RDS::DBCluster", ["A"]))
    history = History("sa-east-1", {"AWS::RDS::DBCluster": {CREATE: [100.0]}})
    f = forecast(None, t, {"A": "add", "B": "add"}, Durations(history))
    assert f.seconds == 122 + 100
    assert f.source == (
        "durations: 1 of 2 measured by this project's deploys in sa-east-1, the rest rain's published averages"
    )


# --- what a hostile template, cache or event stream cannot do ------------------------------------------------


@pytest.mark.parametrize("resources", [
    {"A": {"Type": "T::A", "DependsOn": "B"}, "B": {"Type": "T::B", "DependsOn": ["A"]}},
    {"A": {"Type": "T::A", "Properties": {"Self": {"Ref": "A"}}}, "B": {"Type": "T::B", "DependsOn": "A"}},
], ids=["two-way", "self"])  # fmt: skip
def test_a_dependency_cycle_gives_an_unknown_forecast_that_says_why(resources):
    t = {"Resources": resources}
    f = new_stack(t)
    if "Self" in json.dumps(resources):  # a reference to itself is no edge: CloudFormation's own rule catches it
        assert f.known and f.path == ("A", "B")
    else:
        assert (f.length, f.cycle) == ("unknown", ("A", "B"))
        assert f.left_out[0] == "no order: a dependency cycle among A, B (CloudFormation refuses it)"


def test_a_chain_of_thousands_is_no_recursion_limit():
    chain = {f"R{i}": ("T::C", [f"R{i - 1}"] if i else []) for i in range(3000)}
    f = new_stack(template(**chain))
    assert f.seconds == 3000 * 5 and len(f.path) == 3000
    before = template(**chain)
    assert forecast(before, {"Resources": {}}, dict.fromkeys(chain, "remove"), TIMES).seconds == 3000 * 1


@pytest.mark.parametrize("samples", ["[Infinity]", "[1e400]", "[1e308, 1e308]", "[12345678901234567890123456789]",
                                     "[NaN]", "[-1]", "[true]", '["5"]'])  # fmt: skip
def test_implausible_samples_are_no_samples(tmp_path, samples):
    text = f'{{"schema": "iotstack-durations/1", "samples": {{"AWS::KMS::Key": {{"create": {samples}}}}}}}'
    (tmp_path / "sa-east-1.json").write_text(text)
    assert Durations(History.load(tmp_path, "sa-east-1")).seconds("AWS::KMS::Key", CREATE) == (122.0, False)


def test_a_history_that_is_too_deep_too_big_or_not_a_file_is_none(tmp_path):
    (tmp_path / "a.json").write_text("[" * 100_000 + "]" * 100_000)
    padding = "y" * 1_100_000  # over the size a history can have
    (tmp_path / "b.json").write_text('{"schema": "iotstack-durations/1", "samples": {}, "x": "' + padding + '"}')
    (tmp_path / "c.json").mkdir()
    os.mkfifo(tmp_path / "d.json")  # reading a FIFO would wait for a writer for ever
    for region in "abcd":
        assert History.load(tmp_path, region).samples == {}


def test_measure_stops_at_a_rollback_and_a_failed_replacement_is_forgotten():
    events = [
        event(0, "iot", "UPDATE_IN_PROGRESS", "AWS::CloudFormation::Stack"),
        event(1, "Db", "UPDATE_IN_PROGRESS", reason="Requested update requires the creation of a new physical "
                                                    "resource; hence creating one."),
        event(5, "Db", "UPDATE_FAILED", reason="boom"),
        event(6, "Key", "UPDATE_IN_PROGRESS", "AWS::KMS::Key"),
        event(9, "Key", "UPDATE_COMPLETE", "AWS::KMS::Key"),
        event(10, "iot", "UPDATE_ROLLBACK_IN_PROGRESS", "AWS::CloudFormation::Stack"),
        event(11, "Db", "UPDATE_IN_PROGRESS"),
        event(70, "Db", "UPDATE_COMPLETE"),
    ]  # fmt: skip
    assert measure(reversed(events)) == [("AWS::KMS::Key", UPDATE, 3.0)]


def test_measure_orders_a_start_and_its_end_within_one_second():
    same = [event(5, "Db", "CREATE_COMPLETE"), event(5, "Db", "CREATE_IN_PROGRESS")]  # newest first, one timestamp
    assert measure(same) == [("AWS::RDS::DBCluster", CREATE, 0.0)]


@pytest.mark.parametrize("change, floor", [
    ({"ShardCount": 4}, "SensorDataStream: resharding could take a few minutes"),
    ({"RetentionPeriodHours": 48}, None),
], ids=["resharding", "retention"])  # fmt: skip
def test_an_update_as_long_as_its_data_makes_the_forecast_a_floor(change, floor):
    before = {"Resources": {"SensorDataStream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}}}}
    after = {"Resources": {"SensorDataStream": {"Type": "AWS::Kinesis::Stream",
                                                "Properties": {"ShardCount": 2, **change}}}}  # fmt: skip
    f = forecast(before, after, {"SensorDataStream": "modify"}, Durations())
    assert f.length == ("at least 29 s" if floor else "under a minute")
    assert any(x.startswith(floor) for x in f.left_out) if floor else f.left_out == ()


def test_resources_a_transform_adds_are_counted_from_the_change_set():
    t = template(A=("T::A", []))
    f = forecast(None, t, {"A": "add", "RotationLambda": "add"}, TIMES, {"RotationLambda": "T::D"})
    assert (f.seconds, f.path) == (40, ("RotationLambda",))
