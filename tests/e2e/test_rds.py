"""RDS (query protocol) with real PostgreSQL servers: DB instances that
`psql` connects to with the master credentials, their lifecycle on the
clock, Aurora PostgreSQL clusters, snapshots, tags, and restarts of nuage.
Engines left out (`nuage serve --rds-engines`) or not installed are served
as metadata. The MySQL-compatible engines: test_rds_mariadb.py."""
import os
import shutil
import signal
import subprocess
import time

import pytest
from botocore.exceptions import ClientError

PSQL = shutil.which("psql")
HAVE_POSTGRES = PSQL is not None and any(
    os.path.exists(f"/usr/lib/postgresql/{v}/bin/postgres") for v in os.listdir("/usr/lib/postgresql")
) if os.path.isdir("/usr/lib/postgresql") else False
needs_postgres = pytest.mark.skipif(not HAVE_POSTGRES, reason="PostgreSQL is not installed")

PASSWORD = "Sup3r-secret"


def psql(port, sql, user="master", password=PASSWORD, db="appdb"):
    """Runs one statement with the real psql client; (returncode, output)."""
    env = dict(os.environ, PGPASSWORD=password, PGCONNECT_TIMEOUT="5")
    res = subprocess.run([PSQL, "-h", "127.0.0.1", "-p", str(port), "-U", user, "-d", db, "-tAc", sql],
                         capture_output=True, text=True, env=env, timeout=60)
    return res.returncode, (res.stdout + res.stderr).strip()


def wait_status(rds, ident, wanted, cluster=False, bound=90):
    """Polls Describe until the status is `wanted` (bounded); the last description."""
    deadline = time.monotonic() + bound
    while True:
        if cluster:
            desc = rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]
            status = desc["Status"]
        else:
            desc = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
            status = desc["DBInstanceStatus"]
        if status == wanted:
            return desc
        assert status != "failed", desc
        assert time.monotonic() < deadline, f"{ident} stayed {status}, wanted {wanted}"
        time.sleep(0.1)


def create_postgres(rds, ident, **kwargs):
    args = dict(DBInstanceIdentifier=ident, DBInstanceClass="db.t3.micro", Engine="postgres",
                MasterUsername="master", MasterUserPassword=PASSWORD, DBName="appdb", AllocatedStorage=20)
    args.update(kwargs)
    return rds.create_db_instance(**args)["DBInstance"]


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as exc:
        call(**kwargs)
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"], \
        exc.value.response["ResponseMetadata"]["HTTPStatusCode"]


