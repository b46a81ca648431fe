"""AWS Config remediation end to end: SSM Automation runbooks for security
groups run for real against EC2 under the AutomationAssumeRole (IAM
decides), manual executions, automatic remediation with retries on the
clock, and GetAutomationExecution showing the run."""
import json

import pytest
from botocore.exceptions import ClientError

from config_helpers import clock, compliance, record, settle

SG = "AWS::EC2::SecurityGroup"
SSM_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ssm.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def automation_role(server, name, actions):
    iam = server.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(SSM_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="ec2", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    return arn


def world_open(ec2, gid, *ports):
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for p in ports])


def ingress_ports(ec2, gid):
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    return sorted(p["FromPort"] for p in g["IpPermissions"])


def remediation(cfg, rule, document, role, parameter, automatic=False, **extra):
    config = {"ConfigRuleName": rule, "TargetType": "SSM_DOCUMENT", "TargetId": document,
              "Parameters": {"AutomationAssumeRole": {"StaticValue": {"Values": [role]}},
                             parameter: {"ResourceValue": {"Value": "RESOURCE_ID"}}},
              "Automatic": automatic, **extra}
    return cfg.put_remediation_configurations(RemediationConfigurations=[config])


@pytest.fixture
def env(fresh_nuage):
    record(fresh_nuage)
    cfg = fresh_nuage.client("config")
    cfg.put_config_rule(ConfigRule={"ConfigRuleName": "ssh", "Scope": {"ComplianceResourceTypes": [SG]},
                                    "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
    return fresh_nuage, fresh_nuage.client("ec2"), cfg


def test_manual_remediation_with_disable_public_access(env):
    server, ec2, cfg = env
    role = automation_role(server, "remediator", ["ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroups"])
    gid = ec2.create_security_group(GroupName="open", Description="open")["GroupId"]
    world_open(ec2, gid, 22, 3389, 443)
    settle(server)
    assert compliance(cfg, "ssh")[gid] == "NON_COMPLIANT"
    remediation(cfg, "ssh", "AWS-DisablePublicAccessForSecurityGroup", role, "GroupId")
    shown = cfg.describe_remediation_configurations(ConfigRuleNames=["ssh"])["RemediationConfigurations"][0]
    assert shown["TargetId"] == "AWS-DisablePublicAccessForSecurityGroup" and shown["Automatic"] is False
    settle(server)
    assert ingress_ports(ec2, gid) == [22, 443, 3389]  # manual: nothing happens by itself
    out = cfg.start_remediation_execution(ConfigRuleName="ssh", ResourceKeys=[{"resourceType": SG, "resourceId": gid}])
    assert out["FailedItems"] == []
    settle(server)
    assert ingress_ports(ec2, gid) == [443]
    assert compliance(cfg, "ssh")[gid] == "COMPLIANT"
    status = cfg.describe_remediation_execution_status(ConfigRuleName="ssh")["RemediationExecutionStatuses"][0]
    assert status["ResourceKey"] == {"resourceType": SG, "resourceId": gid} and status["State"] == "SUCCEEDED"
    ssm = server.client("ssm")
    run = ssm.describe_automation_executions()["AutomationExecutionMetadataList"]
    assert run[0]["DocumentName"] == "AWS-DisablePublicAccessForSecurityGroup"
    execution = ssm.get_automation_execution(AutomationExecutionId=run[0]["AutomationExecutionId"])["AutomationExecution"]
    assert execution["AutomationExecutionStatus"] == "Success"
    assert execution["Parameters"]["GroupId"] == [gid]
    assert all(s["StepStatus"] == "Success" for s in execution["StepExecutions"])


def test_automatic_remediation_with_disable_incoming_ssh(env):
    server, ec2, cfg = env
    role = automation_role(server, "ssh-closer", ["ec2:RevokeSecurityGroupIngress", "ec2:DescribeSecurityGroups"])
    remediation(cfg, "ssh", "AWS-DisableIncomingSSHOnPort22", role, "SecurityGroupIds", automatic=True,
                MaximumAutomaticAttempts=3, RetryAttemptSeconds=60)
    gid = ec2.create_security_group(GroupName="heals", Description="heals")["GroupId"]
    world_open(ec2, gid, 22, 80)
    settle(server)
    assert ingress_ports(ec2, gid) == [80]
    assert compliance(cfg, "ssh")[gid] == "COMPLIANT"
    # Again and again.
    world_open(ec2, gid, 22)
    settle(server)
    assert ingress_ports(ec2, gid) == [80]


def test_automatic_remediation_retries_then_gives_up(env):
    server, ec2, cfg = env
    clock(server, freeze=True)
    # The role may describe but not revoke: every attempt fails.
    role = automation_role(server, "powerless", ["ec2:DescribeSecurityGroups"])
    remediation(cfg, "ssh", "AWS-DisableIncomingSSHOnPort22", role, "SecurityGroupIds", automatic=True,
                MaximumAutomaticAttempts=3, RetryAttemptSeconds=60)
    gid = ec2.create_security_group(GroupName="stuck", Description="stuck")["GroupId"]
    world_open(ec2, gid, 22)
    settle(server)
    ssm = server.client("ssm")

    def attempts():
        return len(ssm.describe_automation_executions()["AutomationExecutionMetadataList"])

    assert attempts() == 1
    status = cfg.describe_remediation_execution_status(ConfigRuleName="ssh")["RemediationExecutionStatuses"][0]
    assert status["State"] == "FAILED"
    failed = ssm.describe_automation_executions()["AutomationExecutionMetadataList"][0]
    execution = ssm.get_automation_execution(AutomationExecutionId=failed["AutomationExecutionId"])["AutomationExecution"]
    assert execution["AutomationExecutionStatus"] == "Failed"
    assert "UnauthorizedOperation" in json.dumps(execution["StepExecutions"], default=str)
    # Retries on the clock: RetryAttemptSeconds / MaximumAutomaticAttempts apart, three attempts in all.
    clock(server, advance="20s")
    assert attempts() == 2
    clock(server, advance="20s")
    assert attempts() == 3
    clock(server, advance="10m")
    assert attempts() == 3
    assert ingress_ports(ec2, gid) == [22]
    # With the permission, a manual execution succeeds.
    server.client("iam").put_role_policy(RoleName="powerless", PolicyName="ec2", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))
    cfg.start_remediation_execution(ConfigRuleName="ssh", ResourceKeys=[{"resourceType": SG, "resourceId": gid}])
    settle(server)
    assert ingress_ports(ec2, gid) == []


def test_bad_remediation_configurations_are_refused(env):
    server, _, cfg = env
    role = automation_role(server, "r", ["ec2:*"])
    with pytest.raises(ClientError) as e:
        remediation(cfg, "no-such-rule", "AWS-DisableIncomingSSHOnPort22", role, "SecurityGroupIds")
    assert e.value.response["Error"]["Code"] == "NoSuchConfigRuleException"
    with pytest.raises(ClientError) as e:
        remediation(cfg, "ssh", "AWS-NoSuchDocument", role, "SecurityGroupIds")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        remediation(cfg, "ssh", "AWS-DisableIncomingSSHOnPort22", role, "NotAParameter")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        cfg.start_remediation_execution(ConfigRuleName="ssh", ResourceKeys=[{"resourceType": SG, "resourceId": "sg-1"}])
    assert e.value.response["Error"]["Code"] == "NoSuchRemediationConfigurationException"
    remediation(cfg, "ssh", "AWS-DisableIncomingSSHOnPort22", role, "SecurityGroupIds")
    cfg.delete_remediation_configuration(ConfigRuleName="ssh")
    assert cfg.describe_remediation_configurations(ConfigRuleNames=["ssh"])["RemediationConfigurations"] == []
    with pytest.raises(ClientError) as e:
        cfg.delete_remediation_configuration(ConfigRuleName="ssh")
    assert e.value.response["Error"]["Code"] == "NoSuchRemediationConfigurationException"
