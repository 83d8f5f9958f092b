"""Where the "before" template of ``iotstack diff`` comes from.

A baseline is a function ``environment name -> template dict, or None when there is none`` (then
every resource is added), a label for the report, and the target the template was deployed to
(from the environment file at that revision; None when unknown). Two sources: a git revision
(:func:`from_git`, ``--base``), read with one ``git cat-file --batch`` for every environment, and
the deployed stack (:func:`from_deployed`, ``--deployed``, GetTemplate through the AWS gateway),
for drift between git and AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.cfn import template_problem
from generator.config import Environment, parse_environment
from generator.errors import IotstackError, UsageError
from generator.review.plan import Target
from generator.workspace import Workspace


@dataclass(frozen=True)
class Baseline:
    label: Callable[[str], str]  # environment -> where its "before" template comes from
    load: Callable[[str], dict | None]  # environment -> the template, None if there is none
    target: Callable[[str], Target | None] = lambda env: None  # where the "before" template was deployed


def target_of(env: Environment) -> Target:
    """Where ``env``'s template is deployed."""
    return Target(env.stack_name, env.region)


# The main branch, as a clone knows it: the remote's first (a pipeline's checkout may have no local main).
MAIN_BRANCHES = ("origin/main", "main")


def default_base(workspace: Workspace) -> tuple[str, str]:
    """``(revision, how to show it)`` that ``diff`` and ``check`` compare with when no ``--base`` is given:
    the merge base of ``HEAD`` with the main branch where there is one, else ``HEAD``.

    In CI (``CI`` set) there is no fallback: without a merge base (a shallow clone, no main branch
    fetched) the plan would silently compare with the wrong commit, so that is an error.
    """
    ci = bool(os.environ.get("CI"))
    for branch in MAIN_BRANCHES:
        known = _run_git(workspace, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}")
        if known is None or known.returncode != 0:
            continue
        merged = _run_git(workspace, "merge-base", "HEAD", branch)
        if merged is not None and merged.returncode == 0:
            sha = merged.stdout.decode().strip()
            return sha, f"merge-base({branch})={sha[:10]}"
        if ci:
            raise UsageError(f"no merge base of HEAD and {branch} (a shallow clone?): fetch the history (e.g. "
                             "fetch-depth: 0) or pass --base REF")  # fmt: skip
    if ci:
        raise UsageError("in CI the base of the change must be known: no origin/main or main to take the merge base "
                         "with (fetch it, or pass --base REF)")  # fmt: skip
    return "HEAD", "HEAD"


def from_git(ref: str, names: list[str], workspace: Workspace, shown: str | None = None) -> Baseline:
    """The committed ``templates/<env>.json`` of ``names`` at git revision ``ref`` (``shown`` in labels)."""
    _git(workspace, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
         error=f"unknown git revision {ref!r}: give a branch, tag or commit (e.g. HEAD, main, HEAD~1)")  # fmt: skip
    specs = {name: f"{ref}:{_in_repository(workspace.template(name), workspace)}" for name in names}
    settings = {name: f"{ref}:{_in_repository(workspace.environments / f'{name}.toml', workspace)}" for name in names}
    texts = _blobs(workspace, [*specs.values(), *settings.values()])

    def load(env: str) -> dict | None:
        text = texts[specs[env]]
        if text is None:
            return None  # not committed at that revision: everything is new
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"{specs[env]} is not a JSON template: {exc}") from None
        return _checked(data, specs[env])

    def target(env: str) -> Target | None:
        text = texts[settings[env]]
        try:
            return target_of(parse_environment(env, text, settings[env])) if text is not None else None
        except IotstackError:
            return None  # the file at that revision is not valid: its target is unknown

    shown = shown or ref
    return Baseline(label=lambda env: shown + specs[env][len(ref) :], load=load, target=target)


def from_deployed(environments: list[Environment], cloud_for: Callable) -> Baseline:
    """The template each environment's stack runs now, as CloudFormation holds it (None: not deployed).

    ``cloud_for(env)`` gives the AWS gateway (:func:`generator.aws.gateway.for_environment`).
    """
    by_name = {env.name: env for env in environments}

    def load(name: str) -> dict | None:
        env = by_name[name]
        cloud = cloud_for(env)
        stack = cloud.stack(env.stack_name)
        return None if stack is None else _checked(cloud.template(stack.id), label(name))

    def label(name: str) -> str:
        return f"deployed stack {by_name[name].stack_name} ({by_name[name].region})"

    return Baseline(label=label, load=load)


def _checked(data: object, where: str) -> dict:
    """``data`` if it is a template the plan can read; else one clear line, not a traceback later."""
    problem = template_problem(data)
    if problem or not isinstance(data, dict):
        raise UsageError(f"{where} is not a CloudFormation template the plan can read: {problem}")
    return data


def _in_repository(path: Path, workspace: Workspace) -> str:
    """``path`` as git names it from the project root (``templates/dev.json``)."""
    try:
        return path.resolve().relative_to(workspace.root).as_posix()
    except ValueError:
        raise UsageError(f"{path} is outside the project at {workspace.root}: git cannot give its base") from None


def _blobs(workspace: Workspace, specs: list[str]) -> dict[str, str | None]:
    """The text of each ``REF:path`` (None where git has no such file), in one git process."""
    out = _git(workspace, "cat-file", "--batch", error="cannot read templates from git",
               stdin="".join(f"{s}\n" for s in specs), text=False)  # fmt: skip
    blobs: dict[str, str | None] = {}
    for spec in specs:
        header, _, out = out.partition(b"\n")
        if header.endswith(b" missing") or header.endswith(b" ambiguous"):
            blobs[spec] = None
            continue
        size = int(header.split()[2])
        blobs[spec], out = out[:size].decode("utf-8", errors="replace"), out[size + 1 :]
    return blobs


def _run_git(workspace: Workspace, *args: str) -> subprocess.CompletedProcess | None:
    """``git ARGS`` in the project, its output captured; None when git is not installed."""
    try:
        return subprocess.run(["git", *args], capture_output=True, cwd=workspace.root)
    except FileNotFoundError:
        return None


def _git(workspace: Workspace, *args: str, error: str, stdin: str | None = None, text: bool = True):
    try:
        done = subprocess.run(["git", *args], capture_output=True, cwd=workspace.root,
                              input=stdin.encode() if stdin is not None else None)  # fmt: skip
    except FileNotFoundError:
        raise UsageError("git is not installed; iotstack diff reads the base template with git") from None
    stderr = done.stderr.decode(errors="replace").strip()
    if done.returncode != 0:
        if "not a git repository" in stderr:
            raise UsageError("not inside a git repository; iotstack diff --base reads templates from git")
        raise UsageError(error + (f" ({stderr})" if stderr else ""))
    return done.stdout.decode(errors="replace") if text else done.stdout
