"""``iotstack deploy``: ship the committed, reviewed template through a change set, safely.

The order of one deploy, each step refusing with a reason rather than going on half-way:

1. the committed ``templates/<env>.json`` must be what the code generates now and lint-clean;
2. the stack must be ready: not busy, not stuck (``ROLLBACK_COMPLETE`` is deleted only with
   ``--replace-failed-stack``; ``UPDATE_ROLLBACK_FAILED`` needs ``iotstack recover``);
3. a change set is made (CREATE for a new stack, UPDATE otherwise), named after the version and
   template hash, which the stack's tags carry too; a change set without changes means "nothing to
   do" and is deleted;
4. the changes are shown; the stateful guard refuses (exit 3) to replace or remove a database,
   cache, key, stream, secret or log group unless each is named with ``--allow-replace``;
5. after confirmation the change set runs; its events are followed to the end; on failure the root
   cause and the next step are printed; on success the outputs are written to ``outputs/<env>.json``.

``execute``, ``status``, ``destroy`` and ``recover`` reuse these steps. Every AWS call goes
through :class:`generator.aws.Cloud`.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from awacs.aws import Action, Allow, Condition, Deny, PolicyDocument, Principal, Statement, StringEquals

from generator import __version__, generate
from generator.aws import AwsError, Cloud
from generator.config import Environment
from generator.console import Console, table
from generator.errors import GuardRefusal, IotstackError, LintError, UsageError
from generator.events import STACK_TYPE, Outcome, follow, latest_event_id
from generator.lint import default_cache_dir, lint_templates
from generator.render import render, write_atomic
from generator.stack import build_template
from generator.stack.common import STATEFUL_TYPES

VERSION_TAG = "iotstack:version"
TEMPLATE_TAG = "iotstack:template-sha256"
# CloudFormation computes a change set in seconds to a few minutes.
CHANGE_SET_TIMEOUT_MINUTES = 10
# How CloudFormation says a change set has nothing to do (CreateChangeSet, and UpdateStack's wording).
NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
SUCCESS = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE"}
# The capabilities a transform needs: the SAM and Secrets Manager transforms add IAM roles.
TRANSFORM_CAPABILITIES = {
    "AWS::Serverless-2016-10-31": {"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"},
    "AWS::SecretsManager-2020-07-23": {"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"},
}
NAMED_IAM_PROPERTIES = ("RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName")


@dataclass(frozen=True)
class Options:
    """What the command line asked for."""

    assume_yes: bool = False
    execute: bool = True
    allow_replace: tuple[str, ...] = ()
    replace_failed_stack: bool = False
    wait_if_busy: bool = False
    timeout_minutes: int | None = None  # None: the environment's deploy.timeout_minutes
    poll_seconds: float = 5.0
    templates_dir: Path = Path("templates")
    outputs_dir: Path = Path("outputs")
    cache_dir: Path | None = None

    def timeout(self, env: Environment) -> int:
        return self.timeout_minutes or env.deploy.timeout_minutes


@dataclass(frozen=True)
class Committed:
    """The committed template of an environment."""

    path: Path
    text: str

    @cached_property
    def body(self) -> dict:
        return json.loads(self.text)

    @cached_property
    def sha(self) -> str:
        """A short hash of the bytes: in the change set's name and the stack's tags."""
        return hashlib.sha256(self.text.encode()).hexdigest()[:12]

    @property
    def size(self) -> int:
        return len(self.text.encode())


# --- the commands -----------------------------------------------------------------------------


def deploy(env: Environment, cloud: Cloud, console: Console, options: Options) -> None:
    """Deploy ``env``'s committed template (see the module's docstring for the steps)."""
    template = committed_template(env, options)
    if options.execute and not options.assume_yes and not console.interactive:
        raise UsageError("deploying needs a confirmation, and there is no terminal to ask on: pass --yes to "
                         "deploy without asking, or --no-execute to leave the change set for review")  # fmt: skip
    _check_inline_or_bucket(env, template)
    stack = _ready_stack(env, cloud, console, options)
    change_set_type = "CREATE" if stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS" else "UPDATE"
    name = change_set_name(template)
    console.say(f"Creating change set {name} ({change_set_type}) for stack {env.stack_name} in {env.region}")
    cloud.create_change_set(
        StackName=env.stack_name,
        ChangeSetName=name,
        ChangeSetType=change_set_type,
        Capabilities=capabilities(template.body),
        Tags=[{"Key": VERSION_TAG, "Value": __version__}, {"Key": TEMPLATE_TAG, "Value": template.sha}],
        Description=f"iotstack {__version__}: {template.path.name} sha256 {template.sha}",
        **_template_source(env, cloud, template),
    )

    def abandon() -> None:
        """Delete what this run made and did not run: the change set, and the empty stack of a CREATE."""
        cloud.delete_change_set(env.stack_name, name)
        if stack is None:
            cloud.delete_stack(env.stack_name)  # still REVIEW_IN_PROGRESS: it holds no resources

    change_set = _wait_for_change_set(cloud, env.stack_name, name, options, abandon)
    if change_set is None:
        console.say(f"No changes: stack {env.stack_name} already runs {template.path} (sha256 {template.sha}). "
                    "The empty change set was deleted.")  # fmt: skip
        _finish(env, cloud, console, options, stack["StackId"])  # settings outside the template may have changed
        return
    _review_and_run(env, change_set, cloud, console, options, abandon)


def execute(env: Environment, name: str, cloud: Cloud, console: Console, options: Options) -> None:
    """Run a change set left by ``deploy --no-execute``, if it is still the one to run."""
    template = committed_template(env, options)
    if cloud.stack(env.stack_name) is None:
        raise UsageError(f"stack {env.stack_name} does not exist in {env.region}")
    try:
        change_set = cloud.change_set(env.stack_name, name)
    except AwsError as exc:
        if exc.code != "ChangeSetNotFound":
            raise
        raise UsageError(f"no change set {name} on stack {env.stack_name}: {exc}") from None
    if change_set.get("ExecutionStatus") != "AVAILABLE":
        raise IotstackError(f"change set {name} is {change_set.get('ExecutionStatus')} "
                            f"({change_set.get('StatusReason') or change_set.get('Status')}); only an AVAILABLE "
                            "change set can run: make a new one with `iotstack deploy`")  # fmt: skip
    made_from = (re.search(r"sha256 ([0-9a-f]{12})$", change_set.get("Description") or "") or [None, None])[1]
    if made_from != template.sha:
        raise IotstackError(f"change set {name} was made from template sha256 {made_from}, but {template.path} "
                            f"is now sha256 {template.sha}: make a new change set with `iotstack deploy`")  # fmt: skip
    _review_and_run(env, change_set, cloud, console, options, abandon=None)


def status(env: Environment, cloud: Cloud, options: Options) -> str:
    """What is deployed: status, version and template hash against the committed one, outputs."""
    stack = cloud.stack(env.stack_name)
    if stack is None:
        return f"Stack {env.stack_name} does not exist in {env.region}: not deployed."
    tags = {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    path = options.templates_dir / f"{env.name}.json"
    local = Committed(path, path.read_text(encoding="utf-8")).sha if path.is_file() else None
    deployed = tags.get(TEMPLATE_TAG)
    running = stack["StackStatus"] in SUCCESS | {"UPDATE_ROLLBACK_COMPLETE"}
    if not running:
        verdict = f"not running: the stack is {stack['StackStatus']}"
    elif deployed and deployed == local:
        verdict = f"the same as {path}"
    else:
        verdict = f"differs from {path} ({local or 'missing'}): `iotstack deploy --env {env.name}` updates it"
    last = next((e for e in cloud.events(stack["StackId"]) if e.get("ResourceType") == STACK_TYPE), None)
    reason = f" ({stack['StackStatusReason']})" if stack.get("StackStatusReason") else ""
    lines = [
        f"stack        {env.stack_name} in {env.region}",
        f"status       {stack['StackStatus']}{reason}",
        f"deployed     iotstack {tags.get(VERSION_TAG, 'unknown')}, template sha256 {deployed or 'unknown'}: {verdict}",
        f"last change  {_when(last)}",
        f"termination  protection {'on' if stack.get('EnableTerminationProtection') else 'off'}",
    ]
    return "\n".join(lines) + "\n" + _outputs_table(stack)


def destroy(env: Environment, cloud: Cloud, console: Console, options: Options) -> None:
    """Delete the stack after confirmation; refused while termination or deletion protection is on."""
    stack = cloud.stack(env.stack_name)
    if stack is None:
        console.say(f"Stack {env.stack_name} does not exist in {env.region}: nothing to destroy.")
        return
    if stack.get("EnableTerminationProtection"):
        raise IotstackError(f"stack {env.stack_name} has termination protection on: set deploy.termination_protection"
                            f" = false in {env.name}.toml and deploy, then destroy")  # fmt: skip
    body = _as_dict(cloud.template(stack["StackId"]))
    resources = body.get("Resources", {})
    protected = sorted(i for i, r in resources.items() if r.get("Properties", {}).get("DeletionProtection") is True)
    if protected:
        raise IotstackError(
            f"{', '.join(protected)} of stack {env.stack_name} has deletion protection on: set it off in "
            f"{env.name}.toml (aurora.deletion_protection = false) and deploy, then destroy"
        )
    kept = sorted(f"{i} ({r['DeletionPolicy']})" for i, r in resources.items()
                  if r.get("DeletionPolicy") in ("Retain", "Snapshot", "RetainExceptOnCreate"))  # fmt: skip
    if kept:
        console.say("Kept after the stack is deleted (their DeletionPolicy): " + ", ".join(kept))
    if not console.confirm(f"Delete stack {env.stack_name} in {env.region} and its {len(resources)} resources?",
                           options.assume_yes):  # fmt: skip
        raise IotstackError("not destroyed: declined")
    after = latest_event_id(cloud, stack["StackId"])
    cloud.delete_stack(stack["StackId"])
    outcome = follow(
        cloud, stack["StackId"], after, len(resources), console, options.timeout(env), options.poll_seconds
    )
    if outcome.status != "DELETE_COMPLETE":
        raise IotstackError(failure_report(env, "destroy", outcome))
    (options.outputs_dir / f"{env.name}.json").unlink(missing_ok=True)
    console.say(f"Stack {env.stack_name} deleted.")


def recover(env: Environment, cloud: Cloud, console: Console, options: Options, skip: tuple[str, ...] = ()) -> None:
    """Continue the rollback of a stack stuck in UPDATE_ROLLBACK_FAILED, skipping ``skip`` if named."""
    stack = cloud.stack(env.stack_name)
    if stack is None or stack["StackStatus"] != "UPDATE_ROLLBACK_FAILED":
        found = stack["StackStatus"] if stack else "not deployed"
        raise UsageError(f"recover continues a failed rollback; stack {env.stack_name} is {found}, "
                         "not UPDATE_ROLLBACK_FAILED")  # fmt: skip
    after = latest_event_id(cloud, stack["StackId"])
    cloud.continue_update_rollback(stack["StackId"], skip)
    outcome = follow(cloud, stack["StackId"], after, 0, console, options.timeout(env), options.poll_seconds)
    if outcome.status != "UPDATE_ROLLBACK_COMPLETE":
        raise IotstackError(failure_report(env, "recover", outcome))
    console.say(f"Stack {env.stack_name} rolled back to its last working template (UPDATE_ROLLBACK_COMPLETE); "
                "fix the cause and deploy again.")  # fmt: skip


# --- the steps --------------------------------------------------------------------------------


def committed_template(env: Environment, options: Options) -> Committed:
    """The committed template, refused when stale (the code makes another) or not lint-clean."""
    path = options.templates_dir / f"{env.name}.json"
    if not path.is_file():
        raise UsageError(f"{path} does not exist: run `make template` and commit it")
    committed = Committed(path, path.read_text(encoding="utf-8"))
    if committed.text != render(build_template(env)):
        raise UsageError(f"{path} is stale: the code now generates a different template. Run `make template`, "
                         "review and commit the change, then deploy")  # fmt: skip
    findings = lint_templates({env.name: (committed.text, env.region)}, options.cache_dir or default_cache_dir())
    if findings[env.name]:
        shown = "\n".join(f"  {f}" for f in findings[env.name])
        raise LintError(f"{path} has cfn-lint findings; not deployed:\n{shown}")
    return committed


def change_set_name(template: Committed) -> str:
    """``iotstack-0-1-0-<sha>-<UTC time to the millisecond>``: version and template at a glance, unique
    per attempt (a stack's change sets need distinct names)."""
    now = time.time()
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now)) + f"{int(now * 1000) % 1000:03d}"
    version = re.sub(r"[^A-Za-z0-9]+", "-", __version__)  # names allow letters, digits and hyphens only
    return f"iotstack-{version}-{template.sha}-{stamp}"


