"""Facts about CloudFormation itself, for every layer: the generator, the review, the rules and deploy.

Nothing here knows this project's stack: which resource types hold data, how large an inline
template may be, how one resource refers to another, and which capabilities a template needs
(what counts as a credential is :mod:`generator.masking`'s). Pure functions over template data
(dicts as JSON gives them); no troposphere, boto3 or cfn-lint import, so the fast commands can use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

# CreateStack / CreateChangeSet take a TemplateBody of at most 51,200 bytes; larger ones go by TemplateURL.
INLINE_TEMPLATE_LIMIT = 51_200


def inline_body(text: str) -> str | None:
    """What a deploy sends as ``TemplateBody``: the committed ``text`` when it fits the inline limit, else the
    same JSON without indentation when that fits (CloudFormation reads either, and the change set's template
    is the same data); None when even that is over the limit (the template goes by ``TemplateURL``). ``text`` is
    :func:`generator.render.render`'s (the gate holds the committed file to it): indented with spaces, ``": "``
    between key and value, ASCII with ``\\u`` escapes."""
    size = len(text.encode("utf-8"))
    if size <= INLINE_TEMPLATE_LIMIT:
        return text
    # Without indentation the text loses at most its line breaks, their indentation, a space per key and up to
    # 5 bytes per \u escape: when even that leaves it over the limit, it is (parsing a prod-sized template
    # twice per run costs 5 ms).
    unindented = re.sub("\n *", "", text)  # in re's C code: a Python loop over the lines costs 6 ms
    if len(unindented.encode("utf-8")) - unindented.count('": ') - 5 * text.count("\\u") > INLINE_TEMPLATE_LIMIT:
        return None
    compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    return compact if len(compact.encode("utf-8")) <= INLINE_TEMPLATE_LIMIT else None


# The resource types that hold data or identity a replacement or removal would lose: the deploy
# guard, the stack policy, the plan and the policy rules all read this one list. Alerting holds none:
# an alarm, a dashboard or a topic is made again as it was (a topic's email subscriptions must be
# confirmed anew, which the plan warns about).
STATEFUL_TYPES = frozenset({
    "AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup", "AWS::KMS::Key",
    "AWS::Kinesis::Stream", "AWS::SecretsManager::Secret", "AWS::Logs::LogGroup",
})  # fmt: skip

# The type of a stack's own events (StackEvents), as opposed to its resources'.
STACK_TYPE = "AWS::CloudFormation::Stack"

# The DNS suffix of each partition, by the prefix of its regions' names (botocore's endpoints data):
# an S3 URL for a region must use its partition's domain (amazonaws.com.cn in China, ...).
_PARTITION_DOMAINS = (("cn-", "amazonaws.com.cn"), ("us-isob-", "sc2s.sgov.gov"), ("us-isof-", "csp.hci.ic.gov"),
                      ("us-iso-", "c2s.ic.gov"), ("eu-isoe-", "cloud.adc-e.uk"), ("eusc-", "amazonaws.eu"))  # fmt: skip


def s3_url(bucket: str, key: str, region: str) -> str:
    """The virtual-hosted URL CloudFormation reads ``key`` of ``bucket`` from, in ``region``'s partition."""
    domain = next((d for prefix, d in _PARTITION_DOMAINS if region.startswith(prefix)), "amazonaws.com")
    return f"https://{bucket}.s3.{region}.{domain}/{key}"


# --- references between resources ---------------------------------------------------------------


def references(value: Any, path: list | None = None) -> Iterator[tuple[list, str]]:
    """``(path, logical id)`` of every ``Ref``, ``Fn::GetAtt`` and ``${...}`` of ``Fn::Sub`` in ``value``.

    ``path`` is where the reference sits (property keys and list indices, intrinsic functions
    left out); pseudo parameters (``AWS::Region``) are not references.
    """
    path = path or []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str) and not inner.startswith("AWS::"):
                yield path, inner
            elif key == "Fn::GetAtt":
                target = inner.split(".", 1)[0] if isinstance(inner, str) else inner[0]
                if isinstance(target, str):
                    yield path, target
            elif key == "Fn::Sub":
                text, variables = (inner, {}) if isinstance(inner, str) else (inner[0], inner[1])
                for name in re.findall(r"\$\{([^!}][^}]*)\}", text if isinstance(text, str) else ""):
                    target = name.split(".", 1)[0]
                    if not target.startswith("AWS::") and target not in variables:
                        yield path, target
                yield from references(variables, path)
            elif isinstance(inner, (dict, list)):  # a text or a number refers to nothing: not descended into
                yield from references(inner, path if key.startswith("Fn::") else [*path, key])
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            if isinstance(inner, (dict, list)):
                yield from references(inner, [*path, index])


# --- how a reviewer reads types and values --------------------------------------------------------

