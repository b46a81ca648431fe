"""Aurora DB clusters beyond their lifecycle (test_rds.py): the writer's
parameter group through a cluster stop and start, DB cluster snapshots that
are real copies of the cluster's volume (psql and mysql read a restored
cluster's data: what was written before the snapshot, not after), the final
snapshot of DeleteDBCluster, and the errors and listings of both AWS CLIs."""
import time

import pytest

from test_rds import PASSWORD as PG_PASSWORD, error_of, needs_postgres, psql, wait_status
import test_rds_mariadb
from test_rds_mariadb import PASSWORD as MY_PASSWORD, mysql

needs_mariadb = test_rds_mariadb.pytestmark


def wait_snapshot(rds, ident, bound=90):
    """Polls DescribeDBClusterSnapshots until the snapshot is available (bounded)."""
    deadline = time.monotonic() + bound
    while True:
        snap = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=ident)["DBClusterSnapshots"][0]
        if snap["Status"] == "available":
            return snap
        assert snap["Status"] == "creating", snap
        assert time.monotonic() < deadline, f"{ident} stayed {snap['Status']}"
        time.sleep(0.1)


def wait_gone(describe, bound=60):
    deadline = time.monotonic() + bound
    while describe():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def make_cluster(rds, ident, engine, user, password, group=None, **kwargs):
    """A cluster with its writer, available; the cluster's description."""
    rds.create_db_cluster(DBClusterIdentifier=ident, Engine=engine, MasterUsername=user,
                          MasterUserPassword=password, DatabaseName="appdb", **kwargs)
    add_writer(rds, ident, engine, group)
    return rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]


def add_writer(rds, ident, engine, group=None):
    args = dict(DBInstanceIdentifier=f"{ident}-writer", DBClusterIdentifier=ident, Engine=engine,
                DBInstanceClass="db.r6g.large")
    if group:
        args["DBParameterGroupName"] = group
    rds.create_db_instance(**args)
    return wait_status(rds, f"{ident}-writer", "available")


def drop_members(rds, ident):
    rds.delete_db_instance(DBInstanceIdentifier=f"{ident}-writer")
    wait_gone(lambda: rds.describe_db_clusters(DBClusterIdentifier=ident)["DBClusters"][0]["DBClusterMembers"] or
              rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [ident]}])["DBInstances"])


def family_of(rds, engine):
    return rds.describe_db_engine_versions(Engine=engine)["DBEngineVersions"][0]["DBParameterGroupFamily"]


@needs_postgres
def test_writer_keeps_its_parameter_group_through_a_cluster_stop_and_start(fresh_nuage):
    rds = fresh_nuage.client("rds")
    family = family_of(rds, "aurora-postgresql")
    assert family.startswith("aurora-postgresql")
    rds.create_db_parameter_group(DBParameterGroupName="aurora-tuned", DBParameterGroupFamily=family,
                                  Description="tuned writer")
    rds.modify_db_parameter_group(DBParameterGroupName="aurora-tuned", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "pending-reboot"}])
    port = make_cluster(rds, "apg-tuned", "aurora-postgresql", "master", PG_PASSWORD, group="aurora-tuned")["Port"]
    assert psql(port, "SHOW work_mem") == (0, "8MB")

    rds.stop_db_cluster(DBClusterIdentifier="apg-tuned")
    wait_status(rds, "apg-tuned", "stopped", cluster=True)
    assert psql(port, "SHOW work_mem")[0] != 0
    rds.start_db_cluster(DBClusterIdentifier="apg-tuned")
    wait_status(rds, "apg-tuned", "available", cluster=True)
    writer = wait_status(rds, "apg-tuned-writer", "available")
    assert psql(port, "SHOW work_mem") == (0, "8MB")
    assert writer["DBParameterGroups"][0] == {"DBParameterGroupName": "aurora-tuned",
                                              "ParameterApplyStatus": "in-sync"}

    # A new master password is set on the writer's server.
    code, msg, _ = error_of(rds.modify_db_cluster, DBClusterIdentifier="apg-tuned", MasterUserPassword="short")
    assert code == "InvalidParameterValue" and "shorter than 8" in msg
    out = rds.modify_db_cluster(DBClusterIdentifier="apg-tuned", MasterUserPassword="N3w-password",
                                ApplyImmediately=True)["DBCluster"]
    assert out["Status"] == "resetting-master-credentials"
    assert out["PendingModifiedValues"]["MasterUserPassword"] == "****"
    done = wait_status(rds, "apg-tuned", "available", cluster=True)
    assert "PendingModifiedValues" not in done
    assert psql(port, "SELECT 'new'", password="N3w-password") == (0, "new")
    code, out = psql(port, "SELECT 1")
    assert code != 0 and "password authentication failed" in out
    assert psql(port, "SHOW work_mem", password="N3w-password") == (0, "8MB")


