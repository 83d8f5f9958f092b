"""Where the "before" template of ``iotstack diff`` comes from.

A baseline is a function ``environment name -> template dict, or None when there is none`` (then
every resource is added), plus a label for the report. Two sources: a git revision
(:func:`from_git`, ``--base``) and the deployed stack (:func:`from_deployed`, ``--deployed``,
GetTemplate through :mod:`generator.aws`), for drift between git and AWS.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.config import Environment
from generator.errors import UsageError


@dataclass(frozen=True)
class Baseline:
    label: Callable[[str], str]  # environment -> where its "before" template comes from
    load: Callable[[str], dict | None]  # environment -> the template, None if there is none


def from_git(ref: str, templates_dir: Path = Path("templates")) -> Baseline:
    """The committed ``templates/<env>.json`` at git revision ``ref`` (``git show REF:./templates/...``)."""
    _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}",
         error=f"unknown git revision {ref!r}: give a branch, tag or commit (e.g. HEAD, main, HEAD~1)")  # fmt: skip

    def spec(env: str) -> str:
        return f"{ref}:./{(templates_dir / f'{env}.json').as_posix()}"

    def load(env: str) -> dict | None:
        if subprocess.run(["git", "cat-file", "-e", spec(env)], capture_output=True).returncode != 0:
            return None  # not committed at that revision: everything is new
        text = _git("show", spec(env), error=f"cannot read {spec(env)}")
        try:
            return json.loads(text)
        except ValueError as exc:
            raise UsageError(f"{spec(env)} is not a JSON template: {exc}") from None

    return Baseline(label=lambda env: f"{ref}:{(templates_dir / f'{env}.json').as_posix()}", load=load)


def from_deployed(environments: list[Environment]) -> Baseline:
    """The template each environment's stack runs now, as CloudFormation holds it (None: not deployed)."""
    from generator import aws

    by_name = {env.name: env for env in environments}

    def load(name: str) -> dict | None:
        env = by_name[name]
        cloud = aws.connect(env.region)
        if cloud.stack(env.stack_name) is None:
            return None
        body = cloud.template(env.stack_name)  # botocore decodes a JSON body; a YAML one stays text
        return json.loads(body if isinstance(body, str) else json.dumps(body))

    def label(name: str) -> str:
        return f"deployed stack {by_name[name].stack_name} ({by_name[name].region})"

    return Baseline(label=label, load=load)


def _git(*args: str, error: str) -> str:
    try:
        done = subprocess.run(["git", *args], capture_output=True, text=True)
    except FileNotFoundError:
        raise UsageError("git is not installed; iotstack diff reads the base template with git") from None
    if done.returncode != 0:
        if "not a git repository" in done.stderr:
            raise UsageError("not inside a git repository; iotstack diff --base reads templates from git")
        raise UsageError(error + (f" ({done.stderr.strip()})" if done.stderr.strip() else ""))
    return done.stdout
