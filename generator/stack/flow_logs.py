"""VPC flow logs: every accepted and rejected flow of the VPC, to an encrypted log group (FSBP EC2.6).

Flow logs deliver through an IAM role that only the flow-logs service of this account may assume,
and that may only write streams of this one log group.
"""

from __future__ import annotations

from awacs import logs as logs_actions
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import GetAtt, Ref, Template
from troposphere.ec2 import FlowLog
from troposphere.iam import Policy
from troposphere.kms import Key

from generator.config import Environment
from generator.stack.common import name, service_role, tags
from generator.stack.logs import add_log_group
from generator.stack.network import Network


def add_flow_logs(template: Template, env: Environment, network: Network, key: Key) -> FlowLog:
    """Add the flow-log group, the delivery role and the VPC's flow log."""
    group = add_log_group(template, env, "VpcFlowLogGroup", f"/aws/vpc/flow-logs/{name(env, 'iot-vpc')}", key)
    write = Statement(
        Effect=Allow,
        Action=[logs_actions.CreateLogStream, logs_actions.PutLogEvents, logs_actions.DescribeLogStreams],
        Resource=[GetAtt(group, "Arn")],  # the group's ARN ends in ":*": its streams
    )
    role = template.add_resource(
        service_role("VpcFlowLogRole", env, "vpc-flow-logs.amazonaws.com",
                     "Lets VPC flow logs write to their log group",
                     source_arn="arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*",
                     Policies=[Policy(PolicyName="write-flow-logs",
                                      PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=[write]))])
    )  # fmt: skip
    return template.add_resource(
        FlowLog(
            "VpcFlowLog",
            ResourceId=Ref(network.vpc),
            ResourceType="VPC",
            TrafficType="ALL",
            LogDestinationType="cloud-watch-logs",
            LogGroupName=Ref(group),
            DeliverLogsPermissionArn=GetAtt(role, "Arn"),
            Tags=tags(env, name(env, "iot-vpc-flow-log")),
        )
    )
