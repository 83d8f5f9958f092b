"""The plan of real changes in every format, compared byte for byte with committed files under
tests/review/golden/ (``IOTSTACK_UPDATE_GOLDEN=1`` rewrites them; review the diff before committing).

Each case builds the real environment files' templates before and after one change: a tag, a shard
count, the cluster renamed without its instance (the deploy fails: the caution box says so, with the
data fate and the exports), a removal, and an element added to a long list (visible, not cut off).
"""

import json
import os
from pathlib import Path

import pytest

from generator.config import load_environments
from generator.review.baseline import Baseline
from generator.review.diff import change_picture_of, environment_plan
from generator.review.plan_format import render_plan
from generator.stack import aurora
from tests.conftest import ROOT, build

GOLDEN = Path(__file__).parent / "golden"
ENVIRONMENTS = {env.name: env for env in load_environments((), ROOT / "environments")}


def tagged(env, monkeypatch):
    return build(_changed(env, tags={**env.tags, "Team": "sensors"}))


def more_shards(env, monkeypatch):
    return build(_changed(env, kinesis={"shard_count": env.kinesis.shard_count * 2}))


def renamed_cluster(env, monkeypatch):
    original = aurora.name
    monkeypatch.setattr(aurora, "name", lambda e, kind: original(e, "aurora-db" if kind == "aurora-cluster" else kind))
    return build(env)


def without_redis(env, monkeypatch):
    template = build(env)
    for logical in ("RedisReplicationGroup", "RedisSubnetGroup", "RedisEngineLogGroup", "RedisSlowLogGroup"):
        del template["Resources"][logical]
    for output in ("RedisClusterId", "RedisPrimaryEndpoint", "RedisReaderEndpoint"):
        del template["Outputs"][output]
    return template


def another_metric(env, monkeypatch):
    template = build(env)
    metrics = template["Resources"]["SensorDataStream"]["Properties"]["DesiredShardLevelMetrics"]
    metrics.insert(2, "IteratorAgeMilliseconds")
    return template


def _changed(env, **sections):
    import dataclasses

    top = {k: dataclasses.replace(getattr(env, k), **v) if isinstance(v, dict) and k != "tags" else v
           for k, v in sections.items()}  # fmt: skip
    return dataclasses.replace(env, **top)


# case -> (the change, the environments it is planned for; the last one is left unchanged where it says so)
CASES = {
    "tag-only": (tagged, ["dev", "staging"], {"staging"}),
    "shard-count": (more_shards, ["dev"], set()),
    "cluster-rename": (renamed_cluster, ["dev", "prod"], set()),
    "removal": (without_redis, ["dev"], set()),
    "long-list": (another_metric, ["prod"], set()),
}


def plans(case, monkeypatch):
    change, names, unchanged = CASES[case]
    result, pictures = [], {}
    befores = {name: build(ENVIRONMENTS[name]) for name in names}  # before any change is patched in
    for name in names:
        env, before = ENVIRONMENTS[name], befores[name]
        after = before if name in unchanged else change(env, monkeypatch)
        baseline = Baseline(label=lambda e: f"HEAD:templates/{e}.json", load=befores.get,
                            environment=lambda e, env=env: env)  # fmt: skip
        p = environment_plan(env, before, after, baseline)
        picture = change_picture_of(p, before, after, env.region)
        result.append(p)
        if picture:
            pictures[name] = picture
    return result, pictures


def render(case, fmt, monkeypatch) -> str:
    found, pictures = plans(case, monkeypatch)
    return render_plan(found, fmt, width=100, pictures=pictures)


