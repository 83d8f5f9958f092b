"""A local AWS for the tests and ``make demo``: moto's server on 127.0.0.1, with its known bugs patched.

Test and demo support, not product: the tests (``tests/conftest.py``) and ``make demo``
(``scripts/demo.py``) start it; nothing under ``generator/`` imports it. moto is a test dependency
(``pip install -e '.[test]'``).
The patches change moto, in this process only, never the templates. What moto 5.2.5 gets wrong
with our stack, measured against its plain server, and what the patches make of it:

Resources
- ``AWS::KMS::Key`` with CloudFormation-style tags (``Key``/``Value``) crashes with
  ``KeyError: 'TagKey'``: moto hands them to its KMS tagger, which expects ``TagKey``/``TagValue``.
  Its ``KeyPolicy`` is kept as a dict, so KMS ``DescribeKey`` of the key answers 500 (``json.loads``
  of a dict). Tags are translated and the policy is stored as JSON text.
- Every KMS key, a symmetric one too, got a 2,048-bit RSA key pair of its own (for asymmetric
  signing), half of the emulator's time in a deploy of dev with its five keys. A symmetric key
  cannot sign, so the symmetric keys of one process share one pair; asymmetric keys keep their own.
- An ``aurora-postgresql`` ``AWS::RDS::DBInstance`` without ``EngineVersion`` (the cluster's version
  applies) crashes with ``KeyError: 'aurora-postgresql'``: moto has no default version for it.
- ``Fn::GetAZs`` with ``{"Ref": "AWS::Region"}`` (troposphere's usual form) is not resolved, so a
  subnet's zone becomes ``{'Ref': 'AWS::Region'}a`` and EC2 refuses it.
- A resource that fails to create or update inside ExecuteChangeSet made the call answer with that
  service's own error (a Kinesis ``ResourceInUseException`` as JSON where botocore expects
  CloudFormation's XML: "Unable to parse response"). Now the execution is accepted and the stack
  fails as on AWS, with the resource's event and reason: a CREATE rolls back (what it made is
  deleted, ``ROLLBACK_COMPLETE``); an UPDATE ends ``UPDATE_ROLLBACK_FAILED``, because moto cannot
  undo half an update (a test that meets it should say so).

Deleting a stack
- **After a delete the stream and the VPC were back.** DeleteStack did delete them, but moto
  computes a stack's outputs and resources lazily from its template on every read, and after the
  delete nothing was left to read from: the DescribeStacks (by stack id) that follows a delete
  re-created every resource an output refers to (the Kinesis stream; the VPC with its subnets,
  security groups and main route table; the KMS keys), so the next deploy of dev failed on the
  stream's name with the unparsable answer above. A deleted stack now has nothing to compute and no
  outputs (AWS shows none for one either), and no read (``Describe*``, ``List*``, ``Get*``) creates
  a resource any more, whatever the stack's state.
- moto has no delete for route tables, internet gateways and their attachments, routes, subnet
  associations, security-group ingress rules, flow logs and VPC endpoints, and skips them without a
  word: the gateway and the flow log stayed, and a route table kept the VPC from being deleted. Each
  now has one. A resource already gone counts as deleted, as on AWS.
- A resource that fails to delete made DeleteStack answer that service's error (an EC2
  ``DependencyViolation``) and drop the stack ("does not exist"); it now ends ``DELETE_FAILED`` with
  the reason and can be deleted again. The stack's change sets go with it.
- moto honours ``DeletionPolicy: Retain`` only, not ``Snapshot`` (for the types it skips anyway).

Stacks
- After a change set runs, the stack's outputs are never computed, an update's tags never reach
  the stack (so ``status`` could not tell what was deployed), and its exports are never registered
  (so deleting the stack crashes with a KeyError). Computed, an output whose ``GetAtt`` names a
  resource moto skipped fails the whole DescribeStacks call: such values read ``(not emulated)``.
  Every output got the ``ExportName`` of the first output with the same value (moto matches by
  value; all ``(not emulated)`` outputs shared one): each now gets its own.
- ``UpdateTerminationProtection`` answered 500 (not implemented), so a deploy that protects its
  stack failed after creating it, and DeleteStack ignored the flag. It is stored, shown by
  DescribeStacks, and DeleteStack of a protected stack answers ``ValidationError: Stack [name]
  cannot be deleted while TerminationProtection is enabled``.
- ``ContinueUpdateRollback`` answered 500 (not implemented). It works from
  ``UPDATE_ROLLBACK_FAILED`` only (else ``ValidationError``; the wording is unverified), accepts
  ``ResourcesToSkip`` (only resources whose rollback failed, as AWS), marks them
  ``UPDATE_COMPLETE`` and ends ``UPDATE_ROLLBACK_COMPLETE``, with the events. moto never fails a
  rollback: :func:`fail_rollback` puts a stack there for a test.
- An UPDATE change set on a stack that cannot take one (``ROLLBACK_COMPLETE``,
  ``UPDATE_ROLLBACK_FAILED``, ``REVIEW_IN_PROGRESS``...) was accepted; it answers AWS's
  ``ValidationError: Stack:<id> is in <status> state and can not be updated.`` CreateStack of a
  live name says ``Stack [name] already exists``, AWS's wording.

Change sets
- A CREATE change set for a stack name that exists made another stack of that name, whatever the
  first one's state. For a stack in ``REVIEW_IN_PROGRESS`` it now attaches to that stack, as AWS
  does; for any other live stack it answers ``ValidationError: Stack [name] already exists and
  cannot be created again with the changeSet [cs].`` (AWS's answer as users report it, e.g.
  compose-x/ecs_composex#785; CreateStack's answer is ``AlreadyExistsException``).
- A change-set name that exists on the stack made a second change set of that name. It answers
  ``AlreadyExistsException: ChangeSet [name] already exists``; with another ClientToken than the
  existing one's, AWS's ``ChangeSet name cannot be created due to a mismatch with existing
  attribute ClientToken``. (AWS may treat an identical retry without a token as the same change
  set; unmeasured.)
- A missing change set answered ``ValidationError: Stack with id <name> does not exist``
  (DescribeChangeSet) or 500 (ExecuteChangeSet, DeleteChangeSet), and every lookup by name ignored
  the stack given. Describe and Execute answer ``ChangeSetNotFound: ChangeSet [name] does not
  exist`` (404), looking on the given stack only. DeleteChangeSet of a missing change set succeeds,
  as on AWS (its API lists no ChangeSetNotFound; sceptre#449 and ministack#1625 measured a 200, and
  the AWS CDK relies on it); for a stack that does not exist it answers ``ValidationError: Stack
  [name] does not exist``.
- ExecuteChangeSet ran any change set again, an executed or an empty (``FAILED``) one included.
  Only an ``AVAILABLE`` one runs, else ``InvalidChangeSetStatus: ChangeSet [arn] cannot be executed
  in its current execution status of [EXECUTE_COMPLETE]`` (AWS's wording); running one makes the
  stack's other change sets ``OBSOLETE``, as on AWS.
- ListChangeSets listed the change sets of every stack; it lists the given stack's.
- GetTemplate with ``ChangeSetName`` answered with the stack's template (for a new stack in review,
  an empty one); it answers with the change set's, as AWS does.

Idempotency tokens: ``ClientToken`` and ``ClientRequestToken`` were ignored, and malformed ones
accepted. Now a repeated CreateChangeSet with the same ClientToken answers the same change set and
creates nothing; a repeated ExecuteChangeSet, DeleteStack, ContinueUpdateRollback, CreateStack or
UpdateStack with the same ClientRequestToken answers as the first did and does nothing more; the
token on another request answers ``TokenAlreadyExistsException``; every stack event of an
operation carries its token (DescribeStackEvents' ``ClientRequestToken``); a token that breaks
AWS's pattern or length answers its ValidationError. :func:`ignoring_tokens` turns honouring off,
to show that a client copes with a service (or a retry path) that ignores them.

Stack sets: tests/support/stack_sets.py replaces moto's stack-set actions (operations that take time and
honour their preferences, real target stacks, failures and drift on demand); its docstring lists what moto
gets wrong there.

Every CloudFormation request runs under one lock: moto's models are not thread-safe, and the
server answers each request on its own thread.

Still not emulated: moto creates nothing for ``AWS::RDS::DBCluster``,
``AWS::ElastiCache::ReplicationGroup`` and ``SubnetGroup``, ``AWS::SecretsManager::Secret``,
``SecretTargetAttachment`` and ``RotationSchedule`` (their outputs read ``(not emulated)``), nor, of
alerting (``[alerts]``, tests/deploy/test_alerting_on_emulator.py), for ``AWS::CloudWatch::Alarm``,
``AWS::SNS::Subscription``, ``AWS::SNS::TopicPolicy`` and ``AWS::RDS::EventSubscription``: no alarm
is ever evaluated, no email is subscribed, no topic policy is applied (a topic keeps moto's default
one), no RDS or ElastiCache event is published. It does create the topics (``KmsMasterKeyId`` is
stored; nothing is encrypted), the dashboard (its body as sent) and the EventBridge rule with its
target, and deletes them with the stack. It never reports ``Replacement`` or ``Scope`` in a change
set; it emits no per-resource events for a create, update or delete, only the stack's own; every
operation runs synchronously within its request (a stack is never seen ``*_IN_PROGRESS``); KMS keys
are deleted at once (AWS schedules them); executed and obsolete change sets stay listed; stack
policies are stored, not enforced. Those cases are covered with botocore's Stubber in the tests.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import re
import shlex
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

# The version an Aurora instance reports when its template leaves the version to the cluster.
_AURORA_INSTANCE_VERSION = "15.10"

# The value of an output whose resource moto does not create.
NOT_EMULATED = "(not emulated)"

# moto's account when the credentials name none (ours are dummies).
ACCOUNT_ID = "123456789012"

# The states an UPDATE change set may start from (CloudFormation User Guide, "Stack status codes").
_UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
              "IMPORT_ROLLBACK_COMPLETE"}  # fmt: skip

# AWS's constraints on ClientRequestToken (botocore's model; botocore checks neither).
_REQUEST_TOKEN = re.compile(r"[a-zA-Z0-9][-a-zA-Z0-9]*")
_TOKEN_MAX = 128

_patch_lock = threading.Lock()
_patched = False
# One lock for every CloudFormation request and for fail_rollback(): see the module's docstring.
_cfn_lock = threading.RLock()
# The ClientRequestToken of the operation the current thread runs, stamped on its stack events.
_operation = threading.local()
_honour_tokens = True


@contextmanager
def ignoring_tokens() -> Iterator[None]:
    """Inside the block the emulator ignores ``ClientToken`` and ``ClientRequestToken``, as moto
    does: a repeated call acts again, and stack events carry no token (formats are still checked)."""
    global _honour_tokens
    with _cfn_lock:
        before, _honour_tokens = _honour_tokens, False
    try:
        yield
    finally:
        with _cfn_lock:
            _honour_tokens = before


def fail_rollback(
    stack_name: str,
    failed: Iterable[str] = (),
    until_skipped: bool = False,
    region: str | None = None,
    account_id: str = ACCOUNT_ID,
) -> None:
    """Test support: put a live stack into ``UPDATE_ROLLBACK_FAILED``, as a failed update whose
    rollback failed too would (moto never fails either), with the events AWS would show.

    ``failed`` names the resources whose rollback failed: only those may be passed to
    ``ContinueUpdateRollback``'s ``ResourcesToSkip``. With ``until_skipped``, a
    ContinueUpdateRollback that does not skip all of them fails again. ``region``: where the stack
    is, when more than one region has a stack of that name.
    """
    from moto.cloudformation.models import cloudformation_backends

    _patch_moto()
    with _cfn_lock:
        backends = cloudformation_backends[account_id]
        regions = [region] if region else list(backends)  # the regions in use so far
        found = [s for s in (_live_stack(backends[r], stack_name) for r in regions) if s is not None]
        if len(found) != 1 or found[0].status not in _UPDATABLE:
            where = f"in {region}" if region else f"in the regions in use ({', '.join(regions) or 'none'})"
            state = found[0].status if len(found) == 1 else f"there {len(found)} times"
            raise ValueError(f"fail_rollback: stack {stack_name} {where} is {state}, not one stack an update could "
                             "fail on")  # fmt: skip
        (stack,) = found
        failed = tuple(failed)
        _stack_event(stack, "UPDATE_IN_PROGRESS", "User Initiated")
        for logical_id in failed:
            _resource_event(stack, logical_id, "UPDATE_FAILED", "Update failed (emulated by fail_rollback)")
        reason = f"The following resource(s) failed to update: [{', '.join(failed)}]." if failed else None
        _stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
        for logical_id in failed:
            _resource_event(stack, logical_id, "UPDATE_FAILED", "Rollback failed (emulated by fail_rollback)")
        _stack_event(stack, "UPDATE_ROLLBACK_FAILED", reason)
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.iotstack_rollback_failed = set(failed)
        stack.iotstack_fail_until_skipped = until_skipped


def _patch_moto() -> None:
    """Apply the workarounds in the module's docstring, once per process."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        _patch_resources()
        _patch_kms()
        _patch_outputs()
        _patch_stacks()
        _patch_change_sets()
        _patch_tokens()
        from tests.support import stack_sets  # after _patch_tokens: it wraps the locked call_action

        stack_sets.patch()
        # moto warns and logs for every resource it skips (the module docstring lists them), and the
        # server logs every request: iotstack's own output is what a reader of the demo should see.
        warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto", category=UserWarning)
        logging.getLogger("moto").setLevel(logging.ERROR)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _patched = True


