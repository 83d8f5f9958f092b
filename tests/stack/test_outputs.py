from tests.conftest import build

# The architecture document's outputs, under CloudFormation-legal names.
DOCUMENT_OUTPUTS = {
    "VpcId", "VpcCidr", "PublicSubnetIds", "PrivateSubnetIds", "KinesisStreamName", "KinesisStreamArn",
    "AuroraClusterId", "AuroraClusterEndpoint", "AuroraClusterReaderEndpoint", "RedisClusterId",
    "RedisPrimaryEndpoint", "RedisReaderEndpoint", "SecretsManagerSecretArn", "KinesisKmsKeyId",
    "RdsKmsKeyId", "SecretsKmsKeyId", "RdsSecurityGroupId", "ElasticacheSecurityGroupId",
}  # fmt: skip


def test_every_document_output_is_there_described_and_exported():
    outputs = build()["Outputs"]
    assert outputs.keys() >= DOCUMENT_OUTPUTS
    for title, output in outputs.items():
        assert output["Description"]
        assert output["Export"] == {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{title}"}}


def test_subnet_lists_are_joined():
    outputs = build()["Outputs"]
    assert outputs["PrivateSubnetIds"]["Value"] == {
        "Fn::Join": [",", [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]]
    }