@needs_postgres
def test_postgres_instance_is_a_real_server_through_stop_and_start(fresh_nuage):
    rds = fresh_nuage.client("rds")
    created = create_postgres(rds, "pg-one", Tags=[{"Key": "team", "Value": "data"}])
    assert created["DBInstanceStatus"] == "creating"
    assert created["DBInstanceArn"] == "arn:aws:rds:us-east-1:000000000000:db:pg-one"
    desc = wait_status(rds, "pg-one", "available")
    port = desc["Endpoint"]["Port"]
    assert desc["Endpoint"]["Address"] == "127.0.0.1"
    assert (desc["MasterUsername"], desc["DBName"], desc["Engine"]) == ("master", "appdb", "postgres")
    assert psql(port, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before stop')")[0] == 0
    code, out = psql(port, "SELECT 1", password="wrong-password")
    assert code != 0 and "password authentication failed" in out

    assert rds.stop_db_instance(DBInstanceIdentifier="pg-one")["DBInstance"]["DBInstanceStatus"] == "stopping"
    wait_status(rds, "pg-one", "stopped")
    code, out = psql(port, "SELECT 1")
    assert code != 0 and ("refused" in out or "could not connect" in out)
    assert error_of(rds.stop_db_instance, DBInstanceIdentifier="pg-one") == (
        "InvalidDBInstanceState", "Instance pg-one is not in available state.", 400)
    code, msg, _ = error_of(rds.reboot_db_instance, DBInstanceIdentifier="pg-one")
    assert code == "InvalidDBInstanceState"

    assert rds.start_db_instance(DBInstanceIdentifier="pg-one")["DBInstance"]["DBInstanceStatus"] == "starting"
    wait_status(rds, "pg-one", "available")
    assert psql(port, "SELECT v FROM kept") == (0, "before stop")
    code, msg, _ = error_of(rds.start_db_instance, DBInstanceIdentifier="pg-one")
    assert code == "InvalidDBInstanceState" and "cannot be started" in msg

    # A new master password really changes it.
    out = rds.modify_db_instance(DBInstanceIdentifier="pg-one", MasterUserPassword="An0ther-secret",
                                 ApplyImmediately=True)["DBInstance"]
    assert out["DBInstanceStatus"] == "modifying"
    wait_status(rds, "pg-one", "available")
    assert psql(port, "SELECT 1")[0] != 0
    assert psql(port, "SELECT v FROM kept", password="An0ther-secret") == (0, "before stop")

    rds.reboot_db_instance(DBInstanceIdentifier="pg-one")
    wait_status(rds, "pg-one", "available")
    assert psql(port, "SELECT count(*) FROM kept", password="An0ther-secret") == (0, "1")

    tags = rds.list_tags_for_resource(ResourceName=created["DBInstanceArn"])["TagList"]
    assert tags == [{"Key": "team", "Value": "data"}]
    events = rds.describe_events(SourceType="db-instance", SourceIdentifier="pg-one")["Events"]
    messages = [e["Message"] for e in events]
    assert "DB instance created" in messages and "DB instance stopped" in messages
    assert "DB instance started" in messages


@needs_postgres
def test_port_is_honored_and_delete_keeps_a_final_snapshot_to_restore(fresh_nuage):
    rds = fresh_nuage.client("rds")
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        wanted = s.getsockname()[1]
    create_postgres(rds, "pg-port", Port=wanted, DeletionProtection=True)
    desc = wait_status(rds, "pg-port", "available")
    assert desc["Endpoint"]["Port"] == wanted
    assert psql(wanted, "CREATE TABLE t (n int); INSERT INTO t VALUES (42)")[0] == 0

    code, msg, _ = error_of(rds.delete_db_instance, DBInstanceIdentifier="pg-port", SkipFinalSnapshot=True)
    assert (code, msg) == ("InvalidParameterCombination",
                           "Cannot delete protected DB Instance, please disable deletion protection and try again.")
    rds.modify_db_instance(DBInstanceIdentifier="pg-port", DeletionProtection=False, ApplyImmediately=True)
    code, msg, _ = error_of(rds.delete_db_instance, DBInstanceIdentifier="pg-port")
    assert (code, msg) == ("InvalidParameterCombination",
                           "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")

    out = rds.delete_db_instance(DBInstanceIdentifier="pg-port", FinalDBSnapshotIdentifier="pg-port-final")
    assert out["DBInstance"]["DBInstanceStatus"] == "deleting"
    deadline = time.monotonic() + 60
    while rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": ["pg-port"]}])["DBInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert error_of(rds.describe_db_instances, DBInstanceIdentifier="pg-port") == (
        "DBInstanceNotFound", "DBInstance pg-port not found.", 404)
    assert psql(wanted, "SELECT 1")[0] != 0
    snap = rds.describe_db_snapshots(DBSnapshotIdentifier="pg-port-final")["DBSnapshots"][0]
    assert (snap["Status"], snap["DBInstanceIdentifier"], snap["Engine"]) == ("available", "pg-port", "postgres")

    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="pg-back", DBSnapshotIdentifier="pg-port-final")
    back = wait_status(rds, "pg-back", "available")
    assert psql(back["Endpoint"]["Port"], "SELECT n FROM t") == (0, "42")