# --- errors, in AWS's codes (botocore maps each code to its HTTP status and exception class) ------------------


def _error(code: str, message: str) -> Exception:
    from moto.cloudformation.exceptions import CloudFormationError

    return CloudFormationError(code, message)


def _validation(message: str) -> Exception:
    from moto.cloudformation.exceptions import ValidationError

    return ValidationError(message=message)


# --- lookups --------------------------------------------------------------------------------------------------


def _live_stack(backend, name_or_id: str | None):
    """The stack of that name or id that is not deleted, or None (AWS finds deleted stacks only by id)."""
    if not name_or_id:
        return None
    if name_or_id in backend.stacks:
        return backend.stacks[name_or_id]
    return next((s for s in backend.stacks.values() if s.name == name_or_id), None)


def _change_set(backend, name_or_id: str, stack_name: str | None):
    """The change set ``name_or_id`` (an ARN, or a name on the stack ``stack_name``), or None."""
    if name_or_id.startswith("arn:"):
        return backend.change_sets.get(name_or_id)
    if not stack_name:
        raise _validation("StackName must be specified if ChangeSetName is not specified as an ARN.")
    stack = _live_stack(backend, stack_name)
    if stack is None:
        return None
    return next((c for c in backend.change_sets.values()
                 if c.change_set_name == name_or_id and c.stack_id == stack.stack_id), None)  # fmt: skip


