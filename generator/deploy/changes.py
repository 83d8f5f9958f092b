"""The rules a change set is made and judged by: its name and tags, the stateful guard, the stack policy."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from awacs.aws import Action, Allow, Condition, Deny, PolicyDocument, Principal, Statement, StringEquals

from generator import __version__
from generator.aws.views import ResourceChange, Stack
from generator.bootstrap import NAME as BOOTSTRAP_NAME
from generator.cfn import STATEFUL_TYPES
from generator.errors import UsageError

VERSION_TAG = "iotstack:version"
TEMPLATE_TAG = "iotstack:template-sha256"
OWNER_TAG = "iotstack:environment"  # whose stack it is: an environment's name, or "bootstrap"


def change_set_name(sha: str, now: float | None = None) -> str:
    """``iotstack-0-1-0-<sha>-<UTC time to the millisecond>``: version and template at a glance, unique
    per attempt (a stack's change sets need distinct names)."""
    now = time.time() if now is None else now
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}"
    version = re.sub(r"[^A-Za-z0-9]+", "-", __version__)  # names allow letters, digits and hyphens only
    return f"iotstack-{version}-{sha}-{stamp}"


def stack_tags(sha: str, owner: str, existing: Mapping[str, str] | None = None) -> list[dict]:
    """The stack's tags: iotstack's own (its version and the template's hash, which tell ``status``
    what is deployed, and the ``owner``: the environment, or "bootstrap") and every tag someone else
    put on the stack (a change set's Tags replace them all, so those are carried over, never dropped)."""
    others = {k: v for k, v in (existing or {}).items() if not k.startswith("iotstack:")}
    tags = {**others, VERSION_TAG: __version__, TEMPLATE_TAG: sha, OWNER_TAG: owner}
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def owner_of(stack: Stack) -> str | None:
    """Whose stack ``stack`` is by iotstack's own marks: the environment its tag names, or "bootstrap"
    for a bootstrap stack deployed before the tag (its outputs tell); None when nothing says."""
    if OWNER_TAG in stack.tags:
        return stack.tags[OWNER_TAG]
    return BOOTSTRAP_NAME if "BootstrapVersion" in stack.outputs and "BucketName" in stack.outputs else None


# CloudFormation takes at most this many notification topics per stack.
MAX_NOTIFICATION_ARNS = 5


def notification_arns(existing: Iterable[str], configured: Iterable[str]) -> list[str]:
    """The stack's SNS topics: those it has (an operator's wiring is never removed) and the file's.
    More than CloudFormation takes is refused here, before anything is created."""
    topics = sorted(set(existing) | set(configured))
    if len(topics) > MAX_NOTIFICATION_ARNS:
        raise UsageError(f"the stack would have {len(topics)} notification topics ({', '.join(topics)}): "
                         f"CloudFormation takes at most {MAX_NOTIFICATION_ARNS}; iotstack keeps those the stack "
                         "has, so remove one from the stack or from deploy.notification_arns")  # fmt: skip
    return topics


def description(file_name: str, sha: str) -> str:
    """The change set's description; :attr:`ChangeSet.template_sha` reads the hash back."""
    return f"iotstack {__version__}: {file_name} sha256 {sha}"


@dataclass(frozen=True)
class Risk:
    """A stateful resource a deploy would replace or remove, and who saw it (one line per eye)."""

    logical_id: str
    resource_type: str
    removes: bool
    seen_by: tuple[str, ...]


@dataclass(frozen=True)
class Predicted:
    """What iotstack's own offline plan predicts for one resource (the second eye)."""

    logical_id: str
    resource_type: str
    removes: bool
    why: str  # e.g. "DBClusterIdentifier is create-only"


@dataclass(frozen=True)
class Verdict:
    """The stateful guard's verdict on a change set."""

    refused: tuple[Risk, ...]  # replace or remove a stateful resource nobody allowed
    allowed: tuple[Risk, ...]  # the same, named with --allow-replace
    unused: tuple[str, ...]  # --allow-replace names nothing here replaces or removes


def guard(changes: Iterable[ResourceChange], allow: Iterable[str], predicted: Iterable[Predicted] = ()) -> Verdict:
    """The stateful resources this deploy would replace or remove, split by ``allow``.

    Two independent eyes, either enough: the change set (``Replacement`` ``True`` or ``Conditional``,
    or a ``Remove``) and iotstack's own plan of the deployed template against the one being deployed
    (``predicted``: a certain replacement or a removal; its "may replace" cases are left to the change
    set's ``Conditional``, so that routine changes are not refused).
    """
    seen: dict[str, Risk] = {}

    def add(logical_id: str, resource_type: str, removes: bool, eye: str) -> None:
        before = seen.get(logical_id)
        eyes = (*before.seen_by, eye) if before else (eye,)
        seen[logical_id] = Risk(logical_id, resource_type, removes or bool(before and before.removes), eyes)

    for change in changes:
        if change.stateful and (change.removes or change.may_replace):
            eye = "Remove" if change.removes else f"Replacement: {change.replacement}"
            add(change.logical_id, change.resource_type, change.removes, f"the change set says {eye}")
    for risk in predicted:
        if risk.resource_type in STATEFUL_TYPES:
            add(risk.logical_id, risk.resource_type, risk.removes, f"iotstack's plan predicts it ({risk.why})")
    allow = set(allow)
    risks = [seen[k] for k in sorted(seen)]
    refused = tuple(r for r in risks if r.logical_id not in allow)
    allowed = tuple(r for r in risks if r.logical_id in allow)
    return Verdict(refused, allowed, tuple(sorted(allow - {r.logical_id for r in allowed})))


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


def lifted_for(body: str | None) -> tuple[str, ...]:
    """The logical ids whose replacement a stack policy lifted by iotstack for one deploy allows; () when
    ``body`` is not such a policy (a deploy restores it when it ends, whatever ends it, unless killed)."""
    try:
        statements = json.loads(body or "{}").get("Statement", [])
        denied = next(s for s in statements if isinstance(s, dict) and s.get("Effect") == "Deny")
        allowed = [str(r).removeprefix("LogicalResourceId/") for r in denied.get("NotResource", [])]
    except (ValueError, AttributeError, StopIteration):
        return ()
    return tuple(allowed) if allowed and body == stack_policy(allow=allowed) else ()


# A stack policy cannot be removed, only replaced: this one lets every update through.
ALLOW_ALL_UPDATES = json.dumps({"Statement": [{"Action": "Update:*", "Effect": "Allow", "Principal": "*",
                                              "Resource": "*"}]}, sort_keys=True)  # fmt: skip