def capabilities(body: dict) -> list[str]:
    """The capabilities the template needs, and no more."""
    needed: set[str] = set()
    transforms = body.get("Transform", [])
    for transform in [transforms] if isinstance(transforms, str) else transforms:
        needed |= TRANSFORM_CAPABILITIES.get(transform, {"CAPABILITY_AUTO_EXPAND"})
    for resource in body.get("Resources", {}).values():
        if resource["Type"].startswith("AWS::IAM::"):
            named = any(p in resource.get("Properties", {}) for p in NAMED_IAM_PROPERTIES)
            needed.add("CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM")
    return sorted(needed)


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


def guard(changes: list[dict], allowed: Iterable[str]) -> tuple[list[dict], list[dict]]:
    """Split the changes that replace or remove a stateful resource into (refused, allowed)."""
    allowed = set(allowed)
    refused, lifted = [], []
    for change in _resource_changes(changes):
        risky = change["Action"] == "Remove" or change.get("Replacement") in ("True", "Conditional")
        if risky and change["ResourceType"] in STATEFUL_TYPES:
            (lifted if change["LogicalResourceId"] in allowed else refused).append(change)
    return refused, lifted


def change_table(changes: list[dict]) -> str:
    """The changes as a table: action, logical id, type, replacement, policy action, changed paths."""
    rows = [("action", "logical id", "type", "replacement", "policy", "changed")]
    for change in _resource_changes(changes):
        paths = sorted({_target_path(d.get("Target", {})) for d in change.get("Details", [])} - {""})
        replacement, policy = change.get("Replacement") or "-", change.get("PolicyAction") or "-"
        rows.append((change["Action"], change["LogicalResourceId"], change["ResourceType"], replacement, policy,
                     ", ".join(paths)))  # fmt: skip
    return table(rows)


