"""AWS Config recording end to end: recorders and their status, configuration
items from EC2/S3/IAM changes (discovered, changed, deleted) in AWS's schema,
the history in order and by pages, the inventory operations, the delivery
channel's files in S3, and items surviving a restart."""
import json

import pytest
from botocore.exceptions import ClientError

from config_helpers import clock, delivered, history, record, settle

SG = "AWS::EC2::SecurityGroup"


def make_group(ec2, name="web"):
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    gid = ec2.create_security_group(GroupName=name, Description="web servers", VpcId=vpc)["GroupId"]
    return vpc, gid


def test_recorder_lifecycle_and_status(fresh_nuage):
    cfg = fresh_nuage.client("config")
    assert cfg.describe_configuration_recorders()["ConfigurationRecorders"] == []
    with pytest.raises(ClientError) as e:
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    assert e.value.response["Error"]["Code"] == "NoSuchConfigurationRecorderException"
    record(fresh_nuage, start=False)
    rec = cfg.describe_configuration_recorders()["ConfigurationRecorders"][0]
    assert rec["name"] == "default" and rec["roleARN"].endswith(":role/config-recorder-us-east-1")
    status = cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]
    assert status["recording"] is False
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    assert cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"] is True
    # One recorder per region.
    with pytest.raises(ClientError) as e:
        cfg.put_configuration_recorder(ConfigurationRecorder={"name": "second", "roleARN": rec["roleARN"]})
    assert e.value.response["Error"]["Code"] == "MaxNumberOfConfigurationRecordersExceededException"
    cfg.stop_configuration_recorder(ConfigurationRecorderName="default")
    assert cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"] is False
    channels = cfg.describe_delivery_channels()["DeliveryChannels"]
    assert channels[0]["s3BucketName"] == "config-us-east-1"


def test_delivery_channel_needs_an_existing_bucket(fresh_nuage):
    cfg, iam = fresh_nuage.client("config"), fresh_nuage.client("iam")
    record(fresh_nuage, start=False)
    with pytest.raises(ClientError) as e:
        cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "no-such-bucket"})
    assert e.value.response["Error"]["Code"] == "NoSuchBucketException"
    assert cfg.describe_delivery_channels()["DeliveryChannels"][0]["s3BucketName"] == "config-us-east-1"


def test_security_group_items_follow_every_change(fresh_nuage):
    ec2, cfg = fresh_nuage.client("ec2"), fresh_nuage.client("config")
    # A frozen clock moved a minute between changes: capture times one apart.
    clock(fresh_nuage, freeze=True, set="2026-05-04T10:00:00Z")
    record(fresh_nuage)
    vpc, gid = make_group(ec2)
    clock(fresh_nuage, advance="1m")
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    clock(fresh_nuage, advance="1m")
    ec2.create_tags(Resources=[gid], Tags=[{"Key": "team", "Value": "web"}])
    clock(fresh_nuage, advance="1m")
    ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    settle(fresh_nuage)
    items = history(cfg, SG, gid)
    assert [i["configurationItemStatus"] for i in items] == ["ResourceDiscovered", "OK", "OK", "OK"]
    times = [i["configurationItemCaptureTime"] for i in items]
    assert times == sorted(times)
    states = [int(i["configurationStateId"]) for i in items]
    assert states == sorted(states) and len(set(states)) == 4
    opened = json.loads(items[1]["configuration"])
    assert opened["groupId"] == gid and opened["groupName"] == "web" and opened["vpcId"] == vpc
    assert opened["description"] == "web servers" and opened["ownerId"] == "000000000000"
    perm = opened["ipPermissions"][0]
    assert perm["fromPort"] == 22 and perm["toPort"] == 22 and perm["ipProtocol"] == "tcp"
    assert perm["ipRanges"] == ["0.0.0.0/0"] and perm["ipv4Ranges"] == [{"cidrIp": "0.0.0.0/0"}]
    assert perm["userIdGroupPairs"] == [] and perm["prefixListIds"] == []
    assert opened["ipPermissionsEgress"][0]["ipProtocol"] == "-1"
    assert items[2]["tags"] == {"team": "web"}
    assert json.loads(items[3]["configuration"])["ipPermissions"] == []
    assert {"resourceType": "AWS::EC2::VPC", "resourceId": vpc, "relationshipName": "Is contained in Vpc"} in [
        {k: r[k] for k in ("resourceType", "resourceId", "relationshipName")} for r in items[0]["relationships"]]
    assert all(i["configurationItemMD5Hash"] for i in items)
    assert items[0]["arn"] == f"arn:aws:ec2:us-east-1:000000000000:security-group/{gid}"
    assert items[0]["awsRegion"] == "us-east-1" and items[0]["accountId"] == "000000000000"
    # Newest first by default; a time window; pages.
    newest = cfg.get_resource_config_history(resourceType=SG, resourceId=gid)["configurationItems"]
    assert [i["configurationStateId"] for i in newest] == [i["configurationStateId"] for i in reversed(items)]
    window = cfg.get_resource_config_history(resourceType=SG, resourceId=gid, laterTime=items[2]["configurationItemCaptureTime"],
                                             earlierTime=items[1]["configurationItemCaptureTime"])
    assert [i["configurationStateId"] for i in window["configurationItems"]] == [
        items[2]["configurationStateId"], items[1]["configurationStateId"]]
    with pytest.raises(ClientError) as e:
        cfg.get_resource_config_history(resourceType=SG, resourceId=gid, earlierTime=items[2]["configurationItemCaptureTime"],
                                        laterTime=items[1]["configurationItemCaptureTime"])
    assert e.value.response["Error"]["Code"] == "InvalidTimeRangeException"
    assert history(cfg, SG, gid, limit=1) == items
    # Deleted: the last item says so and the resource leaves the inventory.
    ec2.delete_security_group(GroupId=gid)
    settle(fresh_nuage)
    items = history(cfg, SG, gid)
    assert items[-1]["configurationItemStatus"] == "ResourceDeleted"
    listed = cfg.list_discovered_resources(resourceType=SG)["resourceIdentifiers"]
    assert gid not in [r["resourceId"] for r in listed]
    deleted = cfg.list_discovered_resources(resourceType=SG, includeDeletedResources=True)["resourceIdentifiers"]
    assert gid in [r["resourceId"] for r in deleted]


