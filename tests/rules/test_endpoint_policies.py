import pytest

from generator.rules import EndpointPolicies
from tests.rules import dev_template, findings, protected_template

NO_ACCOUNT = (
    "Resources/SecretsManagerEndpoint/Properties/PolicyDocument/Statement/0: SecretsManagerEndpoint: "
    "statement 0 allows without a StringEquals condition that aws:PrincipalAccount or aws:ResourceAccount "
    "is this account, or on aws:PrincipalOrgID"
)


def statement(**changes):
    return lambda r: r["SecretsManagerEndpoint"]["Properties"]["PolicyDocument"]["Statement"][0].update(changes)


@pytest.mark.parametrize(
    "template, expected",
    [
        (protected_template(), []),
        (dev_template(), []),  # no endpoint at all
        (protected_template(statement(Effect="Deny", Condition={})), []),  # a deny needs no account condition
        (protected_template(statement(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}})), []),
        (protected_template(lambda r: r["SecretsManagerEndpoint"]["Properties"].pop("PolicyDocument")),
         ["Resources/SecretsManagerEndpoint/Properties: SecretsManagerEndpoint: no PolicyDocument: AWS's default "
          "lets any principal use the endpoint on any account's resources"]),
        (protected_template(statement(Condition={"StringLike": {"aws:PrincipalAccount": "*"}})),
         [NO_ACCOUNT]),
        (protected_template(statement(Condition={"StringEquals": {"aws:PrincipalAccount": "111122223333"}})),
         [NO_ACCOUNT]),  # a literal account may be anyone's
    ],
    ids=["generated", "no-endpoint", "deny", "organisation", "no-policy", "any-account", "another-account"],
)  # fmt: skip
def test_endpoints_admit_only_this_accounts_principals(template, expected):
    assert findings(EndpointPolicies, template) == expected