@needs_postgres
def test_snapshot_of_a_running_instance_and_restore(fresh_nuage):
    rds = fresh_nuage.client("rds")
    create_postgres(rds, "pg-snap")
    port = wait_status(rds, "pg-snap", "available")["Endpoint"]["Port"]
    assert psql(port, "CREATE TABLE s (v text); INSERT INTO s VALUES ('in the snapshot')")[0] == 0
    snap = rds.create_db_snapshot(DBInstanceIdentifier="pg-snap", DBSnapshotIdentifier="snap-1")["DBSnapshot"]
    assert snap["Status"] == "creating"
    deadline = time.monotonic() + 60
    while rds.describe_db_snapshots(DBSnapshotIdentifier="snap-1")["DBSnapshots"][0]["Status"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    wait_status(rds, "pg-snap", "available")
    assert psql(port, "INSERT INTO s VALUES ('after the snapshot')")[0] == 0
    assert error_of(rds.create_db_snapshot, DBInstanceIdentifier="pg-snap", DBSnapshotIdentifier="snap-1")[0] == \
        "DBSnapshotAlreadyExists"
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="pg-snap-copy", DBSnapshotIdentifier="snap-1")
    copy = wait_status(rds, "pg-snap-copy", "available")
    assert copy["Endpoint"]["Port"] != port
    assert psql(copy["Endpoint"]["Port"], "SELECT string_agg(v, ',') FROM s") == (0, "in the snapshot")
    rds.delete_db_snapshot(DBSnapshotIdentifier="snap-1")
    assert error_of(rds.describe_db_snapshots, DBSnapshotIdentifier="snap-1")[0] == "DBSnapshotNotFound"


@needs_postgres
def test_stopped_instance_starts_again_after_seven_days(fresh_nuage):
    rds = fresh_nuage.client("rds")
    create_postgres(rds, "pg-week")
    port = wait_status(rds, "pg-week", "available")["Endpoint"]["Port"]
    rds.stop_db_instance(DBInstanceIdentifier="pg-week")
    stopped = wait_status(rds, "pg-week", "stopped")
    assert "AutomaticRestartTime" in stopped
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 6 * 86400})
    assert rds.describe_db_instances(DBInstanceIdentifier="pg-week")["DBInstances"][0]["DBInstanceStatus"] == "stopped"
    # The move waits for the start it fires: the server accepts connections once it returns.
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 86400 + 60})
    assert rds.describe_db_instances(DBInstanceIdentifier="pg-week")["DBInstances"][0]["DBInstanceStatus"] == "available"
    assert psql(port, "SELECT 1") == (0, "1")
    events = rds.describe_events(SourceType="db-instance", SourceIdentifier="pg-week", Duration=20000)["Events"]
    assert any("exceeding the maximum allowed time being stopped" in e["Message"] for e in events)


@needs_postgres
def test_running_instance_survives_restart_of_nuage(start_nuage, data_dir):
    first = start_nuage(data_dir=data_dir)
    rds = first.client("rds")
    create_postgres(rds, "pg-durable")
    create_postgres(rds, "pg-parked")
    port = wait_status(rds, "pg-durable", "available")["Endpoint"]["Port"]
    parked = wait_status(rds, "pg-parked", "available")["Endpoint"]["Port"]
    rds.stop_db_instance(DBInstanceIdentifier="pg-parked")
    wait_status(rds, "pg-parked", "stopped")
    assert psql(port, "CREATE TABLE d (v int); INSERT INTO d VALUES (7)")[0] == 0
    assert first.stop() == 0
    # nuage stopped its server cleanly.
    assert psql(port, "SELECT 1")[0] != 0

    second = start_nuage(data_dir=data_dir)
    rds = second.client("rds")
    wait_status(rds, "pg-durable", "available")
    assert psql(port, "SELECT v FROM d") == (0, "7")
    assert rds.describe_db_instances(DBInstanceIdentifier="pg-parked")["DBInstances"][0]["DBInstanceStatus"] == \
        "stopped"
    assert psql(parked, "SELECT 1")[0] != 0

    # kill -9: the server dies with nuage and comes back with the same data.
    second.stop(signal.SIGKILL)
    third = start_nuage(data_dir=data_dir)
    wait_status(third.client("rds"), "pg-durable", "available")
    assert psql(port, "SELECT v FROM d") == (0, "7")


