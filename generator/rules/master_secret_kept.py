"""E9013: the database's master credential reaches no consumer: no output, no attachable policy, and a
resource policy on the secret that refuses everyone else."""

import re

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references
from generator.rules._policies import allows, as_list, covers, statements

READ = "secretsmanager:GetSecretValue"
# Policies a consumer's role can be given: a managed policy is attached to anyone's role, a standalone
# policy names roles, users or groups from anywhere.
ATTACHABLE = ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
RESOLVED = re.compile(r"\{\{resolve:secretsmanager:\$\{([^}]+)\}")


def master_secrets(cfn) -> set[str]:
    """The secrets whose value a cluster's MasterUserPassword resolves."""
    found = set()
    for resource in cfn.get_resources(["AWS::RDS::DBCluster"]).values():
        password = resource.get("Properties", {}).get("MasterUserPassword")
        text = password.get("Fn::Sub") if isinstance(password, dict) else None
        found |= set(RESOLVED.findall(text if isinstance(text, str) else ""))
    return found


class MasterSecretKept(CloudFormationLintRule):
    id = "E9013"
    shortdesc = "The database's master credential reaches no consumer, and its secret refuses everyone else"
    description = (
        "Whoever reads the master credential is rds_superuser: every table, every role. Consumers connect as "
        "their own database users. The secret that an AWS::RDS::DBCluster's MasterUserPassword resolves must "
        "not be the value of an Output, nor readable (secretsmanager:GetSecretValue) through an "
        'AWS::IAM::ManagedPolicy or AWS::IAM::Policy (by reference or Resource "*"), and an '
        "AWS::SecretsManager::ResourcePolicy on it must deny GetSecretValue to all but named principals."
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
                named = {t for _, t in references(statement.get("Resource"))}
                if allows(statement, READ) and ("*" in as_list(statement.get("Resource")) or named & secrets):
                    matches.append(
                        RuleMatch(
                            ["Resources", logical, "Properties", "PolicyDocument"],
                            f"{logical}: lets whoever holds it read the master credential",
                        )
                    )
        guarded = set()
        for policy in cfn.get_resources(["AWS::SecretsManager::ResourcePolicy"]).values():
            props = policy.get("Properties", {})
            if any(s.get("Effect") == "Deny" and covers(s, READ) for s in statements(props.get("ResourcePolicy"))):
                guarded |= {t for _, t in references(props.get("SecretId"))}
        matches += [
            RuleMatch(
                ["Resources", secret],
                f"{secret}: no resource policy denies reading the master credential to all but named principals",
            )
            for secret in sorted(secrets - guarded)
        ]
        return matches
