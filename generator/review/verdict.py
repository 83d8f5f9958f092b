"""What is at stake for a resource, in words: what becomes of the data of a stateful resource that is replaced
or removed, and an output's export name.

Pure functions over the plan's data; every format (table, comment, JSON) shows these notes as they are, so that
a reviewer reads the same sentence wherever they look. (The notes on a whole plan, what the deploy must be told
and which exports change, are :func:`generator.review.model.plan_notes`: the model imports nothing of this
module, which imports the model.)
"""

from __future__ import annotations

import re

from generator.review.model import WARNING, Note, ResourceChange

# What a stateful type holds that a replacement or removal loses, and what its replacement is.
HOLDS = {
    "AWS::RDS::DBCluster": ("its databases", "the new cluster starts empty"),
    "AWS::ElastiCache::ReplicationGroup": ("its cached data", "the new group starts empty"),
    "AWS::KMS::Key": ("the key (what it encrypted cannot be decrypted without it)", "the new key is another key"),
    "AWS::Kinesis::Stream": ("its records", "the new stream starts empty"),
    "AWS::SecretsManager::Secret": ("the stored value", "the new secret gets a new value"),
    "AWS::Logs::LogGroup": ("its log events", "the new group starts empty"),
}
# An Aurora instance holds no data of its own: the cluster's storage does.
IN_CLUSTER = "the old instance is deleted (the data lives in the cluster's storage)"
DEFAULT_HOLDS = ("its data", "the new one starts empty")


def fate(change: ResourceChange, old: dict) -> Note | None:
    """What happens to the data of a stateful resource at stake, from the base template's policy."""
    if not change.dangerous or change.policy is None:
        return None
    attribute, value = change.policy
    holds, new = HOLDS.get(change.type, DEFAULT_HOLDS)
    if change.type == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in old.get("Properties", {}):
        if change.action == "remove":  # one instance fewer: the cluster serves from the others, if any
            return Note(WARNING, f"{change.logical_id} is removed: it is deleted (the data lives in the cluster's "
                                 "storage); the cluster has one instance fewer")  # fmt: skip
        done = "is replaced" if change.replaces else "may be replaced"
        return Note(WARNING, f"{change.logical_id} {done}: {IN_CLUSTER}; a new one joins the cluster")
    if change.action == "remove":
        done, after = "is removed", ""
    else:
        done, after = ("is replaced" if change.replaces else "may be replaced"), f"; {new}"
    policy = f"{attribute} {value}" if value else f"no {attribute} (CloudFormation's default: mostly Delete)"
    what = {
        "Delete": f"the old one is deleted with {holds}, no snapshot",
        "Snapshot": f"a final snapshot of the old one is kept ({holds}: restore it by hand)",
        "Retain": f"the old one is kept, outside the stack, with {holds} (delete it by hand when done)",
    }.get(value or "Delete", f"the old one is deleted with {holds}")
    if change.action == "remove":
        what = what.replace("the old one", "it")
    return Note(WARNING, f"{change.logical_id} {done}: {policy}: {what}{after}")


def export_name(output: dict | None, stack: str | None, region: str | None) -> str | None:
    """An output's export name, with ``${AWS::StackName}`` and ``${AWS::Region}`` filled in where known."""
    name = ((output or {}).get("Export") or {}).get("Name")
    if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
        name = name["Fn::Sub"]
        for variable, value in (("AWS::StackName", stack), ("AWS::Region", region)):
            if value:
                name = name.replace(f"${{{variable}}}", value)
    if isinstance(name, str):
        return name
    return None if name is None else re.sub(r"\s+", " ", str(name))