def failure_report(env: Environment, operation: str, outcome: Outcome) -> str:
    """Why the operation failed (the root causes, not the cascade), where the stack is, what next."""
    lines = [f"{operation} of stack {env.stack_name} failed; the stack is {outcome.status}"]
    for event in outcome.root_causes:
        lines.append(f"  {event['LogicalResourceId']} ({event.get('ResourceType')}) {event['ResourceStatus']}: "
                     f"{event.get('ResourceStatusReason', 'no reason given')}")  # fmt: skip
    if not outcome.root_causes and outcome.reason:
        lines.append(f"  {outcome.reason}")  # a stack-level cause: an export in use, a stack policy, ...
    lines.append("next: " + _NEXT_STEP.get(outcome.status, _NEXT_STEP[None]).format(env=env.name))
    return "\n".join(lines)


_NEXT_STEP = {
    "ROLLBACK_COMPLETE": "the new stack was rolled back and cannot be updated; fix the cause, then "
    "`iotstack deploy --env {env} --replace-failed-stack` deletes it and creates it again",
    "ROLLBACK_FAILED": "the rollback of the new stack failed too; fix the cause above, then "
    "`iotstack destroy --env {env}`",
    "UPDATE_ROLLBACK_COMPLETE": "the update was rolled back and the stack runs its previous template; "
    "fix the cause and deploy again",
    "UPDATE_ROLLBACK_FAILED": "the rollback failed too and the stack cannot be updated; `iotstack recover --env {env}` "
    "continues the rollback (add --skip LOGICAL_ID for a resource that cannot roll back)",
    "DELETE_FAILED": "some resources could not be deleted; fix the cause above, then `iotstack destroy --env {env}`",
    None: "look at the stack's events with `iotstack status --env {env}` or in the CloudFormation console",
}