@needs_mariadb
def test_aurora_mysql_writer_keeps_its_parameter_group_through_a_cluster_stop_and_start(fresh_nuage):
    rds = fresh_nuage.client("rds")
    family = family_of(rds, "aurora-mysql")
    assert family == "aurora-mysql8.0"
    rds.create_db_parameter_group(DBParameterGroupName="amy-tuned", DBParameterGroupFamily=family, Description="d")
    rds.modify_db_parameter_group(DBParameterGroupName="amy-tuned", Parameters=[
        {"ParameterName": "wait_timeout", "ParameterValue": "600", "ApplyMethod": "pending-reboot"}])
    port = make_cluster(rds, "amy-tuned-c", "aurora-mysql", "admin", MY_PASSWORD, group="amy-tuned")["Port"]
    assert mysql(port, "SELECT @@GLOBAL.wait_timeout") == (0, "600")
    rds.stop_db_cluster(DBClusterIdentifier="amy-tuned-c")
    wait_status(rds, "amy-tuned-c", "stopped", cluster=True)
    rds.start_db_cluster(DBClusterIdentifier="amy-tuned-c")
    wait_status(rds, "amy-tuned-c", "available", cluster=True)
    wait_status(rds, "amy-tuned-c-writer", "available")
    assert mysql(port, "SELECT @@GLOBAL.wait_timeout") == (0, "600")


