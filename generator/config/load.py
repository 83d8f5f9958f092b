"""Loading environment files: TOML in, a validated :class:`Environment` out, or every problem at once.

Each problem names the file, the key, the value as written and what is allowed::

    dev.toml: kinesis.retention_hours = 10: must be 24..8760

Values are checked against the field's type first, then its checks; a section's rules across
fields run only when all of its fields are valid.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import typing
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from generator.bootstrap import NAME as BOOTSTRAP_NAME
from generator.bootstrap import STACK as BOOTSTRAP_STACK
from generator.config.settings import Environment
from generator.errors import TOO_DEEP, ConfigError, UsageError

# Resource names are "{kind}-{env}"; the tightest limit is the Redis replication group id: 40
# characters, a letter first, no "--" and no hyphen at the end.
ENV_NAME = re.compile(r"(?=.{1,20}$)[a-z][a-z0-9]*(-[a-z0-9]+)*")


def environment_names(directory: Path) -> list[str]:
    """The environments defined in ``directory``, sorted: its regular ``*.toml`` files, not hidden ones
    (an editor's lock file such as ``.#dev.toml`` is a dangling symlink, not an environment)."""
    return sorted(p.stem for p in directory.glob("*.toml") if p.is_file() and not p.name.startswith((".", "#")))


def load_environment(name: str, directory: Path) -> Environment:
    """Read and validate ``<directory>/<name>.toml``; raise :class:`ConfigError` listing every problem."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(environment_names(directory)) or "none"
        raise UsageError(f"unknown environment {name!r}: no {path}; known environments: {known}")
    return parse_environment(name, read_toml(path), path.name)


def read_toml(path: Path) -> str:
    """A TOML file's text: UTF-8, a byte-order mark tolerated; :class:`ConfigError` when it is not UTF-8."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:  # TOML files must be UTF-8
        raise ConfigError([f"{path.name}: not valid TOML: {exc}"]) from None


def toml_table(text: str, file: str) -> dict:
    """The TOML ``text`` of ``file`` as data; :class:`ConfigError` naming the file when it does not parse."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{file}: not valid TOML: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{file}: not valid TOML: {TOO_DEEP}"]) from None


# Names the tool takes for itself in templates/ (and outputs/): an environment of that name would be
# written over them. The bootstrap stack's template and picture are templates/bootstrap.json and .md.
RESERVED_NAMES = {
    BOOTSTRAP_NAME: "templates/bootstrap.json is the bootstrap stack's template (iotstack bootstrap)",
    "drift-role": "templates/drift-role.json is the drift job's role (docs/pipeline.md)",
}


def parse_environment(name: str, text: str, file: str) -> Environment:
    """Validate the TOML ``text`` of environment ``name`` (``file`` names it in messages)."""
    if not ENV_NAME.fullmatch(name):
        raise ConfigError([f"{file}: environment name {name!r}: must be 1..20 lowercase letters, digits "
                           "and single hyphens, starting with a letter (it ends every resource name)"])  # fmt: skip
    if name.startswith("fleet-"):  # a fleet's template will be templates/fleet-<name>.json (generator/fleet)
        raise ConfigError([f"{file}: environment name {name!r}: names beginning with fleet- are the fleets' "
                           "(templates/fleet-<name>.json); rename the file"])  # fmt: skip
    if name in RESERVED_NAMES:
        raise ConfigError([f"{file}: environment name {name!r} is reserved: {RESERVED_NAMES[name]}; rename the "
                           "file"])  # fmt: skip
    data = toml_table(text, file)
    problems: list[str] = []
    env = _build(Environment, data, file, "", problems, name=name)
    if problems:
        raise ConfigError(problems)
    return env


def load_environments(names: Sequence[str], directory: Path) -> list[Environment]:
    """Load the named environments of ``directory`` (all of them when none is named), reporting every
    problem of every file at once."""
    known = environment_names(directory)
    if not known:
        raise UsageError(f"no environment files (*.toml) in {directory}")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown environment {', '.join(unknown)}; known environments: {', '.join(known)}")
    problems: list[str] = []
    envs = []
    for name in dict.fromkeys(names or known):
        try:
            envs.append(load_environment(name, directory))
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    others = [] if not names else [e for n in known if n not in names and (e := _valid(n, directory))]
    problems = shared_stacks(envs, others)
    if problems:
        raise ConfigError(problems)
    return envs


def shared_stacks(envs: Sequence[Environment], others: Sequence[Environment] = ()) -> list[str]:
    """One line for each environment of ``envs`` whose stack is another's (of ``envs`` or ``others``):
    two environments may not deploy to one stack (the same region and stack name, in one account or in
    accounts the files do not tell apart), and none to the bootstrap stack."""
    problems = []
    for env in envs:
        if env.stack_name == BOOTSTRAP_STACK:
            problems.append(f"{env.name}.toml: deploy.stack_name = \"{env.stack_name}\": is the bootstrap stack, which "
                            "holds the artifact bucket (iotstack bootstrap); name another stack")  # fmt: skip
    everyone = [*envs, *others]
    for index, env in enumerate(everyone):
        for earlier in everyone[: min(index, len(envs))]:  # a pair of two others is not this command's
            if (env.region, env.stack_name) == (earlier.region, earlier.stack_name) and (
                not env.deploy.account or not earlier.deploy.account or env.deploy.account == earlier.deploy.account
            ):
                problems.append(f"{earlier.name}.toml and {env.name}.toml both deploy to stack {env.stack_name} in "
                                f"{env.region}: each environment needs a stack of its own (set deploy.stack_name in "
                                "one, or deploy.account in both if they are different accounts)")  # fmt: skip
    return problems


def _valid(name: str, directory: Path) -> Environment | None:
    """Environment ``name`` if its file is valid; None if not (its problems are its own command's)."""
    try:
        return load_environment(name, directory)
    except UsageError:
        return None


@cache
def field_types(cls: type) -> dict[str, Any]:
    """A settings class's field types (its annotations are text: evaluating them is most of a load)."""
    return typing.get_type_hints(cls)


def _build(cls: type, table: Mapping[str, Any], file: str, prefix: str, problems: list[str], **given: Any) -> Any:
    """Build ``cls`` from ``table``, appending ``file: key = value: what is allowed`` to ``problems``."""
    fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata.get("derived")}
    hints = field_types(cls)
    for key in (k for k in table if k not in fields):  # in file order: a set's order varies by run
        problems.append(f"{file}: {prefix}{key}: unknown key; allowed keys: {', '.join(fields)}")
    values, problems_before = dict(given), len(problems)
    for name, f in fields.items():
        if name not in table:
            continue
        key, value, expected = prefix + name, table[name], hints[name]
        if dataclasses.is_dataclass(expected):
            if isinstance(value, dict):
                values[name] = _build(expected, value, file, f"{key}.", problems)
            else:
                problems.append(f"{file}: {key} = {_show(value)}: must be a table [{key}]")
            continue
        converted, type_problem = _convert(value, expected)
        problem = type_problem or next((p for check in f.metadata["checks"] if (p := check(converted))), None)
        if problem:
            problems.append(f"{file}: {key} = {_show(value)}: {problem}")
        else:
            values[name] = converted
    if len(problems) > problems_before:  # cross-checks need every field valid; defaults stand in
        return cls(**given)
    obj = cls(**values)
    cross_checks = getattr(obj, "problems", list)  # a section's own method, when it has rules across fields
    for key, value, why in cross_checks():
        problems.append(f"{file}: {prefix}{key} = {_show(table.get(key, value))}: {why}")  # as written in the file
    return obj


def _convert(value: Any, expected: Any) -> tuple[Any, str | None]:
    """Check a TOML value against a field's type; return it in the field's (immutable) form."""
    origin = typing.get_origin(expected)
    if expected is bool:
        return value, None if isinstance(value, bool) else "must be true or false"
    if expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return value, None if ok else "must be a whole number"
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return (float(value) if ok else value), None if ok else "must be a number"
    if expected is str:
        return value, None if isinstance(value, str) else "must be a string"
    if origin is tuple:
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return (tuple(value) if ok else value), None if ok else "must be a list of strings"
    if origin is Mapping:
        ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
        converted = MappingProxyType(dict(sorted(value.items()))) if ok else value
        return converted, None if ok else "must be a table of strings"
    raise TypeError(f"unsupported setting type {expected}")


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, Mapping):
        bare = re.compile(r"[A-Za-z0-9_-]+")
        return "{" + ", ".join(f"{k if bare.fullmatch(k) else _show(k)} = {_show(v)}" for k, v in value.items()) + "}"
    return str(value)