def _check_inline_or_bucket(env: Environment, template: Committed) -> None:
    if template.size > generate.INLINE_TEMPLATE_LIMIT and not env.deploy.template_bucket:
        raise UsageError(f"{template.path} is {template.size:,} bytes, over CloudFormation's "
                         f"{generate.INLINE_TEMPLATE_LIMIT:,}-byte limit for a template sent inline: set "
                         f'deploy.template_bucket = "<bucket>" in {env.name}.toml to an S3 bucket in '
                         f"{env.region} that iotstack may write to")  # fmt: skip


def _template_source(env: Environment, cloud: Cloud, template: Committed) -> dict:
    """``TemplateBody`` when the template fits inline, else ``TemplateURL`` after uploading it."""
    if template.size <= generate.INLINE_TEMPLATE_LIMIT:
        return {"TemplateBody": template.text}
    key = f"iotstack/{env.stack_name}/{template.sha}.json"
    return {"TemplateURL": cloud.upload_template(env.deploy.template_bucket, key, template.text.encode(), env.region)}


def _ready_stack(env: Environment, cloud: Cloud, console: Console, options: Options) -> dict | None:
    """The stack if it can take a change set; None if it must be created. Refuse otherwise."""
    stack = cloud.stack(env.stack_name)
    if stack is None:
        return None
    state = stack["StackStatus"]
    if state.endswith("_IN_PROGRESS") and state != "REVIEW_IN_PROGRESS":
        if not options.wait_if_busy:
            raise IotstackError(f"stack {env.stack_name} is busy ({state}): another operation is running, and "
                                "iotstack never interleaves. Try again when it ends, or pass --wait")  # fmt: skip
        console.say(f"Stack {env.stack_name} is {state}; waiting for that operation to end")
        after = latest_event_id(cloud, stack["StackId"])
        follow(cloud, stack["StackId"], after, 0, console, options.timeout(env), options.poll_seconds,
               started_here=False)  # fmt: skip
        return _ready_stack(env, cloud, console, options)
    if state == "ROLLBACK_COMPLETE":
        if not options.replace_failed_stack:
            raise IotstackError(f"stack {env.stack_name} is ROLLBACK_COMPLETE: its creation failed and CloudFormation"
                                f" cannot update it. `iotstack deploy --env {env.name} --replace-failed-stack` deletes"
                                " it and creates it again")  # fmt: skip
        question = f"Delete the failed stack {env.stack_name} (ROLLBACK_COMPLETE) and create it again?"
        if not console.confirm(question, options.assume_yes):
            raise IotstackError("not deployed: declined")
        after = latest_event_id(cloud, stack["StackId"])
        cloud.delete_stack(stack["StackId"])
        outcome = follow(cloud, stack["StackId"], after, 0, console, options.timeout(env), options.poll_seconds)
        if outcome.status != "DELETE_COMPLETE":
            raise IotstackError(failure_report(env, "deleting the failed stack", outcome))
        return None
    if state in _STUCK:
        raise IotstackError(
            f"stack {env.stack_name} is {state} and cannot be updated: " + _STUCK[state].format(env=env.name)
        )
    return stack


