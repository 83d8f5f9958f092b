"""E9005: no literal password, token or secret anywhere in a template: dynamic references only."""

import json

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.masking import is_dynamic_reference, is_secret_key


class NoLiteralSecrets(CloudFormationLintRule):
    id = "E9005"
    shortdesc = "No literal password, token or secret: dynamic references only"
    description = (
        "A template is committed, reviewed and uploaded: whatever it holds is readable by everyone who "
        "can read the repository or the stack. A credential-bearing property (its name says password, "
        "token, secret string, private key, also in the plural or as a list: Passwords, AuthTokens), "
        "and each element of a list of them, must be a {{resolve:secretsmanager:...}} or "
        "{{resolve:ssm-secure:...}} reference or a NoEcho parameter without a default. "
        "GenerateSecretString is the recipe, not a value, but its SecretStringTemplate must not carry one."
    )
    source_url = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references.html"
    tags = ["iotstack", "secrets", "security"]

    def match(self, cfn):
        template = cfn.template
        parameters = template.get("Parameters") if isinstance(template.get("Parameters"), dict) else {}
        matches = []
        for name, parameter in parameters.items():
            if is_secret_key(name) and isinstance(parameter, dict) and "Default" in parameter:
                matches.append(RuleMatch(["Parameters", name, "Default"], f"parameter {name} has a literal Default"))
        for section in ("Resources", "Outputs"):
            for path in _literals(template.get(section), [section], parameters):
                matches.append(RuleMatch(path, f"{path[1]}: {path[-1]} may hold a literal credential; use a dynamic "
                                               "reference ({{resolve:secretsmanager:...}})"))  # fmt: skip
        return matches


def _literals(node: object, path: list, parameters: dict):
    """Paths of credential-bearing keys whose value could be a literal, and of recipes carrying one."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        here = [*path, key]
        if (key == "SecretStringTemplate" and _carries_password(value)) or (
            isinstance(key, str) and is_secret_key(key) and not _safe(value, parameters)
        ):
            yield here
        else:
            yield from _literals(value, here, parameters)


def _safe(value: object, parameters: dict) -> bool:
    if isinstance(value, bool) or value is None:  # a switch (ManageMasterUserPassword), not a credential
        return True
    if isinstance(value, list):  # Passwords: [...]: each one a reference
        return all(_safe(v, parameters) for v in value)
    if isinstance(value, dict) and len(value) == 1 and "Ref" in value:  # a NoEcho parameter without default
        parameter = parameters.get(value["Ref"])
        return isinstance(parameter, dict) and parameter.get("NoEcho") in (True, "true") and "Default" not in parameter
    if isinstance(value, dict) and not any(k == "Ref" or k.startswith("Fn::") for k in value):
        return all(_safe(v, parameters) for v in value.values())  # a group of settings, e.g. a PasswordPolicy
    return is_dynamic_reference(value)


def _carries_password(recipe: object) -> bool:
    try:
        fields = json.loads(recipe) if isinstance(recipe, str) else {}
    except ValueError:
        return False
    return isinstance(fields, dict) and any(is_secret_key(k) for k in fields)
