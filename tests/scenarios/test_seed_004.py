"""Seed 004 end to end: the awsutils system of examples/awsutils, deployed by
deploy.sh (AWS CLI only) on a fresh nuage.

Start/stop: EC2 instances (and, where nuage serves RDS, a PostgreSQL DB
instance and an Aurora PostgreSQL cluster, real servers that the real `psql`
reaches while available, refused while stopped, with the tables made before
the stop there after the start) listed under two keys of
aws_resource_start_stop.yml. The stop rule
fires at 08:00 UTC with the constant input {"action": "stop", "configKey":
[both keys]}, and the function-name variant ec2_stop_keyname03 at the same
time for a third key; the nuage clock moves to just after it: exactly the
listed resources are stopped, an unlisted instance keeps running, and the
start rule at 18:00 brings them back.

S3 upload: a tree of nested folders in an EFS access point (seeded through
the file system's host folder), uploaded by the seed's lambda_function.py to
`folder1/folder2/<relative path>` keys, sources removed when asked."""
import json
import os
import shutil
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import CLI_V1, CLI_V2, client_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "awsutils")
DAY = "2026-03-02"  # a Monday


def clock(server, **body):
    return server.admin("POST", "/_nuage/clock", body)


def states(ec2, ids):
    r = ec2.describe_instances(InstanceIds=ids)
    return {i["InstanceId"]: i["State"]["Name"] for res in r["Reservations"] for i in res["Instances"]}


def cli_or_skip():
    cli = CLI_V1 or CLI_V2
    if cli is None:
        pytest.skip("no AWS CLI")
    return cli


def deploy(server, cli, **env):
    env = client_env({"ENDPOINT": server.endpoint, "REGION": "us-east-1", "AWS_CLI": cli, **env})
    res = subprocess.run([os.path.join(EXAMPLE, "deploy.sh")], env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout


def psql(port, sql, password="secret-password"):
    """One statement with the real psql client as the master user; (returncode, output)."""
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
    res = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-tAc", sql],
                         capture_output=True, text=True, env=env, timeout=60)
    return res.returncode, (res.stdout + res.stderr).strip()


def rds_served(server):
    try:
        server.client("rds").describe_db_instances()
        return True
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"] != 501