@needs_postgres
def test_aurora_postgresql_cluster_snapshot_is_a_copy_of_the_data(fresh_nuage):
    rds = fresh_nuage.client("rds")
    port = make_cluster(rds, "apg", "aurora-postgresql", "master", PG_PASSWORD, CopyTagsToSnapshot=True,
                        Tags=[{"Key": "team", "Value": "data"}])["Port"]
    assert psql(port, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before')")[0] == 0

    made = rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="apg-snap", DBClusterIdentifier="apg",
                                          Tags=[{"Key": "why", "Value": "test"}])["DBClusterSnapshot"]
    assert made["Status"] == "creating"
    assert made["DBClusterSnapshotArn"] == "arn:aws:rds:us-east-1:000000000000:cluster-snapshot:apg-snap"
    assert (made["DBClusterIdentifier"], made["Engine"], made["SnapshotType"]) == ("apg", "aurora-postgresql",
                                                                                   "manual")
    assert {t["Key"]: t["Value"] for t in made["TagList"]} == {"team": "data", "why": "test"}
    assert error_of(rds.create_db_cluster_snapshot, DBClusterSnapshotIdentifier="apg-snap",
                    DBClusterIdentifier="apg")[0] == "DBClusterSnapshotAlreadyExistsFault"
    snap = wait_snapshot(rds, "apg-snap")
    assert snap["PercentProgress"] == 100
    # The cluster serves again once its volume is copied.
    wait_status(rds, "apg", "available", cluster=True)
    wait_status(rds, "apg-writer", "available")
    assert psql(port, "INSERT INTO kept VALUES ('after')")[0] == 0

    restored = rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="apg-back", SnapshotIdentifier="apg-snap",
                                                    Engine="aurora-postgresql")["DBCluster"]
    assert restored["Status"] == "creating"
    assert restored["MasterUsername"] == "master"
    wait_status(rds, "apg-back", "available", cluster=True)
    back_port = rds.describe_db_clusters(DBClusterIdentifier="apg-back")["DBClusters"][0]["Port"]
    assert back_port != port
    add_writer(rds, "apg-back", "aurora-postgresql")
    # The snapshot's data with the snapshot's master password.
    assert psql(back_port, "SELECT v FROM kept ORDER BY v") == (0, "before")
    assert psql(port, "SELECT v FROM kept ORDER BY v") == (0, "after\nbefore")

    # A final snapshot when the restored cluster goes, restored in turn.
    drop_members(rds, "apg-back")
    assert error_of(rds.delete_db_cluster, DBClusterIdentifier="apg-back", FinalDBSnapshotIdentifier="apg-snap") \
        [0] == "DBClusterSnapshotAlreadyExistsFault"
    rds.delete_db_cluster(DBClusterIdentifier="apg-back", FinalDBSnapshotIdentifier="apg-back-final")
    wait_gone(lambda: rds.describe_db_clusters(Filters=[{"Name": "db-cluster-id", "Values": ["apg-back"]}])[
        "DBClusters"])
    final = wait_snapshot(rds, "apg-back-final")
    assert final["DBClusterIdentifier"] == "apg-back"
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="apg-third", SnapshotIdentifier=final[
        "DBClusterSnapshotArn"], Engine="aurora-postgresql")
    wait_status(rds, "apg-third", "available", cluster=True)
    add_writer(rds, "apg-third", "aurora-postgresql")
    third_port = rds.describe_db_clusters(DBClusterIdentifier="apg-third")["DBClusters"][0]["Port"]
    assert psql(third_port, "SELECT v FROM kept") == (0, "before")

    listed = rds.describe_db_cluster_snapshots(DBClusterIdentifier="apg")["DBClusterSnapshots"]
    assert [s["DBClusterSnapshotIdentifier"] for s in listed] == ["apg-snap"]
    rds.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier="apg-snap")
    assert error_of(rds.describe_db_cluster_snapshots, DBClusterSnapshotIdentifier="apg-snap") == (
        "DBClusterSnapshotNotFoundFault", "DBClusterSnapshot apg-snap not found.", 404)
    # The restored clusters keep their own copies.
    assert psql(third_port, "SELECT count(*) FROM kept") == (0, "1")


@needs_mariadb
def test_aurora_mysql_cluster_snapshot_is_a_copy_of_the_data(fresh_nuage):
    rds = fresh_nuage.client("rds")
    port = make_cluster(rds, "amy", "aurora-mysql", "admin", MY_PASSWORD)["Port"]
    assert mysql(port, "CREATE TABLE kept (v varchar(10)); INSERT INTO kept VALUES ('before')")[0] == 0
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="amy-snap", DBClusterIdentifier="amy")
    wait_snapshot(rds, "amy-snap")
    wait_status(rds, "amy", "available", cluster=True)
    wait_status(rds, "amy-writer", "available")
    assert mysql(port, "INSERT INTO kept VALUES ('after')")[0] == 0
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="amy-back", SnapshotIdentifier="amy-snap",
                                         Engine="aurora-mysql")
    wait_status(rds, "amy-back", "available", cluster=True)
    add_writer(rds, "amy-back", "aurora-mysql")
    back_port = rds.describe_db_clusters(DBClusterIdentifier="amy-back")["DBClusters"][0]["Port"]
    assert mysql(back_port, "SELECT v FROM kept ORDER BY v") == (0, "before")
    assert mysql(port, "SELECT v FROM kept ORDER BY v") == (0, "after\nbefore")


