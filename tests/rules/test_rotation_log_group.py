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
          "/aws/lambda/db-password-rotation-prod: Lambda would make one, unencrypted and kept forever"]),
    ],
    ids=["generated", "no-rotation", "no-log-group"],
)  # fmt: skip
def test_the_rotation_functions_log_group_is_the_stacks(template, expected):
    assert findings(RotationLogGroup, template) == expected
