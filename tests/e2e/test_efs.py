"""EFS end to end: file systems whose files exist on the host, access points,
mount targets backed by real EC2 network interfaces, tags, errors as AWS
gives them; Lambda functions mounting an access point (FileSystemConfigs),
sharing its files, keeping them across restarts."""
import json
import os
import uuid

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, invoke, make_role, unique


def token():
    return uuid.uuid4().hex


def error_code(e):
    return e.value.response["Error"]["Code"]


def host_folder(nuage, fs_id):
    found = [f for f in nuage.admin("GET", "/_nuage/efs")["FileSystems"] if f["FileSystemId"] == fs_id]
    assert len(found) == 1
    return found[0]["Path"]


def test_file_system_lifecycle(nuage):
    efs = nuage.client("efs")
    t = token()
    created = efs.create_file_system(CreationToken=t, Tags=[{"Key": "Name", "Value": "shared"}])
    fs_id = created["FileSystemId"]
    assert fs_id.startswith("fs-") and len(fs_id) == 20
    assert created["LifeCycleState"] == "creating"
    assert created["PerformanceMode"] == "generalPurpose"
    account = nuage.client("sts").get_caller_identity()["Account"]
    assert created["FileSystemArn"] == f"arn:aws:elasticfilesystem:us-east-1:{account}:file-system/{fs_id}"
    # The same creation token is the same file system, refused again.
    with pytest.raises(ClientError) as e:
        efs.create_file_system(CreationToken=t)
    assert error_code(e) == "FileSystemAlreadyExists"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    described = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]
    assert described["LifeCycleState"] == "available"
    assert described["Name"] == "shared"
    assert described["NumberOfMountTargets"] == 0
    # Its size is what its files take.
    folder = host_folder(nuage, fs_id)
    with open(os.path.join(folder, "data.bin"), "wb") as f:
        f.write(b"x" * 12345)
    assert efs.describe_file_systems(CreationToken=t)["FileSystems"][0]["SizeInBytes"]["Value"] == 12345
    efs.tag_resource(ResourceId=fs_id, Tags=[{"Key": "team", "Value": "ops"}])
    tags = {t["Key"]: t["Value"] for t in efs.list_tags_for_resource(ResourceId=fs_id)["Tags"]}
    assert tags == {"Name": "shared", "team": "ops"}
    efs.untag_resource(ResourceId=fs_id, TagKeys=["team"])
    assert [t["Key"] for t in efs.describe_tags(FileSystemId=fs_id)["Tags"]] == ["Name"]
    efs.delete_file_system(FileSystemId=fs_id)
    assert not os.path.exists(folder)
    with pytest.raises(ClientError) as e:
        efs.describe_file_systems(FileSystemId=fs_id)
    assert error_code(e) == "FileSystemNotFound"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_describe_file_systems_pages(nuage):
    efs = nuage.client("efs", region="eu-west-3")
    ids = {efs.create_file_system(CreationToken=token())["FileSystemId"] for _ in range(5)}
    seen, marker = [], None
    while True:
        page = efs.describe_file_systems(MaxItems=2, **({"Marker": marker} if marker else {}))
        seen += [f["FileSystemId"] for f in page["FileSystems"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen))
    with pytest.raises(ClientError) as e:
        efs.describe_file_systems(Marker="not-a-marker")
    assert error_code(e) == "BadRequest"


