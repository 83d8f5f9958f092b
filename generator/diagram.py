"""A picture of each stack: ``templates/<env>.md``, a Mermaid flowchart that review pages render.

Resources are grouped by tier (keys, network, security with IAM, data, secrets, logs), stateful
ones drawn as cylinders; an arrow runs from a resource to each resource it refers to (``Ref``,
``Fn::GetAtt``, ``${...}`` in ``Fn::Sub``). The outputs are listed under the diagram. Built from
the template's JSON data alone, sorted everywhere, so the same template gives the same bytes.

Alerting (alarms, alert topics, their policies and subscriptions, RDS event subscriptions, the
rotation rule, the dashboard) is not drawn as nodes: each resource an alarm or an event subscription
watches carries a mark (``watched: 3 alarms, RDS events``), and one line under the diagram counts
the rest.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from generator.cfn import STATEFUL_TYPES, references

# (subgraph id, title, the type prefixes it holds), in the order drawn: keys and network are what
# everything else stands on.
TIERS = (
    ("keys", "Keys (KMS)", ("AWS::KMS::",)),
    ("network", "Network", ("AWS::EC2::VPC", "AWS::EC2::InternetGateway", "AWS::EC2::Subnet", "AWS::EC2::Route",
                            "AWS::EC2::")),
    ("security", "Security", ("AWS::EC2::SecurityGroup", "AWS::IAM::")),
    ("data", "Data", ("AWS::Kinesis::", "AWS::RDS::", "AWS::ElastiCache::")),
    ("secrets", "Secrets", ("AWS::SecretsManager::",)),
    ("logs", "Logs", ("AWS::Logs::",)),
)  # fmt: skip
OTHER = ("other", "Other", ())
# Alerting resources: marks on what they watch and a count, not nodes (they would double the picture).
ALERTING = ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard", "AWS::SNS::Topic", "AWS::SNS::TopicPolicy",
            "AWS::SNS::Subscription", "AWS::RDS::EventSubscription", "AWS::Events::Rule")  # fmt: skip


def tier(resource_type: str) -> str:
    """The subgraph a resource type is drawn in: the tier with the longest matching type prefix."""
    matches = [(len(prefix), tid) for tid, _, prefixes in TIERS for prefix in prefixes
               if resource_type.startswith(prefix)]  # fmt: skip
    return max(matches)[1] if matches else OTHER[0]


def diagram(template: dict, environment: str) -> str:
    """The Markdown file: a title, the Mermaid flowchart, and the outputs."""
    everything = template.get("Resources", {})
    resources = {k: r for k, r in everything.items() if r["Type"] not in ALERTING}
    marks = _watch_marks(everything)
    lines = ["flowchart LR"]
    for tid, title, _ in (*TIERS, OTHER):
        members = sorted(k for k, r in resources.items() if tier(r["Type"]) == tid)
        if not members:
            continue
        lines.append(f'  subgraph {tid}["{title}"]')
        lines += [f"    {_node(k, resources[k]['Type'], marks.get(k, ''))}" for k in members]
        lines.append("  end")
    for source in sorted(resources):
        body = {k: v for k, v in resources[source].items() if k != "Type"}
        targets = {target for _, target in references(body)}  # the diff's parser of references
        lines += [f"  {source} --> {target}" for target in sorted(targets) if target in resources]
    outputs = template.get("Outputs", {})
    table = ["| output | value | exported as | description |", "| --- | --- | --- | --- |"]
    for name in sorted(outputs):
        output = outputs[name]
        export = output.get("Export", {}).get("Name")
        value, purpose = _code(output.get("Value")), output.get("Description", "")
        cells = (f"`{name}`", value, _code(export) if export else "", purpose)
        table.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    description = template.get("Description", "")
    return "\n".join([
        f"# Stack `{environment}`",
        "",
        description,
        "",
        f"Written by `make template` next to `templates/{environment}.json`; do not edit. {len(everything)} "
        "resources; an arrow points from a resource to one it refers to; stateful ones are cylinders.",
        "",
        "```mermaid",
        *lines,
        "```",
        "",
        *_alerting_note(everything),
        f"## Outputs ({len(outputs)})",
        "",
        *table,
        "",
    ])  # fmt: skip


def _watch_marks(resources: dict) -> dict[str, str]:
    """``{logical id: "watched: 3 alarms, RDS events"}`` for each resource that alarms or RDS event
    subscriptions refer to (only drawn resources show theirs)."""
    alarms: Counter[str] = Counter()
    events: set[str] = set()
    for resource in resources.values():
        targets = {t for _, t in references(resource.get("Properties", {}))}
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            alarms.update(targets)
        elif resource["Type"] == "AWS::RDS::EventSubscription":
            events |= targets
    marks = {}
    for target in alarms.keys() | events:
        parts = [f"{alarms[target]} alarm{'s' if alarms[target] > 1 else ''}"] if alarms[target] else []
        marks[target] = "watched: " + ", ".join(parts + (["RDS events"] if target in events else []))
    return marks


def _alerting_note(resources: dict) -> list[str]:
    counts: dict[str, int] = {}
    for resource in resources.values():
        if resource["Type"] in ALERTING:
            counts[resource["Type"]] = counts.get(resource["Type"], 0) + 1
    if not counts:
        return []
    shown = ", ".join(f"{n} {t}" for t, n in sorted(counts.items()))
    return [f"Alerting, not drawn ({shown}): each resource an alarm or an RDS event subscription watches is "
            "marked `watched`.", ""]  # fmt: skip


def _node(logical: str, resource_type: str, mark: str = "") -> str:
    label = f"{logical}<br/>{resource_type}" + (f"<br/>{mark}" if mark else "")
    return f'{logical}[("{label}")]' if resource_type in STATEFUL_TYPES else f'{logical}["{label}"]'


def _code(value: Any) -> str:
    """A value as a reviewer reads it: ``Ref X``, ``X.Attribute``, a Sub's text, else its JSON."""
    return f"`{_short(value)}`"


def _short(value: Any) -> str:
    if isinstance(value, dict) and len(value) == 1:
        function, argument = next(iter(value.items()))
        if function == "Ref" and isinstance(argument, str):
            return f"Ref {argument}"
        if function == "Fn::GetAtt" and isinstance(argument, list):
            return ".".join(map(str, argument))
        if function == "Fn::Sub" and isinstance(argument, str):
            return argument
        if function == "Fn::Join" and isinstance(argument, list) and isinstance(argument[1], list):
            return f"Join {json.dumps(argument[0])}: " + ", ".join(_short(v) for v in argument[1])
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))