_STUCK = {
    "UPDATE_ROLLBACK_FAILED": "`iotstack recover --env {env}` continues the rollback first",
    "ROLLBACK_FAILED": "`iotstack destroy --env {env}` deletes it, then deploy again",
    "DELETE_FAILED": "`iotstack destroy --env {env}` finishes deleting it, then deploy again",
}


def _wait_for_change_set(cloud: Cloud, stack: str, name: str, options: Options, abandon) -> dict | None:
    """The change set once computed; None (and the change set deleted) if it has nothing to do."""
    deadline = time.monotonic() + CHANGE_SET_TIMEOUT_MINUTES * 60
    while True:
        change_set = cloud.change_set(stack, name)
        if change_set["Status"] == "CREATE_COMPLETE":
            return change_set
        if change_set["Status"] == "FAILED":
            reason = change_set.get("StatusReason", "")
            if any(text in reason for text in NO_CHANGES):
                cloud.delete_change_set(stack, name)
                return None
            abandon()
            raise IotstackError(f"change set {name} failed (and was deleted): {reason}")
        if time.monotonic() > deadline:
            raise IotstackError(
                f"change set {name} is still {change_set['Status']} after {CHANGE_SET_TIMEOUT_MINUTES} min; "
                "look at it in the CloudFormation console"
            )
        time.sleep(options.poll_seconds)


