"""E9003: every log group and data store is encrypted with a customer-managed KMS key."""

import re

from cfnlint.rules import CloudFormationLintRule, RuleMatch

# type: (the switch that turns encryption on and its required value or None, path of the key, the key
# must be given by ARN). CloudWatch Logs and RDS take only a key ARN; the others also take a key id.
ENCRYPTED = {
    "AWS::Logs::LogGroup": (None, ("KmsKeyId",), True),
    "AWS::Kinesis::Stream": (("StreamEncryption", "EncryptionType", "KMS"), ("StreamEncryption", "KeyId"), False),
    "AWS::RDS::DBCluster": (("StorageEncrypted", True), ("KmsKeyId",), True),
    "AWS::RDS::DBInstance": (("StorageEncrypted", True), ("KmsKeyId",), True),
    "AWS::ElastiCache::ReplicationGroup": (("AtRestEncryptionEnabled", True), ("KmsKeyId",), False),
    "AWS::SecretsManager::Secret": (None, ("KmsKeyId",), False),
}
KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/.+")
SUB_KEY_ARN = re.compile(r"arn:(aws[a-z-]*|\$\{AWS::Partition\}):kms:.*:key/.+")


class CustomerManagedKeys(CloudFormationLintRule):
    id = "E9003"
    shortdesc = "Log groups and data stores are encrypted with a customer-managed key (by ARN where AWS needs one)"
    description = (
        "An AWS-managed key (or none) cannot be rotated on our schedule, audited per service or revoked "
        "without deleting the data. Every log group, stream, database, cache and secret names a KMS key "
        "of this stack or a key ARN; CloudWatch Logs and RDS accept only the key's ARN (Fn::GetAtt Key.Arn, "
        "not Ref, which gives the key id)."
    )
    source_url = "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#customer-cmk"
    tags = ["iotstack", "kms", "encryption"]

    def match(self, cfn):
        resources = cfn.template.get("Resources", {})
        matches = []
        for logical, resource in cfn.get_resources(sorted(ENCRYPTED)).items():
            props = resource.get("Properties", {})
            switch, key_path, needs_arn = ENCRYPTED[resource["Type"]]
            if resource["Type"] == "AWS::RDS::DBInstance" and "DBClusterIdentifier" in props:
                continue  # an Aurora instance's storage is its cluster's
            base = ["Resources", logical, "Properties"]
            if switch and _get(props, switch[:-1]) != switch[-1]:
                shown = "/".join(switch[:-1])
                matches.append(RuleMatch([*base, *switch[:-1]], f"{logical}: {shown} must be {switch[-1]}"))
                continue
            problem = _key_problem(_get(props, key_path), resources, needs_arn)
            if problem:
                matches.append(RuleMatch([*base, *key_path], f"{logical}: {'/'.join(key_path)} {problem}"))
        return matches


def _get(props: dict, path: tuple) -> object:
    for key in path:
        props = props.get(key) if isinstance(props, dict) else None
    return props


def _key_problem(value: object, resources: dict, needs_arn: bool) -> str | None:
    """Why ``value`` does not name a customer-managed key (in the form AWS needs), or None."""
    if value is None:
        return "is missing: the data is encrypted with an AWS-managed key or not at all"
    if isinstance(value, str):
        if "alias/aws/" in value:
            return f"is an AWS-managed key ({value})"
        if needs_arn and not KEY_ARN.fullmatch(value):
            return f"must be a key ARN, not {value!r}"
        return None
    if isinstance(value, dict) and len(value) == 1:
        (function, argument), is_key = next(iter(value.items())), None
        if function == "Fn::GetAtt":
            target, attribute = argument.split(".", 1) if isinstance(argument, str) else [*argument, None][:2]
            is_key = resources.get(target, {}).get("Type") == "AWS::KMS::Key"
            if is_key and attribute == "Arn":
                return None
        if function == "Ref":
            is_key = resources.get(argument, {}).get("Type") == "AWS::KMS::Key"
            if is_key and not needs_arn:
                return None
            if is_key:
                return f"must be the key's ARN (Fn::GetAtt [{argument}, Arn]); Ref gives its id"
        if function == "Fn::Sub" and isinstance(argument, str) and SUB_KEY_ARN.fullmatch(argument):
            return None
        if is_key is False:
            return "must refer to an AWS::KMS::Key of this stack"
    return "must name a customer-managed KMS key of this stack or a key ARN"
