from tests.conftest import build, environment, only


def test_the_vpc_logs_every_flow_to_an_encrypted_group():
    template = build(environment("dev"))
    flow_log = only(template, "AWS::EC2::FlowLog")["Properties"]
    assert (flow_log["ResourceType"], flow_log["ResourceId"], flow_log["TrafficType"]) == ("VPC", {"Ref": "Vpc"}, "ALL")
    assert flow_log["LogDestinationType"] == "cloud-watch-logs"
    assert flow_log["LogGroupName"] == {"Ref": "VpcFlowLogGroup"}
    assert flow_log["DeliverLogsPermissionArn"] == {"Fn::GetAtt": ["VpcFlowLogRole", "Arn"]}
    group = template["Resources"]["VpcFlowLogGroup"]["Properties"]
    assert group["LogGroupName"] == "/aws/vpc/flow-logs/iot-vpc-dev"
    assert group["KmsKeyId"] == {"Fn::GetAtt": ["LogsKey", "Arn"]}


def test_the_delivery_role_is_for_this_accounts_flow_logs_and_writes_only_their_group():
    role = build()["Resources"]["VpcFlowLogRole"]["Properties"]
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    (policy,) = role["Policies"]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Resource"] == [{"Fn::GetAtt": ["VpcFlowLogGroup", "Arn"]}]
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    assert "RoleName" not in role  # an unnamed role needs only CAPABILITY_IAM
