"""EC2 instances with real clients: the seed-002 snippets, the lifecycle on
the nuage clock, filters, pagination, errors and persistence."""
import base64

import pytest
from botocore.exceptions import ClientError

AMI = "ami-0123456789abcdef0"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


# --- seed 002, verbatim apart from receiving the clients -------------------

def get_tag(tags, key):
    if tags:
        for tag in tags:
            if tag["Key"] == key:
                return tag["Value"]
    return None


def list_instances(ec2, filters=None):
    instances = []
    for instance in ec2.instances.filter(Filters=filters or []):
        instances.append({
            "id": instance.id,
            "type": instance.instance_type,
            "state": instance.state["Name"],
            "public_ip": instance.public_ip_address,
            "private_ip": instance.private_ip_address,
            "name": get_tag(instance.tags, "Name"),
            "launch_time": instance.launch_time
        })
    return instances


def start_instance(ec2, instance_id):
    instance = ec2.Instance(instance_id)
    instance.start()
    instance.wait_until_running()


def stop_instance(ec2, instance_id):
    instance = ec2.Instance(instance_id)
    instance.stop()
    instance.wait_until_stopped()


def terminate_instance(ec2, instance_id):
    instance = ec2.Instance(instance_id)
    instance.terminate()
    instance.wait_until_terminated()


def reboot_instance(ec2_client, instance_id):
    ec2_client.reboot_instances(InstanceIds=[instance_id])


def stop_all_dev_instances(ec2):
    instances = ec2.instances.filter(
        Filters=[
            {"Name": "tag:Environment", "Values": ["development"]},
            {"Name": "instance-state-name", "Values": ["running"]}
        ]
    )
    ids = [i.id for i in instances]
    if ids:
        ec2.instances.filter(InstanceIds=ids).stop()
    return ids


def create_instance(ec2, name, instance_type="t3.micro", ami_id="ami-0123456789", key_name="my-key",
                    security_groups=None, subnet_id=None, user_data=None):
    instances = ec2.create_instances(
        ImageId=ami_id,
        InstanceType=instance_type,
        KeyName=key_name,
        MinCount=1,
        MaxCount=1,
        SecurityGroupIds=security_groups or [],
        SubnetId=subnet_id,
        UserData=user_data or "",
        TagSpecifications=[
            {
                "ResourceType": "instance",
                "Tags": [
                    {"Key": "Name", "Value": name},
                    {"Key": "Environment", "Value": "development"},
                    {"Key": "ManagedBy", "Value": "Python"}
                ]
            }
        ]
    )
    instance = instances[0]
    instance.wait_until_running()
    instance.reload()
    return {
        "id": instance.id,
        "public_ip": instance.public_ip_address,
        "private_ip": instance.private_ip_address
    }


USER_DATA = """#!/bin/bash
yum update -y
yum install -y nginx
systemctl start nginx
systemctl enable nginx
"""


@pytest.fixture
def ec2(fresh_nuage):
    return fresh_nuage.resource("ec2"), fresh_nuage.client("ec2")


def launch(client, count=1, env="production", itype="t3.micro", **extra):
    r = client.run_instances(ImageId=AMI, InstanceType=itype, MinCount=count, MaxCount=count,
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                 {"Key": "Environment", "Value": env}]}], **extra)
    return [i["InstanceId"] for i in r["Instances"]]


def test_seed_client_vs_resource(ec2):
    resource, client = ec2
    launch(client)
    response = client.describe_instances()
    instances = response["Reservations"][0]["Instances"]
    assert instances[0]["InstanceType"] == "t3.micro"
    assert [(i.id, i.state["Name"]) for i in resource.instances.all()] == [(instances[0]["InstanceId"], "running")]