def test_access_points_and_mount_targets(nuage):
    efs, ec2 = nuage.client("efs"), nuage.client("ec2")
    fs_id = efs.create_file_system(CreationToken=token())["FileSystemId"]
    ap = efs.create_access_point(
        ClientToken=token(), FileSystemId=fs_id, PosixUser={"Uid": 1000, "Gid": 1000},
        RootDirectory={"Path": "/lambda/data",
                       "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "750"}})
    assert ap["AccessPointId"].startswith("fsap-") and len(ap["AccessPointId"]) == 22
    folder = os.path.join(host_folder(nuage, fs_id), "lambda", "data")
    assert os.path.isdir(folder) and oct(os.stat(folder).st_mode & 0o777) == "0o750"
    listed = efs.describe_access_points(FileSystemId=fs_id)["AccessPoints"]
    assert [a["AccessPointId"] for a in listed] == [ap["AccessPointId"]]
    assert listed[0]["RootDirectory"]["Path"] == "/lambda/data"
    with pytest.raises(ClientError) as e:
        efs.create_access_point(ClientToken=token(), FileSystemId="fs-0123456789abcdef0")
    assert error_code(e) == "FileSystemNotFound"

    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    sg = ec2.create_security_group(GroupName=unique("efs"), Description="nfs", VpcId=vpc)["GroupId"]
    mt = efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet["SubnetId"], SecurityGroups=[sg])
    assert mt["MountTargetId"].startswith("fsmt-")
    assert mt["VpcId"] == vpc and mt["AvailabilityZoneName"] == "us-east-1a"
    # A real network interface in the subnet holds the mount target's address.
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[mt["NetworkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni["PrivateIpAddress"] == mt["IpAddress"] and eni["SubnetId"] == subnet["SubnetId"]
    assert [g["GroupId"] for g in eni["Groups"]] == [sg]
    assert efs.describe_mount_target_security_groups(MountTargetId=mt["MountTargetId"])["SecurityGroups"] == [sg]
    # One mount target per Availability Zone.
    with pytest.raises(ClientError) as e:
        efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet["SubnetId"])
    assert error_code(e) == "MountTargetConflict"
    with pytest.raises(ClientError) as e:
        efs.create_mount_target(FileSystemId=fs_id, SubnetId="subnet-0123456789abcdef0")
    assert error_code(e) == "SubnetNotFound"
    assert efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["NumberOfMountTargets"] == 1
    by_ap = efs.describe_mount_targets(AccessPointId=ap["AccessPointId"])["MountTargets"]
    assert [m["MountTargetId"] for m in by_ap] == [mt["MountTargetId"]]
    # A file system with mount targets cannot go.
    with pytest.raises(ClientError) as e:
        efs.delete_file_system(FileSystemId=fs_id)
    assert error_code(e) == "FileSystemInUse"
    efs.delete_mount_target(MountTargetId=mt["MountTargetId"])
    with pytest.raises(ClientError) as e:
        ec2.describe_network_interfaces(NetworkInterfaceIds=[mt["NetworkInterfaceId"]])
    assert error_code(e) == "InvalidNetworkInterfaceID.NotFound"
    efs.delete_access_point(AccessPointId=ap["AccessPointId"])
    with pytest.raises(ClientError) as e:
        efs.describe_access_points(AccessPointId=ap["AccessPointId"])
    assert error_code(e) == "AccessPointNotFound"
    efs.delete_file_system(FileSystemId=fs_id)


def test_policies_stored_and_refused(nuage):
    efs = nuage.client("efs")
    fs_id = efs.create_file_system(CreationToken=token(), Backup=True)["FileSystemId"]
    assert efs.describe_backup_policy(FileSystemId=fs_id)["BackupPolicy"]["Status"] == "ENABLED"
    with pytest.raises(ClientError) as e:
        efs.describe_file_system_policy(FileSystemId=fs_id)
    assert error_code(e) == "PolicyNotFound"
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::000000000000:user/nobody"}, "Action": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    efs.put_file_system_policy(FileSystemId=fs_id, Policy=policy)
    assert efs.describe_file_system_policy(FileSystemId=fs_id)["Policy"] == policy
    with pytest.raises(ClientError) as e:
        efs.put_file_system_policy(FileSystemId=fs_id, Policy="{not json")
    assert error_code(e) == "InvalidPolicyException"
    efs.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}])
    assert efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"] == [
        {"TransitionToIA": "AFTER_30_DAYS"}]


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    fs = nuage.cli("efs", "create-file-system", "--creation-token", token(), "--tags", "Key=Name,Value=cli",
                   version=version)
    got = nuage.cli("efs", "describe-file-systems", "--file-system-id", fs["FileSystemId"], version=version)
    assert got["FileSystems"][0]["Name"] == "cli"
    ap = nuage.cli("efs", "create-access-point", "--file-system-id", fs["FileSystemId"],
                   "--root-directory", "Path=/app", version=version)
    assert ap["RootDirectory"]["Path"] == "/app"
    nuage.cli("efs", "delete-access-point", "--access-point-id", ap["AccessPointId"], version=version)
    nuage.cli("efs", "delete-file-system", "--file-system-id", fs["FileSystemId"], version=version)


WRITER = """
import json, os
def lambda_handler(event, context):
    path = os.path.join("/mnt/shared", event["name"])
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(event["text"])
    return sorted(os.listdir("/mnt/shared"))
"""

READER = """
import os
def lambda_handler(event, context):
    with open(os.path.join("/mnt/data", event["name"])) as f:
        return f.read()
"""


def bubblewrap():
    return os.path.exists("/usr/bin/bwrap") and os.environ.get("NUAGE_LAMBDA_SANDBOX") != "process"