# Short names for the types a reviewer meets, for narrow tables and pictures; others show their last part.
SHORT_TYPES = {
    "AWS::RDS::DBCluster": "DB cluster", "AWS::RDS::DBInstance": "DB instance",
    "AWS::RDS::DBSubnetGroup": "DB subnet group", "AWS::ElastiCache::ReplicationGroup": "cache group",
    "AWS::ElastiCache::SubnetGroup": "cache subnet group", "AWS::KMS::Key": "KMS key", "AWS::KMS::Alias": "KMS alias",
    "AWS::Kinesis::Stream": "Kinesis stream", "AWS::SecretsManager::Secret": "secret",
    "AWS::SecretsManager::SecretTargetAttachment": "secret attachment",
    "AWS::SecretsManager::RotationSchedule": "secret rotation", "AWS::Logs::LogGroup": "log group",
    "AWS::EC2::VPC": "VPC", "AWS::EC2::Subnet": "subnet", "AWS::EC2::RouteTable": "route table",
    "AWS::EC2::Route": "route", "AWS::EC2::SubnetRouteTableAssociation": "route association",
    "AWS::EC2::InternetGateway": "internet gateway", "AWS::EC2::VPCGatewayAttachment": "gateway attachment",
    "AWS::EC2::SecurityGroup": "security group", "AWS::EC2::SecurityGroupIngress": "ingress rule",
    "AWS::EC2::SecurityGroupEgress": "egress rule", "AWS::EC2::FlowLog": "flow log",
    "AWS::EC2::VPCEndpoint": "VPC endpoint", "AWS::IAM::Role": "IAM role",
    "AWS::CloudWatch::Alarm": "alarm", "AWS::CloudWatch::Dashboard": "dashboard", "AWS::SNS::Topic": "SNS topic",
    "AWS::SNS::TopicPolicy": "topic policy", "AWS::SNS::Subscription": "subscription",
    "AWS::RDS::EventSubscription": "RDS event subscription", "AWS::Events::Rule": "EventBridge rule",
}  # fmt: skip


def short_type(resource_type: str) -> str:
    """``AWS::RDS::DBCluster`` as a reviewer says it: ``DB cluster``."""
    return SHORT_TYPES.get(resource_type) or resource_type.rsplit("::", 1)[-1]


def shown(value: Any) -> str:
    """A value as a reviewer reads it: ``Ref X``, ``X.Attribute``, a Sub's text, else its JSON."""
    if isinstance(value, dict) and len(value) == 1:
        function, argument = next(iter(value.items()))
        if function == "Ref" and isinstance(argument, str):
            return f"Ref {argument}"
        if function == "Fn::GetAtt" and isinstance(argument, list):
            return ".".join(map(str, argument))
        if function == "Fn::Sub" and isinstance(argument, str):
            return argument
        if function == "Fn::Join" and isinstance(argument, list) and isinstance(argument[1], list):
            return f"Join {json.dumps(argument[0])}: " + ", ".join(shown(v) for v in argument[1])
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def template_problem(data: Any) -> str | None:
    """What makes ``data`` (parsed JSON) no CloudFormation template the plan can read; None if it is one."""
    if not isinstance(data, dict):
        return f"a template is a JSON object, not {type(data).__name__}"
    for section in ("Resources", "Outputs", "Parameters"):
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            return f"its {section} must be an object"
        bad = next((k for k, v in entries.items() if not isinstance(v, dict)), None)
        if bad is not None:
            return f"{section}.{bad} must be an object"
    bad = next((k for k, r in data.get("Resources", {}).items() if not isinstance(r.get("Type"), str)), None)
    return f"Resources.{bad} has no Type (a string)" if bad is not None else None


# --- capabilities ---------------------------------------------------------------------------------

# The capabilities a transform needs: the SAM and Secrets Manager transforms add IAM roles.
TRANSFORM_CAPABILITIES = {
    "AWS::Serverless-2016-10-31": {"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"},
    "AWS::SecretsManager-2020-07-23": {"CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM"},
}
NAMED_IAM_PROPERTIES = ("RoleName", "UserName", "GroupName", "ManagedPolicyName", "InstanceProfileName")


def capabilities(template: dict) -> list[str]:
    """The capabilities CreateChangeSet needs for ``template``, and no more."""
    needed: set[str] = set()
    transforms = template.get("Transform", [])
    for transform in [transforms] if isinstance(transforms, str) else transforms:
        needed |= TRANSFORM_CAPABILITIES.get(transform, {"CAPABILITY_AUTO_EXPAND"})
    for resource in template.get("Resources", {}).values():
        if resource["Type"].startswith("AWS::IAM::"):
            named = any(p in resource.get("Properties", {}) for p in NAMED_IAM_PROPERTIES)
            needed.add("CAPABILITY_NAMED_IAM" if named else "CAPABILITY_IAM")
    return sorted(needed)