def test_cluster_snapshot_errors_filters_and_pagination_with_both_clis(start_nuage):
    server = start_nuage(args=["--rds-engines", "none"])  # metadata is enough here
    rds = server.client("rds")
    rds.create_db_cluster(DBClusterIdentifier="meta", Engine="aurora-postgresql", MasterUsername="master",
                          MasterUserPassword=PG_PASSWORD)
    rds.create_db_cluster(DBClusterIdentifier="other", Engine="aurora-mysql", MasterUsername="admin",
                          MasterUserPassword=PG_PASSWORD)
    for i in range(22):
        snap = rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=f"meta-{i:02d}",
                                              DBClusterIdentifier="meta")["DBClusterSnapshot"]
        assert snap["Status"] == "available"  # no volume to copy
    rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier="other-00", DBClusterIdentifier="other")

    first = rds.describe_db_cluster_snapshots(DBClusterIdentifier="meta", MaxRecords=20)
    assert len(first["DBClusterSnapshots"]) == 20 and first["Marker"]
    second = rds.describe_db_cluster_snapshots(DBClusterIdentifier="meta", MaxRecords=20, Marker=first["Marker"])
    assert [s["DBClusterSnapshotIdentifier"] for s in second["DBClusterSnapshots"]] == ["meta-20", "meta-21"]
    assert "Marker" not in second
    by_engine = rds.describe_db_cluster_snapshots(Filters=[{"Name": "engine", "Values": ["aurora-mysql"]}])
    assert [s["DBClusterSnapshotIdentifier"] for s in by_engine["DBClusterSnapshots"]] == ["other-00"]
    assert rds.describe_db_cluster_snapshots(SnapshotType="automated")["DBClusterSnapshots"] == []
    assert len(rds.describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]) == 23

    assert error_of(rds.create_db_cluster_snapshot, DBClusterSnapshotIdentifier="x",
                    DBClusterIdentifier="ghost")[:2] == ("DBClusterNotFoundFault", "DBCluster ghost not found.")
    code, msg, _ = error_of(rds.create_db_cluster_snapshot, DBClusterSnapshotIdentifier="bad--name",
                            DBClusterIdentifier="meta")
    assert code == "InvalidParameterValue" and "DBClusterSnapshotIdentifier" in msg
    assert error_of(rds.restore_db_cluster_from_snapshot, DBClusterIdentifier="r", SnapshotIdentifier="ghost",
                    Engine="aurora-postgresql")[:2] == ("DBClusterSnapshotNotFoundFault",
                                                        "DBClusterSnapshot ghost not found.")
    assert error_of(rds.restore_db_cluster_from_snapshot, DBClusterIdentifier="meta", SnapshotIdentifier="meta-00",
                    Engine="aurora-postgresql")[0] == "DBClusterAlreadyExistsFault"
    assert error_of(rds.restore_db_cluster_from_snapshot, DBClusterIdentifier="r", SnapshotIdentifier="meta-00",
                    Engine="aurora-mysql")[0] == "InvalidParameterCombination"
    rds.stop_db_cluster(DBClusterIdentifier="other")
    wait_status(rds, "other", "stopped", cluster=True)
    assert error_of(rds.create_db_cluster_snapshot, DBClusterSnapshotIdentifier="other-01",
                    DBClusterIdentifier="other")[:2] == (
        "InvalidDBClusterStateFault", "DbCluster other is in stopped state but expected it to be one of available.")

    assert error_of(rds.delete_db_cluster, DBClusterIdentifier="meta")[:2] == (
        "InvalidParameterCombination", "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
    assert error_of(rds.delete_db_cluster, DBClusterIdentifier="meta", SkipFinalSnapshot=True,
                    FinalDBSnapshotIdentifier="meta-final")[0] == "InvalidParameterCombination"
    assert rds.describe_db_clusters(DBClusterIdentifier="meta")["DBClusters"][0]["Status"] == "available"

    for version in (1, 2):
        ident = f"cli-v{version}"
        made = server.cli("rds", "create-db-cluster-snapshot", "--db-cluster-snapshot-identifier", ident,
                          "--db-cluster-identifier", "meta", version=version)["DBClusterSnapshot"]
        assert made["DBClusterSnapshotIdentifier"] == ident
        listed = server.cli("rds", "describe-db-cluster-snapshots", "--db-cluster-snapshot-identifier", ident,
                            version=version)["DBClusterSnapshots"]
        assert [(s["DBClusterIdentifier"], s["Status"]) for s in listed] == [("meta", "available")]
        tags = server.cli("rds", "list-tags-for-resource", "--resource-name", made["DBClusterSnapshotArn"],
                          version=version)["TagList"]
        assert tags == []
        restored = server.cli("rds", "restore-db-cluster-from-snapshot", "--db-cluster-identifier",
                              f"{ident}-back", "--snapshot-identifier", ident, "--engine", "aurora-postgresql",
                              version=version)["DBCluster"]
        assert restored["DBClusterIdentifier"] == f"{ident}-back"
        server.cli("rds", "delete-db-cluster-snapshot", "--db-cluster-snapshot-identifier", ident, version=version)
        res = server.cli("rds", "describe-db-cluster-snapshots", "--db-cluster-snapshot-identifier", ident,
                         version=version, check=False)
        assert res.returncode != 0 and "DBClusterSnapshotNotFoundFault" in res.stderr
        res = server.cli("rds", "delete-db-cluster", "--db-cluster-identifier", f"{ident}-back", version=version,
                         check=False)
        assert res.returncode != 0 and "FinalDBSnapshotIdentifier is required" in res.stderr
        server.cli("rds", "delete-db-cluster", "--db-cluster-identifier", f"{ident}-back",
                   "--final-db-snapshot-identifier", f"{ident}-final", version=version)
        final = rds.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=f"{ident}-final")[
            "DBClusterSnapshots"][0]
        assert (final["DBClusterIdentifier"], final["Status"]) == (f"{ident}-back", "available")


