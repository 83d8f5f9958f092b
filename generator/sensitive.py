"""What counts as a secret in a template: one definition for the policy rule and the diff's masking.

A property whose name says it carries a credential (password, token, secret string, private
key) must hold a dynamic reference that CloudFormation resolves at deploy time
(``{{resolve:secretsmanager:...}}`` or ``{{resolve:ssm-secure:...}}``), never the value itself.
``GenerateSecretString`` is the exception by design: it holds the recipe, and AWS makes the value.
"""

from __future__ import annotations

import re
from typing import Any

SECRET_KEY = re.compile(r"(?i)(?!GenerateSecretString$).*(password|passwd|secretstring|token|secretkey|privatekey)")
DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):.+\}\}")
MASK = "(secret, masked)"


def is_secret_key(key: str) -> bool:
    """Whether a property of this name carries a credential."""
    return bool(SECRET_KEY.fullmatch(key))


def is_dynamic_reference(value: Any) -> bool:
    """Whether ``value`` is (a ``Fn::Sub`` of) exactly one secure dynamic reference."""
    text = value.get("Fn::Sub") if isinstance(value, dict) and len(value) == 1 else value
    return isinstance(text, str) and bool(DYNAMIC_REFERENCE.fullmatch(text))


def masked(key: str, value: Any) -> Any:
    """``value`` as it may be shown: a credential's literal is replaced, a dynamic reference shown as is."""
    if value is None or not is_secret_key(key) or is_dynamic_reference(value):
        return value
    return MASK