def test_seed_list_instances_with_filters(ec2):
    resource, client = ec2
    prod = launch(client, 2, "production")
    launch(client, 1, "development")
    client.stop_instances(InstanceIds=[prod[1]])
    running = list_instances(resource, [
        {"Name": "instance-state-name", "Values": ["running"]},
        {"Name": "tag:Environment", "Values": ["production"]}
    ])
    assert [i["id"] for i in running] == [prod[0]]
    item = running[0]
    assert item["type"] == "t3.micro" and item["state"] == "running"
    assert item["private_ip"].startswith("172.31.") and item["public_ip"]
    assert item["launch_time"] is not None and item["name"] is None


def test_seed_start_stop_terminate_reboot_with_waiters(ec2):
    resource, client = ec2
    [iid] = launch(client)
    stop_instance(resource, iid)
    assert resource.Instance(iid).state["Name"] == "stopped"
    assert resource.Instance(iid).public_ip_address is None
    start_instance(resource, iid)
    assert resource.Instance(iid).state["Name"] == "running"
    reboot_instance(client, iid)
    assert resource.Instance(iid).state["Name"] == "running"
    terminate_instance(resource, iid)
    assert resource.Instance(iid).state["Name"] == "terminated"


def test_seed_stop_all_dev_instances(ec2):
    resource, client = ec2
    dev = launch(client, 3, "development")
    prod = launch(client, 1, "production")
    assert sorted(stop_all_dev_instances(resource)) == sorted(dev)
    client.get_waiter("instance_stopped").wait(InstanceIds=dev)
    states = {i.id: i.state["Name"] for i in resource.instances.all()}
    assert all(states[i] == "stopped" for i in dev) and states[prod[0]] == "running"


def test_seed_create_instance_with_user_data(ec2):
    resource, client = ec2
    client.create_key_pair(KeyName="my-key")
    subnet = client.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"][0]["SubnetId"]
    # The seed passes subnet_id=None, which botocore refuses before sending
    # (None is not a string) on AWS too: give it the default subnet.
    created = create_instance(resource, name="web-server", instance_type="t3.small", user_data=USER_DATA,
                              subnet_id=subnet)
    inst = resource.Instance(created["id"])
    assert inst.instance_type == "t3.small" and created["private_ip"] and created["public_ip"]
    assert {t["Key"]: t["Value"] for t in inst.tags} == {"Name": "web-server", "Environment": "development",
                                                         "ManagedBy": "Python"}
    attr = client.describe_instance_attribute(InstanceId=created["id"], Attribute="userData")
    assert base64.b64decode(attr["UserData"]["Value"]).decode() == USER_DATA


# --- lifecycle on the clock -------------------------------------------------

def test_lifecycle_follows_the_clock(start_nuage):
    server = start_nuage(args=["--ec2-transition-seconds", "30"])
    client = server.client("ec2")
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T10:00:00Z"})
    [iid] = launch(client)

    def state():
        return client.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]

    assert state() == {"Code": 0, "Name": "pending"}
    server.admin("POST", "/_nuage/clock", {"advance": "29s"})
    assert state()["Name"] == "pending"
    server.admin("POST", "/_nuage/clock", {"advance": "1s"})
    assert state() == {"Code": 16, "Name": "running"}
    out = client.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    assert out["CurrentState"]["Name"] == "stopping" and out["PreviousState"]["Name"] == "running"
    with pytest.raises(ClientError) as exc:
        client.start_instances(InstanceIds=[iid])
    assert code_of(exc) == "IncorrectInstanceState"
    server.admin("POST", "/_nuage/clock", {"advance": "1m"})
    inst = client.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert inst["State"]["Name"] == "stopped"
    assert inst["StateTransitionReason"] == "User initiated (2026-06-01 10:00:30 GMT)"
    assert inst["StateReason"]["Code"] == "Client.UserInitiatedShutdown"
    client.terminate_instances(InstanceIds=[iid])
    assert state()["Name"] == "shutting-down"
    server.admin("POST", "/_nuage/clock", {"advance": "30s"})
    assert state() == {"Code": 48, "Name": "terminated"}
    # Terminated instances stay visible for about an hour, then disappear.
    server.admin("POST", "/_nuage/clock", {"advance": "59m"})
    assert state()["Name"] == "terminated"
    server.admin("POST", "/_nuage/clock", {"advance": "2m"})
    assert client.describe_instances(Filters=[{"Name": "instance-id", "Values": [iid]}])["Reservations"] == []