@pytest.mark.skipif(not bubblewrap(), reason="Lambda file systems are mounted by bubblewrap")
def test_lambda_functions_share_an_access_point_across_restarts(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    efs, lam = server.client("efs"), server.client("lambda")
    fs_id = efs.create_file_system(CreationToken=token())["FileSystemId"]
    ap = efs.create_access_point(ClientToken=token(), FileSystemId=fs_id, RootDirectory={
        "Path": "/shared", "CreationInfo": {"OwnerUid": 0, "OwnerGid": 0, "Permissions": "777"}})
    role = make_role(server, ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"])
    mount = [{"Arn": ap["AccessPointArn"], "LocalMountPath": "/mnt/shared"}]
    writer = create_python(server, role, WRITER, FileSystemConfigs=mount)
    config = lam.get_function_configuration(FunctionName=writer)
    assert config["FileSystemConfigs"] == mount
    _, listing = invoke(server, writer, {"name": "reports/today.txt", "text": "42 instances stopped"})
    assert listing == ["reports"]
    # The file is in the file system's folder on the host, under the access point's root.
    folder = host_folder(server, fs_id)
    assert open(os.path.join(folder, "shared", "reports", "today.txt")).read() == "42 instances stopped"
    # Another function, mounted elsewhere, reads it; after a restart too.
    reader = create_python(server, role, READER)
    lam.update_function_configuration(FunctionName=reader, FileSystemConfigs=[
        {"Arn": ap["AccessPointArn"], "LocalMountPath": "/mnt/data"}])
    lam.get_waiter("function_updated_v2").wait(FunctionName=reader)
    assert invoke(server, reader, {"name": "reports/today.txt"})[1] == "42 instances stopped"
    server.stop()
    server = start_nuage(data_dir=data_dir)
    assert invoke(server, reader, {"name": "reports/today.txt"})[1] == "42 instances stopped"
    # Without the mount, the path is not there.
    server.client("lambda").update_function_configuration(FunctionName=reader, FileSystemConfigs=[])
    server.client("lambda").get_waiter("function_updated_v2").wait(FunctionName=reader)
    r, body = invoke(server, reader, {"name": "reports/today.txt"})
    assert r.get("FunctionError") == "Unhandled" and body["errorType"] == "FileNotFoundError"
    assert "FileSystemConfigs" not in server.client("lambda").get_function_configuration(FunctionName=reader)


def test_lambda_refuses_an_unknown_access_point(nuage):
    role = make_role(nuage, [])
    account = nuage.client("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:elasticfilesystem:us-east-1:{account}:access-point/fsap-0123456789abcdef0"
    with pytest.raises(ClientError) as e:
        create_python(nuage, role, READER, FileSystemConfigs=[{"Arn": arn, "LocalMountPath": "/mnt/data"}])
    assert error_code(e) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        create_python(nuage, role, READER, FileSystemConfigs=[{"Arn": arn, "LocalMountPath": "/data"}])
    assert error_code(e) == "ValidationException"


def test_lambda_mount_fails_when_the_root_directory_is_gone(nuage):
    efs, lam = nuage.client("efs"), nuage.client("lambda")
    fs_id = efs.create_file_system(CreationToken=token())["FileSystemId"]
    # No CreationInfo: the directory must exist already, and does not.
    ap = efs.create_access_point(ClientToken=token(), FileSystemId=fs_id, RootDirectory={"Path": "/missing"})
    role = make_role(nuage, [])
    name = create_python(nuage, role, READER, FileSystemConfigs=[
        {"Arn": ap["AccessPointArn"], "LocalMountPath": "/mnt/data"}])
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"{}")
    assert error_code(e) == "EFSMountFailureException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_file_system_policy_is_evaluated(nuage):
    """A Deny in the file system policy refuses an IAM user the call its
    identity policy allows; the owner's root keeps the policy operations."""
    efs, iam = nuage.client("efs"), nuage.client("iam")
    fs_id = efs.create_file_system(CreationToken=token())["FileSystemId"]
    other = efs.create_file_system(CreationToken=token())["FileSystemId"]
    name = unique("efs-user")
    user_arn = iam.create_user(UserName=name)["User"]["Arn"]
    iam.put_user_policy(UserName=name, PolicyName="all-efs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "elasticfilesystem:*", "Resource": "*"}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    user = nuage.client("efs", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    user.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=[{"TransitionToIA": "AFTER_7_DAYS"}])
    fs_arn = efs.describe_file_systems(FileSystemId=fs_id)["FileSystems"][0]["FileSystemArn"]
    efs.put_file_system_policy(FileSystemId=fs_id, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": {"AWS": user_arn}, "Action": "elasticfilesystem:PutLifecycleConfiguration",
         "Resource": fs_arn},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:DeleteFileSystem",
         "Resource": fs_arn}]}))
    with pytest.raises(ClientError) as e:
        user.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}])
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert efs.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"] == [
        {"TransitionToIA": "AFTER_7_DAYS"}]
    # What the policy does not deny stays allowed, and other file systems are not its business.
    assert user.describe_lifecycle_configuration(FileSystemId=fs_id)["LifecyclePolicies"]
    user.put_lifecycle_configuration(FileSystemId=other, LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}])
    # A Deny for everyone binds the owner's root too, but never on the policy itself.
    with pytest.raises(ClientError) as e:
        efs.delete_file_system(FileSystemId=fs_id)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    efs.delete_file_system_policy(FileSystemId=fs_id)
    user.put_lifecycle_configuration(FileSystemId=fs_id, LifecyclePolicies=[{"TransitionToIA": "AFTER_30_DAYS"}])
    efs.delete_file_system(FileSystemId=fs_id)
    efs.delete_file_system(FileSystemId=other)
