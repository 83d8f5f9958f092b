"""Who may use what: the IAM principals a stack defines and the data their permissions let move.

A principal is a managed policy left for the users' own roles (attached to nothing in the stack), or
a role that people or another account assume (its trust names an AWS or federated principal; a role
only a service assumes is plumbing, folded into what uses it). Each ``Allow`` statement naming a
drawn resource is an edge, in the direction its data moves: a writer's arrow points into the store
("writes"), a reader's out of it ("read by"); ``rds-db:connect`` is a login, a line without a head
from the cluster to the policy ("login iot_writer"). A rotation function writes its secret
("rotates"). Statements on keys are left out: a store's label names its key.
"""

from __future__ import annotations

import json
import re

from generator.cfn import references

# An action's verb (the part after "service:"), by its first word: what moves data. Describe and List read
# only metadata: no edge. A wildcard ("kinesis:*", "*") is both.
READS = ("Get", "Subscribe", "Receive", "Query", "Scan", "Select", "Download", "BatchGet")
WRITES = ("Put", "Update", "Rotate", "Send", "Publish", "Write", "Upload", "BatchWrite", "Restore")
LOGINS = ("rds-db:connect",)  # RDS user guide, "Creating and using an IAM policy for IAM database access"
POLICY_TYPES = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
ATTACHED_TO = ("Roles", "Users", "Groups")  # a policy attached to a role of the stack is folded into that role


def is_principal(resource: dict) -> bool:
    """Whether ``resource`` is drawn as someone who may act: a policy attached to nothing in the stack,
    or a role that is not only a service's."""
    props = resource.get("Properties", {})
    if resource["Type"] in POLICY_TYPES:
        return not any(list(references(props.get(key, []))) for key in ATTACHED_TO)
    if resource["Type"] != "AWS::IAM::Role":
        return False
    trust = (props.get("AssumeRolePolicyDocument") or {}).get("Statement", [])
    return any(isinstance(s.get("Principal"), dict) and ({"AWS", "Federated"} & set(s["Principal"]))
               for s in _listed(trust) if s.get("Effect") == "Allow")  # fmt: skip


def verbs(actions: list[str]) -> list[str]:
    """``["writes", "reads"]``, ``["login"]`` or fewer: what ``actions`` let their holder do with data."""
    found = []
    for action in actions:
        name = action.split(":", 1)[-1]
        if action in LOGINS:
            found.append("login")
        if name == "*" or name.startswith(WRITES):
            found.append("writes")
        if name == "*" or name.startswith(READS):
            found.append("reads")
    return [v for v in ("writes", "reads", "login") if v in found]


def grants(resource: dict) -> list[tuple[str, str, str]]:
    """``(verb, logical id, login user)`` for each Allow statement of ``resource``'s policy documents
    that names a resource of the stack; the user is the last part of an ``rds-db`` ARN ("" otherwise)."""
    props = resource.get("Properties", {})
    documents = [props.get("PolicyDocument")] + [p.get("PolicyDocument") for p in _listed(props.get("Policies"))]
    found = []
    for document in filter(None, documents):
        for statement in _listed(document.get("Statement")):
            if statement.get("Effect") != "Allow":
                continue
            named = sorted({t for _, t in references(statement.get("Resource"))})
            for verb in verbs([str(a) for a in _listed(statement.get("Action"))]):
                found += [(verb, t, _user(statement.get("Resource")) if verb == "login" else "") for t in named]
    return found


def access(res: dict, owners: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """``(source, target, label, kind)`` of each edge, ``kind`` being ``data`` or ``login``, between the
    nodes that show the principal and the resource (``owners``); keys left out, each edge once."""
    found: dict[tuple[str, str, str, str], None] = {}
    for k in sorted(k for k, r in res.items() if is_principal(r)):
        who = owners.get(k, k)
        for verb, target, user in grants(res[k]):
            what = owners.get(target, target)
            if target not in res or what == who or res[target]["Type"] == "AWS::KMS::Key":
                continue
            edge = {"writes": (who, what, "writes", "data"), "reads": (what, who, "read by", "data")}.get(verb)
            found[edge or (what, who, f"login {user}".strip(), "login")] = None
    for schedule, secret in rotations(res):
        if (a := owners.get(schedule, schedule)) != (b := owners.get(secret, secret)):
            found[(a, b, "rotates", "data")] = None
    return list(found)


def rotations(res: dict) -> list[tuple[str, str]]:
    """``(rotation schedule, secret)``: a rotation function writes the secret it rotates."""
    return sorted((k, t) for k, r in res.items() if r["Type"] == "AWS::SecretsManager::RotationSchedule"
                  for _, t in references(r.get("Properties", {}).get("SecretId")))  # fmt: skip


def _listed(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def _user(value) -> str:
    """``iot_writer`` of ``arn:...:dbuser:${Cluster}/iot_writer`` (a text or a Sub's)."""
    found = re.search(r'dbuser:[^"]*/([\w*.@-]+)', json.dumps(value))
    return found[1] if found else ""