@needs_postgres
def test_cluster_parameter_group_reaches_the_writer(fresh_nuage):
    from test_rds import wait_parameters
    rds = fresh_nuage.client("rds")
    family = family_of(rds, "aurora-postgresql")
    made = rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="Cluster-Tuned",
                                                 DBParameterGroupFamily=family,
                                                 Description="cluster level")["DBClusterParameterGroup"]
    assert (made["DBClusterParameterGroupName"], made["DBParameterGroupFamily"]) == ("cluster-tuned", family)
    assert made["DBClusterParameterGroupArn"] == "arn:aws:rds:us-east-1:000000000000:cluster-pg:cluster-tuned"
    assert error_of(rds.create_db_cluster_parameter_group, DBClusterParameterGroupName="cluster-tuned",
                    DBParameterGroupFamily=family, Description="again")[0] == "DBParameterGroupAlreadyExists"
    code, msg, _ = error_of(rds.create_db_cluster_parameter_group, DBClusterParameterGroupName="plain",
                            DBParameterGroupFamily=family_of(rds, "postgres"), Description="not aurora")
    assert code == "InvalidParameterValue" and "is not a valid parameter group family" in msg
    assert error_of(rds.describe_db_cluster_parameters, DBClusterParameterGroupName="ghost") == (
        "DBParameterGroupNotFound", "DBClusterParameterGroup not found: ghost", 404)
    assert error_of(rds.modify_db_cluster_parameter_group, DBClusterParameterGroupName=f"default.{family}",
                    Parameters=[{"ParameterName": "work_mem", "ParameterValue": "2048",
                                 "ApplyMethod": "immediate"}])[:2] == (
        "InvalidDBParameterGroupState", "Default DBClusterParameterGroup cannot be modified")
    names = [g["DBClusterParameterGroupName"] for g in
             rds.describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]]
    assert "cluster-tuned" in names and f"default.{family}" in names and "default.aurora-mysql8.0" in names
    assert not any(n.startswith("default.postgres") for n in names)
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="cluster-tuned", Parameters=[
        {"ParameterName": "statement_timeout", "ParameterValue": "5000", "ApplyMethod": "pending-reboot"},
        {"ParameterName": "work_mem", "ParameterValue": "2048", "ApplyMethod": "pending-reboot"}])
    user = rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cluster-tuned", Source="user")
    assert {p["ParameterName"]: p["ParameterValue"] for p in user["Parameters"]} == {
        "statement_timeout": "5000", "work_mem": "2048"}

    # The writer's own group wins over the cluster's for work_mem.
    rds.create_db_parameter_group(DBParameterGroupName="writer-tuned", DBParameterGroupFamily=family,
                                  Description="instance level")
    rds.modify_db_parameter_group(DBParameterGroupName="writer-tuned", Parameters=[
        {"ParameterName": "work_mem", "ParameterValue": "8192", "ApplyMethod": "pending-reboot"}])
    code, msg, _ = error_of(rds.create_db_cluster, DBClusterIdentifier="wrong", Engine="aurora-mysql",
                            MasterUsername="admin", MasterUserPassword=PG_PASSWORD,
                            DBClusterParameterGroupName="cluster-tuned")
    assert code == "InvalidParameterCombination" and "aurora-mysql8.0" in msg
    cluster = make_cluster(rds, "apg-cpg", "aurora-postgresql", "master", PG_PASSWORD, group="writer-tuned",
                           DBClusterParameterGroupName="cluster-tuned")
    assert cluster["DBClusterParameterGroup"] == "cluster-tuned"
    port = cluster["Port"]
    wait_parameters(rds, "apg-cpg-writer", "in-sync")
    assert psql(port, "SHOW statement_timeout") == (0, "5s")
    assert psql(port, "SHOW work_mem") == (0, "8MB")

    # A dynamic cluster-level change applied at once reaches the running writer.
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="cluster-tuned", Parameters=[
        {"ParameterName": "statement_timeout", "ParameterValue": "7000", "ApplyMethod": "immediate"}])
    wait_parameters(rds, "apg-cpg-writer", "in-sync")
    assert psql(port, "SHOW statement_timeout") == (0, "7s")
    rds.reset_db_cluster_parameter_group(DBClusterParameterGroupName="cluster-tuned", ResetAllParameters=True)
    wait_parameters(rds, "apg-cpg-writer", "pending-reboot")
    assert rds.describe_db_cluster_parameters(DBClusterParameterGroupName="cluster-tuned",
                                              Source="user")["Parameters"] == []
    rds.stop_db_cluster(DBClusterIdentifier="apg-cpg")
    wait_status(rds, "apg-cpg", "stopped", cluster=True)
    rds.start_db_cluster(DBClusterIdentifier="apg-cpg")
    wait_status(rds, "apg-cpg", "available", cluster=True)
    wait_parameters(rds, "apg-cpg-writer", "in-sync")
    assert psql(port, "SHOW statement_timeout") == (0, "0")

    code, msg, _ = error_of(rds.delete_db_cluster_parameter_group, DBClusterParameterGroupName="cluster-tuned")
    assert code == "InvalidDBParameterGroupState" and "still members" in msg
    for version in (1, 2):
        listed = fresh_nuage.cli("rds", "describe-db-cluster-parameter-groups", "--db-cluster-parameter-group-name",
                                 "cluster-tuned", version=version)["DBClusterParameterGroups"]
        assert [g["DBParameterGroupFamily"] for g in listed] == [family]
        name = f"cli-v{version}"
        fresh_nuage.cli("rds", "create-db-cluster-parameter-group", "--db-cluster-parameter-group-name", name,
                        "--db-parameter-group-family", family, "--description", "cli", version=version)
        fresh_nuage.cli("rds", "modify-db-cluster-parameter-group", "--db-cluster-parameter-group-name", name,
                        "--parameters", "ParameterName=work_mem,ParameterValue=1024,ApplyMethod=immediate",
                        version=version)
        params = fresh_nuage.cli("rds", "describe-db-cluster-parameters", "--db-cluster-parameter-group-name", name,
                                 "--source", "user", version=version)["Parameters"]
        assert [(p["ParameterName"], p["ParameterValue"]) for p in params] == [("work_mem", "1024")]
        fresh_nuage.cli("rds", "delete-db-cluster-parameter-group", "--db-cluster-parameter-group-name", name,
                        version=version)
        res = fresh_nuage.cli("rds", "describe-db-cluster-parameters", "--db-cluster-parameter-group-name", name,
                              version=version, check=False)
        assert res.returncode != 0 and "DBParameterGroupNotFound" in res.stderr
