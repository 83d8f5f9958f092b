"""Fleet files: ``fleets/<name>.toml``, one copy of an environment's stack per plant, rolled out by a
CloudFormation stack set. TOML in, a validated :class:`~generator.fleet.settings.Fleet` out, or every problem
at once, each naming the file, the key, the value as written and what is allowed (as environment files do,
:mod:`generator.config.load`)::

    plants.toml: sites[1].name = "campinas": sites[0] has it already

Across the file: site names unique and short enough for every resource name they end; one site per account and
region (a stack set holds one stack instance there); and the one rule of service-managed stack sets this stack
meets: they cannot be made from a template that uses a transform (CloudFormation User Guide, "Considerations
when creating a stack set with service-managed permissions"), and an environment with password rotation uses
``AWS::SecretsManager-2020-07-23``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.config.load import ENV_NAME, _build, environment_names, load_environment, read_toml, toml_table
from generator.config.settings import Environment
from generator.errors import ConfigError, UsageError
from generator.fleet.settings import NAME_LIMITS, ROLES, UNASSIGNED, Fleet, RolloutSettings, Site, StackSetSettings


def load_fleet(name: str, directory: Path, environments: Path) -> Fleet:
    """Read and validate ``<directory>/<name>.toml`` (its environment from ``environments``); raise
    :class:`ConfigError` listing every problem."""
    path = directory / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(environment_names(directory)) if directory.is_dir() else "none"
        raise UsageError(f"unknown fleet {name!r}: no {path}; known fleets: {known or 'none'}")
    return parse_fleet(name, read_toml(path), path.name, lambda env: load_environment(env, environments))


def load_fleets(names: Sequence[str], directory: Path, environments: Path) -> list[Fleet]:
    """The named fleets of ``directory`` (all of them when none is named; none when there is no such folder),
    every problem of every file at once."""
    known = environment_names(directory) if directory.is_dir() else []
    unknown = [n for n in names if n not in known]
    if unknown:
        raise UsageError(f"unknown fleet {', '.join(unknown)}: no {directory.name}/<name>.toml; known fleets: "
                         f"{', '.join(known) or 'none'}")  # fmt: skip
    problems: list[str] = []
    fleets = []
    for name in dict.fromkeys(names or known):
        try:
            fleets.append(load_fleet(name, directory, environments))
        except ConfigError as exc:
            problems += exc.problems
    problems += _shared_roles(fleets)
    if problems:
        raise ConfigError(problems)
    return fleets


def _shared_roles(fleets: Sequence[Fleet]) -> list[str]:
    """Two self-managed fleets whose role stacks would make the same IAM role in one account: the second stack
    would fail (the name is taken), and one role cannot be scoped to two stack sets' accounts."""
    owners: dict[tuple[str, str, str], str] = {}
    problems = []
    for fleet in fleets:
        if fleet.stack_set.permission_model != "self-managed":
            continue
        path, name = fleet.administration_role
        shown = f"{path.strip('/')}/{name}" if path.strip("/") else name  # the role's path as IAM shows it, if any
        roles = {("administration", fleet.stack_set.account or "the administrator account", shown)}
        roles |= {("execution", account, fleet.execution_role) for account in fleet.accounts}
        for kind, account, role in sorted(roles):
            other = owners.setdefault((kind, account, role), fleet.name)
            if other != fleet.name:
                key = "administration_role_arn" if kind == "administration" else "execution_role_name"
                problems.append(f"{fleet.name}.toml: stack_set.{key}: fleets {other} and {fleet.name} would both make "
                                f"the {kind} role {role} in account {account}: give one of them its own "
                                f"[stack_set] {key}")  # fmt: skip
    return problems


