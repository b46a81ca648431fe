"""EBS volumes, snapshots and images: seed 002's cleanup_old_resources
verbatim (dry run and real), attach/detach with the instance's block device
mappings in step, every error code, the CLI, and persistence."""
import types
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

AMI = "ami-0123456789abcdef0"
ZONE = "us-east-1a"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def make_cleanup(ec2_resource, ec2_client):
    """Seed 002's cleanup_old_resources, verbatim; `boto3` here hands out the
    test's resource and client. (The seed uses `timezone` without importing
    it; this module imports it.)"""
    boto3 = types.SimpleNamespace(resource=lambda name: ec2_resource, client=lambda name: ec2_client)

    def cleanup_old_resources(days=7, dry_run=True):
        """Nettoie les ressources anciennes."""
        ec2 = boto3.resource("ec2")
        cutoff = datetime.now(tz=timezone.utc) - timedelta(days=days)

        # Snapshots anciens
        snapshots = ec2.snapshots.filter(OwnerIds=["self"])
        for snap in snapshots:
            if snap.start_time < cutoff:
                print(f"Would delete snapshot: {snap.id}")
                if not dry_run:
                    snap.delete()

        # AMIs anciennes
        client = boto3.client("ec2")
        images = client.describe_images(Owners=["self"])
        for img in images["Images"]:
            created = datetime.fromisoformat(img["CreationDate"].replace("Z", "+00:00"))
            if created < cutoff:
                print(f"Would deregister AMI: {img['ImageId']}")
                if not dry_run:
                    client.deregister_image(ImageId=img["ImageId"])

        # Volumes non attachés
        volumes = ec2.volumes.filter(
            Filters=[{"Name": "status", "Values": ["available"]}]
        )
        for vol in volumes:
            print(f"Would delete unattached volume: {vol.id}")
            if not dry_run:
                vol.delete()

    return cleanup_old_resources


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_instance(ec2):
    inst = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             Placement={"AvailabilityZone": ZONE})["Instances"][0]
    ec2.get_waiter("instance_running").wait(InstanceIds=[inst["InstanceId"]],
                                            WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return inst["InstanceId"]


def test_seed_002_cleanup_old_resources(fresh_nuage, capsys):
    ec2 = fresh_nuage.client("ec2")
    ec2r = fresh_nuage.resource("ec2")
    cleanup_old_resources = make_cleanup(ec2r, ec2)

    # Nine days ago (nuage time): a volume, its snapshot, an instance and an
    # AMI made from it.
    fresh_nuage.admin("POST", "/_nuage/clock", {"set": iso(datetime.now(timezone.utc) - timedelta(days=8))})
    old_vol = ec2.create_volume(AvailabilityZone=ZONE, Size=10)["VolumeId"]
    old_snap = ec2.create_snapshot(VolumeId=old_vol, Description="old")["SnapshotId"]
    inst_id = run_instance(ec2)
    created_ami = ec2.create_image(InstanceId=inst_id, Name="old-ami")["ImageId"]
    image_snaps = [m["Ebs"]["SnapshotId"] for m in
                   ec2.describe_images(ImageIds=[created_ami])["Images"][0]["BlockDeviceMappings"]]
    # Back to now.
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "8d"})
    new_vol = ec2.create_volume(AvailabilityZone=ZONE, Size=5)["VolumeId"]
    new_snap = ec2.create_snapshot(VolumeId=new_vol)["SnapshotId"]

    snap = ec2r.Snapshot(old_snap)
    assert snap.start_time < datetime.now(timezone.utc) - timedelta(days=7)
    assert ec2r.Snapshot(new_snap).start_time > datetime.now(timezone.utc) - timedelta(days=1)

    # Dry run: reports, changes nothing.
    cleanup_old_resources(days=7, dry_run=True)
    out = capsys.readouterr().out
    assert f"Would delete snapshot: {old_snap}" in out
    for s in image_snaps:
        assert f"Would delete snapshot: {s}" in out
    assert f"Would delete snapshot: {new_snap}" not in out
    assert f"Would deregister AMI: {created_ami}" in out
    assert f"Would delete unattached volume: {old_vol}" in out
    assert f"Would delete unattached volume: {new_vol}" in out
    assert len(ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]) == 2 + len(image_snaps)
    assert len(ec2.describe_images(Owners=["self"])["Images"]) == 1

    # Real mode, as on AWS: the AMI's snapshots are old too, and EC2 refuses
    # to delete a snapshot a registered image uses.
    with pytest.raises(ClientError) as exc:
        cleanup_old_resources(days=7, dry_run=False)
    assert code_of(exc) == "InvalidSnapshot.InUse"
    assert ec2.describe_images(ImageIds=[created_ami])["Images"][0]["State"] == "available"

    # Without images in the way the seed runs to the end: the old AMI goes
    # first (deregister), then a real run removes old snapshots and every
    # unattached volume, and keeps the new snapshot and the instance's root volume.
    ec2.deregister_image(ImageId=created_ami)
    capsys.readouterr()
    cleanup_old_resources(days=7, dry_run=False)
    out = capsys.readouterr().out
    assert f"Would delete unattached volume: {new_vol}" in out
    snaps = [s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]
    assert snaps == [new_snap]
    vols = ec2.describe_volumes()["Volumes"]
    assert [v["Attachments"][0]["InstanceId"] for v in vols] == [inst_id]
    # Nothing is left to clean.
    cleanup_old_resources(days=7, dry_run=False)
    assert "Would" not in capsys.readouterr().out