def _gone(exc: Exception) -> bool:
    """Whether a service's error says that the thing is not there (its code, as moto raises it)."""
    names = (getattr(exc, "error_type", None), getattr(exc, "code", None), type(exc).__name__)
    return any(isinstance(n, str) and ("NotFound" in n or "NoSuch" in n) for n in names)


def _not_found(name: str) -> Exception:
    return _error("ChangeSetNotFound", f"ChangeSet [{name}] does not exist")


# --- events ---------------------------------------------------------------------------------------------------


def _stamp(event) -> None:
    event.client_request_token = getattr(_operation, "token", None)


def _stack_event(stack, status: str, reason: str | None = None) -> None:
    stack._add_stack_event(status, resource_status_reason=reason)  # stamped by the patch in _patch_tokens


def _resource_event(stack, logical_id: str, status: str, reason: str | None = None) -> None:
    from moto.cloudformation.models import Event

    resource = stack.resource_map._resource_json_map.get(logical_id) or {}  # the template being applied
    parsed = stack.resource_map._parsed_resources.get(logical_id)
    event = Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                  physical_resource_id=getattr(parsed, "physical_resource_id", None) or "",
                  resource_type=resource.get("Type", "AWS::CloudFormation::CustomResource"),
                  resource_status=status, resource_status_reason=reason, resource_properties=None)  # fmt: skip
    _stamp(event)
    stack.events.append(event)


