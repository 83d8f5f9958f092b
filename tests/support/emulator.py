"""A local AWS for the tests and ``make demo``: moto's server on 127.0.0.1, with its known bugs patched.

Test and demo support, not product: the tests (``tests/conftest.py``) and ``make demo``
(``scripts/demo.py``) start it; nothing under ``generator/`` imports it. moto is a test dependency
(``pip install -e '.[test]'``).
The patches change moto, in this process only, never the templates: what moto 5.2.x gets wrong
with our stack, measured:

- ``AWS::KMS::Key`` with CloudFormation-style tags (``Key``/``Value``) crashes with
  ``KeyError: 'TagKey'``: moto hands them to its KMS tagger, which expects ``TagKey``/``TagValue``.
- An ``aurora-postgresql`` ``AWS::RDS::DBInstance`` without ``EngineVersion`` (the cluster's version
  applies) crashes with ``KeyError: 'aurora-postgresql'``: moto has no default version for it.
- ``Fn::GetAZs`` with ``{"Ref": "AWS::Region"}`` (troposphere's usual form) is not resolved, so a
  subnet's zone becomes ``{'Ref': 'AWS::Region'}a`` and EC2 refuses it.
- Deleting a stack leaves its route tables and internet-gateway attachment behind (moto has no
  delete for them), so the VPC cannot be deleted and DeleteStack fails with DependencyViolation.
- After a change set runs, the stack's outputs are never computed, an update's tags never reach
  the stack (so ``status`` could not tell what was deployed), and its exports are never registered
  (so deleting the stack crashes with a KeyError). Computed, an output whose ``GetAtt`` names a
  resource moto skipped fails the whole DescribeStacks call: such values read ``(not emulated)``.

What moto cannot show at all (it skips DBCluster, ReplicationGroup and Secret resources, never
reports Replacement, never fails a resource) is covered with botocore's Stubber in the tests.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress

# The version an Aurora instance reports when its template leaves the version to the cluster.
_AURORA_INSTANCE_VERSION = "15.10"

# The value of an output whose resource moto does not create.
NOT_EMULATED = "(not emulated)"

_patch_lock = threading.Lock()
_patched = False


def _patch_moto() -> None:
    """Apply the workarounds above, once per process."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from moto.cloudformation import models as cfn
        from moto.cloudformation import parsing
        from moto.ec2.models import ec2_backends
        from moto.ec2.models.route_tables import RouteTable
        from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
        from moto.kms.models import Key
        from moto.rds.models import DBInstance

        create_key = Key.create_from_cloudformation_json.__func__

        def create_key_with_cfn_tags(cls, resource_name, cloudformation_json, *args, **kwargs):
            properties = cloudformation_json.get("Properties", {})
            tags = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in properties.get("Tags", [])]
            patched = {**cloudformation_json, "Properties": {**properties, "Tags": tags}}
            return create_key(cls, resource_name, patched, *args, **kwargs)

        Key.create_from_cloudformation_json = classmethod(create_key_with_cfn_tags)
        DBInstance.default_engine_versions.setdefault("aurora-postgresql", _AURORA_INSTANCE_VERSION)

        clean_json = parsing.clean_json  # recursive through the module global, so wrapping it reaches every level

        def clean_json_patched(resource_json, resources_map):
            if isinstance(resource_json, dict):
                if isinstance(resource_json.get("Fn::GetAZs"), dict):
                    resource_json = {"Fn::GetAZs": clean_json(resource_json["Fn::GetAZs"], resources_map)}
                target = (resource_json.get("Fn::GetAtt") or [None])[0]
                if target in resources_map._resource_json_map and resources_map[target] is None:
                    return NOT_EMULATED  # a resource type moto skips
            return clean_json(resource_json, resources_map)

        parsing.clean_json = clean_json_patched

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

        def delete_route_table(self, account_id, region_name):
            ec2_backends[account_id][region_name].delete_route_table(self.id)

        def detach_gateway(self, account_id, region_name):
            ec2_backends[account_id][region_name].detach_internet_gateway(self.gateway_id, self.vpc_id)

        RouteTable.delete = delete_route_table
        VPCGatewayAttachment.delete = detach_gateway
        # moto warns and logs for every resource it skips (the module docstring lists them), and the
        # server logs every request: iotstack's own output is what a reader of the demo should see.
        warnings.filterwarnings("ignore", message="Tried to parse .* not supported by moto", category=UserWarning)
        logging.getLogger("moto").setLevel(logging.ERROR)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _patched = True


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
        print(f"AWS emulator listening on {endpoint}; use AWS_ENDPOINT_URL={endpoint}. Ctrl-C stops it.", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
