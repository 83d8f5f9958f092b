import json

from tests.conftest import build, environment, only


def test_password_is_generated_by_secrets_manager_never_written():
    secret = only(build(environment("dev")), "AWS::SecretsManager::Secret")["Properties"]
    assert secret["Name"] == "db-master-password-dev"
    assert secret["KmsKeyId"] == {"Ref": "SecretsKey"}
    generate = secret["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "password"
    assert json.loads(generate["SecretStringTemplate"]) == {"username": "dbadmin", "dbname": "sensordata"}
    assert "SecretString" not in secret
    # RDS refuses these characters in a master password.
    assert set('/@" ') <= set(generate["ExcludeCharacters"])


def test_attachment_fills_in_the_cluster_connection():
    attachment = only(build(), "AWS::SecretsManager::SecretTargetAttachment")["Properties"]
    assert attachment == {
        "SecretId": {"Ref": "DatabaseSecret"},
        "TargetId": {"Ref": "AuroraCluster"},
        "TargetType": "AWS::RDS::DBCluster",
    }
