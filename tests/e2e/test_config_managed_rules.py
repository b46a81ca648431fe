"""AWS Config managed rules end to end: each rule nuage evaluates natively on
a compliant and a non-compliant resource, re-judged on change; periodic
rules as the clock advances (and not while the recorder is stopped); unknown
identifiers and bad parameters refused; the compliance operations; the
EventBridge compliance-change events; rules and results across a restart."""
import json

import pytest
from botocore.exceptions import ClientError

from config_helpers import clock, compliance, record, settle

SG = "AWS::EC2::SecurityGroup"
WORLD_SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def open_to_world(ec2, gid, port, protocol="tcp"):
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[{
        "IpProtocol": protocol, "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])


def managed(cfg, name, identifier, params=None, **extra):
    rule = {"ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": identifier}, **extra}
    if params is not None:
        rule["InputParameters"] = json.dumps(params)
    cfg.put_config_rule(ConfigRule=rule)


@pytest.fixture
def env(fresh_nuage):
    record(fresh_nuage)
    ec2 = fresh_nuage.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return fresh_nuage, ec2, fresh_nuage.client("config"), vpc


def group(ec2, vpc, name):
    return ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]


def test_incoming_ssh_disabled(env):
    server, ec2, cfg, vpc = env
    closed, opened = group(ec2, vpc, "closed"), group(ec2, vpc, "opened")
    open_to_world(ec2, opened, 22)
    settle(server)
    managed(cfg, "restricted-ssh", "INCOMING_SSH_DISABLED")
    settle(server)
    got = compliance(cfg, "restricted-ssh")
    assert got[closed] == "COMPLIANT" and got[opened] == "NON_COMPLIANT"
    # Re-judged on change.
    ec2.revoke_security_group_ingress(GroupId=opened, IpPermissions=[WORLD_SSH])
    open_to_world(ec2, closed, 22)
    settle(server)
    got = compliance(cfg, "restricted-ssh")
    assert got[closed] == "NON_COMPLIANT" and got[opened] == "COMPLIANT"
    by_rule = cfg.describe_compliance_by_config_rule(ConfigRuleNames=["restricted-ssh"])["ComplianceByConfigRules"]
    assert by_rule[0]["Compliance"]["ComplianceType"] == "NON_COMPLIANT"
    by_resource = cfg.describe_compliance_by_resource(ResourceType=SG, ResourceId=opened)["ComplianceByResources"]
    assert by_resource[0]["Compliance"]["ComplianceType"] == "COMPLIANT"
    details = cfg.get_compliance_details_by_resource(ResourceType=SG, ResourceId=closed)["EvaluationResults"]
    assert details[0]["ComplianceType"] == "NON_COMPLIANT"
    assert details[0]["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ConfigRuleName"] == "restricted-ssh"
    # By rule: how many rules comply (here the one rule does not).
    summary = cfg.get_compliance_summary_by_config_rule()["ComplianceSummary"]
    assert summary["NonCompliantResourceCount"]["CappedCount"] == 1
    assert summary["CompliantResourceCount"]["CappedCount"] == 0
    by_type = cfg.get_compliance_summary_by_resource_type(ResourceTypes=[SG])["ComplianceSummariesByResourceType"]
    assert by_type[0]["ResourceType"] == SG
    assert by_type[0]["ComplianceSummary"]["NonCompliantResourceCount"]["CappedCount"] == 1
    status = cfg.describe_config_rule_evaluation_status(ConfigRuleNames=["restricted-ssh"])["ConfigRulesEvaluationStatus"]
    assert status[0]["FirstEvaluationStarted"] is True and "LastSuccessfulEvaluationTime" in status[0]


