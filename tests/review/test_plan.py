"""review.plan: pairs of templates from real configuration changes, and what deploying them would do."""

import json

import pytest

from generator import __version__
from generator.review import plan as diff
from generator.review.formats.words import action_of
from generator.review.plan import MAYBE, NO, YES, plan
from generator.review.plan_format import FORMATS, render_plan
from generator.review.schemas import covers
from generator.stack import alerts, aurora, keys, kinesis
from tests.conftest import build, environment

BEFORE = build(environment("dev"))


def renamed(module, kind, new_kind):
    """Build dev with one physical name changed where ``module`` names it (the names derive from the env)."""

    def change(monkeypatch):
        original = module.name
        monkeypatch.setattr(module, "name", lambda env, k: original(env, new_kind if k == kind else k))
        return build(environment("dev"))

    return change


def configured(**changes):
    return lambda monkeypatch: build(environment("dev", **changes))


def other_rds_key(monkeypatch):
    """The cluster gets another KMS key: the RDS key is now built under the logical id DatabaseKey."""
    original = keys._add_key
    monkeypatch.setattr(keys, "_add_key", lambda t, env, logical, *rest:
                        original(t, env, "Database" if logical == "Rds" else logical, *rest))  # fmt: skip
    return build(environment("dev"))


def without_redis(monkeypatch):
    """The Redis group taken out, with its subnet group and the outputs that name it."""
    template = build(environment("dev"))
    for logical in ("RedisReplicationGroup", "RedisSubnetGroup"):
        del template["Resources"][logical]
    for output in ("RedisClusterId", "RedisPrimaryEndpoint", "RedisReaderEndpoint"):
        del template["Outputs"][output]
    return template


def actions(p):
    return {r.logical_id: (action_of(r), r.replacement) for r in p.resources}


# What watches a replaced resource follows it: its alarms' dimensions, its RDS event subscription's
# sources and the dashboard refer to it, so they are modified (none of them is replaced).
WATCHING_THE_DATABASE = {
    logical: ("modify", NO) for logical in ("AuroraClusterEventSubscription", "AuroraInstanceEventSubscription",
                                            "AuroraInstanceCapacityAlarm", "AuroraInstanceCpuAlarm",
                                            "AuroraInstanceFreeableMemoryAlarm", "Dashboard")
}  # fmt: skip
WATCHING_THE_STREAM = {
    logical: ("modify", NO) for logical in ("SensorDataStreamIteratorAgeAlarm", "SensorDataStreamWriteThrottledAlarm",
                                            "SensorDataStreamReadThrottledAlarm", "Dashboard")
}  # fmt: skip

# rds-db:connect names the cluster's resource id, which a new cluster changes.
CONNECTING_TO_THE_DATABASE = {"DatabaseReaderPolicy": ("modify", NO), "DatabaseWriterPolicy": ("modify", NO)}
# change -> {logical id: (action, replacement)} for every resource that changes, and the exit code.
CASES = {
    "rename-cluster-identifier": (renamed(aurora, "aurora-cluster", "aurora-db"), {
        "AuroraCluster": ("replace", YES),  # DBClusterIdentifier is create-only
        "AuroraInstance": ("replace", YES),  # its DBClusterIdentifier refers to the replaced cluster
        "AuroraPostgresqlLogGroup": ("replace", YES),  # its name carries the cluster's
        "DatabaseSecretAttachment": ("modify", NO),  # TargetId refers to the cluster: a mutable property
        **CONNECTING_TO_THE_DATABASE,
        **WATCHING_THE_DATABASE,
    }, 3),
    "change-stream-name": (renamed(kinesis, "sensor-data-stream", "telemetry-stream"), {
        "SensorDataStream": ("replace", YES),
        "SensorStreamConsumerPolicy": ("modify", NO),  # the policies name the stream's ARN
        "SensorStreamProducerPolicy": ("modify", NO),
        **WATCHING_THE_STREAM,  # the alarms' descriptions name the stream too
    }, 3),
    "change-redis-node-type": (configured(redis={"node_type": "cache.t3.small"}), {
        "RedisReplicationGroup": ("modify", NO),
    }, 2),
    "add-a-tag": (configured(tags={"Team": "sensors"}), {
        logical: ("modify", NO) for logical, r in BEFORE["Resources"].items() if "Tags" in r["Properties"]
    }, 2),
    "change-cluster-kms-key": (other_rds_key, {
        "AuroraCluster": ("replace", YES),  # KmsKeyId is create-only
        "AuroraInstance": ("replace", YES),
        "DatabaseKey": ("add", NO),
        "DatabaseKeyAlias": ("add", NO),
        "RdsKey": ("remove", NO),
        "RdsKeyAlias": ("remove", NO),
        "DatabaseSecretAttachment": ("modify", NO),
        "KeyDeletionOrDisableRule": ("modify", NO),  # it watches the new key instead
        **CONNECTING_TO_THE_DATABASE,
        **WATCHING_THE_DATABASE,
    }, 3),
    "remove-redis-group": (without_redis, {
        "RedisReplicationGroup": ("remove", NO),
        "RedisSubnetGroup": ("remove", NO),
    }, 3),
    "nothing": (configured(), {}, 0),
}  # fmt: skip