def _review_and_run(
    env: Environment, change_set: dict, cloud: Cloud, console: Console, options: Options, abandon
) -> None:
    """Show the changes, apply the guard, confirm, execute and follow to the end.

    ``abandon`` deletes what ``deploy`` made when it is not run; None for a reviewed change set
    (``execute``), which is left as it is.
    """
    name, stack_id = change_set["ChangeSetName"], change_set["StackId"]
    resource_changes = list(_resource_changes(change_set["Changes"]))
    console.say(change_table(change_set["Changes"]))
    refused, lifted = guard(change_set["Changes"], options.allow_replace)
    for unused in sorted(set(options.allow_replace) - {c["LogicalResourceId"] for c in lifted}):
        console.say(f"note: --allow-replace {unused}: this change set does not replace or remove it")
    if refused:
        if abandon:
            abandon()
        raise GuardRefusal(_refusal(env, refused, deleted=bool(abandon)))
    if not options.execute:
        console.say(f"Change set {name} is ready for review; to run it:\n"
                    f"  iotstack execute --env {env.name} --change-set {name}")  # fmt: skip
        return
    if not console.confirm(
        f"Execute {name} ({len(resource_changes)} changes) on {env.stack_name}?", options.assume_yes
    ):
        if abandon:
            abandon()
        raise IotstackError("not deployed: declined" + ("; the change set was deleted" if abandon else ""))
    stack = cloud.stack(stack_id)
    creating = stack is None or stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    lift = env.deploy.stack_policy and bool(lifted) and not creating
    after = latest_event_id(cloud, stack_id)
    if lift:
        ids = [c["LogicalResourceId"] for c in lifted]
        cloud.set_stack_policy(stack_id, stack_policy(allow=ids))
        console.say(f"Stack policy lifted for this deploy only: {', '.join(sorted(ids))}")
    try:
        cloud.execute_change_set(env.stack_name, name)
        outcome = follow(cloud, stack_id, after, len(resource_changes), console, options.timeout(env),
                         options.poll_seconds)  # fmt: skip
    finally:
        if lift:
            _restore_policy(env, cloud, console, stack_id)
    if outcome.status not in SUCCESS:
        raise IotstackError(failure_report(env, "deploy", outcome))
    console.say(f"Stack {env.stack_name} is {outcome.status}.")
    _finish(env, cloud, console, options, stack_id)