def parse_fleet(name: str, text: str, file: str, environment) -> Fleet:
    """Validate the TOML ``text`` of fleet ``name``; ``environment(name)`` loads the environment it names."""
    if not ENV_NAME.fullmatch(name):
        raise ConfigError(
            [
                f"{file}: fleet name {name!r}: must be 1..20 lowercase letters, digits and single "
                "hyphens, starting with a letter"
            ]
        )
    if name.endswith(tuple(f"-{role}" for role in ROLES)):
        other, role = name.rsplit("-", 1)
        raise ConfigError([f"{file}: fleet name {name!r}: a fleet's name may not end in "
                           f"{' or '.join(f'-{r}' for r in ROLES)}: templates/fleet-{name}.json is the name of the "
                           f"{role} role's template of a fleet {other!r}"])  # fmt: skip
    data = toml_table(text, file)
    problems: list[str] = []
    known = {"environment", "stack_set", "rollout", "sites"}
    problems += [f"{file}: {k}: unknown key; allowed keys: {', '.join(sorted(known))}" for k in data if k not in known]
    env = _environment(data.get("environment"), file, environment, problems)
    stack_set = _table(StackSetSettings, data, "stack_set", file, problems)
    rollout = _table(RolloutSettings, data, "rollout", file, problems)
    raw_sites = data.get("sites", [])
    if not isinstance(raw_sites, list) or not all(isinstance(s, dict) for s in raw_sites) or not raw_sites:
        problems.append(f"{file}: sites: must be one or more [[sites]] tables")
        raw_sites = []
    sites = tuple(_build(Site, s, file, f"sites[{i}].", problems) for i, s in enumerate(raw_sites))
    if env is not None:
        problems += _across(file, env, stack_set, sites, raw_sites, rollout)
    if problems:
        raise ConfigError(problems)
    return Fleet(name, env, stack_set, rollout, sites)


def _environment(value: Any, file: str, environment, problems: list[str]) -> Environment | None:
    if not isinstance(value, str) or not value:
        problems.append(
            f"{file}: environment: must name an environment file (environments/<name>.toml), whose shape "
            "and settings every site takes"
        )
        return None
    try:
        return environment(value)
    except ConfigError as exc:
        problems += [f"{file}: environment = {value!r}: {p}" for p in exc.problems]
    except UsageError as exc:
        problems.append(f"{file}: environment = {value!r}: {exc}")
    return None


def _table(cls: type, data: dict, key: str, file: str, problems: list[str]) -> Any:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{file}: {key}: must be a table [{key}]")
        return cls()
    return _build(cls, value, file, f"{key}.", problems)


def _across(file: str, env: Environment, stack_set: StackSetSettings, sites: tuple[Site, ...], raw: list[dict],
            rollout: RolloutSettings) -> list[str]:  # fmt: skip
    """The rules across the file: names that fit, sites apart, a region order of the sites' regions, and what a
    service-managed stack set cannot take."""
    problems = []
    if stack_set.permission_model == "service-managed" and env.aurora.password_rotation:
        problems.append(
            f'{file}: stack_set.permission_model = "service-managed": {env.name}\'s template uses the '
            "AWS::SecretsManager-2020-07-23 transform (hosted password rotation), and a service-managed "
            'stack set cannot be made from a template with a transform: use "self-managed", or an '
            "environment without aurora.password_rotation"
        )
    seen: dict[tuple[str, str], list[Site]] = {}
    names: dict[str, int] = {}
    for i, site in enumerate(sites):
        if not site.name or not raw[i].get("name"):
            continue
        if site.name == UNASSIGNED:
            problems.append(f'{file}: sites[{i}].name = "{site.name}": is the stack set\'s own value of SiteName, '
                            "which no site may take")  # fmt: skip
        if site.name in names:
            problems.append(f'{file}: sites[{i}].name = "{site.name}": sites[{names[site.name]}] has it already')
        names.setdefault(site.name, i)
        for kind, (limit, what) in NAME_LIMITS.items():
            full = f"{kind}-{env.name}-{site.name}"
            if len(full) > limit:
                problems.append(
                    f'{file}: sites[{i}].name = "{site.name}": {what} {full} would be {len(full)} '
                    f"characters, over {limit}: at most {limit - len(kind) - len(env.name) - 2} for "
                    f"environment {env.name}"
                )
                break
        if site.account and site.region and seen.get((site.account, site.region)):
            other = seen[(site.account, site.region)][0]
            problems.append(f'{file}: sites[{i}].region = "{site.region}": site "{other.name}" is in '
                            f"{site.account}/{site.region} already, and a stack set holds one stack instance per "
                            "account and region: give this site another account or region")  # fmt: skip
        if site.account and site.region:
            seen.setdefault((site.account, site.region), []).append(site)
    regions = {site.region for site in sites if site.region}
    stray = [r for r in rollout.region_order if r not in regions]
    if stray and regions:
        problems.append(f"{file}: rollout.region_order = {list(rollout.region_order)}: {', '.join(stray)}: no site is "
                        f"there; the regions of the sites are {', '.join(sorted(regions))}")  # fmt: skip
    return problems
