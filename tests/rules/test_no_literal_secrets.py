import json

import pytest

from generator.rules import NoLiteralSecrets
from tests.rules import dev_template, findings

MESSAGE = " may hold a literal credential; use a dynamic reference ({{resolve:secretsmanager:...}})"


def password(value):
    return lambda r: r["AuroraCluster"]["Properties"].update(MasterUserPassword=value)


def redis_token(value):
    return lambda r: r["RedisReplicationGroup"]["Properties"].update(AuthToken=value)


def recipe(fields):
    def change(resources):
        resources["DatabaseSecret"]["Properties"]["GenerateSecretString"]["SecretStringTemplate"] = json.dumps(fields)

    return change


def output(value):
    props = {"Type": "String", "Value": "x", "Name": "n", "Token": value}
    return lambda r: r.update(Out={"Type": "AWS::SSM::Parameter", "Properties": props})


REF = "{{resolve:secretsmanager:db:SecretString:password}}"


def other(**props):
    """A resource of another type, with credential-bearing properties of plural names."""
    return lambda r: r.update(Out={"Type": "AWS::MQ::Broker", "Properties": props})


CLUSTER = "Resources/AuroraCluster/Properties/MasterUserPassword"
BAD_PASSWORD = CLUSTER + ": AuroraCluster: MasterUserPassword" + MESSAGE


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),  # dynamic references, and GenerateSecretString's recipe without the password
        (password("{{resolve:ssm-secure:/db/password}}"), []),
        (redis_token({"Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:token}}"}), []),
        (lambda r: r["AuroraCluster"]["Properties"].update(ManageMasterUserPassword=True), []),  # a switch
        (password("hunter2hunter2"), [BAD_PASSWORD]),
        (password(98765432), [BAD_PASSWORD]),  # CloudFormation takes a number for a string
        (password({"Fn::Sub": "${AWS::StackName}-pw"}), [BAD_PASSWORD]),
        (password({"Fn::Sub": "x{{resolve:secretsmanager:s}}"}), [BAD_PASSWORD]),
        (password("{{resolve:ssm:/db/password}}"), [BAD_PASSWORD]),  # plain SSM: readable
        (redis_token("t0k3n"), ["Resources/RedisReplicationGroup/Properties/AuthToken: "
                                "RedisReplicationGroup: AuthToken" + MESSAGE]),
        (output("abc"), ["Resources/Out/Properties/Token: Out: Token" + MESSAGE]),
        (other(Passwords=["a", REF]), ["Resources/Out/Properties/Passwords: Out: Passwords" + MESSAGE]),
        (other(AuthTokens=[REF, REF]), []),
        (recipe({"username": "u", "password": "p"}),
         ["Resources/DatabaseSecret/Properties/GenerateSecretString/SecretStringTemplate: "
          "DatabaseSecret: SecretStringTemplate" + MESSAGE]),
    ],
    ids=["generated", "ssm-secure", "sub-of-a-reference", "boolean-switch", "literal", "a-number",
         "sub-without-reference", "reference-inside-text", "plain-ssm", "literal-auth-token", "literal-anywhere",
         "a-literal-in-a-list", "a-list-of-references", "password-in-the-recipe"],
)  # fmt: skip
def test_no_literal_secrets(change, expected):
    assert findings(NoLiteralSecrets, dev_template(change)) == expected


@pytest.mark.parametrize(
    "parameter, expected",
    [
        ({"Type": "String", "NoEcho": True}, []),
        ({"Type": "String", "NoEcho": True, "Default": "hunter2"},
         ["Parameters/DbPassword/Default: parameter DbPassword has a literal Default",
          BAD_PASSWORD]),
        ({"Type": "String"}, [BAD_PASSWORD]),  # echoed back by describe-stacks
    ],
    ids=["no-echo", "default", "echoed"],
)  # fmt: skip
def test_a_password_parameter_is_no_echo_and_has_no_default(parameter, expected):
    template = dev_template(password({"Ref": "DbPassword"}))
    template["Parameters"] = {"DbPassword": parameter}
    assert findings(NoLiteralSecrets, template) == expected
