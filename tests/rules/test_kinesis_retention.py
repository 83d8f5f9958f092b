import pytest

from generator.rules import KinesisRetention
from tests.rules import dev_template, findings


def retention(hours):
    return lambda r: r["SensorDataStream"]["Properties"].update(RetentionPeriodHours=hours)


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),
        (retention(8760), []),
        (lambda r: r["SensorDataStream"]["Properties"].pop("RetentionPeriodHours"), []),  # AWS's default is 24
        (retention(23), ["Resources/SensorDataStream/Properties/RetentionPeriodHours: "
                         "SensorDataStream: RetentionPeriodHours is 23; must be at least 24"]),
    ],
    ids=["generated", "a-year", "default", "23-hours"],
)  # fmt: skip
def test_kinesis_retention(change, expected):
    assert findings(KinesisRetention, dev_template(change)) == expected