@needs_postgres
def test_aurora_postgresql_cluster_with_writer_and_reader(fresh_nuage):
    rds = fresh_nuage.client("rds")
    cluster = rds.create_db_cluster(DBClusterIdentifier="aurora-one", Engine="aurora-postgresql",
                                    MasterUsername="master", MasterUserPassword=PASSWORD,
                                    DatabaseName="appdb")["DBCluster"]
    assert cluster["DBClusterArn"] == "arn:aws:rds:us-east-1:000000000000:cluster:aurora-one"
    for ident in ("aurora-one-writer", "aurora-one-reader"):
        rds.create_db_instance(DBInstanceIdentifier=ident, DBClusterIdentifier="aurora-one",
                               Engine="aurora-postgresql", DBInstanceClass="db.r6g.large")
    wait_status(rds, "aurora-one-writer", "available")
    wait_status(rds, "aurora-one-reader", "available")
    desc = rds.describe_db_clusters(DBClusterIdentifier="aurora-one")["DBClusters"][0]
    members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in desc["DBClusterMembers"]}
    assert members == {"aurora-one-writer": True, "aurora-one-reader": False}
    port = desc["Port"]
    assert desc["Endpoint"] and desc["ReaderEndpoint"]
    assert psql(port, "CREATE TABLE a (v text); INSERT INTO a VALUES ('aurora')")[0] == 0

    code, msg, _ = error_of(rds.stop_db_instance, DBInstanceIdentifier="aurora-one-writer")
    assert code == "InvalidParameterCombination"
    rds.stop_db_cluster(DBClusterIdentifier="aurora-one")
    wait_status(rds, "aurora-one", "stopped", cluster=True)
    assert rds.describe_db_instances(DBInstanceIdentifier="aurora-one-reader")["DBInstances"][0][
        "DBInstanceStatus"] == "stopped"
    assert psql(port, "SELECT 1")[0] != 0
    code, _, _ = error_of(rds.stop_db_cluster, DBClusterIdentifier="aurora-one")
    assert code == "InvalidDBClusterStateFault"

    # Seven days stopped: the cluster starts again, its members with it.
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 7 * 86400 + 60})
    assert rds.describe_db_clusters(DBClusterIdentifier="aurora-one")["DBClusters"][0]["Status"] == "available"
    wait_status(rds, "aurora-one-writer", "available")
    assert psql(port, "SELECT v FROM a") == (0, "aurora")
    events = rds.describe_events(SourceType="db-cluster", SourceIdentifier="aurora-one", Duration=20000)["Events"]
    assert any("exceeding the maximum allowed time being stopped" in e["Message"] for e in events)

    code, _, _ = error_of(rds.start_db_cluster, DBClusterIdentifier="aurora-one")
    assert code == "InvalidDBClusterStateFault"
    code, _, _ = error_of(rds.delete_db_cluster, DBClusterIdentifier="aurora-one", SkipFinalSnapshot=True)
    assert code == "InvalidDBClusterStateFault"
    for ident in ("aurora-one-writer", "aurora-one-reader"):
        rds.delete_db_instance(DBInstanceIdentifier=ident)
    deadline = time.monotonic() + 60
    while rds.describe_db_clusters(DBClusterIdentifier="aurora-one")["DBClusters"][0]["DBClusterMembers"] or \
            rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": ["aurora-one"]}])["DBInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    rds.delete_db_cluster(DBClusterIdentifier="aurora-one", SkipFinalSnapshot=True)
    assert error_of(rds.describe_db_clusters, DBClusterIdentifier="nope")[:2] == (
        "DBClusterNotFoundFault", "DBCluster nope not found.")