@pytest.mark.parametrize("change, expected, exit_code", CASES.values(), ids=CASES.keys())
def test_real_changes_are_predicted(monkeypatch, change, expected, exit_code):
    result = plan(BEFORE, change(monkeypatch), "sa-east-1", "dev", "HEAD")
    assert actions(result) == expected
    assert result.exit_code == exit_code


def test_a_modification_shows_the_changed_paths_before_and_after(monkeypatch):
    (change,) = plan(BEFORE, configured(redis={"node_type": "cache.t3.small"})(monkeypatch), "sa-east-1").resources
    assert change.changes == (diff.PropertyChange("CacheNodeType", "cache.t3.micro", "cache.t3.small", NO),)
    (tag,) = plan(BEFORE, configured(tags={"Team": "sensors"})(monkeypatch), "sa-east-1").resources[0].changes
    assert (tag.path, tag.before, tag.after) == ("Tags[Team]", None, "sensors")


def test_the_reasons_of_a_replacement_are_given(monkeypatch):
    result = plan(BEFORE, renamed(aurora, "aurora-cluster", "aurora-db")(monkeypatch), "sa-east-1")
    by_id = {r.logical_id: r for r in result.resources}
    cluster_id = by_id["AuroraCluster"].changes[0]
    assert (cluster_id.path, cluster_id.replacement) == ("DBClusterIdentifier", YES)
    assert by_id["AuroraInstance"].causes == (
        "DBClusterIdentifier refers to AuroraCluster, which is replaced (create-only): is replaced too",
    )
    # A named instance cannot be replaced under the same name: CloudFormation would fail the update.
    (fails, data) = by_id["AuroraInstance"].notes
    assert (
        fails.severity == "error" and "AuroraInstance: DBInstanceIdentifier stays 'aurora-instance-dev'" in fails.text
    )
    assert data.severity == "warning" and "data lives in the cluster" in data.text
    assert {o.name for o in result.outputs} == {"AuroraClusterEndpoint", "AuroraClusterId", "AuroraClusterPort",
                                                "AuroraClusterReaderEndpoint"}  # fmt: skip


def test_replacement_follows_references_transitively():
    before = {"Resources": {
        "A": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "B": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "A"}, "CidrBlock": "10.0.1.0/24"}},
        "C": {"Type": "AWS::EC2::SubnetRouteTableAssociation",
              "Properties": {"SubnetId": {"Fn::Sub": "${B}"}, "RouteTableId": "rtb-1"}},
        "D": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": "d",
              "VpcId": {"Fn::Join": ["", [{"Fn::GetAtt": ["A", "VpcId"]}]]}}},
    }}  # fmt: skip
    after = json.loads(json.dumps(before))
    after["Resources"]["A"]["Properties"]["CidrBlock"] = "10.1.0.0/16"
    assert actions(plan(before, after, "sa-east-1")) == {
        "A": ("replace", YES), "B": ("replace", YES), "C": ("replace", YES), "D": ("replace", YES),
    }  # fmt: skip


@pytest.mark.parametrize(
    "pointer, path, expected",
    [
        (["StreamEncryption", "KeyId"], ["StreamEncryption", "KeyId"], True),
        (["StreamEncryption", "KeyId"], ["StreamEncryption"], True),  # the whole object replaced
        (["StreamEncryption", "KeyId"], ["StreamEncryption", "EncryptionType"], False),
        (["NodeGroupConfiguration", "*", "Slots"], ["NodeGroupConfiguration", 1, "Slots"], True),
        (["NodeGroupConfiguration", "*", "Slots"], ["NodeGroupConfiguration", 1, "ReplicaCount"], False),
        (["Tags"], ["Tags[Team]"], True),
    ],
    ids=["exact", "parent", "sibling", "star-in-array", "star-other-field", "tag-key"],
)
def test_create_only_pointers_cover_nested_paths(pointer, path, expected):
    assert covers(pointer, path) is expected