# --- the patches ----------------------------------------------------------------------------------------------


def _patch_kms() -> None:
    """One RSA key pair for every symmetric key (they never sign with it), made once per process."""
    from moto.kms import models, utils

    shared = functools.cache(utils.generate_private_key)

    def private_key(key_spec: str):
        return shared(key_spec) if key_spec == "SYMMETRIC_DEFAULT" else utils.generate_private_key(key_spec)

    models.generate_private_key = private_key


def _patch_resources() -> None:
    """KMS keys' tags and policy, Aurora instances' version, ``Fn::GetAZs``, a delete for every EC2 type
    of our templates, and the failing resource named in its error."""
    from moto.cloudformation import parsing
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.flow_logs import FlowLogs
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.security_groups import SecurityGroupIngress
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
    from moto.kms.models import Key
    from moto.rds.models import DBInstance

    create_key = Key.create_from_cloudformation_json.__func__

    def create_key_with_cfn_tags(cls, resource_name, cloudformation_json, *args, **kwargs):
        properties = dict(cloudformation_json.get("Properties", {}))
        properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])]
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        return create_key(cls, resource_name, {**cloudformation_json, "Properties": properties}, *args, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create_key_with_cfn_tags)
    DBInstance.default_engine_versions.setdefault("aurora-postgresql", _AURORA_INSTANCE_VERSION)

    clean_json = parsing.clean_json  # recursive through the module global, so wrapping it reaches every level

    def clean_json_patched(resource_json, resources_map):
        if isinstance(resource_json, dict):
            if isinstance(resource_json.get("Fn::GetAZs"), dict):
                resource_json = {"Fn::GetAZs": clean_json(resource_json["Fn::GetAZs"], resources_map)}
            target = (resource_json.get("Fn::GetAtt") or [None])[0]
            declared = getattr(resources_map, "_resource_json_map", {})  # a condition passes a plain dict
            if target in declared and resources_map[target] is None:
                return NOT_EMULATED  # a resource type moto skips
        return clean_json(resource_json, resources_map)

    parsing.clean_json = clean_json_patched

    create_resource = parsing.parse_and_create_resource
    update_resource = parsing.parse_and_update_resource

    def naming_the_resource(act):
        def wrapper(logical_id, *args, **kwargs):
            try:
                return act(logical_id, *args, **kwargs)
            except Exception as exc:
                exc.iotstack_logical_id = getattr(exc, "iotstack_logical_id", logical_id)
                raise

        return wrapper

    parsing.parse_and_create_resource = naming_the_resource(create_resource)
    parsing.parse_and_update_resource = naming_the_resource(update_resource)

    delete_resource = parsing.ResourceMap._delete_resource

    def delete_resource_if_there(self, parsed_resource, resource_json):
        """As AWS: a resource already gone (deleted behind the stack's back) counts as deleted."""
        try:
            delete_resource(self, parsed_resource, resource_json)
        except Exception as exc:
            if not _gone(exc):
                exc.iotstack_logical_id = getattr(parsed_resource, "logical_resource_id", None)
                raise

    parsing.ResourceMap._delete_resource = delete_resource_if_there

    # moto has no delete for these types and skips them silently: DeleteStack "succeeds" and leaves them.
    def delete_route_table(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_route_table(self.id)

    def detach_gateway(self, account_id, region_name):
        ec2_backends[account_id][region_name].detach_internet_gateway(self.gateway_id, self.vpc_id)

    def delete_gateway(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_internet_gateway(self.id)

    def delete_flow_log(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_flow_logs([self.id])

    def delete_endpoint(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_vpc_endpoints([self.id])

    def delete_route(self, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        if self.route_table.id in ec2.route_tables and self.id in self.route_table._routes:  # else gone with its table
            ec2.delete_route(self.route_table.id, self.destination_cidr_block, self.destination_ipv6_cidr_block,
                             self.destination_prefix_list_id)  # fmt: skip

    def delete_association(self, account_id, region_name):
        ec2_backends[account_id][region_name].subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)

    def revoke_ingress(self, account_id, region_name):
        ec2 = ec2_backends[account_id][region_name]
        if self.security_group.id not in ec2.groups.get(self.security_group.vpc_id, {}):
            return  # gone with its group
        p = self.properties
        source = {k: v for k, v in (("GroupId", p.get("SourceSecurityGroupId")),
                                    ("GroupName", p.get("SourceSecurityGroupName"))) if v}  # fmt: skip
        ec2.revoke_security_group_ingress(
            group_name_or_id=self.security_group.id, ip_protocol=p.get("IpProtocol"), from_port=p.get("FromPort"),
            to_port=p.get("ToPort"), ip_ranges=[{"CidrIp": p["CidrIp"], "Description": p.get("Description")}]
            if p.get("CidrIp") else [], source_groups=[source] if source else [],
        )  # fmt: skip

    RouteTable.delete = delete_route_table
    VPCGatewayAttachment.delete = detach_gateway
    InternetGateway.delete = delete_gateway
    FlowLogs.delete = delete_flow_log
    VPCEndPoint.delete = delete_endpoint
    Route.delete = delete_route
    SubnetRouteTableAssociation.delete = delete_association
    SecurityGroupIngress.delete = revoke_ingress


def _patch_outputs() -> None:
    """Outputs, tags and exports after a change set runs; each output's own export name; none for a
    deleted stack; stack resources without the ones moto skipped."""
    from moto.cloudformation import models as cfn
    from moto.cloudformation.parsing import clean_json

    apply = cfn.ChangeSet.apply

    def apply_with_outputs(self):
        apply(self)
        self.stack.template = self.template
        self.stack._parse_template()
        self.stack.output_map = self.stack._create_output_map()
        exports = cfn.cloudformation_backends[self.stack.account_id][self.stack.region_name].exports
        for name in [n for n, e in exports.items() if e.exporting_stack_id == self.stack.stack_id]:
            del exports[name]
        exports.update({export.name: export for export in self.stack.exports})
        if self.tags:
            self.stack.tags = self.tags

    cfn.ChangeSet.apply = apply_with_outputs

    def outputs(self):
        if self.status == "DELETE_COMPLETE":
            return None
        declared = self.output_map._output_json_map or {}
        shown = []
        for key in declared:
            output = self.output_map[key]
            if output is None:
                continue
            export = (declared[key].get("Export") or {}).get("Name")
            shown.append({"OutputKey": key, "OutputValue": output.value, "Description": output.description,
                          "ExportName": clean_json(export, self.resource_map) if export else None})  # fmt: skip
        return shown or None

    cfn.Stack.outputs = property(outputs)
    # A resource moto skips (or that failed) is None in the map: no entry, rather than one of nulls.
    cfn.Stack.stack_resources = property(lambda self: [r for r in self.resource_map.values() if r is not None])
    exports = cfn.Stack.exports.fget
    cfn.Stack.exports = property(lambda self: [] if self.status == "DELETE_COMPLETE" else exports(self))


def _patch_stacks() -> None:
    """DeleteStack, UpdateTerminationProtection, ContinueUpdateRollback, ExecuteChangeSet's failures."""
    from moto.cloudformation import models as cfn
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.core.responses import ActionResult, EmptyResult

    def delete_stack(self, name_or_stack_id):
        stack = _live_stack(self, name_or_stack_id)
        if stack is None:
            return  # AWS: deleting a stack that is gone (or never was) is a success
        if stack.enable_termination_protection:
            raise _validation(f"Stack [{stack.name}] cannot be deleted while TerminationProtection is enabled")
        exports = [export.name for export in stack.exports]
        _stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        try:
            stack.resource_map.delete()
        except Exception as exc:
            stack.status = "DELETE_FAILED"
            logical_id = getattr(exc, "iotstack_logical_id", None)
            if logical_id:
                _resource_event(stack, logical_id, "DELETE_FAILED", str(exc))
            _stack_event(stack, "DELETE_FAILED", f"The following resource(s) failed to delete: {exc}")
            return
        _stack_event(stack, "DELETE_COMPLETE")
        stack.status = "DELETE_COMPLETE"
        # Nothing left to compute: without this a read of the deleted stack re-creates its resources.
        stack.resource_map._resource_json_map = {}
        self.stacks.pop(stack.stack_id)
        self.deleted_stacks[stack.stack_id] = stack
        for name in exports:
            self.exports.pop(name, None)
        for change_set_id in [i for i, c in self.change_sets.items() if c.stack_id == stack.stack_id]:
            del self.change_sets[change_set_id]

    cfn.CloudFormationBackend.delete_stack = delete_stack

    def update_termination_protection(self):
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
        return ActionResult({"StackId": stack.stack_id})

    def continue_update_rollback(self):
        stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
        skip = list(self._get_param("ResourcesToSkip", []) or [])
        if stack.status != "UPDATE_ROLLBACK_FAILED":
            raise _validation("ContinueUpdateRollback cannot be called from current stack status")
        failed = getattr(stack, "iotstack_rollback_failed", set())
        wrong = [r for r in skip if r not in failed]
        if wrong:
            raise _validation(f"Resources [{', '.join(wrong)}] cannot be skipped: only resources in UPDATE_FAILED "
                              "state because their rollback failed can be skipped")  # fmt: skip
        _stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", "Continue rollback requested by user.")
        for logical_id in skip:
            _resource_event(stack, logical_id, "UPDATE_COMPLETE", "Resource skipped during UPDATE_ROLLBACK")
        left = sorted(failed - set(skip))
        if left and getattr(stack, "iotstack_fail_until_skipped", False):
            for logical_id in left:
                _resource_event(stack, logical_id, "UPDATE_FAILED", "Rollback failed (emulated by fail_rollback)")
            _stack_event(stack, "UPDATE_ROLLBACK_FAILED",
                         f"The following resource(s) failed to update: [{', '.join(left)}].")  # fmt: skip
            return EmptyResult()
        for logical_id in left:
            _resource_event(stack, logical_id, "UPDATE_COMPLETE")
        _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        _stack_event(stack, "UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        stack.iotstack_rollback_failed = set()
        return EmptyResult()

    CloudFormationResponse.update_termination_protection = update_termination_protection
    CloudFormationResponse.continue_update_rollback = continue_update_rollback

    execute = cfn.CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        """The original, with a resource's failure turned into the stack's, and the stack's other change
        sets made ``OBSOLETE`` (they were made against what the stack no longer is), as on AWS."""
        change_set = self.change_sets[change_set_name]  # an ARN: the response looked it up
        stack = self.stacks[change_set.stack_id]
        for other in self.change_sets.values():
            if other.stack_id == stack.stack_id and other is not change_set and other.execution_status == "AVAILABLE":
                other.execution_status = "OBSOLETE"
        try:
            execute(self, change_set_name, stack_name)
        except Exception as exc:
            _failed_execution(stack, change_set, exc)

    cfn.CloudFormationBackend.execute_change_set = execute_change_set

    create_stack = cfn.CloudFormationBackend.create_stack

    def create_stack_unless_live(self, name, *args, **kwargs):
        if _live_stack(self, name) is not None:
            raise _error("AlreadyExistsException", f"Stack [{name}] already exists")  # AWS's wording
        return create_stack(self, name, *args, **kwargs)

    cfn.CloudFormationBackend.create_stack = create_stack_unless_live


def _failed_execution(stack, change_set, exc: Exception) -> None:
    """A create that failed rolls back (deletes what it made); an update that failed ends
    UPDATE_ROLLBACK_FAILED (moto cannot undo half an update)."""
    logical_id = getattr(exc, "iotstack_logical_id", None)
    creating = change_set.change_set_type == "CREATE"
    if logical_id:
        _resource_event(stack, logical_id, "CREATE_FAILED" if creating else "UPDATE_FAILED", str(exc))
    reason = f"The following resource(s) failed to {'create' if creating else 'update'}: [{logical_id or '?'}]."
    change_set.execution_status = "EXECUTE_FAILED"
    if creating:
        _stack_event(stack, "ROLLBACK_IN_PROGRESS", reason + " Rollback requested by user.")
        try:
            stack.resource_map.delete()
        except Exception as cleanup:
            stack.status = "ROLLBACK_FAILED"
            _stack_event(stack, "ROLLBACK_FAILED", f"The following resource(s) failed to delete: {cleanup}")
            return
        stack.resource_map._resource_json_map = {}  # nothing left (see delete_stack)
        stack.status = "ROLLBACK_COMPLETE"
        _stack_event(stack, "ROLLBACK_COMPLETE")
    else:
        _stack_event(stack, "UPDATE_ROLLBACK_IN_PROGRESS", reason)
        if logical_id:
            _resource_event(stack, logical_id, "UPDATE_FAILED", "The emulator cannot roll back an update")
        stack.status = "UPDATE_ROLLBACK_FAILED"
        stack.iotstack_rollback_failed = {logical_id} if logical_id else set()
        _stack_event(stack, "UPDATE_ROLLBACK_FAILED", reason)


def _patch_change_sets() -> None:
    """CREATE on a stack in review, names that exist, missing change sets, what may run, listing."""
    from moto.cloudformation import models as cfn
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.cloudformation.utils import generate_changeset_id, validate_create_change_set
    from moto.core.responses import ActionResult, EmptyResult

    create_in_backend = cfn.CloudFormationBackend.create_change_set

    def create_change_set_in_backend(self, stack_name, change_set_name, template, parameters, description,
                                     change_set_type, notification_arns=None, tags=None, role_arn=None):  # fmt: skip
        """The original, except that a CREATE for a stack in review attaches to it."""
        stack = _live_stack(self, stack_name)
        if change_set_type != "CREATE" or stack is None:
            return create_in_backend(self, stack_name, change_set_name, template, parameters, description,
                                     change_set_type, notification_arns, tags, role_arn)  # fmt: skip
        validate_create_change_set(change_set_name)
        change_set_id = generate_changeset_id(change_set_name, self.region_name, self.account_id)
        change_set = cfn.ChangeSet(change_set_type=change_set_type, change_set_id=change_set_id,
                                   change_set_name=change_set_name, stack=stack, template=template,
                                   parameters=parameters, description=description,
                                   notification_arns=notification_arns, tags=tags, role_arn=role_arn)  # fmt: skip
        change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
        self.change_sets[change_set_id] = change_set
        return change_set_id, stack.stack_id

    cfn.CloudFormationBackend.create_change_set = create_change_set_in_backend

    create = CloudFormationResponse.create_change_set

    def create_change_set(self):
        backend = self.cloudformation_backend
        stack_name, name = self._get_param("StackName"), self._get_param("ChangeSetName")
        kind = self._get_param("ChangeSetType", "CREATE")
        token = self._get_param("ClientToken")
        if token is not None and not 1 <= len(token) <= _TOKEN_MAX:
            raise _validation(f"1 validation error detected: Value '{token}' at 'clientToken' failed to satisfy "
                              f"constraint: Member must have length less than or equal to {_TOKEN_MAX}")  # fmt: skip
        token = token if _honour_tokens else None
        stack = _live_stack(backend, stack_name)
        if stack is not None:
            existing = _change_set(backend, name, stack.stack_id)
            if existing is not None:
                ours = getattr(existing, "iotstack_client_token", None)
                if token and ours == token:
                    return ActionResult({"Id": existing.change_set_id, "StackId": stack.stack_id})
                if token and ours:
                    raise _error("AlreadyExistsException", f"ChangeSet {name} cannot be created due to a mismatch "
                                                           "with existing attribute ClientToken")  # fmt: skip
                raise _error("AlreadyExistsException", f"ChangeSet [{name}] already exists")
            if kind == "CREATE" and stack.status != "REVIEW_IN_PROGRESS":
                raise _validation(f"Stack [{stack_name}] already exists and cannot be created again with the "
                                  f"changeSet [{name}].")  # fmt: skip
            if kind == "UPDATE" and stack.status not in _UPDATABLE:
                raise _validation(f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")
        result = create(self)
        backend.change_sets[result.result["Id"]].iotstack_client_token = token
        return result

    def describe_change_set(self):
        name = self._get_param("ChangeSetName")
        change_set = _change_set(self.cloudformation_backend, name, self._get_param("StackName"))
        if change_set is None:
            raise _not_found(name)
        return ActionResult(change_set)

    def execute_change_set(self):
        backend = self.cloudformation_backend
        name = self._get_param("ChangeSetName")
        change_set = _change_set(backend, name, self._get_param("StackName"))
        if change_set is None:
            raise _not_found(name)
        if change_set.execution_status != "AVAILABLE":
            raise _error("InvalidChangeSetStatus",
                         f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current execution status "
                         f"of [{change_set.execution_status}]")  # fmt: skip
        backend.execute_change_set(change_set.change_set_id, change_set.stack_name)
        return EmptyResult()

    def delete_change_set(self):
        backend = self.cloudformation_backend
        name, stack_name = self._get_param("ChangeSetName"), self._get_param("StackName")
        if stack_name and _live_stack(backend, stack_name) is None:
            raise _validation(f"Stack [{stack_name}] does not exist")
        change_set = _change_set(backend, name, stack_name)
        if change_set is not None:  # AWS: deleting a change set that is not there is a success
            del backend.change_sets[change_set.change_set_id]
        return EmptyResult()

    def list_change_sets(self):
        backend = self.cloudformation_backend
        stack_name = self._get_param("StackName")
        stack = _live_stack(backend, stack_name)
        if stack is None:
            raise _validation(f"Stack [{stack_name}] does not exist")
        return ActionResult({"Summaries": [c for c in backend.change_sets.values() if c.stack_id == stack.stack_id]})

    get_template = CloudFormationResponse.get_template

    def get_template_of_a_change_set(self):
        """GetTemplate with ChangeSetName answers with that change set's template, as AWS does (moto
        answers with the stack's, which for a new stack in review is empty)."""
        name = self._get_param("ChangeSetName")
        if not name:
            return get_template(self)
        change_set = _change_set(self.cloudformation_backend, name, self._get_param("StackName"))
        if change_set is None:
            raise _not_found(name)
        return ActionResult({"TemplateBody": change_set.template})

    CloudFormationResponse.get_template = get_template_of_a_change_set
    CloudFormationResponse.create_change_set = create_change_set
    CloudFormationResponse.describe_change_set = describe_change_set
    CloudFormationResponse.execute_change_set = execute_change_set
    CloudFormationResponse.delete_change_set = delete_change_set
    CloudFormationResponse.list_change_sets = list_change_sets


def _patch_tokens() -> None:
    """ClientRequestToken honoured and stamped on events; every CloudFormation request under the lock,
    and a read never creates a resource."""
    from moto.cloudformation import models as cfn
    from moto.cloudformation import parsing
    from moto.cloudformation.responses import CloudFormationResponse

    add_event = cfn.Stack._add_stack_event

    def add_stamped_event(self, *args, **kwargs):
        add_event(self, *args, **kwargs)
        _stamp(self.events[-1])

    cfn.Stack._add_stack_event = add_stamped_event

    def idempotent(action: str, act):
        def wrapper(self):
            token = self._get_param("ClientRequestToken")
            if token is not None and not (len(token) <= _TOKEN_MAX and _REQUEST_TOKEN.fullmatch(token)):
                raise _validation(f"1 validation error detected: Value '{token}' at 'clientRequestToken' failed to "
                                  "satisfy constraint: Member must satisfy regular expression pattern: "
                                  f"{_REQUEST_TOKEN.pattern} and have length less than or equal to "
                                  f"{_TOKEN_MAX}")  # fmt: skip
            if token is None or not _honour_tokens:
                return act(self)
            tokens = self.cloudformation_backend.__dict__.setdefault("iotstack_tokens", {})
            request = (action, self._get_param("StackName"), self._get_param("ChangeSetName"))
            if token in tokens:
                first, answer = tokens[token]
                if first != request:
                    raise _error("TokenAlreadyExistsException", f"Another {first[0]} request with the client request "
                                                                f"token {token} exists")  # fmt: skip
                return answer
            _operation.token = token
            try:
                answer = act(self)
            finally:
                _operation.token = None
            tokens[token] = (request, answer)
            return answer

        return wrapper

    for action in ("ExecuteChangeSet", "DeleteStack", "ContinueUpdateRollback", "CreateStack", "UpdateStack"):
        method = re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
        setattr(CloudFormationResponse, method, idempotent(action, getattr(CloudFormationResponse, method)))

    call_action = CloudFormationResponse.call_action

    def call_action_locked(self):
        with _cfn_lock:
            _operation.reading = self._get_action().startswith(("Describe", "List", "Get"))
            try:
                return call_action(self)
            finally:
                _operation.reading = False

    CloudFormationResponse.call_action = call_action_locked

    getitem = parsing.ResourceMap.__getitem__

    def getitem_without_creating_on_reads(self, key):
        """moto creates a resource the first time anything reads it, reads of outputs and resources
        included: after a delete or a failure that re-created what was gone. A read never creates."""
        reading = getattr(_operation, "reading", False)
        if reading and key not in self._parsed_resources and key in self._resource_json_map:
            return None
        return getitem(self, key)

    parsing.ResourceMap.__getitem__ = getitem_without_creating_on_reads


@contextmanager
def running(port: int = 0) -> Iterator[str]:
    """Run the patched emulator on 127.0.0.1 (``port`` 0: a free one); yield its endpoint URL."""
    from moto.server import ThreadedMotoServer

    _patch_moto()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        host, bound = server.get_host_and_port()
        yield f"http://{host}:{bound}"
    finally:
        server.stop()


def not_created(*templates: dict) -> list[str]:
    """The resource types of ``templates`` that moto's CloudFormation accepts and makes nothing for
    (it only warns): what a deploy on the emulator cannot show."""
    from moto.cloudformation.parsing import get_model_map

    types = {r["Type"] for template in templates for r in template.get("Resources", {}).values()}
    return sorted(types - get_model_map().keys())


def dummy_credentials() -> dict[str, str]:
    """Environment variables that point every AWS client at nothing real: fake keys, no profile."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def main() -> None:
    """``python -m tests.support.emulator``: run the emulator in the foreground until interrupted."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=5000)
    port = parser.parse_args().port
    with running(port) as endpoint:
        settings = {**dummy_credentials(), "AWS_ENDPOINT_URL": endpoint}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in settings.items())
        print(f"AWS emulator (moto) listening on {endpoint}; nothing leaves this machine. Ctrl-C stops it (and\n"
              "forgets every stack). In another shell, point iotstack at it with dummy credentials:\n"
              f"  unset AWS_PROFILE; export {exports}", flush=True)  # fmt: skip
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    from tests.support import emulator  # this module by its name, not a __main__ copy: stack_sets imports it

    emulator.main()
