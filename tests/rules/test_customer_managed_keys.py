import pytest

from generator.rules import CustomerManagedKeys
from tests.rules import dev_template, findings

RDS_KEY_ARN = {"Fn::GetAtt": ["RdsKey", "Arn"]}


def with_open_ingress() -> dict:
    """dev's generated template (clean for every rule) with one finding: E9006, open ingress."""

    def change(resources):
        ingress = resources["CacheIngressFromConsumers"]["Properties"]
        ingress.pop("SourceSecurityGroupId")
        ingress["CidrIp"] = "0.0.0.0/0"

    return dev_template(change)


def then(*changes):
    def change(resources):
        for logical, path, value in changes:
            target = resources[logical]["Properties"]
            for key in path[:-1]:
                target = target[key]
            if value is None:
                target.pop(path[-1])
            else:
                target[path[-1]] = value

    return change


P = "Resources/{0}/Properties/{1}: {0}: {1} "


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),  # every log group on the logs key by ARN, Redis on its own key, ...
        (then(("AuroraPostgresqlLogGroup", ["KmsKeyId"], "arn:aws:kms:sa-east-1:123456789012:key/abcd")), []),
        (then(("SensorDataStream", ["StreamEncryption", "KeyId"], RDS_KEY_ARN)), []),
        (then(("AuroraCluster", ["KmsKeyId"],
               {"Fn::Sub": "arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${RdsKey}"})), []),
        (then(("AuroraPostgresqlLogGroup", ["KmsKeyId"], None), ("RedisReplicationGroup", ["KmsKeyId"], None)),
         [P.format("AuroraPostgresqlLogGroup", "KmsKeyId") + "is missing: the data is encrypted with an "
                "AWS-managed key or not at all",
                P.format("RedisReplicationGroup", "KmsKeyId") + "is missing: the data is encrypted with an "
                "AWS-managed key or not at all"]),
        (then(("AuroraPostgresqlLogGroup", ["KmsKeyId"], {"Ref": "RdsKey"})),
         [P.format("AuroraPostgresqlLogGroup", "KmsKeyId") + "must be the key's ARN (Fn::GetAtt [RdsKey, Arn]); "
          "Ref gives its id"]),
        (then(("AuroraCluster", ["KmsKeyId"], "alias/aws/rds")),
         [P.format("AuroraCluster", "KmsKeyId") + "is an AWS-managed key (alias/aws/rds)"]),
        (then(("AuroraCluster", ["KmsKeyId"], "1234abcd-12ab-34cd-56ef-1234567890ab")),
         [P.format("AuroraCluster", "KmsKeyId") + "must be a key ARN, not '1234abcd-12ab-34cd-56ef-1234567890ab'"]),
        (then(("DatabaseSecret", ["KmsKeyId"], {"Ref": "Vpc"})),
         [P.format("DatabaseSecret", "KmsKeyId") + "must refer to an AWS::KMS::Key of this stack"]),
        (then(("AuroraCluster", ["StorageEncrypted"], False)),
         ["Resources/AuroraCluster/Properties/StorageEncrypted: AuroraCluster: StorageEncrypted must be True"]),
        (then(("SensorDataStream", ["StreamEncryption"], None)),
         ["Resources/SensorDataStream/Properties/StreamEncryption/EncryptionType: SensorDataStream: "
          "StreamEncryption/EncryptionType must be KMS"]),
    ],
    ids=["generated", "literal-key-arn", "stream-by-arn", "sub-of-an-arn", "no-key",
         "log-group-by-id", "aws-managed-alias", "cluster-by-key-id", "not-a-key", "cluster-unencrypted",
         "stream-unencrypted"],
)  # fmt: skip
def test_customer_managed_keys(change, expected):
    assert findings(CustomerManagedKeys, dev_template(change)) == expected


def test_an_aurora_instance_is_encrypted_by_its_cluster():
    template = dev_template()
    assert "KmsKeyId" not in template["Resources"]["AuroraInstance"]["Properties"]
    assert findings(CustomerManagedKeys, template) == []