def test_errors_filters_and_pagination(start_nuage):
    # MySQL instances as metadata only: no server is run for them.
    server = start_nuage(args=["--rds-engines", "postgres"])
    rds = server.client("rds")
    assert error_of(rds.describe_db_instances, DBInstanceIdentifier="missing") == (
        "DBInstanceNotFound", "DBInstance missing not found.", 404)
    for i in range(25):
        rds.create_db_instance(DBInstanceIdentifier=f"meta-{i:02d}", DBInstanceClass="db.t3.micro", Engine="mysql",
                               MasterUsername="admin", MasterUserPassword=PASSWORD)
    assert error_of(rds.create_db_instance, DBInstanceIdentifier="meta-00", DBInstanceClass="db.t3.micro",
                    Engine="mysql", MasterUsername="admin", MasterUserPassword=PASSWORD)[:2] == (
        "DBInstanceAlreadyExists", "DB instance already exists")
    code, msg, _ = error_of(rds.create_db_instance, DBInstanceIdentifier="short", DBInstanceClass="db.t3.micro",
                            Engine="postgres", MasterUsername="admin", MasterUserPassword="short")
    assert code == "InvalidParameterValue" and "shorter than 8" in msg
    first = rds.describe_db_instances(MaxRecords=20)
    assert len(first["DBInstances"]) == 20 and "Marker" in first
    rest = rds.describe_db_instances(MaxRecords=20, Marker=first["Marker"])
    assert len(rest["DBInstances"]) == 5 and "Marker" not in rest
    names = [d["DBInstanceIdentifier"] for d in first["DBInstances"] + rest["DBInstances"]]
    assert names == [f"meta-{i:02d}" for i in range(25)]
    engines = rds.describe_db_instances(Filters=[{"Name": "engine", "Values": ["mysql"]}])["DBInstances"]
    assert len(engines) == 25
    assert rds.describe_db_instances(Filters=[{"Name": "engine", "Values": ["postgres"]}])["DBInstances"] == []
    assert error_of(rds.describe_db_instances, Filters=[{"Name": "color", "Values": ["x"]}])[:2] == (
        "InvalidParameterValue", "Unrecognized filter name: color")
    paginator = rds.get_paginator("describe_db_instances")
    assert sum(len(p["DBInstances"]) for p in paginator.paginate(PaginationConfig={"PageSize": 20})) == 25
    # No MySQL server runs here: no endpoint, and health says why.
    meta = wait_status(rds, "meta-00", "available")
    assert "Endpoint" not in meta
    health = server.admin("GET", "/_nuage/health")
    assert "meta-00: no server runs for it (the mysql engine is left out by nuage serve --rds-engines)" in \
        health["rds"]["engine_not_running"]
    # Not implemented operations still answer 501 naming themselves.
    with pytest.raises(ClientError) as exc:
        rds.create_option_group(OptionGroupName="og", EngineName="mysql", MajorEngineVersion="8.0",
                                OptionGroupDescription="d")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "CreateOptionGroup" in exc.value.response["Error"]["Message"]


def test_tags_and_subnet_groups_with_both_clis(start_nuage):
    fresh_nuage = start_nuage(args=["--rds-engines", "none"])  # metadata is enough for tags
    ec2 = fresh_nuage.client("ec2")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    for version in (1, 2):
        name = f"group-v{version}"
        group = fresh_nuage.cli("rds", "create-db-subnet-group", "--db-subnet-group-name", name,
                                "--db-subnet-group-description", "two zones", "--subnet-ids", *subnets,
                                version=version)["DBSubnetGroup"]
        assert len(group["Subnets"]) == 2 and group["VpcId"].startswith("vpc-")
        ident = f"cli-v{version}"
        out = fresh_nuage.cli("rds", "create-db-instance", "--db-instance-identifier", ident,
                              "--db-instance-class", "db.t3.micro", "--engine", "mariadb",
                              "--master-username", "admin", "--master-user-password", PASSWORD,
                              "--db-subnet-group-name", name, "--tags", "Key=env,Value=test", version=version)
        arn = out["DBInstance"]["DBInstanceArn"]
        assert out["DBInstance"]["DBSubnetGroup"]["DBSubnetGroupName"] == name
        fresh_nuage.cli("rds", "add-tags-to-resource", "--resource-name", arn, "--tags", "Key=owner,Value=me",
                        version=version)
        tags = fresh_nuage.cli("rds", "list-tags-for-resource", "--resource-name", arn, version=version)["TagList"]
        assert {t["Key"]: t["Value"] for t in tags} == {"env": "test", "owner": "me"}
        fresh_nuage.cli("rds", "remove-tags-from-resource", "--resource-name", arn, "--tag-keys", "env",
                        version=version)
        tags = fresh_nuage.cli("rds", "list-tags-for-resource", "--resource-name", arn, version=version)["TagList"]
        assert tags == [{"Key": "owner", "Value": "me"}]
        res = fresh_nuage.cli("rds", "describe-db-instances", "--db-instance-identifier", "nope", version=version,
                              check=False)
        assert res.returncode != 0 and "DBInstanceNotFound" in res.stderr
        listed = fresh_nuage.cli("rds", "describe-db-instances", "--db-instance-identifier", ident,
                                 version=version)["DBInstances"]
        assert listed[0]["Engine"] == "mariadb"
        res = fresh_nuage.cli("rds", "delete-db-subnet-group", "--db-subnet-group-name", name, version=version,
                              check=False)
        assert res.returncode != 0 and "InvalidDBSubnetGroupStateFault" in res.stderr
    versions = fresh_nuage.cli("rds", "describe-db-engine-versions", "--engine", "postgres", version=2)
    assert versions["DBEngineVersions"][0]["Engine"] == "postgres"
    res = fresh_nuage.cli("rds", "list-tags-for-resource", "--resource-name",
                          "arn:aws:rds:us-east-1:000000000000:db:ghost", version=1, check=False)
    assert res.returncode != 0 and "DBInstanceNotFound" in res.stderr