def test_seed_004_start_stop_from_the_yaml_file(start_nuage, tmp_path):
    cli = cli_or_skip()
    server = start_nuage()
    ec2 = server.client("ec2")
    clock(server, freeze=True, set=f"{DAY}T07:00:00Z")
    run = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.micro", MinCount=4, MaxCount=4)
    ids = [i["InstanceId"] for i in run["Instances"]]
    clock(server, advance="1m")
    assert set(states(ec2, ids).values()) == {"running"}
    first, second, third, unlisted = ids

    config = {"region_name": "us-east-1",
              "keyname01": [{"type": "ec2.instance", "ids": [first]}],
              "keyname02": [{"type": "ec2.instance", "ids": [second]}],
              "keyname03": [{"type": "ec2.instance", "ids": [third]}]}
    with_rds = rds_served(server)
    if with_rds:
        rds = server.client("rds")
        rds.create_db_instance(DBInstanceIdentifier="awsutils-pg", Engine="postgres", DBInstanceClass="db.t3.micro",
                               MasterUsername="postgres", MasterUserPassword="secret-password", AllocatedStorage=20)
        config["keyname01"].append({"type": "rds.db_instance", "ids": ["awsutils-pg"]})
        rds.create_db_cluster(DBClusterIdentifier="awsutils-aurora", Engine="aurora-postgresql",
                              MasterUsername="postgres", MasterUserPassword="secret-password")
        rds.create_db_instance(DBInstanceIdentifier="awsutils-aurora-writer", Engine="aurora-postgresql",
                               DBInstanceClass="db.r6g.large", DBClusterIdentifier="awsutils-aurora")
        config["keyname02"].append({"type": "rds.db_cluster", "ids": ["awsutils-aurora"]})
    path = tmp_path / "aws_resource_start_stop.yml"
    import yaml
    path.write_text(yaml.safe_dump(config))

    out = deploy(server, cli, CONFIG=str(path), KEYS="keyname01,keyname02", NAME_KEYS="keyname03",
                 STOP_CRON="cron(0 8 * * ? *)", START_CRON="cron(0 18 * * ? *)")
    assert "ec2_stop_keyname03" in out
    events = server.client("events")
    targets = events.list_targets_by_rule(Rule="awsutils-stop")["Targets"]
    assert json.loads(targets[0]["Input"]) == {"action": "stop", "configKey": ["keyname01", "keyname02"]}
    real = {}  # the real servers' ports, where PostgreSQL runs
    if with_rds:
        clock(server, advance="30m")
        pg = rds.describe_db_instances(DBInstanceIdentifier="awsutils-pg")["DBInstances"][0]
        assert pg["DBInstanceStatus"] == "available"
        writer = rds.describe_db_instances(DBInstanceIdentifier="awsutils-aurora-writer")["DBInstances"][0]
        assert writer["DBInstanceStatus"] == "available"
        if "Endpoint" in pg and shutil.which("psql"):
            real = {"pg": pg["Endpoint"]["Port"],
                    "aurora": rds.describe_db_clusters(DBClusterIdentifier="awsutils-aurora")["DBClusters"][0]["Port"]}
        for name, port in real.items():
            assert psql(port, f"CREATE TABLE kept (v text); INSERT INTO kept VALUES ('{name} before the stop')")[0] == 0

    clock(server, set=f"{DAY}T08:01:00Z")
    clock(server, advance="2m")  # stopping -> stopped
    assert states(ec2, ids) == {first: "stopped", second: "stopped", third: "stopped", unlisted: "running"}
    if with_rds:
        clock(server, advance="10m")
        assert rds.describe_db_instances(DBInstanceIdentifier="awsutils-pg")["DBInstances"][0][
            "DBInstanceStatus"] == "stopped"
        assert rds.describe_db_clusters(DBClusterIdentifier="awsutils-aurora")["DBClusters"][0]["Status"] == "stopped"
        for port in real.values():
            code, out = psql(port, "SELECT 1")
            assert code != 0 and ("refused" in out or "could not connect" in out), out
    logs = server.client("logs")
    messages = [e["message"] for e in logs.filter_log_events(logGroupName="/aws/lambda/awsutils_start_stop")["events"]]
    assert any(f"stop ec2.instance {first}" in m for m in messages), messages[-10:]

    clock(server, set=f"{DAY}T18:01:00Z")
    clock(server, advance="2m")
    assert set(states(ec2, ids).values()) == {"running"}
    if with_rds:
        clock(server, advance="10m")
        assert rds.describe_db_instances(DBInstanceIdentifier="awsutils-pg")["DBInstances"][0][
            "DBInstanceStatus"] == "available"
        assert rds.describe_db_clusters(DBClusterIdentifier="awsutils-aurora")["DBClusters"][0]["Status"] == \
            "available"
        for name, port in real.items():
            assert psql(port, "SELECT v FROM kept") == (0, f"{name} before the stop")

    # A key the file does not have fails the invocation, and says which.
    lam = server.client("lambda")
    r = lam.invoke(FunctionName="awsutils_start_stop", Payload=json.dumps({"action": "stop", "configKey": "nope"}))
    body = json.loads(r["Payload"].read())
    assert r.get("FunctionError") == "Unhandled" and "nope" in body["errorMessage"]
    assert set(states(ec2, ids).values()) == {"running"}


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="Lambda file systems are mounted by bubblewrap")
@pytest.mark.parametrize("remove_src", ["False", "True"])
def test_seed_004_upload_an_efs_tree_to_s3(start_nuage, remove_src):
    cli = cli_or_skip()
    server = start_nuage()
    efs, s3 = server.client("efs"), server.client("s3")
    fs_id = efs.create_file_system(CreationToken=f"awsutils-{remove_src}")["FileSystemId"]
    ap = efs.create_access_point(ClientToken=f"ap-{remove_src}", FileSystemId=fs_id, RootDirectory={
        "Path": "/exports", "CreationInfo": {"OwnerUid": 0, "OwnerGid": 0, "Permissions": "777"}})
    folder = [f for f in server.admin("GET", "/_nuage/efs")["FileSystems"] if f["FileSystemId"] == fs_id][0]["Path"]
    tree = {"report.csv": "a,b\n1,2\n", "2026/03/day.log": "x" * 5000, "2026/03/02/deep/leaf.bin": "\x00\x01",
            "empty.txt": ""}
    for relative, content in tree.items():
        path = os.path.join(folder, "exports", "outbox", relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(content)
    s3.create_bucket(Bucket="awsutils-uploads")
    deploy(server, cli, KEYS="none", BUCKET="awsutils-uploads", ACCESS_POINT_ARN=ap["AccessPointArn"],
           SRC_DIR="outbox", KEY_PREFIX="folder1/folder2", REMOVE_SRC=remove_src)
    lam = server.client("lambda")
    assert lam.get_function_configuration(FunctionName="awsutils_s3_upload")["FileSystemConfigs"] == [
        {"Arn": ap["AccessPointArn"], "LocalMountPath": "/mnt/efs"}]
    r = lam.invoke(FunctionName="awsutils_s3_upload", Payload=b"{}")
    assert "FunctionError" not in r, r["Payload"].read()
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="awsutils-uploads")["Contents"])
    assert keys == sorted(f"folder1/folder2/{k}" for k in tree)
    for relative, content in tree.items():
        body = s3.get_object(Bucket="awsutils-uploads", Key=f"folder1/folder2/{relative}")["Body"].read()
        assert body == content.encode()
    left = sorted(os.path.relpath(os.path.join(d, f), os.path.join(folder, "exports", "outbox"))
                  for d, _, files in os.walk(os.path.join(folder, "exports", "outbox")) for f in files)
    assert left == ([] if remove_src == "True" else sorted(tree))
