import pytest

from generator.rules import OwnAccess
from tests.rules import dev_template, findings


def without_iam_auth(r):
    r["AuroraCluster"]["Properties"].update(EnableIAMDatabaseAuthentication=False)
    r.pop("DatabaseWriterPolicy"), r.pop("DatabaseReaderPolicy")


def without_database_policies(r):
    r.pop("DatabaseWriterPolicy"), r.pop("DatabaseReaderPolicy")


def actions(policy, *new):
    return lambda r: r[policy]["Properties"]["PolicyDocument"]["Statement"][0].update(Action=list(new))


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),
        (actions("SensorStreamConsumerPolicy", "kinesis:Get*"), []),  # a wildcard covers it
        (without_iam_auth, []),  # no IAM authentication: nothing to grant
        (actions("SensorStreamProducerPolicy", "kinesis:PutRecord"),
         ["Resources/SensorDataStream: SensorDataStream: no managed policy gives producers kinesis:PutRecords on it"]),
        (lambda r: r.pop("SensorStreamConsumerPolicy"),
         ["Resources/SensorDataStream: SensorDataStream: no managed policy gives consumers kinesis:GetRecords on it"]),
        (without_database_policies,
         ["Resources/AuroraCluster: AuroraCluster: no managed policy gives database users (IAM authentication) "
          "rds-db:connect on it"]),
    ],
    ids=["generated", "wildcard", "no-iam-auth", "single-puts-only", "no-consumer-policy", "no-database-policy"],
)  # fmt: skip
def test_users_have_access_of_their_own(change, expected):
    assert findings(OwnAccess, dev_template(change)) == expected
