"""``templates/<env>.md``: the architecture picture of a stack, what it lists rather than draws, what each
resource refers to, and its outputs, written by ``make template`` next to the JSON.

The picture (:mod:`generator.diagram.architecture`) is what a reviewer reads at 100% in a page
column: the network, its traffic, and the data with who may use it. The keys, log groups, topics and
dashboards no edge joins follow, folded, as a table with what each node would say; so do the
references the picture leaves out (every ``Ref``, ``Fn::GetAtt`` and ``${...}`` in ``Fn::Sub``): a table
draws no edge under an unrelated node. Built from the template's data alone, sorted everywhere, so
the same template gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from generator.cfn import references, short_type, shown
from generator.diagram.architecture import architecture
from generator.diagram.labels import service
from generator.diagram.mermaid import mermaid


def diagram(template: dict, environment: str, region: str = "") -> str:
    """The Markdown file: a title, the architecture, the references (folded) and the outputs."""
    resources = template.get("Resources", {})
    arch = architecture(template, region)
    rows = ["| resource | type | shown as | refers to |", "| --- | --- | --- | --- |"]
    for logical in sorted(resources):
        rest = {k: v for k, v in resources[logical].items() if k not in ("Type", "Properties")}  # Metadata, ...
        targets = sorted(arch.refers[logical] | {t for _, t in references(rest) if t in resources})
        drawn = arch.owner[logical]
        cells = (f"`{logical}`", short_type(resources[logical]["Type"]), "itself" if drawn == logical else f"`{drawn}`",
                 ", ".join(f"`{t}`" for t in targets))  # fmt: skip
        rows.append("| " + " | ".join(cells) + " |")
    outputs = template.get("Outputs", {})
    table = ["| output | value | exported as | description |", "| --- | --- | --- | --- |"]
    for name in sorted(outputs):
        output = outputs[name]
        export = output.get("Export", {}).get("Name")
        value, purpose = _code(output.get("Value")), output.get("Description", "")
        cells = (f"`{name}`", value, _code(export) if export else "", purpose)
        table.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    listed = ["| node | service | what it is |", "| --- | --- | --- |"]
    listed += [
        f"| `{k}` | {service(resources[k]['Type'])} | {' · '.join(arch.nodes[k].lines)} |" for k in sorted(arch.listed)
    ]
    description = template.get("Description", "")
    drawn = len(arch.nodes) - len(arch.listed)
    notifies = any(r["Type"] == "AWS::CloudWatch::Alarm" for r in resources.values())
    alerting = "; alarms and event subscriptions into the topic they notify" if notifies else ""
    return "\n".join([
        f"# Stack `{environment}`",
        "",
        description,
        "",
        f"Written by `make template` next to `templates/{environment}.json`; do not edit. {len(resources)} "
        f"resources shown as {drawn} nodes in the picture and {len(arch.listed)} listed under it: plumbing "
        f"(aliases, route tables, attachments, ingress rules, security and subnet groups, services' roles{alerting}) "
        "is folded into what it serves. The picture is the network, the traffic its security groups allow, and "
        "the data with who may write or read it; its legend is at the bottom.",
        "",
        "```mermaid",
        *mermaid(arch),
        "```",
        "",
        *([f"<details><summary>Keys, logs and alerting: {len(arch.listed)} nodes listed, not drawn (no edge joins "
           "them)</summary>", "", *listed, "", "</details>", ""] if arch.listed else []),
        f"<details><summary>Every resource, where it is drawn, and what it refers to ({len(resources)})</summary>",
        "",
        *rows,
        "",
        "</details>",
        "",
        f"## Outputs ({len(outputs)})",
        "",
        *table,
        "",
    ])  # fmt: skip


def _code(value: Any) -> str:
    """A value as a reviewer reads it: ``Ref X``, ``X.Attribute``, a Sub's text, else its JSON."""
    return f"`{shown(value)}`"