def wait_parameters(rds, ident, wanted, bound=60):
    """Polls until the instance's ParameterApplyStatus is `wanted` (bounded)."""
    deadline = time.monotonic() + bound
    while True:
        desc = rds.describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
        status = desc["DBParameterGroups"][0]["ParameterApplyStatus"]
        if status == wanted and desc["DBInstanceStatus"] == "available":
            return desc
        assert time.monotonic() < deadline, f"{ident} parameters stayed {status}, wanted {wanted}"
        time.sleep(0.1)


@needs_postgres
def test_parameter_groups_reach_the_postgres_server(fresh_nuage):
    rds = fresh_nuage.client("rds")
    family = rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"][0]["DBParameterGroupFamily"]
    group = rds.create_db_parameter_group(DBParameterGroupName="Tuned", DBParameterGroupFamily=family,
                                          Description="tuned for tests")["DBParameterGroup"]
    assert (group["DBParameterGroupName"], group["DBParameterGroupFamily"]) == ("tuned", family)
    assert group["DBParameterGroupArn"] == "arn:aws:rds:us-east-1:000000000000:pg:tuned"
    assert error_of(rds.create_db_parameter_group, DBParameterGroupName="tuned", DBParameterGroupFamily=family,
                    Description="again")[0] == "DBParameterGroupAlreadyExists"
    assert error_of(rds.describe_db_parameters, DBParameterGroupName="ghost") == (
        "DBParameterGroupNotFound", "DBParameterGroup not found: ghost", 404)
    assert error_of(rds.modify_db_parameter_group, DBParameterGroupName=f"default.{family}",
                    Parameters=[{"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "immediate"}]
                    )[:2] == ("InvalidDBParameterGroupState", "Default DBParameterGroup cannot be modified")
    assert error_of(rds.delete_db_parameter_group, DBParameterGroupName=f"default.{family}")[0] == \
        "InvalidDBParameterGroupState"
    assert error_of(rds.modify_db_parameter_group, DBParameterGroupName="tuned",
                    Parameters=[{"ParameterName": "max_connections", "ParameterValue": "42",
                                 "ApplyMethod": "immediate"}])[:2] == (
        "InvalidParameterCombination", "cannot use immediate apply method for static parameter")
    code, msg, _ = error_of(rds.modify_db_parameter_group, DBParameterGroupName="tuned",
                            Parameters=[{"ParameterName": "max_connections", "ParameterValue": "2",
                                         "ApplyMethod": "pending-reboot"}])
    assert code == "InvalidParameterValue" and "6-8388607" in msg
    assert error_of(rds.modify_db_parameter_group, DBParameterGroupName="tuned",
                    Parameters=[{"ParameterName": "no_such_thing", "ParameterValue": "1",
                                 "ApplyMethod": "immediate"}])[:2] == (
        "InvalidParameterValue", "Could not find parameter with name: no_such_thing")
    rds.modify_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "max_connections", "ParameterValue": "42", "ApplyMethod": "pending-reboot"},
        {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "pending-reboot"}])
    user = rds.describe_db_parameters(DBParameterGroupName="tuned", Source="user")["Parameters"]
    assert {p["ParameterName"]: (p["ParameterValue"], p["ApplyType"]) for p in user} == {
        "max_connections": ("42", "static"), "work_mem": ("8192", "dynamic")}
    everything = rds.describe_db_parameters(DBParameterGroupName="tuned")["Parameters"]
    assert any(p["ParameterName"] == "statement_timeout" and p["Source"] == "engine-default" for p in everything)

    other = rds.describe_db_engine_versions(Engine="mariadb")["DBEngineVersions"][0]["DBParameterGroupFamily"]
    rds.create_db_parameter_group(DBParameterGroupName="maria", DBParameterGroupFamily=other, Description="m")
    def create_wrong(**kwargs):
        return create_postgres(rds, "pg-wrong", **kwargs)
    assert error_of(create_wrong, DBParameterGroupName="maria")[0] == "InvalidParameterCombination"
    assert error_of(create_wrong, DBParameterGroupName="ghost")[0] == "DBParameterGroupNotFound"

    create_postgres(rds, "pg-tuned", DBParameterGroupName="tuned")
    desc = wait_parameters(rds, "pg-tuned", "in-sync")
    assert desc["DBParameterGroups"][0]["DBParameterGroupName"] == "tuned"
    port = desc["Endpoint"]["Port"]
    assert psql(port, "SHOW max_connections") == (0, "42")
    assert psql(port, "SHOW work_mem") == (0, "8MB")

    # Dynamic and immediate: the running server reloads it.
    rds.modify_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "16384", "ApplyMethod": "immediate"}])
    wait_parameters(rds, "pg-tuned", "in-sync")
    assert psql(port, "SHOW work_mem") == (0, "16MB")
    # Static: pending until the reboot.
    rds.modify_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "max_connections", "ParameterValue": "50", "ApplyMethod": "pending-reboot"}])
    wait_parameters(rds, "pg-tuned", "pending-reboot")
    assert psql(port, "SHOW max_connections") == (0, "42")
    rds.reboot_db_instance(DBInstanceIdentifier="pg-tuned")
    wait_status(rds, "pg-tuned", "available")
    wait_parameters(rds, "pg-tuned", "in-sync")
    assert psql(port, "SHOW max_connections") == (0, "50")
    # Reset at once: back to the engine's default.
    rds.reset_db_parameter_group(DBParameterGroupName="tuned", Parameters=[
        {"ParameterName": "work_mem", "ApplyMethod": "immediate"}])
    wait_parameters(rds, "pg-tuned", "in-sync")
    assert psql(port, "SHOW work_mem") == (0, "4MB")

    assert error_of(rds.delete_db_parameter_group, DBParameterGroupName="tuned")[0] == \
        "InvalidDBParameterGroupState"
    names = [g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]]
    assert f"default.{family}" in names and "tuned" in names and names == sorted(names)
    # The AWS CLI v1 and v2 spell parameters as shorthand.
    for version in (1, 2):
        fresh_nuage.cli("rds", "modify-db-parameter-group", "--db-parameter-group-name", "maria", "--parameters",
                        f"ParameterName=wait_timeout,ParameterValue={600 + version},ApplyMethod=immediate",
                        version=version)
        listed = fresh_nuage.cli("rds", "describe-db-parameters", "--db-parameter-group-name", "maria",
                                 "--source", "user", version=version)["Parameters"]
        assert [(p["ParameterName"], p["ParameterValue"]) for p in listed] == [("wait_timeout", str(600 + version))]
    rds.delete_db_parameter_group(DBParameterGroupName="maria")
    assert error_of(rds.describe_db_parameter_groups, DBParameterGroupName="maria")[0] == "DBParameterGroupNotFound"


