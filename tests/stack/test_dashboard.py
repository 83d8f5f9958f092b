"""The dashboard: the same data as the alarms, deterministic, one widget per line of the template."""

import json
import re

import pytest

from generator.stack import build_template
from tests.conftest import build, environment, only, resources_of


def widgets(template: dict) -> list[dict]:
    """The dashboard's widgets as CloudWatch reads them, ``${...}`` left as written."""
    body = only(template, "AWS::CloudWatch::Dashboard")["Properties"]["DashboardBody"]
    prefix, inner, suffix = body["Fn::Join"][1]
    assert (prefix, suffix) == ('{"start": "-PT6H", "widgets": [', "]}")
    texts = [part["Fn::Sub"] for part in inner["Fn::Join"][1]]
    assert all(text == json.dumps(json.loads(text), sort_keys=True) for text in texts)  # sorted, one a line
    return json.loads(prefix + ",".join(texts) + suffix)["widgets"]


@pytest.mark.parametrize("instances, nodes", [(1, 2), (2, 3)])
def test_every_alarm_is_on_the_dashboard_and_every_graph_shows_its_alarms_threshold(instances, nodes):
    template = build(environment("dev", aurora={"instances": instances}, redis={"cache_clusters": nodes}))
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    status, *graphs = widgets(template)
    assert status["type"] == "alarm" and status["width"] == 24
    assert sorted(status["properties"]["alarms"]) == sorted(f"${{{k}.Arn}}" for k in alarms)
    drawn = {}
    for graph in graphs:
        for namespace, metric, dimension, value, options in graph["properties"]["metrics"]:
            drawn[(namespace, metric, dimension, value)] = (options["stat"], graph["properties"].get("annotations"))
    for alarm in alarms.values():
        props = alarm["Properties"]
        (dimension,) = props["Dimensions"]
        value = dimension["Value"].get("Fn::Sub") or f"${{{dimension['Value']['Ref']}}}"
        stat, annotations = drawn[(props["Namespace"], props["MetricName"], dimension["Name"], value)]
        assert stat == props["Statistic"]
        assert annotations == {"horizontal": [{"label": "alarm threshold", "value": props["Threshold"]}]}


def test_the_context_graphs_cover_ingest_connections_and_cache_hits():
    titles = {g["properties"]["title"]: g for g in widgets(build(environment("dev", aurora={"instances": 2})))[1:]}
    assert [m[1] for m in titles["Kinesis: ingest (records, bytes)"]["properties"]["metrics"]] == [
        "IncomingRecords", "IncomingBytes",
    ]  # fmt: skip
    assert [m[3] for m in titles["Aurora: connections"]["properties"]["metrics"]] == [
        "${AuroraInstance}", "${AuroraInstance2}",
    ]  # fmt: skip
    hits = titles["Redis: cache hits and misses"]["properties"]["metrics"]
    assert {m[1] for m in hits} == {"CacheHits", "CacheMisses"}
    context = ("Kinesis: ingest (records, bytes)", "Aurora: connections", "Redis: cache hits and misses")
    assert all("annotations" not in titles[t]["properties"] for t in context)  # no alarm: no threshold line


def test_graphs_sit_on_the_grid_without_overlapping():
    cells = set()
    for widget in widgets(build(environment("dev", redis={"cache_clusters": 6}))):
        assert widget["x"] >= 0 and widget["x"] + widget["width"] <= 24
        area = {(x, y) for x in range(widget["x"], widget["x"] + widget["width"])
                for y in range(widget["y"], widget["y"] + widget["height"])}  # fmt: skip
        assert not cells & area
        cells |= area


def test_named_per_environment_and_the_same_bytes_every_time():
    first = build_template(environment("prod")).to_json()
    assert first == build_template(environment("prod")).to_json()
    dashboard = only(json.loads(first), "AWS::CloudWatch::Dashboard")["Properties"]
    assert dashboard["DashboardName"] == "iot-platform-prod"
    # Only the region, the resources' names and the alarms' ARNs are substituted.
    texts = [part["Fn::Sub"] for part in dashboard["DashboardBody"]["Fn::Join"][1][1]["Fn::Join"][1]]
    names = {name for text in texts for name in re.findall(r"\$\{([^}]+)\}", text) if not name.endswith(".Arn")}
    assert names == {"AWS::Region", "SensorDataStream", "AuroraInstance", "RedisReplicationGroup"}


def test_no_dashboard_without_alerting():
    assert not resources_of(build(environment("dev", alerts={"enabled": False})), "AWS::CloudWatch::Dashboard")