def test_volume_lifecycle_and_instance_mappings(nuage):
    ec2 = nuage.client("ec2")
    ec2r = nuage.resource("ec2")
    inst_id = run_instance(ec2)
    vol = ec2r.create_volume(AvailabilityZone=ZONE, Size=20, VolumeType="gp3",
                             TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "app", "Value": "db"}]}])
    ec2.get_waiter("volume_available").wait(VolumeIds=[vol.id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    vol.reload()
    assert (vol.size, vol.volume_type, vol.state, vol.iops) == (20, "gp3", "available", 3000)
    att = vol.attach_to_instance(InstanceId=inst_id, Device="/dev/sdf")
    assert att["State"] == "attaching" and att["Device"] == "/dev/sdf"
    ec2.get_waiter("volume_in_use").wait(VolumeIds=[vol.id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    inst = ec2.describe_instances(InstanceIds=[inst_id])["Reservations"][0]["Instances"][0]
    devices = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in inst["BlockDeviceMappings"]}
    assert devices["/dev/sdf"] == vol.id and len(devices) == 2
    attached = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [inst_id]}])["Volumes"]
    assert sorted(v["VolumeId"] for v in attached) == sorted(devices.values())
    assert ec2.describe_volumes(Filters=[{"Name": "tag:app", "Values": ["db"]},
                                         {"Name": "status", "Values": ["in-use"]}])["Volumes"][0]["VolumeId"] == vol.id

    with pytest.raises(ClientError) as exc:
        vol.delete()
    assert code_of(exc) == "VolumeInUse"
    other = ec2.create_volume(AvailabilityZone=ZONE, Size=1)["VolumeId"]
    with pytest.raises(ClientError) as exc:
        ec2.attach_volume(VolumeId=other, InstanceId=inst_id, Device="/dev/sdf")
    assert code_of(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        ec2.attach_volume(VolumeId=vol.id, InstanceId=inst_id, Device="/dev/sdg")
    assert code_of(exc) == "VolumeInUse"
    far = ec2.create_volume(AvailabilityZone="us-east-1b", Size=1)["VolumeId"]
    with pytest.raises(ClientError) as exc:
        ec2.attach_volume(VolumeId=far, InstanceId=inst_id, Device="/dev/sdh")
    assert code_of(exc) == "InvalidVolume.ZoneMismatch"
    root = inst["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    with pytest.raises(ClientError) as exc:
        ec2.detach_volume(VolumeId=root)
    assert code_of(exc) == "IncorrectState"

    assert vol.detach_from_instance()["State"] == "detaching"
    ec2.get_waiter("volume_available").wait(VolumeIds=[vol.id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    inst = ec2.describe_instances(InstanceIds=[inst_id])["Reservations"][0]["Instances"][0]
    assert [m["DeviceName"] for m in inst["BlockDeviceMappings"]] == ["/dev/xvda"]
    with pytest.raises(ClientError) as exc:
        vol.detach_from_instance()
    assert code_of(exc) == "IncorrectState"
    mod = ec2.modify_volume(VolumeId=vol.id, Size=30)["VolumeModification"]
    assert (mod["OriginalSize"], mod["TargetSize"]) == (20, 30)
    with pytest.raises(ClientError) as exc:
        ec2.modify_volume(VolumeId=vol.id, Size=10)
    assert code_of(exc) == "InvalidParameterValue"
    for v in (vol.id, other, far):
        ec2.delete_volume(VolumeId=v)
    with pytest.raises(ClientError) as exc:
        ec2.delete_volume(VolumeId=vol.id)
    assert code_of(exc) == "InvalidVolume.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.describe_volumes(VolumeIds=["vol-0000000000000dead"])
    assert code_of(exc) == "InvalidVolume.NotFound"
    ec2.terminate_instances(InstanceIds=[inst_id])


def test_volume_errors(nuage):
    ec2 = nuage.client("ec2")
    with pytest.raises(ClientError) as exc:
        ec2.create_volume(AvailabilityZone=ZONE)
    assert code_of(exc) == "MissingParameter"
    with pytest.raises(ClientError) as exc:
        ec2.create_volume(AvailabilityZone="us-east-1z", Size=1)
    assert code_of(exc) == "InvalidZone.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.create_volume(AvailabilityZone=ZONE, Size=20000)
    assert code_of(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        ec2.create_volume(AvailabilityZone=ZONE, SnapshotId="snap-0000000000000dead")
    assert code_of(exc) == "InvalidSnapshot.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.create_snapshot(VolumeId="vol-0000000000000dead")
    assert code_of(exc) == "InvalidVolume.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.delete_snapshot(SnapshotId="snap-0000000000000dead")
    assert code_of(exc) == "InvalidSnapshot.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.describe_volumes(Filters=[{"Name": "colour", "Values": ["x"]}])
    assert code_of(exc) == "InvalidParameterValue"


def test_snapshots_and_images(nuage):
    ec2 = nuage.client("ec2")
    ec2r = nuage.resource("ec2")
    vol_id = ec2.create_volume(AvailabilityZone=ZONE, Size=3)["VolumeId"]
    snap = ec2r.create_snapshot(VolumeId=vol_id, Description="nightly",
                                TagSpecifications=[{"ResourceType": "snapshot",
                                                    "Tags": [{"Key": "Backup", "Value": "true"}]}])
    ec2.get_waiter("snapshot_completed").wait(SnapshotIds=[snap.id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    snap.reload()
    assert (snap.state, snap.progress, snap.volume_size, snap.owner_id) == ("completed", "100%", 3, "000000000000")
    found = ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "tag:Backup", "Values": ["true"]}])
    assert snap.id in [s["SnapshotId"] for s in found["Snapshots"]]
    assert ec2.describe_snapshots(OwnerIds=["amazon"])["Snapshots"] == []
    assert ec2.describe_snapshots(Filters=[{"Name": "volume-id", "Values": [vol_id]}])["Snapshots"][0]["SnapshotId"] \
        == snap.id
    restored = ec2.create_volume(AvailabilityZone=ZONE, SnapshotId=snap.id)
    assert restored["Size"] == 3 and restored["SnapshotId"] == snap.id

    inst_id = run_instance(ec2)
    image_id = ec2.create_image(InstanceId=inst_id, Name="web-2024.1", Description="web",
                                TagSpecifications=[{"ResourceType": "image",
                                                    "Tags": [{"Key": "role", "Value": "web"}]}])["ImageId"]
    ec2.get_waiter("image_available").wait(ImageIds=[image_id], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    img = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert (img["State"], img["Name"], img["OwnerId"], img["Public"]) == ("available", "web-2024.1", "000000000000",
                                                                         False)
    assert img["CreationDate"].endswith("Z")
    root_snap = img["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert ec2.describe_snapshots(SnapshotIds=[root_snap])["Snapshots"][0]["Description"] == \
        f"Created by CreateImage({inst_id}) for {image_id}"
    mine = ec2.describe_images(Owners=["self"])["Images"]
    assert image_id in [i["ImageId"] for i in mine]
    assert all(i["OwnerId"] == "000000000000" for i in mine)
    amazon = ec2.describe_images(Owners=["amazon"])["Images"]
    assert AMI in [i["ImageId"] for i in amazon] and image_id not in [i["ImageId"] for i in amazon]
    assert [i["ImageId"] for i in ec2.describe_images(Owners=["self"], Filters=[
        {"Name": "tag:role", "Values": ["web"]}, {"Name": "name", "Values": ["web-*"]}])["Images"]] == [image_id]
    assert ec2.describe_images(ImageIds=[AMI])["Images"][0]["Public"] is True
    with pytest.raises(ClientError) as exc:
        ec2.create_image(InstanceId=inst_id, Name="web-2024.1")
    assert code_of(exc) == "InvalidAMIName.Duplicate"
    with pytest.raises(ClientError) as exc:
        ec2.create_image(InstanceId=inst_id, Name="bad*name!")
    assert code_of(exc) == "InvalidAMIName.Malformed"
    # The new image launches.
    launched = ec2.run_instances(ImageId=image_id, InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]
    assert launched["ImageId"] == image_id

    with pytest.raises(ClientError) as exc:
        ec2.delete_snapshot(SnapshotId=root_snap)
    assert code_of(exc) == "InvalidSnapshot.InUse"
    result = ec2.deregister_image(ImageId=image_id, DeleteAssociatedSnapshots=True)
    assert result["DeleteSnapshotResults"] == [{"SnapshotId": root_snap, "ReturnCode": "success"}]
    with pytest.raises(ClientError) as exc:
        ec2.describe_images(ImageIds=[image_id])
    assert code_of(exc) == "InvalidAMIID.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.deregister_image(ImageId=image_id)
    assert code_of(exc) == "InvalidAMIID.NotFound"
    snap.delete()
    with pytest.raises(ClientError) as exc:
        ec2.describe_snapshots(SnapshotIds=[snap.id])
    assert code_of(exc) == "InvalidSnapshot.NotFound"
    ec2.terminate_instances(InstanceIds=[inst_id, launched["InstanceId"]])


def test_register_and_copy_images_and_snapshots(fresh_nuage):
    east, west = fresh_nuage.client("ec2", region="us-east-1"), fresh_nuage.client("ec2", region="eu-west-1")
    inst = run_instance(east)
    image_id = east.create_image(InstanceId=inst, Name="golden-1")["ImageId"]
    image = east.describe_images(ImageIds=[image_id])["Images"][0]
    snap_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]

    # A snapshot copied to another region.
    copy = west.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId=snap_id, Description="dr copy",
                              TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "dr", "Value": "1"}]}])
    copied = west.describe_snapshots(SnapshotIds=[copy["SnapshotId"]])["Snapshots"][0]
    assert copied["Description"] == "dr copy" and copied["State"] == "completed"
    assert copied["VolumeSize"] == 8 and copied["Tags"] == [{"Key": "dr", "Value": "1"}]
    with pytest.raises(ClientError) as exc:
        west.copy_snapshot(SourceRegion="us-east-1", SourceSnapshotId="snap-12345678")
    assert code_of(exc) == "InvalidSnapshot.NotFound"

    # An image registered from the copied snapshot, and launched.
    registered = west.register_image(
        Name="from-snapshot", RootDeviceName="/dev/xvda", Architecture="x86_64", VirtualizationType="hvm",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": copy["SnapshotId"]}}])["ImageId"]
    got = west.describe_images(Owners=["self"], ImageIds=[registered])["Images"][0]
    assert got["Name"] == "from-snapshot" and got["BlockDeviceMappings"][0]["Ebs"]["VolumeSize"] == 8
    launched = west.run_instances(ImageId=registered, MinCount=1, MaxCount=1)["Instances"][0]
    assert launched["ImageId"] == registered
    for kwargs, code in [
        (dict(Name="from-snapshot", RootDeviceName="/dev/xvda",
              BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": copy["SnapshotId"]}}]),
         "InvalidAMIName.Duplicate"),
        (dict(Name="ghost", RootDeviceName="/dev/xvda",
              BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": "snap-12345678"}}]),
         "InvalidSnapshot.NotFound"),
        (dict(Name="unmapped", RootDeviceName="/dev/sda1",
              BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": copy["SnapshotId"]}}]),
         "InvalidBlockDeviceMapping"),
    ]:
        with pytest.raises(ClientError) as exc:
            west.register_image(**kwargs)
        assert code_of(exc) == code, kwargs

    # Images copied across regions: this account's, with new snapshots, and a public one.
    copied_image = west.copy_image(SourceRegion="us-east-1", SourceImageId=image_id, Name="golden-1-eu")["ImageId"]
    mine = west.describe_images(ImageIds=[copied_image])["Images"][0]
    new_snap = mine["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    assert new_snap != snap_id and west.describe_snapshots(SnapshotIds=[new_snap])["Snapshots"]
    public = west.copy_image(SourceRegion="us-east-1", SourceImageId=AMI, Name="base-copy")["ImageId"]
    assert west.describe_images(ImageIds=[public])["Images"][0]["OwnerId"] == "000000000000"
    with pytest.raises(ClientError) as exc:
        west.copy_image(SourceRegion="us-east-1", SourceImageId="ami-0aaaaaaaaaaaaaaa1", Name="nothing")
    assert code_of(exc) == "InvalidAMIID.NotFound"
    with pytest.raises(ClientError) as exc:
        west.copy_image(SourceRegion="us-east-1", SourceImageId=image_id, Name="golden-1-eu")
    assert code_of(exc) == "InvalidAMIName.Duplicate"


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    vol = nuage.cli("ec2", "create-volume", "--availability-zone", ZONE, "--size", "4", version=version)
    assert vol["Size"] == 4
    vols = nuage.cli("ec2", "describe-volumes", "--volume-ids", vol["VolumeId"], version=version)["Volumes"]
    assert vols[0]["State"] == "available"
    snap = nuage.cli("ec2", "create-snapshot", "--volume-id", vol["VolumeId"], version=version)
    snaps = nuage.cli("ec2", "describe-snapshots", "--owner-ids", "self", "--snapshot-ids", snap["SnapshotId"],
                      version=version)["Snapshots"]
    assert snaps[0]["State"] == "completed"
    images = nuage.cli("ec2", "describe-images", "--owners", "amazon", version=version)["Images"]
    assert AMI in [i["ImageId"] for i in images]
    nuage.cli("ec2", "delete-snapshot", "--snapshot-id", snap["SnapshotId"], version=version)
    nuage.cli("ec2", "delete-volume", "--volume-id", vol["VolumeId"], version=version)
    res = nuage.cli("ec2", "delete-volume", "--volume-id", vol["VolumeId"], version=version, check=False)
    assert res.returncode != 0 and "InvalidVolume.NotFound" in res.stderr


def test_volumes_survive_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ec2 = server.client("ec2")
    vol_id = ec2.create_volume(AvailabilityZone=ZONE, Size=7)["VolumeId"]
    snap_id = ec2.create_snapshot(VolumeId=vol_id)["SnapshotId"]
    started = ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]["StartTime"]
    server.stop()
    server = start_nuage(data_dir=data_dir)
    ec2 = server.client("ec2")
    assert ec2.describe_volumes(VolumeIds=[vol_id])["Volumes"][0]["Size"] == 7
    snap = ec2.describe_snapshots(SnapshotIds=[snap_id])["Snapshots"][0]
    assert snap["StartTime"] == started and snap["VolumeId"] == vol_id