def test_stop_pending_and_start_terminated_are_refused(start_nuage):
    server = start_nuage(args=["--ec2-transition-seconds", "30"])
    client = server.client("ec2")
    server.admin("POST", "/_nuage/clock", {"freeze": True})
    [iid] = launch(client)
    with pytest.raises(ClientError) as exc:
        client.stop_instances(InstanceIds=[iid])
    assert code_of(exc) == "IncorrectInstanceState"
    assert "can be stopped" in exc.value.response["Error"]["Message"]
    client.terminate_instances(InstanceIds=[iid])
    server.admin("POST", "/_nuage/clock", {"advance": "1m"})
    with pytest.raises(ClientError) as exc:
        client.start_instances(InstanceIds=[iid])
    assert code_of(exc) == "IncorrectInstanceState"


# --- filters, pagination ----------------------------------------------------

def test_filters(ec2):
    resource, client = ec2
    web = launch(client, 2, "production", "t3.micro")
    db = launch(client, 1, "staging", "m5.large")
    client.create_tags(Resources=[db[0]], Tags=[{"Key": "Name", "Value": "db-primary"}])

    def ids(*filters):
        out = client.describe_instances(Filters=list(filters))
        return sorted(i["InstanceId"] for r in out["Reservations"] for i in r["Instances"])

    assert ids({"Name": "instance-type", "Values": ["m5.*"]}) == db
    assert ids({"Name": "tag:Name", "Values": ["db-*"]}) == db
    assert ids({"Name": "tag-key", "Values": ["Name"]}) == db
    assert ids({"Name": "tag:Environment", "Values": ["production", "staging"]}) == sorted(web + db)
    assert ids({"Name": "instance-id", "Values": [web[0]]}) == [web[0]]
    assert ids({"Name": "image-id", "Values": [AMI]}, {"Name": "instance-type", "Values": ["t3.micro"]}) == sorted(web)
    vpc = client.describe_instances(InstanceIds=[web[0]])["Reservations"][0]["Instances"][0]["VpcId"]
    assert ids({"Name": "vpc-id", "Values": [vpc]}) == sorted(web + db)
    assert ids({"Name": "tag:Environment", "Values": ["nope"]}) == []
    with pytest.raises(ClientError) as exc:
        client.describe_instances(Filters=[{"Name": "colour", "Values": ["blue"]}])
    assert code_of(exc) == "InvalidParameterValue"


def test_reservations_group_instances_of_one_launch(ec2):
    _, client = ec2
    a = launch(client, 3)
    b = launch(client, 2)
    res = client.describe_instances()["Reservations"]
    assert [sorted(i["InstanceId"] for i in r["Instances"]) for r in res] == [sorted(a), sorted(b)]
    assert all(r["OwnerId"] == "000000000000" for r in res)


def test_pagination_over_1000_instances(ec2):
    _, client = ec2
    launched = launch(client, 1000, "bulk")
    seen = []
    for page in client.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 100}):
        assert sum(len(r["Instances"]) for r in page["Reservations"]) <= 100
        seen += [i["InstanceId"] for r in page["Reservations"] for i in r["Instances"]]
    assert sorted(seen) == sorted(launched)
    with pytest.raises(ClientError) as exc:
        client.describe_instances(MaxResults=2000)
    assert code_of(exc) == "InvalidParameterValue"


def test_describe_instance_status(ec2):
    _, client = ec2
    ids = launch(client, 2)
    client.stop_instances(InstanceIds=[ids[1]])
    statuses = client.describe_instance_status()["InstanceStatuses"]
    assert [s["InstanceId"] for s in statuses] == [ids[0]]
    assert statuses[0]["InstanceStatus"]["Status"] == "ok"
    every = client.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"]
    assert sorted(s["InstanceId"] for s in every) == sorted(ids)


