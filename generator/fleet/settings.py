"""What a fleet file holds: the stack set, its rollout and the sites, each a validated dataclass whose fields
carry their defaults, documentation and checks (:mod:`generator.config.fields`), as environment files' do.

The rules AWS enforces on a stack set's operation preferences are checked here, offline, with their
words (CloudFormation API reference, StackSetOperationPreferences, as botocore ships it): a count or a
percentage, never both; "MaxConcurrentCount is at most one more than the FailureToleranceCount" in the
strict mode. Reading a file is :mod:`generator.fleet.load`'s.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from generator.config.checks import aws_region, between, cidr_block, count, email_addresses, matches, one_of
from generator.config.fields import setting
from generator.config.load import ENV_NAME
from generator.config.settings import Environment, NetworkSettings

ACCOUNT = r"\d{12}"
OU = r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}"  # an organizational unit's id, or a root's
# Each site's resources are named "{kind}-{env}-{site}"; these are the names with a length limit, longest kind first.
NAME_LIMITS = {
    "aurora-instance-2": (63, "an Aurora instance identifier"),
    "db-rotation": (64, "the rotation function's name"),
    "redis": (40, "the Redis replication group id"),
}
_SUBNET = cidr_block(16, 28)
# AWS's default names of a self-managed stack set's roles, used when the fleet file names no other.
DEFAULT_ADMINISTRATION_ROLE = "AWSCloudFormationStackSetAdministrationRole"
DEFAULT_EXECUTION_ROLE = "AWSCloudFormationStackSetExecutionRole"
# The stack set's own value of the template's SiteName, which every stack instance overrides: no site's name.
UNASSIGNED = "unassigned"


def _role_arn(value: str) -> str | None:
    return (
        None
        if not value or re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}", value)
        else ("must be an IAM role ARN, arn:aws:iam::<account>:role/<name>")
    )


@dataclass(frozen=True)
class StackSetSettings:
    """``[stack_set]``: the stack set that holds one stack instance per site."""

    name: str = setting(
        "",
        "The stack set's name (empty: iot-platform-<fleet>).",
        matches(r"|[A-Za-z][A-Za-z0-9-]{0,127}", "a letter, then letters, digits and hyphens"),
    )
    permission_model: str = setting(
        "self-managed",
        "Who holds the roles: self-managed (two IAM roles you make) or service-managed (AWS Organizations).",
        one_of("self-managed", "service-managed"),
    )
    administration_role_arn: str = setting(
        "", "self-managed: the administration role (empty: AWS's default, AWSCloudFormationStackSetAdministrationRole)."
    )
    execution_role_name: str = setting(
        "",
        "self-managed: the execution role in each target account (empty: AWSCloudFormationStackSetExecutionRole).",
        matches(r"|[\w+=,.@-]{1,64}", "an IAM role name"),
    )
    organizational_units: tuple[str, ...] = setting((), "service-managed: the OUs the stack set deploys to.")
    account: str = setting(
        "", "The administrator account (the account guard applies).", matches(rf"|{ACCOUNT}", "12 digits")
    )

    def problems(self) -> list[tuple[str, Any, str]]:
        problems = []
        if problem := _role_arn(self.administration_role_arn):
            problems.append(("administration_role_arn", self.administration_role_arn, problem))
        elif self.administration_role_arn and self.account and f":{self.account}:" not in self.administration_role_arn:
            problems.append(("administration_role_arn", self.administration_role_arn,
                             f"must be a role of the administrator account, account = \"{self.account}\""))  # fmt: skip
        if self.permission_model == "self-managed" and self.organizational_units:
            problems.append(("organizational_units", self.organizational_units, "only for service-managed"))
        if self.permission_model == "service-managed":
            for key in ("administration_role_arn", "execution_role_name"):
                if getattr(self, key):
                    problems.append(
                        (
                            key,
                            getattr(self, key),
                            "only for self-managed (AWS Organizations holds the roles of a service-managed stack set)",
                        )
                    )
            if not self.organizational_units:
                problems.append(("organizational_units", (), "a service-managed stack set needs at least one OU"))
            bad = [ou for ou in self.organizational_units if not re.fullmatch(OU, ou)]
            if bad:
                problems.append(
                    (
                        "organizational_units",
                        self.organizational_units,
                        f"{', '.join(bad)}: must be an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
                    )
                )
        return problems


@dataclass(frozen=True)
class RolloutSettings:
    """``[rollout]``: how CloudFormation rolls a change out to the sites (StackSetOperationPreferences)."""

    max_concurrent: int = setting(
        0, "Accounts at a time per region (0: not set; AWS's default is 1).", between(0, 100_000)
    )
    max_concurrent_percentage: int = setting(0, "Or a percentage of the accounts (0: not set).", between(0, 100))
    failure_tolerance: int = setting(
        0, "Accounts per region that may fail before the region stops.", between(0, 100_000)
    )
    failure_tolerance_percentage: int = setting(0, "Or a percentage of the accounts (0: not set).", between(0, 100))
    region_order: tuple[str, ...] = setting((), "The order of the regions (empty: AWS's).")
    region_concurrency: str = setting(
        "sequential", "One region at a time, or all at once.", one_of("sequential", "parallel")
    )
    concurrency_mode: str = setting(
        "strict", "strict: concurrency lowered as accounts fail; soft: kept.", one_of("strict", "soft")
    )

    def problems(self) -> list[tuple[str, Any, str]]:
        problems = []
        for count_key, share_key in (
            ("max_concurrent", "max_concurrent_percentage"),
            ("failure_tolerance", "failure_tolerance_percentage"),
        ):
            if getattr(self, count_key) and getattr(self, share_key):
                problems.append(
                    (
                        share_key,
                        getattr(self, share_key),
                        f"set {count_key} or {share_key}, never both (StackSetOperationPreferences)",
                    )
                )
        if self.concurrency_mode == "strict" and self.max_concurrent > self.failure_tolerance + 1:
            problems.append(
                (
                    "max_concurrent",
                    self.max_concurrent,
                    f"at most failure_tolerance + 1 = "
                    f"{self.failure_tolerance + 1} in the strict mode (StackSetOperationPreferences)",
                )
            )
        if len(set(self.region_order)) != len(self.region_order):
            problems.append(("region_order", self.region_order, "names a region twice"))
        return problems


@dataclass(frozen=True)
class Site:
    """One ``[[sites]]`` entry: a plant, its account and region, and its network."""

    name: str = setting(
        "",
        "The site's name, the last part of each resource name.",
        matches(ENV_NAME.pattern, "1..20 lowercase letters, digits and single hyphens"),
    )
    account: str = setting("", "The site's AWS account.", matches(ACCOUNT, "12 digits"))
    region: str = setting("", "The site's region.", aws_region())
    vpc_cidr: str = setting("", "The site's VPC block (/16../20 for derived subnets).", _SUBNET)
    public_subnet_cidrs: tuple[str, ...] = setting((), "Public subnets (empty: derived, below).", count(2, _SUBNET))
    private_subnet_cidrs: tuple[str, ...] = setting((), "Private subnets (empty: derived, below).", count(2, _SUBNET))
    alert_emails: tuple[str, ...] = setting(
        (), "Who this site's alerts reach (empty: the environment's).", email_addresses(10)
    )

    def network(self) -> NetworkSettings:
        """The site's network; subnets left out are the VPC's /24 number 1 and 2 (public) and 11 and 12
        (private): the architecture document's 10.0.1.0/24 ... 10.0.12.0/24 in 10.0.0.0/16."""
        vpc = ipaddress.IPv4Network(self.vpc_cidr)
        nets = list(vpc.subnets(new_prefix=24)) if vpc.prefixlen <= 20 else []

        def derived(*numbers: int) -> tuple[str, ...]:
            return tuple(str(nets[n]) for n in numbers) if nets else ()

        return NetworkSettings(
            self.vpc_cidr, self.public_subnet_cidrs or derived(1, 2), self.private_subnet_cidrs or derived(11, 12)
        )

    def problems(self) -> list[tuple[str, Any, str]]:
        problems = [
            (k, getattr(self, k), "is required")
            for k in ("name", "account", "region", "vpc_cidr")
            if not getattr(self, k)
        ]
        if problems:
            return problems
        if ipaddress.IPv4Network(self.vpc_cidr).prefixlen > 20 and not (
            self.public_subnet_cidrs and self.private_subnet_cidrs
        ):
            problems.append(
                (
                    "vpc_cidr",
                    self.vpc_cidr,
                    "a block smaller than /20 needs its public_subnet_cidrs and "
                    "private_subnet_cidrs given (derived ones are its /24 number 1, 2, 11 and 12)",
                )
            )
        else:
            problems += self.network().problems()
        return problems


