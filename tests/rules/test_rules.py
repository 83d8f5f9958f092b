"""What every policy rule carries: an id of its own, a message and the reason, one rule per file."""

from pathlib import Path

import pytest

import generator.rules
from generator.rules import RULES


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_an_id_a_message_and_a_reason(rule):
    assert rule.id.startswith("E90") and len(rule.id) == 5
    assert rule.shortdesc and len(rule.description) > len(rule.shortdesc)
    assert rule.source_url.startswith("https://")


def test_ids_are_unique_and_each_rule_has_its_own_file():
    assert len({r.id for r in RULES}) == len(RULES)
    files = sorted(p.stem for p in Path(generator.rules.__file__).parent.glob("[a-z]*.py"))
    assert sorted(r.__module__.rsplit(".", 1)[1] for r in RULES) == files


def test_cfn_lint_finds_every_rule_in_the_package():
    from cfnlint.rules import Rules

    assert sorted(Rules.create_from_module(generator.rules.MODULE)) == sorted(r.id for r in RULES)