@pytest.mark.parametrize("fmt, suffix", [("table", "txt"), ("markdown", "md"), ("json", "json")])
@pytest.mark.parametrize("case", CASES)
def test_golden(case, fmt, suffix, monkeypatch):
    text = render(case, fmt, monkeypatch)
    path = GOLDEN / f"{case}.{suffix}"
    if os.environ.get("IOTSTACK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{path.name} differs: IOTSTACK_UPDATE_GOLDEN=1 rewrites it; review the diff"


def test_the_rename_comment_leads_with_what_fails_and_what_happens_to_the_data(monkeypatch):
    comment = render("cluster-rename", "markdown", monkeypatch)
    head = comment.split("#### ")[0]  # everything before the first environment's section
    assert head.startswith("<!-- iotstack-plan -->\n")
    # prod first (both fail and put data at stake: prod leads among equals), and a shared note said once
    assert "> [!CAUTION]\n> **`prod`: the deploy will fail** · **`dev`: the deploy will fail**" in head
    assert ("> - `dev`: **will fail:** `AuroraInstance`: DBInstanceIdentifier stays 'aurora-instance-dev': "
            "CloudFormation cannot replace a custom-named resource") in head  # fmt: skip
    assert head.count("exported outputs change") == 1 and "> - `prod`, `dev`: exported outputs change" in head
    assert head.index("- **`prod`**:") < head.index("- **`dev`**:")
    prod = comment.split("#### `prod`")[1].split("#### `dev`")[0]
    table, folded = prod.split("<details><summary>12 more change only because what they refer to is replaced (", 1)
    assert "`AuroraCluster`" in table and "Alarm`" not in table  # the alarms follow the replaced instances
    assert "| modify | `AuroraInstanceCpuAlarm` | alarm |" in folded.split("</details>")[0]
    assert "`AuroraCluster` is replaced: UpdateReplacePolicy Delete: the old one is deleted with its databases" in head
    assert "`AuroraCluster` is replaced: UpdateReplacePolicy Snapshot: a final snapshot" in head  # prod keeps one
    assert "`--allow-replace AuroraCluster --allow-replace AuroraInstance" in head
    assert "the stack policy denies it until then" in head  # prod's
    assert "exported outputs change (AuroraClusterEndpoint, AuroraClusterId" in head


def test_a_long_list_shows_the_element_that_differs(monkeypatch):
    text = render("long-list", "table", monkeypatch)
    assert '      + "IteratorAgeMilliseconds"' in text
    assert "IncomingBytes" in text and "..." not in text


def test_json_is_one_model_with_booleans_and_counts(monkeypatch):
    data = json.loads(render("cluster-rename", "json", monkeypatch))
    assert data["schema"] == "iotstack-plan/1" and data["exit_code"] == 3 and data["will_fail"] is True
    dev = data["plans"][0]
    assert dev["summary"] == {
        "add": 0,
        "modify": 3,
        "replace": 3,
        "remove": 0,
        "may_replace": 0,
        "outputs": 4,
        "template": 0,
    }  # fmt: skip  (the attachment, the two database users' policies)
    cluster = next(r for r in dev["resources"] if r["logical_id"] == "AuroraCluster")
    assert (cluster["action"], cluster["may_replace"], cluster["stateful"]) == ("replace", False, True)
    assert cluster["policy"] == {"UpdateReplacePolicy": "Delete"}
    assert {n["severity"] for r in dev["resources"] for n in r["notes"]} == {"error", "warning"}
    output = next(o for o in dev["outputs"] if o["name"] == "AuroraClusterId")
    assert output["before"] == output["after"] == {"Ref": "AuroraCluster"}
    assert output["export"] == "iot-platform-dev-AuroraClusterId" and output["importers"] is None


def test_the_table_is_coloured_only_when_asked(monkeypatch):
    found, _ = plans("shard-count", monkeypatch)
    assert "\x1b[" in render_plan(found, "table", color=True)
    assert "\x1b[" not in render_plan(found, "table", color=False)


@pytest.mark.parametrize("width", [60, 100, 160])
def test_the_table_fits_the_terminal(width, monkeypatch):
    found, _ = plans("cluster-rename", monkeypatch)
    lines = render_plan(found, "table", width=width).splitlines()
    assert max(len(line) for line in lines) <= width
