"""Reading IAM policy documents in a template, for the rules that judge them."""

from __future__ import annotations

import fnmatch
from typing import Any


def as_list(value: Any) -> list:
    """A policy element that may be one value or a list of them, as a list."""
    return value if isinstance(value, list) else [] if value is None else [value]


def statements(document: Any) -> list[dict]:
    """The statements of a policy document (an object), skipping what is not a statement."""
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def allows(statement: dict, action: str) -> bool:
    """Whether ``statement`` allows ``action`` (``secretsmanager:GetSecretValue``), wildcards included."""
    return statement.get("Effect") == "Allow" and covers(statement, action)


def covers(statement: dict, action: str) -> bool:
    """Whether ``statement`` applies to ``action``: its Action names it, or its NotAction does not, wildcards
    and case as IAM reads them."""

    def named(actions: object) -> bool:
        return any(isinstance(a, str) and fnmatch.fnmatchcase(action.lower(), a.lower()) for a in as_list(actions))

    if "NotAction" in statement:
        return not named(statement["NotAction"])
    return named(statement.get("Action"))


def everyone(statement: dict) -> bool:
    """Whether ``statement``'s Principal is every principal (``"*"`` or ``{"AWS": "*"}``)."""
    principal = statement.get("Principal")
    return principal == "*" or (isinstance(principal, dict) and "*" in as_list(principal.get("AWS")))


def condition_value(statement: dict, operator: str, key: str) -> Any:
    """The value of condition ``key`` under ``operator`` (case of the key ignored, as IAM does), or None."""
    block = (statement.get("Condition") or {}).get(operator) or {}
    return next((v for k, v in block.items() if isinstance(k, str) and k.lower() == key.lower()), None)