def test_modify_and_describe_attributes(ec2):
    _, client = ec2
    [iid] = launch(client)
    with pytest.raises(ClientError) as exc:
        client.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.large"})
    assert code_of(exc) == "IncorrectInstanceState"
    client.stop_instances(InstanceIds=[iid])
    client.modify_instance_attribute(InstanceId=iid, InstanceType={"Value": "t3.large"})
    assert client.describe_instance_attribute(InstanceId=iid, Attribute="instanceType")["InstanceType"]["Value"] == "t3.large"
    client.modify_instance_attribute(InstanceId=iid, DisableApiTermination={"Value": True})
    with pytest.raises(ClientError) as exc:
        client.terminate_instances(InstanceIds=[iid])
    assert code_of(exc) == "OperationNotPermitted"
    client.modify_instance_attribute(InstanceId=iid, Attribute="disableApiTermination", Value="false")
    client.terminate_instances(InstanceIds=[iid])


# --- errors -------------------------------------------------------------------

@pytest.mark.parametrize("kwargs,code", [
    ({"ImageId": "ami-0000000000000dead"}, "InvalidAMIID.NotFound"),
    ({"ImageId": "not-an-ami"}, "InvalidAMIID.Malformed"),
    ({"ImageId": AMI, "InstanceType": "t9.gigantic"}, "InvalidParameterValue"),
    ({"ImageId": AMI, "InstanceType": "t4g.micro"}, "InvalidParameterValue"),  # arm64 type, x86_64 AMI
    ({"ImageId": AMI, "KeyName": "nobody-has-this-key"}, "InvalidKeyPair.NotFound"),
    ({"ImageId": AMI, "SubnetId": "subnet-0000000000000dead"}, "InvalidSubnetID.NotFound"),
    ({"ImageId": AMI, "SecurityGroupIds": ["sg-0000000000000dead"]}, "InvalidGroup.NotFound"),
    ({"ImageId": AMI, "MinCount": 3, "MaxCount": 2}, "InvalidParameterValue"),
])
def test_run_instances_errors_change_nothing(ec2, kwargs, code):
    _, client = ec2
    args = {"MinCount": 1, "MaxCount": 1, **kwargs}
    with pytest.raises(ClientError) as exc:
        client.run_instances(**args)
    assert code_of(exc) == code
    assert client.describe_instances()["Reservations"] == []


def test_missing_parameter(ec2):
    _, client = ec2

    def drop_image(params, **_):
        params.pop("ImageId", None)
    client.meta.events.register("provide-client-params.ec2.RunInstances", drop_image)
    with pytest.raises(ClientError) as exc:
        client.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)
    assert code_of(exc) == "MissingParameter"


def test_instance_id_errors(ec2):
    _, client = ec2
    with pytest.raises(ClientError) as exc:
        client.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert code_of(exc) == "InvalidInstanceID.NotFound"
    with pytest.raises(ClientError) as exc:
        client.stop_instances(InstanceIds=["instance-1"])
    assert code_of(exc) == "InvalidInstanceID.Malformed"
    [iid] = launch(client)
    with pytest.raises(ClientError) as exc:
        client.terminate_instances(InstanceIds=[iid, "i-0123456789abcdef0"])
    assert code_of(exc) == "InvalidInstanceID.NotFound"
    assert client.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running"


# --- tags ---------------------------------------------------------------------