def test_orderable_instance_options_name_the_engines_served(start_nuage):
    rds = start_nuage(args=["--rds-engines", "none"]).client("rds")
    options = rds.describe_orderable_db_instance_options(Engine="postgres")["OrderableDBInstanceOptions"]
    version = rds.describe_db_engine_versions(Engine="postgres")["DBEngineVersions"][0]["EngineVersion"]
    assert options and all(o["Engine"] == "postgres" and o["EngineVersion"] == version for o in options)
    assert any(o["DBInstanceClass"] == "db.t3.micro" for o in options)
    one = rds.describe_orderable_db_instance_options(Engine="aurora-mysql", DBInstanceClass="db.r6g.large")
    assert [o["SupportsClusters"] for o in one["OrderableDBInstanceOptions"]] == [True]
    paginator = rds.get_paginator("describe_orderable_db_instance_options")
    assert sum(len(p["OrderableDBInstanceOptions"]) for p in paginator.paginate(Engine="mariadb")) == \
        len(rds.describe_orderable_db_instance_options(Engine="mariadb")["OrderableDBInstanceOptions"])
    assert error_of(rds.describe_orderable_db_instance_options, Engine="oracle-ee")[:2] == (
        "InvalidParameterValue", "Unrecognized engine name: oracle-ee")
