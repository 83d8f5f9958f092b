import pytest

from tests.conftest import build, environment, only, resources_of


def cluster(env=None) -> dict:
    return only(build(env), "AWS::RDS::DBCluster")


def test_cluster_is_serverless_v2_postgresql_encrypted_with_the_rds_key():
    props = cluster(environment("dev"))["Properties"]
    assert props["DBClusterIdentifier"] == "aurora-cluster-dev"
    assert (props["Engine"], props["EngineMode"], props["EngineVersion"]) == (
        "aurora-postgresql",
        "provisioned",
        "15.10",
    )
    assert props["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 2.0}
    assert props["StorageEncrypted"] is True
    assert props["KmsKeyId"] == {"Fn::GetAtt": ["RdsKey", "Arn"]}
    assert props["DatabaseName"] == "sensordata"
    assert props["DBSubnetGroupName"] == {"Ref": "AuroraSubnetGroup"}
    assert props["VpcSecurityGroupIds"] == [{"Fn::GetAtt": ["DatabaseSecurityGroup", "GroupId"]}]


def test_backups_and_windows_are_the_architecture_values():
    props = cluster()["Properties"]
    assert props["BackupRetentionPeriod"] == 30
    assert (props["PreferredBackupWindow"], props["PreferredMaintenanceWindow"]) == (
        "03:00-04:00",
        "mon:04:00-mon:05:00",
    )


def test_credentials_reach_the_cluster_only_through_dynamic_references():
    props = cluster()["Properties"]
    assert props["MasterUsername"] == {"Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:username}}"}
    assert props["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${DatabaseSecret}:SecretString:password}}"
    }


def test_postgresql_log_goes_to_a_pre_created_encrypted_group_named_as_rds_names_it():
    template = build(environment("dev"))
    log_group = template["Resources"]["AuroraPostgresqlLogGroup"]
    assert log_group["Properties"]["LogGroupName"] == "/aws/rds/cluster/aurora-cluster-dev/postgresql"
    assert log_group["Properties"]["RetentionInDays"] == 7
    assert log_group["Properties"]["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}
    props = cluster(environment("dev"))
    assert props["Properties"]["EnableCloudwatchLogsExports"] == ["postgresql"]  # FSBP RDS.37
    assert props["DependsOn"] == ["AuroraPostgresqlLogGroup"]


def test_iam_authentication_and_tags_on_snapshots():
    props = cluster()["Properties"]
    assert props["EnableIAMDatabaseAuthentication"] is True  # FSBP RDS.12
    assert props["CopyTagsToSnapshot"] is True  # FSBP RDS.16


def test_every_instance_sends_enhanced_monitoring_through_a_role_only_rds_monitoring_assumes():
    template = build(environment(aurora={"instances": 2}))
    for instance in resources_of(template, "AWS::RDS::DBInstance").values():
        props = instance["Properties"]
        assert (props["MonitoringInterval"], props["MonitoringRoleArn"]) == (
            60,
            {"Fn::GetAtt": ["AuroraMonitoringRole", "Arn"]},
        )
        assert props["AutoMinorVersionUpgrade"] is True
    role = template["Resources"]["AuroraMonitoringRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "monitoring.rds.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    assert role["ManagedPolicyArns"] == [
        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"}
    ]
    assert "Policies" not in role


def test_subnet_group_uses_the_private_subnets():
    group = only(build(), "AWS::RDS::DBSubnetGroup")["Properties"]
    assert group["SubnetIds"] == [{"Ref": "PrivateSubnet1"}, {"Ref": "PrivateSubnet2"}]


@pytest.mark.parametrize(
    "instances, expected",
    [
        (1, {"AuroraInstance": ("aurora-instance-t", 0)}),
        (2, {"AuroraInstance": ("aurora-instance-t", 0), "AuroraInstance2": ("aurora-instance-2-t", 1)}),
        (3, {"AuroraInstance": ("aurora-instance-t", 0), "AuroraInstance2": ("aurora-instance-2-t", 1),
             "AuroraInstance3": ("aurora-instance-3-t", 0)}),
    ],
    ids=["one-pinned", "two-in-different-azs", "three-alternate"],
)  # fmt: skip
def test_instances_alternate_between_the_two_zones(instances, expected):
    found = resources_of(build(environment("t", aurora={"instances": instances})), "AWS::RDS::DBInstance")
    got = {}
    for logical, instance in found.items():
        props = instance["Properties"]
        az = props["AvailabilityZone"]["Fn::Select"][0]
        got[logical] = (props["DBInstanceIdentifier"], az)
        assert props["DBInstanceClass"] == "db.serverless"
        assert props["PubliclyAccessible"] is False
        assert "EngineVersion" not in props  # an Aurora instance runs its cluster's version
        # The cluster holds the data and its policy; an instance is always deleted with it.
        assert (instance["DeletionPolicy"], instance["UpdateReplacePolicy"]) == ("Delete", "Delete")
    assert got == expected


def test_adding_an_instance_leaves_the_first_one_unchanged():
    """An instance's AZ cannot change in place: growing from one instance to two must not touch it."""
    first = [build(environment("t", aurora={"instances": n}))["Resources"]["AuroraInstance"] for n in (1, 2, 3)]
    assert first[0] == first[1] == first[2]


@pytest.mark.parametrize(
    "min_capacity, max_capacity",
    [(0.0, 1.0), (0.5, 256.0), (128.5, 256.0)],
    ids=["pauses-at-zero", "largest", "beyond-troposphere-128"],
)
def test_capacity_accepts_the_current_aws_limits(min_capacity, max_capacity):
    env = environment(aurora={"min_capacity": min_capacity, "max_capacity": max_capacity})
    assert cluster(env)["Properties"]["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": min_capacity,
        "MaxCapacity": max_capacity,
    }


@pytest.mark.parametrize(
    "removal_policy, deletion_protection, expected_policy",
    [("destroy", False, "Delete"), ("snapshot", True, "Snapshot")],
)
def test_removal_and_deletion_protection_follow_the_environment(removal_policy, deletion_protection, expected_policy):
    env = environment(removal_policy=removal_policy, aurora={"deletion_protection": deletion_protection})
    found = cluster(env)
    assert found["Properties"]["DeletionProtection"] is deletion_protection
    assert (found["DeletionPolicy"], found["UpdateReplacePolicy"]) == (expected_policy, expected_policy)
