"""E9013: the database's master credential reaches no consumer: no output, no attachable policy, and a
resource policy on the secret that refuses everyone else."""

import re

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references
from generator.rules._policies import allows, as_list, covers, everyone, statements

READ = "secretsmanager:GetSecretValue"
# Policies a consumer's role can be given: a managed policy is attached to anyone's role, a standalone
# policy names roles, users or groups from anywhere.
ATTACHABLE = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy", "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy",
              "AWS::IAM::GroupPolicy")  # fmt: skip
# What a guard's Deny may be conditioned on: who asks (principal, session), how (through CloudFormation, through
# an endpoint). Any other key could make the Deny never apply.
GUARD_KEYS = {"aws:principalarn", "aws:calledvia", "aws:userid", "aws:sourcevpce"}
# A Resource that names secrets by pattern (``...:secret:db-master-*``) reaches whichever it matches.
SECRET_PATTERN = re.compile(r"arn:[^:]*:secretsmanager:[^:]*:[^:]*:secret:.*[*?]")


def master_secrets(cfn) -> set[str]:
    """The secrets of the template that a cluster's MasterUserPassword refers to (a dynamic reference in
    ``Fn::Sub`` or ``Fn::Join``, or any other way)."""
    secrets = cfn.get_resources(["AWS::SecretsManager::Secret"])
    found = set()
    for resource in cfn.get_resources(["AWS::RDS::DBCluster"]).values():
        found |= {t for _, t in references(resource.get("Properties", {}).get("MasterUserPassword")) if t in secrets}
    return found


def _reaches(resource: object, secrets: set[str]) -> bool:
    """Whether a statement's Resource can name one of ``secrets``: by reference, "*" or a secret ARN pattern."""
    named = {t for _, t in references(resource)}
    texts = [r.get("Fn::Sub") if isinstance(r, dict) else r for r in as_list(resource)]
    texts = [t[0] if isinstance(t, list) and t else t for t in texts]  # Fn::Sub [text, variables]
    texts = [re.sub(r"\$\{[^}]*\}", "x", t) if isinstance(t, str) else t for t in texts]  # ${AWS::Region} is one part
    patterns = [t for t in texts if isinstance(t, str) and (t == "*" or SECRET_PATTERN.fullmatch(t))]
    return bool(named & secrets or patterns)


def _guards(statement: dict) -> bool:
    """Whether ``statement`` denies reading to every principal, but those its conditions on who asks and how
    name."""
    keys = {key.lower() for block in (statement.get("Condition") or {}).values() if isinstance(block, dict)
            for key in block}  # fmt: skip
    return statement.get("Effect") == "Deny" and everyone(statement) and covers(statement, READ) and keys <= GUARD_KEYS


class MasterSecretKept(CloudFormationLintRule):
    id = "E9013"
    shortdesc = "The database's master credential reaches no consumer, and its secret refuses everyone else"
    description = (
        "Whoever reads the master credential is rds_superuser: every table, every role. Consumers connect as "
        "their own database users. The secret that an AWS::RDS::DBCluster's MasterUserPassword resolves must "
        "not be the value of an Output, nor readable (secretsmanager:GetSecretValue) through an "
        'AWS::IAM::ManagedPolicy or AWS::IAM::Policy (by reference, Resource "*" or a secret ARN pattern), and an '
        'AWS::SecretsManager::ResourcePolicy on it must deny GetSecretValue to every principal ("*") but those its '
        "conditions name. A role's own inline policy is the stack's, not a consumer's (the break-glass role)."
    )
    source_url = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html"
    tags = ["iotstack", "secretsmanager", "iam"]

    def match(self, cfn):
        secrets = master_secrets(cfn)
        if not secrets:
            return []
        matches = []
        for name, output in sorted((cfn.template.get("Outputs") or {}).items()):
            for secret in sorted({t for _, t in references(output.get("Value"))} & secrets):
                matches.append(
                    RuleMatch(
                        ["Outputs", name, "Value"], f"output {name} gives out {secret}, the master credential's secret"
                    )
                )
        for logical, resource in sorted(cfn.get_resources(list(ATTACHABLE)).items()):
            for statement in statements(resource.get("Properties", {}).get("PolicyDocument")):
                if allows(statement, READ) and _reaches(statement.get("Resource"), secrets):
                    matches.append(
                        RuleMatch(
                            ["Resources", logical, "Properties", "PolicyDocument"],
                            f"{logical}: lets whoever holds it read the master credential",
                        )
                    )
        guarded = set()
        for policy in cfn.get_resources(["AWS::SecretsManager::ResourcePolicy"]).values():
            props = policy.get("Properties", {})
            policy_statements = statements(props.get("ResourcePolicy"))
            targets = {t for _, t in references(props.get("SecretId"))}
            if any(s.get("Effect") == "Allow" for s in policy_statements):
                allowing = "its resource policy allows someone: the master credential's policy only denies"
                matches += [RuleMatch(["Resources", t], f"{t}: {allowing}") for t in sorted(targets & secrets)]
                continue
            if any(_guards(s) for s in policy_statements):
                guarded |= targets
        matches += [
            RuleMatch(
                ["Resources", secret],
                f"{secret}: no resource policy denies reading the master credential to all but named principals",
            )
            for secret in sorted(secrets - guarded)
        ]
        return matches
