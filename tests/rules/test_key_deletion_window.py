import pytest

from generator.rules import KeyDeletionWindow
from tests.rules import dev_template, findings, protected_template


@pytest.mark.parametrize(
    "template, expected",
    [
        (protected_template(), []),
        (dev_template(), []),  # dev's keys go with the stack: 7 days is its choice
        (protected_template(lambda r: r["RdsKey"]["Properties"].pop("PendingWindowInDays")), []),  # KMS's 30
        (protected_template(lambda r: r["RdsKey"]["Properties"].update(PendingWindowInDays=7)),
         ["Resources/RdsKey/Properties/PendingWindowInDays: RdsKey: PendingWindowInDays 7: a kept key must wait "
          "30 days"]),
        (protected_template(lambda r: r["RdsKey"]["Properties"].update(PendingWindowInDays="30")), []),
        (dev_template(lambda r: r["RdsKey"].update(DeletionPolicy="RetainExceptOnCreate")
                      or r["RdsKey"]["Properties"].update(PendingWindowInDays=7)),
         ["Resources/RdsKey/Properties/PendingWindowInDays: RdsKey: PendingWindowInDays 7: a kept key must wait "
          "30 days"]),
    ],
    ids=["protected", "throwaway", "kms-default", "a-week", "thirty-as-text", "kept-except-on-create"],
)  # fmt: skip
def test_a_kept_key_waits_thirty_days(template, expected):
    assert findings(KeyDeletionWindow, template) == expected
