"""The AWS gateway of what a command works on, behind its account guard: an environment's stack
(``deploy.account``), a fleet's stack set (``[stack_set] account``, the administrator account) or a fleet's
execution role (one of its sites' accounts). STS is asked first, and no other call is made unless the
credentials belong to the account the file names. (``connect`` is looked up on the gateway module when called:
the tests point it at a Stubber or the emulator.)"""

from __future__ import annotations

from collections.abc import Callable

from generator.aws import gateway
from generator.aws.gateway import Cloud, to_stderr
from generator.config import Environment
from generator.errors import UsageError
from generator.fleet.settings import Fleet


def for_environment(env: Environment, notify: Callable[[str], None] | None = None) -> Cloud:
    """The gateway for ``env``: its region, its ``deploy.profile``, and when the file names an
    ``deploy.account``, the account guard: STS first, and no other call unless the credentials belong
    to that account (deploying prod with dev's credentials, or dev with prod's, is refused)."""
    cloud = gateway.connect(env.region, notify, env.deploy.profile)
    if env.deploy.account or env.deploy.profile:  # where the credentials come from matters: say it
        (notify or to_stderr)(f"AWS credentials: {cloud.source}" + (f"; account {env.deploy.account} expected"
                                                                      if env.deploy.account else ""))  # fmt: skip
    if env.deploy.account:
        actual = cloud.account()
        if actual != env.deploy.account:
            raise UsageError(f"refused: the AWS credentials ({cloud.source}) belong to account {actual}, but "
                             f"{env.name}.toml says deploy.account = \"{env.deploy.account}\": use {env.name}'s "
                             "credentials (its deploy.profile, AWS_PROFILE, or a pipeline role of that account)"
                             )  # fmt: skip
    return cloud


def for_fleet(fleet: Fleet, notify: Callable[[str], None] | None = None) -> Cloud:
    """The gateway for a fleet's stack set: the administrator account (``[stack_set] account``, guarded like an
    environment's ``deploy.account``) in the fleet environment's region, with its ``deploy.profile``."""
    env = fleet.environment
    cloud = gateway.connect(env.region, notify, env.deploy.profile)
    expected = fleet.stack_set.account
    if expected:
        (notify or to_stderr)(f"AWS credentials: {cloud.source}; administrator account {expected} expected")
        actual = cloud.account()
        if actual != expected:
            raise UsageError(f"refused: the AWS credentials ({cloud.source}) belong to account {actual}, but fleet "
                             f"{fleet.name}'s stack_set.account is \"{expected}\" (the administrator account): use "
                             "that account's credentials")  # fmt: skip
    return cloud


def for_fleet_site(fleet: Fleet, notify: Callable[[str], None] | None = None) -> Cloud:
    """The gateway for one of the fleet's sites' accounts, with the shell's own credentials (never the
    administrator account's ``deploy.profile``), in the stack set's region: no other call unless the credentials
    belong to an account of the fleet's sites (``bootstrap --fleet NAME --execution-role``)."""
    cloud = gateway.connect(fleet.environment.region, notify)
    (notify or to_stderr)(f"AWS credentials: {cloud.source}; one of fleet {fleet.name}'s site accounts expected "
                          f"({', '.join(fleet.accounts)})")  # fmt: skip
    actual = cloud.account()
    if actual not in fleet.accounts:
        raise UsageError(f"refused: the AWS credentials ({cloud.source}) belong to account {actual}, which no site of "
                         f"fleet {fleet.name} is in ({', '.join(fleet.accounts)}): use the credentials of the site "
                         "account the execution role is for")  # fmt: skip
    return cloud