def test_conditionally_create_only_may_replace_and_counts_as_stateful():
    before = {"Resources": {"I": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t3.micro"}}}}
    after = json.loads(json.dumps(before))
    after["Resources"]["I"]["Properties"]["PreferredMaintenanceWindow"] = "mon:04:00-mon:05:00"
    result = plan(before, after, "sa-east-1")
    assert actions(result) == {"I": ("modify, may replace", MAYBE)}
    assert result.exit_code == 3


def test_a_new_generator_version_is_a_change_of_the_template_only():
    after = json.loads(json.dumps(BEFORE))
    after["Metadata"]["iotstack"]["version"] = "9.9.9"
    result = plan(BEFORE, after, "sa-east-1", "dev", "HEAD")
    assert (result.resources, result.outputs, result.exit_code) == ((), (), 2)
    assert [(c.path, c.after) for c in result.template] == [("Metadata/iotstack/version", "9.9.9")]
    assert f'template Metadata/iotstack/version: "{__version__}" -> "9.9.9"' in render_plan([result], "table")


def test_no_base_template_means_everything_is_added():
    result = plan(None, BEFORE, "sa-east-1")
    assert {r.action for r in result.resources} == {"add"}
    assert len(result.resources) == len(BEFORE["Resources"]) and result.exit_code == 2


@pytest.mark.parametrize(
    "value, shown",
    [
        ("hunter2", "(secret, masked)"),
        ("{{resolve:secretsmanager:s:SecretString:password}}", "{{resolve:secretsmanager:s:SecretString:password}}"),
    ],
    ids=["literal-masked", "dynamic-reference-shown"],
)
def test_secrets_are_masked(value, shown):
    before = {"Resources": {"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUserPassword": "old"}}}}
    after = {"Resources": {"C": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUserPassword": value}}}}
    (change,) = plan(before, after, "sa-east-1").resources[0].changes
    assert (change.before, change.after) == ("(secret, masked)", shown)
    for fmt in FORMATS:
        text = render_plan([plan(before, after, "sa-east-1")], fmt)
        assert "old" not in text and "hunter2" not in text


def test_formats(monkeypatch):
    result = plan(BEFORE, renamed(kinesis, "sensor-data-stream", "telemetry-stream")(monkeypatch), "sa-east-1",
                  "dev", "HEAD:templates/dev.json")  # fmt: skip
    table = render_plan([result], "table", width=200)
    assert table.startswith("dev (against HEAD:templates/dev.json): 1 to replace, 6 to modify, 2 output(s) to change; "
                            "REPLACES STATEFUL SensorDataStream\n")  # fmt: skip
    assert '      Name  (create-only: replaces)\n      - "sensor-data-stream-dev"\n      + "telemetry' in table
    markdown = render_plan([result], "markdown")
    assert "| **replace** | `SensorDataStream` | Kinesis stream, stateful |" in markdown
    (data,) = json.loads(render_plan([result], "json"))["plans"]
    stream = next(r for r in data["resources"] if r["logical_id"] == "SensorDataStream")
    assert data["exit_code"] == 3 and stream["action"] == "replace"
    assert stream["changes"][0] == {"path": "Name", "before": "sensor-data-stream-dev", "after": "telemetry-stream-dev",
                                    "replaces": True, "may_replace": False}  # fmt: skip


@pytest.mark.parametrize("emails, notes", [
    (("ops@example.com", "oncall@example.com"), ("AlertTopic gets a new ARN: its 2 subscription(s) are made again, and "
                                                 "each email address receives nothing until it confirms anew",)),
    ((), ()),
], ids=["with-subscriptions", "without"])  # fmt: skip
def test_a_replaced_topic_with_subscriptions_warns_that_each_address_confirms_anew(monkeypatch, emails, notes):
    env = environment("dev", alerts={"emails": emails})
    before = build(env)
    original = alerts.name
    monkeypatch.setattr(alerts, "name", lambda e, kind: original(e, "iot-alarms" if kind == "iot-alerts" else kind))
    by_id = {r.logical_id: r for r in plan(before, build(env), "sa-east-1").resources}
    topic = by_id["AlertTopic"]
    assert (topic.action, tuple(n.text for n in topic.notes)) == ("replace", notes)  # TopicName is create-only
    assert [k for k, r in by_id.items() if r.type == "AWS::SNS::Subscription" and r.action == "replace"] == [
        f"AlertEmail{alerts.address_id(a)}" for a in sorted(emails)
    ]
    assert "CacheEventsTopic" not in by_id


def without_rotation_log_group(template):
    template["Resources"].pop("RotationFunctionLogGroup")
    template["Resources"]["DatabaseSecretRotation"]["DependsOn"].remove("RotationFunctionLogGroup")
    return template


@pytest.mark.parametrize("function, error", [
    ("db-rotation-test", True),  # the base made and ran this function: Lambda has made its group
    ("db-rotation-renamed-test", False),  # a new function: the stack makes its group first
], ids=["same-function", "function-named-anew"])  # fmt: skip
def test_a_log_group_added_for_a_function_that_has_run_fails_the_deploy(function, error):
    after = build(environment())
    before = without_rotation_log_group(json.loads(json.dumps(after)))
    before["Resources"]["DatabaseSecretRotation"]["Properties"]["HostedRotationLambda"]["RotationLambdaName"] = function
    group = next(r for r in plan(before, after, "sa-east-1").resources if r.logical_id == "RotationFunctionLogGroup")
    notes = [n for n in group.notes if n.severity == "error"]
    assert bool(notes) is error
    if error:
        assert "the function db-rotation-test exists and has run, so Lambda has made /aws/lambda/db-rotation-test" in (
            notes[0].text
        )


@pytest.mark.parametrize("change, expected", [
    (lambda r: r["AuroraCluster"]["Properties"].pop("DBClusterParameterGroupName"),
     ("AuroraCluster", "its new cluster parameter group applies only after each instance reboots")),
    (lambda r: r["AuroraClusterParameterGroup"]["Properties"]["Parameters"].update({"rds.force_ssl": "0"}),
     ("AuroraClusterParameterGroup", "rds.force_ssl change: a dynamic parameter applies at once, a static one "
                                     "only after each instance reboots")),
], ids=["parameter-group-added", "parameter-changed"])  # fmt: skip
def test_what_waits_for_a_reboot_is_said(change, expected):
    after = build(environment("dev"))
    before = json.loads(json.dumps(after))
    change(before["Resources"])
    logical, text = expected
    (changed,) = [r for r in plan(before, after, "sa-east-1").resources if r.logical_id == logical]
    assert any(text in n.text and n.severity == "warning" for n in changed.notes)


def rotation_changed(immediately):
    def change(before, after):
        props = after["DatabaseSecretRotation"]["Properties"]
        props["RotationRules"]["AutomaticallyAfterDays"] = 7
        if immediately is not None:
            props["RotateImmediatelyOnUpdate"] = immediately

    return change


@pytest.mark.parametrize("change, logical, expected", [
    (rotation_changed(None), "DatabaseSecretRotation", "the update rotates the secret at once"),
    (rotation_changed(False), "DatabaseSecretRotation", None),
    (lambda before, after: before.pop("DatabaseSecretResourcePolicy"), "DatabaseSecretResourcePolicy",
     "from this deploy on, the secret refuses the principals its Deny statements name"),
], ids=["rotation-changed", "rotation-changed-not-at-once", "resource-policy-added"])  # fmt: skip
def test_what_a_deployed_secrets_readers_meet_is_said(change, logical, expected):
    before = build(environment())
    after = json.loads(json.dumps(before))
    change(before["Resources"], after["Resources"])
    (changed,) = [r for r in plan(before, after, "sa-east-1").resources if r.logical_id == logical]
    warnings = [n.text for n in changed.notes if n.severity == "warning"]
    assert any(expected in w for w in warnings) if expected else warnings == []


@pytest.mark.parametrize("network, at_stake, within", [
    ({"vpc_cidr": "10.9.0.0/16", "public_subnet_cidrs": ["10.9.1.0/24", "10.9.2.0/24"],
      "private_subnet_cidrs": ["10.9.11.0/24", "10.9.12.0/24"]}, ("Vpc",),
     ("AuroraCluster", "AuroraInstance", "RedisReplicationGroup")),
    ({"public_subnet_cidrs": ["10.0.3.0/24", "10.0.4.0/24"]}, (), ()),  # the data stores' network stays
])  # fmt: skip
def test_a_replaced_vpc_puts_the_data_stores_living_in_it_at_stake(network, at_stake, within):
    after = build(environment("dev", network=network))
    result = plan(BEFORE, after, "sa-east-1", "dev", "HEAD")
    assert result.at_stake == at_stake and result.exit_code == (3 if at_stake else 2)
    vpc = next((r for r in result.resources if r.logical_id == "Vpc"), None)
    assert (vpc.within if vpc else ()) == within
    if at_stake:
        assert any("AuroraCluster, AuroraInstance, RedisReplicationGroup live in it" in n.text for n in vpc.notes)
        assert not any("UpdateReplacePolicy" in n.text for n in vpc.notes)  # a VPC holds no data of its own
