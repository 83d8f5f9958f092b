"""review.formats.words: the order a reviewer reads environments in, the worst first."""

import pytest

from generator.review.formats.words import by_risk, risk
from generator.review.model import ERROR, WARNING, Note, Plan, ResourceChange


def plan(name: str, *resources: ResourceChange) -> Plan:
    return Plan(name, "HEAD", tuple(resources), (), ())


DATA = ResourceChange("Db", "AWS::RDS::DBCluster", "replace", True)
FAILS = ResourceChange("I", "AWS::RDS::DBInstance", "modify", False, notes=(Note(ERROR, "I: the deploy fails"),))
INTERRUPTS = ResourceChange("R", "AWS::ElastiCache::ReplicationGroup", "modify", False,
                            notes=(Note(WARNING, "R: interrupts about 1 s"),))  # fmt: skip
REPLACES = ResourceChange("T", "AWS::SNS::Topic", "replace", False)
MODIFIES = ResourceChange("T", "AWS::SNS::Topic", "modify", False)


@pytest.mark.parametrize("change, expected", [
    (DATA, 0), (FAILS, 1), (INTERRUPTS, 2), (REPLACES, 3), (MODIFIES, 4), (None, 5),
], ids=["data-at-stake", "deploy-fails", "interruption", "replacement", "modification", "no-change"])  # fmt: skip
def test_risk_ranks_what_a_reviewer_must_see_first(change, expected):
    assert risk(plan("dev", *([change] if change else []))) == expected


def test_the_worst_comes_first_and_prod_leads_among_equals():
    plans = [plan("dev", DATA), plan("qa", MODIFIES), plan("staging", DATA), plan("prod", DATA), plan("eu", FAILS),
             plan("zz")]  # fmt: skip
    assert [p.environment for p in by_risk(plans)] == ["prod", "staging", "dev", "eu", "qa", "zz"]