def test_restricted_incoming_traffic(env):
    server, ec2, cfg, vpc = env
    mysql, web = group(ec2, vpc, "mysql"), group(ec2, vpc, "web")
    open_to_world(ec2, mysql, 3306)
    open_to_world(ec2, web, 443)
    settle(server)
    managed(cfg, "common-ports", "RESTRICTED_INCOMING_TRAFFIC", {"blockedPort1": "3306", "blockedPort2": "3389"})
    settle(server)
    got = compliance(cfg, "common-ports")
    assert got[mysql] == "NON_COMPLIANT" and got[web] == "COMPLIANT"
    with pytest.raises(ClientError) as e:
        managed(cfg, "bad-ports", "RESTRICTED_INCOMING_TRAFFIC", {"blockedPort1": "seventy"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_open_only_to_authorized_ports(env):
    server, ec2, cfg, vpc = env
    https, ssh, private = group(ec2, vpc, "https"), group(ec2, vpc, "ssh"), group(ec2, vpc, "private")
    open_to_world(ec2, https, 443)
    open_to_world(ec2, ssh, 22)
    ec2.authorize_security_group_ingress(GroupId=private, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    settle(server)
    managed(cfg, "authorized", "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", {"authorizedTcpPorts": "443,1020-1025"})
    settle(server)
    got = compliance(cfg, "authorized")
    assert got[https] == "COMPLIANT" and got[ssh] == "NON_COMPLIANT"
    # Nothing open to the world: not applicable.
    assert got[private] == "NOT_APPLICABLE"
    details = cfg.get_compliance_details_by_config_rule(ConfigRuleName="authorized", ComplianceTypes=["NOT_APPLICABLE"])
    assert private in [e["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
                       for e in details["EvaluationResults"]]
    with pytest.raises(ClientError) as e:
        managed(cfg, "bad-range", "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS", {"authorizedTcpPorts": "90-80"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_default_security_group_closed(env):
    server, ec2, cfg, vpc = env
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                    {"Name": "group-name", "Values": ["default"]}])
    default = default["SecurityGroups"][0]["GroupId"]
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    closed = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [other_vpc]},
                                                   {"Name": "group-name", "Values": ["default"]}])
    closed = closed["SecurityGroups"][0]
    ec2.revoke_security_group_ingress(GroupId=closed["GroupId"], IpPermissions=closed["IpPermissions"])
    ec2.revoke_security_group_egress(GroupId=closed["GroupId"], IpPermissions=closed["IpPermissionsEgress"])
    settle(server)
    managed(cfg, "default-closed", "VPC_DEFAULT_SECURITY_GROUP_CLOSED")
    settle(server)
    got = compliance(cfg, "default-closed")
    assert got[default] == "NON_COMPLIANT" and got[closed["GroupId"]] == "COMPLIANT"


def test_s3_bucket_versioning_enabled(env):
    server, _, cfg, _ = env
    s3 = server.client("s3")
    s3.create_bucket(Bucket="plain")
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    settle(server)
    managed(cfg, "versioning", "S3_BUCKET_VERSIONING_ENABLED")
    settle(server)
    got = compliance(cfg, "versioning")
    assert got["plain"] == "NON_COMPLIANT" and got["versioned"] == "COMPLIANT"
    s3.put_bucket_versioning(Bucket="plain", VersioningConfiguration={"Status": "Enabled"})
    settle(server)
    assert compliance(cfg, "versioning")["plain"] == "COMPLIANT"


def test_required_tags(env):
    server, ec2, cfg, vpc = env
    tagged, bare = group(ec2, vpc, "tagged"), group(ec2, vpc, "bare")
    ec2.create_tags(Resources=[tagged], Tags=[{"Key": "owner", "Value": "team-a"}])
    settle(server)
    managed(cfg, "owner-tag", "REQUIRED_TAGS", {"tag1Key": "owner", "tag1Value": "team-a,team-b"},
            Scope={"ComplianceResourceTypes": [SG]})
    settle(server)
    got = compliance(cfg, "owner-tag")
    assert got[tagged] == "COMPLIANT" and got[bare] == "NON_COMPLIANT"
    ec2.create_tags(Resources=[bare], Tags=[{"Key": "owner", "Value": "team-c"}])
    settle(server)
    assert compliance(cfg, "owner-tag")[bare] == "NON_COMPLIANT"
    ec2.create_tags(Resources=[bare], Tags=[{"Key": "owner", "Value": "team-b"}])
    settle(server)
    assert compliance(cfg, "owner-tag")[bare] == "COMPLIANT"
    with pytest.raises(ClientError) as e:
        managed(cfg, "no-key", "REQUIRED_TAGS", {})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_ec2_instance_no_public_ip(env):
    server, ec2, cfg, vpc = env
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    private = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    public = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, NetworkInterfaces=[{
        "DeviceIndex": 0, "SubnetId": subnet, "AssociatePublicIpAddress": True}])["Instances"][0]
    clock(server, advance="1m")
    managed(cfg, "no-public-ip", "EC2_INSTANCE_NO_PUBLIC_IP")
    settle(server)
    got = compliance(cfg, "no-public-ip")
    assert got[private["InstanceId"]] == "COMPLIANT" and got[public["InstanceId"]] == "NON_COMPLIANT"


