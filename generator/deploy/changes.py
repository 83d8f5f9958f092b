"""The rules a change set is made and judged by: its name and tags, the stateful guard, the stack policy."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from awacs.aws import Action, Allow, Condition, Deny, PolicyDocument, Principal, Statement, StringEquals

from generator import __version__
from generator.aws.views import ResourceChange
from generator.cfn import STATEFUL_TYPES

VERSION_TAG = "iotstack:version"
TEMPLATE_TAG = "iotstack:template-sha256"


def change_set_name(sha: str, now: float | None = None) -> str:
    """``iotstack-0-1-0-<sha>-<UTC time to the millisecond>``: version and template at a glance, unique
    per attempt (a stack's change sets need distinct names)."""
    now = time.time() if now is None else now
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}"
    version = re.sub(r"[^A-Za-z0-9]+", "-", __version__)  # names allow letters, digits and hyphens only
    return f"iotstack-{version}-{sha}-{stamp}"


def stack_tags(sha: str) -> list[dict]:
    """The tags that tell ``status`` what is deployed: iotstack's version and the template's hash."""
    return [{"Key": VERSION_TAG, "Value": __version__}, {"Key": TEMPLATE_TAG, "Value": sha}]


def description(file_name: str, sha: str) -> str:
    """The change set's description; :attr:`ChangeSet.template_sha` reads the hash back."""
    return f"iotstack {__version__}: {file_name} sha256 {sha}"


@dataclass(frozen=True)
class Verdict:
    """The stateful guard's verdict on a change set."""

    refused: tuple[ResourceChange, ...]  # replace or remove a stateful resource nobody allowed
    allowed: tuple[ResourceChange, ...]  # the same, named with --allow-replace
    unused: tuple[str, ...]  # --allow-replace names this change set does not replace or remove


def guard(changes: Iterable[ResourceChange], allow: Iterable[str]) -> Verdict:
    """Split the changes that replace (``True`` or ``Conditional``) or remove a stateful resource."""
    allow = set(allow)
    risky = [c for c in changes if c.stateful and (c.removes or c.may_replace)]
    refused = tuple(c for c in risky if c.logical_id not in allow)
    allowed = tuple(c for c in risky if c.logical_id in allow)
    return Verdict(refused, allowed, tuple(sorted(allow - {c.logical_id for c in allowed})))


def stack_policy(allow: Iterable[str] = ()) -> str:
    """The stack policy: any update, but no replacement or deletion of a stateful resource.

    ``allow`` names the logical ids whose replacement was allowed for one deploy.
    """
    allowed = sorted(allow)
    where = {"NotResource": [f"LogicalResourceId/{i}" for i in allowed]} if allowed else {"Resource": ["*"]}
    policy = PolicyDocument(
        Statement=[
            Statement(Effect=Allow, Principal=Principal("*"), Action=[Action("Update", "*")], Resource=["*"]),
            Statement(
                Effect=Deny,
                Principal=Principal("*"),
                Action=[Action("Update", "Replace"), Action("Update", "Delete")],
                Condition=Condition(StringEquals({"ResourceType": sorted(STATEFUL_TYPES)})),
                **where,
            ),
        ]
    )
    return policy.to_json(indent=None)


# A stack policy cannot be removed, only replaced: this one lets every update through.
ALLOW_ALL_UPDATES = json.dumps({"Statement": [{"Action": "Update:*", "Effect": "Allow", "Principal": "*",
                                              "Resource": "*"}]}, sort_keys=True)  # fmt: skip
