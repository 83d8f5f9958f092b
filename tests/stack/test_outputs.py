import json

from tests.conftest import build

# The architecture document's outputs, under CloudFormation-legal names, but its SecretsManagerSecretArn: the
# master credential's secret is given to no consumer (policy rule E9013); they get their own access instead.
DOCUMENT_OUTPUTS = {
    "VpcId", "VpcCidr", "PublicSubnetIds", "PrivateSubnetIds", "KinesisStreamName", "KinesisStreamArn",
    "AuroraClusterId", "AuroraClusterEndpoint", "AuroraClusterReaderEndpoint", "RedisClusterId",
    "RedisPrimaryEndpoint", "RedisReaderEndpoint", "KinesisKmsKeyId",
    "RdsKmsKeyId", "SecretsKmsKeyId", "RdsSecurityGroupId", "ElasticacheSecurityGroupId",
}  # fmt: skip
ACCESS_OUTPUTS = {
    "StreamProducerPolicyArn": {"Ref": "SensorStreamProducerPolicy"},
    "StreamConsumerPolicyArn": {"Ref": "SensorStreamConsumerPolicy"},
    "DatabaseWriterPolicyArn": {"Ref": "DatabaseWriterPolicy"},
    "DatabaseReaderPolicyArn": {"Ref": "DatabaseReaderPolicy"},
    "DatabaseWriterUser": "iot_writer",
    "DatabaseReaderUser": "iot_reader",
    "CacheClientPolicyArn": {"Ref": "CacheClientPolicy"},
    "DatabaseBreakGlassRoleArn": {"Fn::GetAtt": ["DatabaseBreakGlassRole", "Arn"]},
}


def test_every_document_output_is_there_described_and_exported():
    outputs = build()["Outputs"]
    assert outputs.keys() >= DOCUMENT_OUTPUTS
    for title, output in outputs.items():
        assert output["Description"]
        assert output["Export"] == {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{title}"}}


def test_consumers_get_their_own_access_never_the_master_secret():
    outputs = build()["Outputs"]
    assert {name: outputs[name]["Value"] for name in ACCESS_OUTPUTS} == ACCESS_OUTPUTS
    assert "SecretsManagerSecretArn" not in outputs
    assert "DatabaseSecret" not in json.dumps(outputs)


def test_subnet_lists_are_joined():
    outputs = build()["Outputs"]
    assert outputs["PrivateSubnetIds"]["Value"] == {
        "Fn::Join": [",", [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]]
    }