def test_scope_by_resource_id_and_tag(env):
    server, ec2, cfg, vpc = env
    a, b = group(ec2, vpc, "a"), group(ec2, vpc, "b")
    open_to_world(ec2, a, 22)
    open_to_world(ec2, b, 22)
    ec2.create_tags(Resources=[b], Tags=[{"Key": "env", "Value": "prod"}])
    settle(server)
    managed(cfg, "only-a", "INCOMING_SSH_DISABLED", Scope={"ComplianceResourceTypes": [SG], "ComplianceResourceId": a})
    managed(cfg, "only-prod", "INCOMING_SSH_DISABLED", Scope={"TagKey": "env", "TagValue": "prod"})
    settle(server)
    assert compliance(cfg, "only-a") == {a: "NON_COMPLIANT"}
    assert compliance(cfg, "only-prod") == {b: "NON_COMPLIANT"}


def test_unknown_identifier_and_bad_rules_are_refused(env):
    _, _, cfg, _ = env
    with pytest.raises(ClientError) as e:
        managed(cfg, "nope", "NOT_A_RULE_NUAGE_KNOWS")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "sourceIdentifier" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        managed(cfg, "freq", "VPC_DEFAULT_SECURITY_GROUP_CLOSED", MaximumExecutionFrequency="One_Hour")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        managed(cfg, "scope", "INCOMING_SSH_DISABLED", Scope={"TagValue": "x"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert cfg.describe_config_rules()["ConfigRules"] == []
    with pytest.raises(ClientError) as e:
        cfg.describe_config_rules(ConfigRuleNames=["nope"])
    assert e.value.response["Error"]["Code"] == "NoSuchConfigRuleException"


def test_a_rule_needs_a_recorder(fresh_nuage):
    cfg = fresh_nuage.client("config")
    with pytest.raises(ClientError) as e:
        managed(cfg, "restricted-ssh", "INCOMING_SSH_DISABLED")
    assert e.value.response["Error"]["Code"] == "NoAvailableConfigurationRecorderException"


def test_periodic_evaluation_follows_the_clock_and_the_recorder(env):
    server, ec2, cfg, vpc = env
    clock(server, freeze=True)
    gid = group(ec2, vpc, "periodic")
    settle(server)
    managed(cfg, "hourly-ssh", "INCOMING_SSH_DISABLED", MaximumExecutionFrequency="One_Hour")
    settle(server)

    def last_run():
        return cfg.describe_config_rule_evaluation_status(
            ConfigRuleNames=["hourly-ssh"])["ConfigRulesEvaluationStatus"][0]["LastSuccessfulEvaluationTime"]

    first = last_run()
    clock(server, advance="30m")
    assert last_run() == first
    clock(server, advance="31m")
    second = last_run()
    assert second > first
    # Stopped: no periodic evaluation.
    cfg.stop_configuration_recorder(ConfigurationRecorderName="default")
    clock(server, advance="3h")
    assert last_run() == second
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    clock(server, advance="61m")
    assert last_run() > second
    assert compliance(cfg, "hourly-ssh")[gid] == "COMPLIANT"


def test_start_evaluation_and_delete_results(env):
    server, ec2, cfg, vpc = env
    gid = group(ec2, vpc, "g")
    open_to_world(ec2, gid, 22)
    settle(server)
    managed(cfg, "ssh", "INCOMING_SSH_DISABLED")
    settle(server)
    assert compliance(cfg, "ssh")[gid] == "NON_COMPLIANT"
    cfg.delete_evaluation_results(ConfigRuleName="ssh")
    assert compliance(cfg, "ssh") == {}
    cfg.start_config_rules_evaluation(ConfigRuleNames=["ssh"])
    settle(server)
    assert compliance(cfg, "ssh")[gid] == "NON_COMPLIANT"
    cfg.delete_config_rule(ConfigRuleName="ssh")
    with pytest.raises(ClientError) as e:
        cfg.get_compliance_details_by_config_rule(ConfigRuleName="ssh")
    assert e.value.response["Error"]["Code"] == "NoSuchConfigRuleException"
    assert cfg.describe_compliance_by_resource(ResourceType=SG, ResourceId=gid)["ComplianceByResources"][0][
        "Compliance"]["ComplianceType"] == "INSUFFICIENT_DATA"


def test_compliance_changes_reach_eventbridge(env):
    server, ec2, cfg, vpc = env
    events, logs = server.client("events"), server.client("logs")
    logs.create_log_group(logGroupName="/aws/events/config")
    arn = logs.describe_log_groups(logGroupNamePrefix="/aws/events/config")["logGroups"][0]["arn"].rstrip(":*")
    events.put_rule(Name="config-changes", EventPattern=json.dumps({"source": ["aws.config"]}))
    events.put_targets(Rule="config-changes", Targets=[{"Id": "logs", "Arn": arn}])
    gid = group(ec2, vpc, "evented")
    managed(cfg, "ssh", "INCOMING_SSH_DISABLED")
    open_to_world(ec2, gid, 22)
    settle(server)
    messages = [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName="/aws/events/config")["events"]]
    kinds = {m["detail-type"] for m in messages}
    assert {"Config Rules Compliance Change", "Configuration Item Change Notification"} <= kinds
    change = [m for m in messages if m["detail-type"] == "Config Rules Compliance Change"
              and m["detail"]["resourceId"] == gid][-1]
    assert change["detail"]["newEvaluationResult"]["complianceType"] == "NON_COMPLIANT"
    assert change["detail"]["configRuleName"] == "ssh"


def test_rules_and_results_survive_a_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    record(server)
    ec2 = server.client("ec2")
    gid = ec2.create_security_group(GroupName="kept", Description="kept")["GroupId"]
    open_to_world(ec2, gid, 22)
    managed(server.client("config"), "ssh", "INCOMING_SSH_DISABLED")
    settle(server)
    server.stop()
    server = start_nuage(data_dir=data_dir)
    cfg = server.client("config")
    assert [r["ConfigRuleName"] for r in cfg.describe_config_rules()["ConfigRules"]] == ["ssh"]
    assert compliance(cfg, "ssh")[gid] == "NON_COMPLIANT"
    server.client("ec2").revoke_security_group_ingress(GroupId=gid, IpPermissions=[WORLD_SSH])
    settle(server)
    assert compliance(cfg, "ssh")[gid] == "COMPLIANT"


def test_cli_puts_and_reads_rules(env):
    server, ec2, cfg, vpc = env
    gid = group(ec2, vpc, "cli")
    open_to_world(ec2, gid, 22)
    for version, name in ((1, "cli-v1"), (2, "cli-v2")):
        server.cli("configservice", "put-config-rule", "--config-rule", json.dumps({
            "ConfigRuleName": name, "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}}),
            version=version)
        settle(server)
        out = server.cli("configservice", "get-compliance-details-by-config-rule", "--config-rule-name", name,
                         "--compliance-types", "NON_COMPLIANT", version=version)
        assert [e["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]
                for e in out["EvaluationResults"]] == [gid]
