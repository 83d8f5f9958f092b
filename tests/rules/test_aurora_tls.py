import pytest

from generator.rules import AuroraTls
from tests.rules import dev_template, findings


def parameters(value):
    return lambda r: r["AuroraClusterParameterGroup"]["Properties"]["Parameters"].update({"rds.force_ssl": value})


@pytest.mark.parametrize(
    "change, expected",
    [
        (None, []),
        (parameters(1), []),  # a number, as YAML templates often write it
        (lambda r: r["AuroraCluster"]["Properties"].update(Engine="aurora-mysql"), []),  # another engine's setting
        (parameters("0"), ["Resources/AuroraCluster/Properties: AuroraCluster: its parameter group "
                           "AuroraClusterParameterGroup does not set rds.force_ssl = 1: clients may connect "
                           "without TLS"]),
        (lambda r: r["AuroraCluster"]["Properties"].pop("DBClusterParameterGroupName"),
         ["Resources/AuroraCluster/Properties: AuroraCluster: no parameter group of the template sets "
          "rds.force_ssl = 1: clients may connect without TLS"]),
        (lambda r: r["AuroraCluster"]["Properties"].update(DBClusterParameterGroupName="default.aurora-postgresql15"),
         ["Resources/AuroraCluster/Properties: AuroraCluster: no parameter group of the template sets "
          "rds.force_ssl = 1: clients may connect without TLS"]),
    ],
    ids=["generated", "number", "other-engine", "off", "no-group", "default-group"],
)  # fmt: skip
def test_aurora_postgresql_forces_tls(change, expected):
    assert findings(AuroraTls, dev_template(change)) == expected
