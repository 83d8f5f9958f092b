"""``iotstack bootstrap --fleet NAME``: what a fleet's stack set needs before its first deploy.

In the administrator account and the stack set's region (the environment's): the bootstrap stack (the template
bucket: a fleet's template is over CloudFormation's inline limit) and, for a self-managed stack set, the
administration role's stack ``iotstack-fleet-<name>-administration``, from the committed
``templates/fleet-<name>-administration.json``; each passes the gate and goes through a change set, exactly as
``deploy`` ships a template (:func:`generator.deploy.commands.ship`).

The execution role belongs in every account of the fleet's sites, which the administrator account's credentials
do not reach. The result names its template and the one command that deploys it in a site's account with that
account's credentials: ``iotstack bootstrap --fleet NAME --execution-role``
(:func:`bootstrap_execution_role`: the credentials must belong to one of the sites' accounts; the same gate and
change set, stack ``iotstack-fleet-<name>-execution``), or the AWS CLI's ``cloudformation deploy`` of the same
file. The administration role comes first: IAM refuses a trust policy naming a role that does not exist.

A service-managed stack set's roles are AWS Organizations': bootstrap makes none and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from generator.deploy.commands import bootstrap, ship
from generator.deploy.context import Deployment, StackTarget
from generator.errors import UsageError
from generator.fleet.deploy import FleetDeployment
from generator.fleet.settings import Fleet, role_template_name
from generator.generate import build_fleet_roles
from generator.review.gate import gate

SELF_MANAGED = "self-managed"


def stack_name(fleet: Fleet, role: str) -> str:
    """``iotstack-fleet-<name>-<role>``: the stack of one of the fleet's roles."""
    return f"iotstack-fleet-{fleet.name}-{role}"


def role_target(fleet: Fleet, role: str) -> StackTarget:
    """The stack of a role: protected from deletion (the stack set fails without it), no stack policy (a role
    holds no data), no outputs file (its one output, the role's ARN, is the name it was given)."""
    return StackTarget(stack_name(fleet, role), role_template_name(fleet.name, role), "bootstrap",
                  termination_protection=True, stack_policy=False, outputs=False)  # fmt: skip


@dataclass(frozen=True)
class FleetBootstrap:
    """What ``bootstrap --fleet`` did, and what is left to do in the sites' accounts."""

    fleet: str
    permission_model: str
    region: str  # the stack set's, where the stacks live
    administration_stack: str | None = None  # made or updated; None: service-managed
    execution_template: Path | None = None  # to deploy in each site's account; None: service-managed
    execution_stack: str | None = None
    accounts: tuple[str, ...] = ()  # the sites' accounts, each needing the execution role
    parameters: tuple[str, ...] = ()  # what the execution template asks for (no [stack_set] account given)

    @property
    def command(self) -> str:
        """The one command that deploys the execution role in a site's account, with its credentials."""
        return f"iotstack bootstrap --fleet {self.fleet} --execution-role"

    def aws_cli(self, shown: str) -> str:
        """The same with the AWS CLI, for ``shown`` (the execution template's path as the user sees it)."""
        overrides = "".join(f" --parameter-overrides {p}=<administrator account>" for p in self.parameters)
        return (f"aws cloudformation deploy --region {self.region} --stack-name {self.execution_stack} "
                f"--template-file {shown} --capabilities CAPABILITY_NAMED_IAM{overrides}")  # fmt: skip


def bootstrap_fleet(d: FleetDeployment) -> FleetBootstrap:
    """The template bucket and, for a self-managed stack set, the administration role, in the administrator
    account (see the module's docstring)."""
    fleet = d.fleet
    deployment = Deployment(fleet.environment, d.workspace, d.cloud, d.console, d.options)
    model = fleet.stack_set.permission_model
    if model != SELF_MANAGED:
        bootstrap(deployment)
        return FleetBootstrap(fleet.name, model, fleet.environment.region)
    (administration,) = build_fleet_roles(fleet, d.workspace, roles=("administration",))
    committed = gate([administration], d.workspace)[administration.name]  # before anything is made
    bootstrap(deployment)
    ship(replace(deployment, target=role_target(fleet, "administration")), committed)
    execution = d.workspace.template(role_template_name(fleet.name, "execution"))
    parameters = () if fleet.stack_set.account else ("AdministratorAccount",)
    return FleetBootstrap(fleet.name, model, fleet.environment.region, stack_name(fleet, "administration"), execution,
                          stack_name(fleet, "execution"), fleet.accounts, parameters)  # fmt: skip


def has_execution_role(fleet: Fleet) -> None:
    """Refuse ``--execution-role`` for a fleet that has none to deploy here, before any AWS call."""
    if fleet.stack_set.permission_model != SELF_MANAGED:
        raise UsageError(f"fleet {fleet.name} is {fleet.stack_set.permission_model}: AWS Organizations holds its "
                         "stack set's roles; there is no execution role to deploy")  # fmt: skip
    if not fleet.stack_set.account:
        raise UsageError(f"fleet {fleet.name} names no [stack_set] account, which the execution role must trust: "
                         f"set it, or deploy {role_template_name(fleet.name, 'execution')}.json with its "
                         "AdministratorAccount parameter")  # fmt: skip


def bootstrap_execution_role(d: FleetDeployment) -> str:
    """The execution role's stack in the account of ``d``'s credentials, one of the sites' (the caller's
    gateway checked that: :func:`generator.aws.accounts.for_fleet_site`); returns the stack's name."""
    fleet = d.fleet
    has_execution_role(fleet)
    (execution,) = build_fleet_roles(fleet, d.workspace, roles=("execution",))
    deployment = Deployment(fleet.environment, d.workspace, d.cloud, d.console, d.options,
                            role_target(fleet, "execution"))  # fmt: skip
    ship(deployment, gate([execution], d.workspace)[execution.name])
    return stack_name(fleet, "execution")