def _restore_policy(env: Environment, cloud: Cloud, console: Console, stack_id: str) -> None:
    try:
        cloud.set_stack_policy(stack_id, stack_policy())
    except IotstackError as exc:
        raise IotstackError(
            f"the stack policy of {env.stack_name} was NOT restored ({exc}): it still allows the replacement; "
            "deploy again (even with nothing to do, that restores it) or set it by hand"
        ) from exc
    console.say("Stack policy restored")


def _finish(env: Environment, cloud: Cloud, console: Console, options: Options, stack_id: str) -> None:
    """Protection as the environment asks; the outputs printed and written to outputs/<env>.json."""
    stack = _protect(env, cloud, stack_id)
    console.say(_outputs_table(stack))
    path = options.outputs_dir / f"{env.name}.json"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    write_atomic(path, json.dumps(outputs, indent=2, sort_keys=True) + "\n")
    console.say(f"Outputs written to {path}")


def _protect(env: Environment, cloud: Cloud, stack_id: str) -> dict:
    """Set termination protection and the stack policy as the environment asks; return the stack."""
    stack = cloud.stack(stack_id)
    if bool(stack.get("EnableTerminationProtection")) != env.deploy.termination_protection:
        cloud.set_termination_protection(stack_id, env.deploy.termination_protection)
    current = cloud.stack_policy(stack_id)
    if env.deploy.stack_policy and current != stack_policy():
        cloud.set_stack_policy(stack_id, stack_policy())
    elif not env.deploy.stack_policy and current:
        cloud.set_stack_policy(stack_id, ALLOW_ALL_UPDATES)  # a stack policy cannot be removed, only replaced
    return cloud.stack(stack_id)


ALLOW_ALL_UPDATES = json.dumps({"Statement": [{"Action": "Update:*", "Effect": "Allow", "Principal": "*",
                                              "Resource": "*"}]}, sort_keys=True)  # fmt: skip


def _refusal(env: Environment, refused: list[dict], deleted: bool) -> str:
    lines = ["refused: this change would replace or remove stateful resources (their data would be lost):"]
    for change in refused:
        what = "removed" if change["Action"] == "Remove" else f"replaced (Replacement: {change['Replacement']})"
        lines.append(f"  {change['LogicalResourceId']} ({change['ResourceType']}) would be {what}")
    allow = " ".join(f"--allow-replace {c['LogicalResourceId']}" for c in refused)
    lines.append(
        f"If that is intended, deploy again with {allow}" + ("; the change set was deleted" if deleted else "")
    )
    return "\n".join(lines)


def _resource_changes(changes: list[dict]) -> Iterable[dict]:
    return (c["ResourceChange"] for c in changes if c.get("Type", "Resource") == "Resource")


def _target_path(target: dict) -> str:
    if target.get("Path"):
        return target["Path"]
    if target.get("Attribute") == "Properties" and target.get("Name"):
        return f"Properties.{target['Name']}"
    return target.get("Attribute", "")


def _outputs_table(stack: dict) -> str:
    outputs = sorted((o["OutputKey"], o["OutputValue"]) for o in stack.get("Outputs", []))
    return table([("output", "value"), *outputs]) if outputs else "(no outputs)"


def _when(event: dict | None) -> str:
    if event is None:
        return "unknown"
    return f"{event['Timestamp']:%Y-%m-%d %H:%M:%S %Z} {event['ResourceStatus']}".rstrip()


def _as_dict(body: object) -> dict:
    """A template as GetTemplate returns it: botocore decodes JSON bodies; YAML stays text."""
    if isinstance(body, dict):
        return body
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return {}
