"""The dashboard ``iot-platform-{env}``: the alarms' states and a graph of every metric they watch.

Built from the same :class:`~generator.stack.alarms.Watch` data as the alarms, so a graph shows the
alarm's threshold as a line and cannot drift from it; a few metrics that explain a breach are added
beside them (ingest, database connections, cache hits and misses). The body is deterministic JSON
with sorted keys, one widget per line of the committed template (a ``Fn::Sub`` each, for the region,
the resources' names and the alarms' ARNs), so that a reviewer reads a change widget by widget.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import Join, Sub, Template
from troposphere.cloudwatch import Dashboard

from generator.config import Environment
from generator.stack.alarms import PERIOD_SECONDS, Watch
from generator.stack.common import tags

# CloudWatch's grid is 24 columns wide: four graphs a row.
WIDTH, HEIGHT, COLUMNS = 6, 6, 24
# Per namespace, in the order drawn: the graphs that explain a breach, besides the alarmed metrics.
CONTEXT = {
    "AWS/Kinesis": [("Kinesis: ingest (records, bytes)", [("IncomingRecords", "Sum"), ("IncomingBytes", "Sum")])],
    "AWS/RDS": [("Aurora: connections", [("DatabaseConnections", "Maximum")])],
    "AWS/ElastiCache": [("Redis: cache hits and misses", [("CacheHits", "Sum"), ("CacheMisses", "Sum")])],
}


def add_dashboard(template: Template, env: Environment, watched: list[Watch]) -> Dashboard | None:
    """Add the dashboard of the environment's watches (none when alerting is off)."""
    if not watched:
        return None
    widgets = [_alarm_widget(watched, y=0)]
    y = HEIGHT
    for namespace, context in CONTEXT.items():
        graphs = _graphs([w for w in watched if w.namespace == namespace], context)
        for index, (title, lines, threshold) in enumerate(graphs):
            x, row = (index * WIDTH) % COLUMNS, (index * WIDTH) // COLUMNS
            widgets.append(_metric_widget(title, lines, threshold, x, y + row * HEIGHT))
        y += -(-len(graphs) * WIDTH // COLUMNS) * HEIGHT  # the rows this namespace took
    dashboard_name = f"iot-platform-{env.name}"
    body = Join("", ['{"start": "-PT6H", "widgets": [', Join(",", [Sub(_text(w)) for w in widgets]), "]}"])
    return template.add_resource(
        Dashboard("Dashboard", DashboardName=dashboard_name, DashboardBody=body, Tags=tags(env, dashboard_name))
    )


def _graphs(watched: list[Watch], context: list) -> list[tuple[str, list[list], float | None]]:
    """``(title, metric lines, threshold)`` per graph: one per alarmed metric (a line per watched
    resource), then the context graphs over the same resources."""
    graphs: dict[str, tuple[list[list], float]] = {}
    targets: dict[str, str] = {}  # the watched resources of this namespace: target -> dimension
    for w in watched:
        lines, _ = graphs.setdefault(w.title, ([], w.threshold))
        lines.append([w.namespace, w.metric, w.dimension, w.target, {"stat": w.statistic}])
        targets.setdefault(w.target, w.dimension)
    found: list[tuple[str, list[list], float | None]] = [(t, lines, th) for t, (lines, th) in graphs.items()]
    namespace = watched[0].namespace if watched else ""
    for title, metrics in context:
        lines = [[namespace, metric, dimension, target, {"stat": stat}]
                 for metric, stat in metrics for target, dimension in targets.items()]  # fmt: skip
        if lines:
            found.append((title, lines, None))
    return found


def _metric_widget(title: str, lines: list[list], threshold: float | None, x: int, y: int) -> dict:
    properties: dict[str, Any] = {"title": title, "region": "${AWS::Region}", "period": PERIOD_SECONDS,
                                  "view": "timeSeries", "stacked": False, "metrics": lines}  # fmt: skip
    if threshold is not None:
        properties["annotations"] = {"horizontal": [{"label": "alarm threshold", "value": threshold}]}
    return {"type": "metric", "x": x, "y": y, "width": WIDTH, "height": HEIGHT, "properties": properties}


def _alarm_widget(watched: list[Watch], y: int) -> dict:
    arns = [f"${{{w.logical_id}.Arn}}" for w in watched]
    return {"type": "alarm", "x": 0, "y": y, "width": COLUMNS, "height": HEIGHT,
            "properties": {"title": "Alarms", "alarms": arns, "sortBy": "stateUpdatedTimestamp"}}  # fmt: skip


def _text(widget: dict) -> str:
    """A widget as compact JSON with sorted keys: one line of the committed template."""
    return json.dumps(widget, sort_keys=True)