def test_tags(ec2):
    _, client = ec2
    [iid] = launch(client)
    client.create_tags(Resources=[iid], Tags=[{"Key": "Owner", "Value": "ops"}, {"Key": "Tier", "Value": "web"}])
    tags = client.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])["Tags"]
    assert {(t["Key"], t["Value"], t["ResourceType"]) for t in tags} == {
        ("Environment", "production", "instance"), ("Owner", "ops", "instance"), ("Tier", "web", "instance")}
    client.delete_tags(Resources=[iid], Tags=[{"Key": "Tier"}])
    client.delete_tags(Resources=[iid], Tags=[{"Key": "Owner", "Value": "not-ops"}])
    keys = {t["Key"] for t in client.describe_tags(Filters=[{"Name": "resource-id", "Values": [iid]}])["Tags"]}
    assert keys == {"Environment", "Owner"}
    with pytest.raises(ClientError) as exc:
        client.create_tags(Resources=[iid], Tags=[{"Key": "aws:reserved", "Value": "x"}])
    assert code_of(exc) == "InvalidParameterValue"


@pytest.mark.parametrize("version", [1, 2])
def test_cli_run_describe_stop(fresh_nuage, version):
    out = fresh_nuage.cli("ec2", "run-instances", "--image-id", AMI, "--instance-type", "t3.micro", "--count", "2",
                          "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli}]", version=version)
    ids = [i["InstanceId"] for i in out["Instances"]]
    desc = fresh_nuage.cli("ec2", "describe-instances", "--filters", "Name=tag:Name,Values=cli",
                           "--query", "Reservations[].Instances[].State.Name", version=version)
    assert desc == ["running", "running"]
    fresh_nuage.cli("ec2", "stop-instances", "--instance-ids", *ids, version=version)
    fresh_nuage.cli("ec2", "wait", "instance-stopped", "--instance-ids", *ids, version=version)


def test_regions_and_zones(ec2):
    _, client = ec2
    regions = {r["RegionName"] for r in client.describe_regions()["Regions"]}
    assert {"us-east-1", "eu-west-1", "eu-west-3"} <= regions
    zones = client.describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert [z["ZoneId"] for z in zones] == ["use1-az1", "use1-az2", "use1-az3"]
    # Default subnets carry the ids of their zones; a zone id places a volume.
    subnets = client.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert {(s["AvailabilityZone"], s["AvailabilityZoneId"]) for s in subnets} == \
        {(z["ZoneName"], z["ZoneId"]) for z in zones}
    vol = client.create_volume(AvailabilityZoneId="use1-az2", Size=1)
    assert vol["AvailabilityZone"] == "us-east-1b"
    client.delete_volume(VolumeId=vol["VolumeId"])


def test_regions_are_isolated(fresh_nuage):
    east = fresh_nuage.client("ec2", region="us-east-1")
    west = fresh_nuage.client("ec2", region="eu-west-1")
    launch(east)
    assert west.describe_instances()["Reservations"] == []
    inst = east.describe_instances()["Reservations"][0]["Instances"][0]
    assert inst["Placement"]["AvailabilityZone"].startswith("us-east-1")
    assert inst["PrivateDnsName"].endswith(".ec2.internal")


def test_instances_persist_across_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir, args=["--ec2-transition-seconds", "60"])
    client = server.client("ec2")
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T10:00:00Z"})
    running = launch(client, 2, "kept")
    server.admin("POST", "/_nuage/clock", {"advance": "2m"})
    client.stop_instances(InstanceIds=[running[1]])  # mid-transition at the restart
    server.stop(sig=9)
    server = start_nuage(data_dir=data_dir, args=["--ec2-transition-seconds", "60"])
    client = server.client("ec2")
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T10:02:30Z"})
    insts = {i["InstanceId"]: i for r in client.describe_instances()["Reservations"] for i in r["Instances"]}
    assert insts[running[0]]["State"]["Name"] == "running"
    assert insts[running[1]]["State"]["Name"] == "stopping"
    server.admin("POST", "/_nuage/clock", {"advance": "1m"})
    insts = {i["InstanceId"]: i for r in client.describe_instances()["Reservations"] for i in r["Instances"]}
    assert insts[running[1]]["State"]["Name"] == "stopped"
    assert {t["Value"] for t in insts[running[0]]["Tags"]} == {"kept"}
