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
from generator.errors import TOO_DEEP, IotstackError, UsageError
from generator.review.plan import Destination
from generator.workspace import Workspace


@dataclass(frozen=True)
class Baseline:
    label: Callable[[str], str]  # environment -> where its "before" template comes from
    load: Callable[[str], dict | None]  # environment -> the template, None if there is none
    # environment -> its settings at the base (None: unknown, or no valid file there)
    environment: Callable[[str], Environment | None] = lambda env: None

    def target(self, env: str) -> Destination | None:
        """Where the "before" template of ``env`` was deployed (None: unknown)."""
        base = self.environment(env)
        return target_of(base) if base else None


def target_of(env: Environment) -> Destination:
    """Where ``env``'s template is deployed."""
    return Destination(env.stack_name, env.region)


# The main branch, as a clone knows it: the remote's first (a pipeline's checkout may have no local main),
# then the remote's default branch (origin/HEAD, set by git clone), then the older name.
MAIN_BRANCHES = ("origin/main", "main", "origin/HEAD", "origin/master", "master")


def default_base(workspace: Workspace) -> tuple[str, str]:
    """``(revision, how to show it)`` that ``diff`` and ``check`` compare with when no ``--base`` is given:
    the merge base of ``HEAD`` with the main branch where there is one, else ``HEAD``.

    In CI (``CI`` set) there is no fallback: without a merge base (a shallow clone, no main branch
    fetched) the plan would silently compare with the wrong commit, so that is an error. A git that
    cannot work here at all (not installed, not a repository, refused ownership) is
    :class:`GitUnusable`, in CI or not.
    """
    ci = bool(os.environ.get("CI"))
    for branch in MAIN_BRANCHES:
        if _run_git(workspace, "rev-parse", "--verify", "--quiet", f"{branch}^{{commit}}").returncode != 0:
            continue
        merged = _run_git(workspace, "merge-base", "HEAD", branch)
        if merged.returncode == 0:
            sha = merged.stdout.decode().strip()
            return sha, f"merge-base({branch})={sha[:10]}"
        if ci:
            raise UsageError(f"no merge base of HEAD and {branch} (a shallow clone?): fetch the history (e.g. "
                             "fetch-depth: 0) or pass --base REF")  # fmt: skip
    if ci:
        raise UsageError("in CI the base of the change must be known: no origin/main or main to take the merge base "
                         "with (fetch it, or pass --base REF)")  # fmt: skip
    if _run_git(workspace, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").returncode != 0:
        raise UsageError("the repository has no commit yet: there is no base to compare with (commit, or pass --base "
                         "REF)")  # fmt: skip
    return "HEAD", "HEAD"


def from_git(ref: str, names: list[str], workspace: Workspace, shown: str | None = None) -> Baseline:
    """The committed ``templates/<env>.json`` of ``names`` at git revision ``ref`` (``shown`` in labels)."""
    if _run_git(workspace, "ls-files", "--error-unmatch", "--", "setup.cfg").returncode != 0:
        top = _run_git(workspace, "rev-parse", "--show-toplevel").stdout.decode(errors="replace").strip()
        raise GitUnusable(f"the project at {workspace.root} is not tracked by the git repository around it ({top}): "
                          "its templates at a base cannot be read there; work in the project's own clone")  # fmt: skip
    if _run_git(workspace, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise UnknownRevision(f"unknown git revision {ref!r}: give a branch, tag or commit (e.g. HEAD, main, HEAD~1)")
    # Paths from the project root: "REF:./path" is relative to git's working directory (the root), so a
    # project in a subfolder of its repository (a monorepo) reads its own files.
    paths = {name: _in_repository(workspace.template(name), workspace) for name in names}
    specs = {name: f"{ref}:./{path}" for name, path in paths.items()}
    settings = {name: f"{ref}:./{_in_repository(workspace.environments / f'{name}.toml', workspace)}"
                for name in names}  # fmt: skip
    texts = _blobs(workspace, [*specs.values(), *settings.values()])
    shown = shown or ref

    def label(env: str) -> str:
        return f"{shown}:{paths[env]}"

    def load(env: str) -> dict | None:
        text = texts[specs[env]]
        if text is None and texts[settings[env]] is not None:  # the environment was there, its template not
            raise UsageError(f"{shown} has {settings[env].split(':./', 1)[1]} but no {paths[env]}: what that "
                             "environment deploys cannot be known, so the plan cannot be made (--base names a "
                             "revision that has both; --templates the folder git holds them in)")  # fmt: skip
        if text is None:
            return None  # a new environment: everything is new
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"{label(env)} is not a JSON template: {exc}") from None
        except RecursionError:
            raise UsageError(f"{label(env)} is not a JSON template: {TOO_DEEP}") from None
        return checked(data, label(env))

    def environment(env: str) -> Environment | None:
        text = texts[settings[env]]
        try:
            return parse_environment(env, text, settings[env]) if text is not None else None
        except IotstackError:
            return None  # the file at that revision is not valid: its settings are unknown

    return Baseline(label=label, load=load, environment=environment)


def from_deployed(environments: list[Environment], cloud_for: Callable) -> Baseline:
    """The template each environment's stack runs now, as CloudFormation holds it (None: not deployed).

    ``cloud_for(env)`` gives the AWS gateway (:func:`generator.aws.accounts.for_environment`).
    """
    by_name = {env.name: env for env in environments}

    def load(name: str) -> dict | None:
        env = by_name[name]
        cloud = cloud_for(env)
        stack = cloud.stack(env.stack_name)
        return None if stack is None else checked(cloud.template(stack.id), label(name))

    def label(name: str) -> str:
        return f"deployed stack {by_name[name].stack_name} ({by_name[name].region})"

    return Baseline(label=label, load=load)


def files_at(ref: str, paths: list[Path], workspace: Workspace) -> dict[Path, str | None]:
    """The text of each project file of ``paths`` at git revision ``ref`` (None where it has none), read in
    one git process; ``ref`` is a revision :func:`from_git` accepted."""
    specs = {path: f"{ref}:./{_in_repository(path, workspace)}" for path in paths}
    texts = _blobs(workspace, list(specs.values()))
    return {path: texts[spec] for path, spec in specs.items()}


def checked(data: object, where: str) -> dict:
    """``data`` if it is a template the plan can read; else one clear line, not a traceback later."""
    problem = template_problem(data)
    if problem or not isinstance(data, dict):
        raise UsageError(f"{where} is not a CloudFormation template the plan can read: {problem}")
    return data


def _in_repository(path: Path, workspace: Workspace) -> str:
    """``path`` as git names it from the project root (``templates/dev.json``): the path itself, not where
    a symbolic link on the way leads (git keeps the link, and the files under the path it names)."""
    try:
        return Path(os.path.abspath(path)).relative_to(workspace.root).as_posix()
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


class GitUnusable(UsageError):
    """git cannot read this project at all: not installed, not a repository, or a repository git refuses."""


class UnknownRevision(UsageError):
    """``--base`` names no commit: bad usage."""


def _run_git(workspace: Workspace, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """``git ARGS`` in the project, its output captured; :class:`GitUnusable`, naming the cause and the
    fix, when git cannot work here at all (whatever was asked)."""
    root = workspace.root
    try:
        done = subprocess.run(
            ["git", *args],
            capture_output=True,
            cwd=root,
            input=stdin,
            env={**os.environ, "LC_ALL": "C", "LANGUAGE": "C"},
        )  # its own words, untranslated
    except FileNotFoundError:
        raise GitUnusable("git is not installed (no git on PATH): the base of the change is read with git; install "
                          "it") from None  # fmt: skip
    except OSError as exc:
        raise GitUnusable(f"git cannot run: {exc}") from None
    stderr = done.stderr.decode(errors="replace")
    if "dubious ownership" in stderr:
        raise GitUnusable(f"git refuses the repository at {root}: it belongs to another user (\"dubious ownership\"); "
                          f"if you trust it, `git config --global --add safe.directory {root}`")  # fmt: skip
    if "not a git repository" in stderr.lower():
        raise GitUnusable(f"{root} is not in a git repository (a copy without .git?): the base of the change is read "
                          "from git; work in a clone")  # fmt: skip
    return done


def _git(workspace: Workspace, *args: str, error: str, stdin: str | None = None, text: bool = True):
    """``git ARGS``'s output; ``error`` (and git's own words) when it fails."""
    done = _run_git(workspace, *args, stdin=stdin.encode() if stdin is not None else None)
    stderr = done.stderr.decode(errors="replace").strip()
    if done.returncode != 0:
        raise UsageError(error + (f" ({stderr})" if stderr else ""))
    return done.stdout.decode(errors="replace") if text else done.stdout
