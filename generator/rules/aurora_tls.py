"""E9009: every Aurora PostgreSQL cluster refuses connections without TLS."""

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from generator.cfn import references


class AuroraTls(CloudFormationLintRule):
    id = "E9009"
    shortdesc = "Every Aurora PostgreSQL cluster forces TLS (rds.force_ssl = 1 in its cluster parameter group)"
    description = (
        "Without a cluster parameter group that sets rds.force_ssl to 1, the engine's default lets clients "
        "inside the VPC connect in plain text, credentials and data included. Each AWS::RDS::DBCluster of "
        "engine aurora-postgresql names, in DBClusterParameterGroupName, an AWS::RDS::DBClusterParameterGroup "
        "of the template whose Parameters set rds.force_ssl to 1."
    )
    source_url = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html"
    tags = ["iotstack", "rds", "tls"]

    def match(self, cfn):
        resources = cfn.template.get("Resources", {})
        matches = []
        for logical, resource in sorted(cfn.get_resources(["AWS::RDS::DBCluster"]).items()):
            props = resource.get("Properties", {})
            if props.get("Engine") != "aurora-postgresql":
                continue
            groups = [
                t
                for _, t in references(props.get("DBClusterParameterGroupName"))
                if resources.get(t, {}).get("Type") == "AWS::RDS::DBClusterParameterGroup"
            ]
            forced = [
                g
                for g in groups
                if str(resources[g].get("Properties", {}).get("Parameters", {}).get("rds.force_ssl")) == "1"
            ]
            if not forced:
                where = (
                    f"its parameter group {groups[0]} does not set"
                    if groups
                    else "no parameter group of the template sets"
                )
                matches.append(
                    RuleMatch(
                        ["Resources", logical, "Properties"],
                        f"{logical}: {where} rds.force_ssl = 1: clients may connect without TLS",
                    )
                )
        return matches