def test_nothing_is_recorded_while_stopped(fresh_nuage):
    ec2, cfg = fresh_nuage.client("ec2"), fresh_nuage.client("config")
    record(fresh_nuage)
    cfg.stop_configuration_recorder(ConfigurationRecorderName="default")
    _, gid = make_group(ec2)
    settle(fresh_nuage)
    with pytest.raises(ClientError) as e:
        cfg.get_resource_config_history(resourceType=SG, resourceId=gid)
    assert e.value.response["Error"]["Code"] == "ResourceNotDiscoveredException"
    # Starting again discovers what exists.
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    settle(fresh_nuage)
    assert history(cfg, SG, gid)[0]["configurationItemStatus"] == "ResourceDiscovered"


def test_recording_group_types_and_exclusions(fresh_nuage):
    ec2, s3, cfg = fresh_nuage.client("ec2"), fresh_nuage.client("s3"), fresh_nuage.client("config")
    record(fresh_nuage, group={"allSupported": False, "resourceTypes": [SG]})
    _, gid = make_group(ec2)
    s3.create_bucket(Bucket="not-recorded")
    settle(fresh_nuage)
    types = {r["resourceType"] for r in cfg.list_discovered_resources(resourceType=SG)["resourceIdentifiers"]}
    assert types == {SG}
    assert cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")["resourceIdentifiers"] == []
    assert cfg.list_discovered_resources(resourceType="AWS::EC2::VPC")["resourceIdentifiers"] == []
    # Exclusions: everything but security groups.
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": cfg.describe_configuration_recorders()["ConfigurationRecorders"][0]["roleARN"],
        "recordingGroup": {"allSupported": False, "exclusionByResourceTypes": {"resourceTypes": [SG]},
                           "recordingStrategy": {"useOnly": "EXCLUSION_BY_RESOURCE_TYPES"}}})
    s3.create_bucket(Bucket="recorded-now")
    _, other = make_group(ec2, "other")
    settle(fresh_nuage)
    buckets = [r["resourceId"] for r in cfg.list_discovered_resources(resourceType="AWS::S3::Bucket")["resourceIdentifiers"]]
    assert "recorded-now" in buckets
    assert other not in [r["resourceId"] for r in cfg.list_discovered_resources(resourceType=SG)["resourceIdentifiers"]]
    with pytest.raises(ClientError) as e:
        cfg.put_configuration_recorder(ConfigurationRecorder={
            "name": "default", "roleARN": "arn:aws:iam::000000000000:role/x",
            "recordingGroup": {"allSupported": True, "resourceTypes": [SG]}})
    assert e.value.response["Error"]["Code"] == "InvalidRecordingGroupException"


