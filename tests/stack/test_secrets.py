import json
import string

from tests.conftest import build, environment


def test_password_is_generated_by_secrets_manager_never_written():
    secret = build(environment("dev"))["Resources"]["DatabaseSecret"]["Properties"]
    assert secret["Name"] == "db-master-password-dev"
    assert secret["KmsKeyId"] == {"Ref": "SecretsKey"}
    generate = secret["GenerateSecretString"]
    assert generate["GenerateStringKey"] == "password"
    assert json.loads(generate["SecretStringTemplate"]) == {"username": "dbadmin", "dbname": "sensordata"}
    assert "SecretString" not in secret
    # RDS refuses these characters in a master password.
    assert set('/@" ') <= set(generate["ExcludeCharacters"])


def test_redis_token_is_generated_within_what_elasticache_accepts():
    secret = build(environment("dev"))["Resources"]["RedisAuthSecret"]["Properties"]
    assert secret["Name"] == "redis-auth-token-dev"
    assert secret["KmsKeyId"] == {"Ref": "SecretsKey"}
    assert "SecretString" not in secret
    generate = secret["GenerateSecretString"]
    # ElastiCache: 16..128 printable characters, no "/", '"', "@" or space: letters and digits only here.
    assert 16 <= generate["PasswordLength"] <= 128
    assert generate["ExcludePunctuation"] is True
    assert not set(generate) & {"SecretStringTemplate", "IncludeSpace"}
    assert not set('/"@ ') & set(string.ascii_letters + string.digits)


def test_attachment_fills_in_the_cluster_connection():
    attachment = build()["Resources"]["DatabaseSecretAttachment"]["Properties"]
    assert attachment == {
        "SecretId": {"Ref": "DatabaseSecret"},
        "TargetId": {"Ref": "AuroraCluster"},
        "TargetType": "AWS::RDS::DBCluster",
    }