@dataclass(frozen=True)
class Fleet:
    """A validated fleet file: the environment every site takes, the stack set, the rollout, the sites."""

    name: str
    environment: Environment
    stack_set: StackSetSettings
    rollout: RolloutSettings
    sites: tuple[Site, ...]

    @property
    def stack_set_name(self) -> str:
        return self.stack_set.name or f"iot-platform-{self.name}"

    @property
    def template_name(self) -> str:
        """The stem of its template and picture in ``templates/``, which no environment can take."""
        return template_name(self.name)

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({site.region for site in self.sites}))

    @property
    def accounts(self) -> tuple[str, ...]:
        """The sites' accounts, each once, sorted."""
        return tuple(sorted({site.account for site in self.sites}))

    @property
    def administration_role(self) -> tuple[str, str]:
        """Self-managed: the administration role's path (``/`` unless the ARN gives one) and name."""
        arn = self.stack_set.administration_role_arn
        if not arn:
            return "/", DEFAULT_ADMINISTRATION_ROLE
        *folders, name = arn.split(":role/", 1)[1].split("/")
        return "/" + "".join(f"{folder}/" for folder in folders), name

    @property
    def execution_role(self) -> str:
        """Self-managed: the execution role's name in each site's account."""
        return self.stack_set.execution_role_name or DEFAULT_EXECUTION_ROLE


def template_name(fleet: str) -> str:
    """``fleet-<name>``: environments may not be named ``fleet-*`` (:mod:`generator.config.load`)."""
    return f"fleet-{fleet}"


# The two roles of a self-managed stack set, each a template of its own (generator.fleet.roles).
ROLES = ("administration", "execution")


def role_template_name(fleet: str, role: str) -> str:
    """``fleet-<name>-<role>``: no fleet may be named ``<other fleet>-<role>`` (:mod:`generator.fleet.load`)."""
    return f"{template_name(fleet)}-{role}"