def test_s3_iam_and_ec2_types_are_recorded(fresh_nuage):
    ec2, s3, iam, cfg = (fresh_nuage.client(s) for s in ("ec2", "s3", "iam", "config"))
    record(fresh_nuage, group={"allSupported": True, "includeGlobalResourceTypes": True})
    s3.create_bucket(Bucket="versioned")
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    iam.create_user(UserName="alice")
    iam.create_policy(PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    inst = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, SubnetId=subnet)["Instances"][0]
    vol = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    settle(fresh_nuage)
    bucket = history(cfg, "AWS::S3::Bucket", "versioned")
    assert bucket[-1]["supplementaryConfiguration"]["BucketVersioningConfiguration"]
    assert json.loads(bucket[-1]["supplementaryConfiguration"]["BucketVersioningConfiguration"])["status"] == "Enabled"
    user = history(cfg, "AWS::IAM::User", cfg.list_discovered_resources(
        resourceType="AWS::IAM::User")["resourceIdentifiers"][0]["resourceId"])
    assert user[0]["resourceName"] == "alice" and user[0]["awsRegion"] == "global"
    assert cfg.list_discovered_resources(resourceType="AWS::IAM::Policy")["resourceIdentifiers"]
    assert cfg.list_discovered_resources(resourceType="AWS::IAM::Role")["resourceIdentifiers"]  # the recorder's
    for rtype, rid in (("AWS::EC2::VPC", vpc), ("AWS::EC2::Subnet", subnet),
                       ("AWS::EC2::Instance", inst["InstanceId"]), ("AWS::EC2::Volume", vol),
                       ("AWS::EC2::NetworkInterface", inst["NetworkInterfaces"][0]["NetworkInterfaceId"])):
        assert history(cfg, rtype, rid), rtype
    counts = {c["resourceType"]: c["count"] for c in cfg.get_discovered_resource_counts()["resourceCounts"]}
    assert counts["AWS::S3::Bucket"] == 2 and counts["AWS::EC2::Instance"] == 1
    got = cfg.batch_get_resource_config(resourceKeys=[
        {"resourceType": "AWS::EC2::VPC", "resourceId": vpc},
        {"resourceType": "AWS::EC2::VPC", "resourceId": "vpc-00000000"}])
    assert [i["resourceId"] for i in got["baseConfigurationItems"]] == [vpc]
    assert got["unprocessedResourceKeys"] == []


def test_delivery_channel_files_in_the_bucket(fresh_nuage):
    ec2, cfg = fresh_nuage.client("ec2"), fresh_nuage.client("config")
    bucket = record(fresh_nuage, prefix="audit")
    _, gid = make_group(ec2)
    settle(fresh_nuage)
    snapshot = cfg.deliver_config_snapshot(deliveryChannelName="default")["configSnapshotId"]
    files = delivered(fresh_nuage, bucket, "ConfigSnapshot")
    assert len(files) == 1
    key, body = next(iter(files.items()))
    assert key.startswith("audit/AWSLogs/000000000000/Config/us-east-1/") and snapshot in key
    assert gid in [i["resourceId"] for i in body["configurationItems"]]
    # History files: delivered every six hours of the clock.
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "6h"})
    files = delivered(fresh_nuage, bucket, "ConfigHistory")
    assert files
    items = [i for body in files.values() for i in body["configurationItems"]]
    assert gid in [i["resourceId"] for i in items]
    status = cfg.describe_delivery_channel_status()["DeliveryChannelsStatus"][0]
    assert status["configSnapshotDeliveryInfo"]["lastStatus"] == "Success"
    assert status["configHistoryDeliveryInfo"]["lastStatus"] == "Success"


def test_items_survive_a_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    record(server)
    _, gid = make_group(server.client("ec2"))
    settle(server)
    before = history(server.client("config"), SG, gid)
    server.stop()
    server = start_nuage(data_dir=data_dir)
    cfg = server.client("config")
    assert history(cfg, SG, gid) == before
    assert cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"] is True
    # Still recording after the restart.
    server.client("ec2").create_tags(Resources=[gid], Tags=[{"Key": "k", "Value": "v"}])
    settle(server)
    assert len(history(cfg, SG, gid)) == len(before) + 1


def test_cli_reads_the_history(fresh_nuage):
    ec2 = fresh_nuage.client("ec2")
    record(fresh_nuage)
    _, gid = make_group(ec2)
    settle(fresh_nuage)
    for version in (1, 2):
        out = fresh_nuage.cli("configservice", "get-resource-config-history", "--resource-type", SG,
                              "--resource-id", gid, version=version)
        assert out["configurationItems"][0]["resourceId"] == gid
        out = fresh_nuage.cli("configservice", "describe-configuration-recorder-status", version=version)
        assert out["ConfigurationRecordersStatus"][0]["recording"] is True


def test_lambda_functions_are_recorded(fresh_nuage):
    from lambda_helpers import create_python, make_role
    cfg = fresh_nuage.client("config")
    record(fresh_nuage)
    role = make_role(fresh_nuage, ["logs:*"])
    name = create_python(fresh_nuage, role, "def lambda_handler(e, c):\n    return 1\n")
    fresh_nuage.client("lambda").update_function_configuration(FunctionName=name, Timeout=42)
    settle(fresh_nuage)
    listed = cfg.list_discovered_resources(resourceType="AWS::Lambda::Function")["resourceIdentifiers"]
    assert [r["resourceName"] for r in listed] == [name]
    items = history(cfg, "AWS::Lambda::Function", listed[0]["resourceId"])
    assert items[0]["configurationItemStatus"] == "ResourceDiscovered"
    assert json.loads(items[-1]["configuration"])["timeout"] == 42
    fresh_nuage.client("lambda").delete_function(FunctionName=name)
    settle(fresh_nuage)
    assert history(cfg, "AWS::Lambda::Function", listed[0]["resourceId"])[-1]["configurationItemStatus"] == \
        "ResourceDeleted"
