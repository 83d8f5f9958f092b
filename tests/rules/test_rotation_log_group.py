import pytest

from generator.rules import RotationLogGroup
from tests.rules import dev_template, findings, protected_template


@pytest.mark.parametrize(
    "template, expected",
    [
        (protected_template(), []),
        (dev_template(), []),  # no rotation
        (protected_template(lambda r: r.pop("RotationFunctionLogGroup")),
         ["Resources/DatabaseSecretRotation/Properties/HostedRotationLambda: DatabaseSecretRotation: no log group "
          "/aws/lambda/db-rotation-prod: Lambda would make one, unencrypted and kept forever"]),
        (protected_template(lambda r: r["RotationFunctionLogGroup"]["Properties"].update(
            LogGroupName={"Fn::Sub": "/aws/lambda/${AWS::StackName}"})),
         ["Resources/DatabaseSecretRotation/Properties/HostedRotationLambda: DatabaseSecretRotation: no log group "
          "/aws/lambda/db-rotation-prod: Lambda would make one, unencrypted and kept forever"]),  # no crash
    ],
    ids=["generated", "no-rotation", "no-log-group", "a-name-made-by-sub"],
)  # fmt: skip
def test_the_rotation_functions_log_group_is_the_stacks(template, expected):
    assert findings(RotationLogGroup, template) == expected
