"""RDS DB instances of the MySQL-compatible engines (mariadb, mysql) and
Aurora MySQL clusters as real MariaDB servers: the real `mysql` client and
PyMySQL connect at the Endpoint with the master credentials; stop, start,
a changed password, snapshots and restarts of nuage keep the data."""
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from test_rds import wait_status, error_of

MYSQL = shutil.which("mysql")
HAVE_MARIADB = MYSQL is not None and os.path.exists("/usr/sbin/mariadbd") and \
    os.path.exists("/usr/bin/mariadb-install-db")
pytestmark = pytest.mark.skipif(not HAVE_MARIADB, reason="MariaDB (mariadb-server, mariadb-client) is not installed")

PASSWORD = "Sup3r'secret\\x"  # a quote and a backslash: AWS allows both


def mysql(port, sql, user="admin", password=PASSWORD, db="appdb"):
    """Runs statements with the real mysql client; (returncode, output)."""
    argv = [MYSQL, "-h", "127.0.0.1", "-P", str(port), "-u", user, "--connect-timeout=5", "-N", "-B", "-e", sql]
    if db:
        argv.append(db)
    res = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=dict(os.environ, MYSQL_PWD=password))
    return res.returncode, (res.stdout + res.stderr).strip()


def refused(port):
    code, out = mysql(port, "SELECT 1")
    return code != 0 and "Can't connect" in out


def create(rds, ident, engine="mariadb", **kwargs):
    args = dict(DBInstanceIdentifier=ident, DBInstanceClass="db.t3.micro", Engine=engine,
                MasterUsername="admin", MasterUserPassword=PASSWORD, DBName="appdb", AllocatedStorage=20)
    args.update(kwargs)
    return rds.create_db_instance(**args)["DBInstance"]


def test_mariadb_instance_is_a_real_server_through_stop_start_and_a_new_password(fresh_nuage):
    rds = fresh_nuage.client("rds")
    created = create(rds, "maria-one")
    assert created["DBInstanceStatus"] == "creating"
    assert created["LicenseModel"] == "general-public-license"
    desc = wait_status(rds, "maria-one", "available")
    port = desc["Endpoint"]["Port"]
    assert desc["Endpoint"]["Address"] == "127.0.0.1" and port > 0
    assert mysql(port, "CREATE TABLE kept (v varchar(40)); INSERT INTO kept VALUES ('before stop')")[0] == 0
    assert mysql(port, "SELECT v FROM kept") == (0, "before stop")
    assert mysql(port, "SELECT VERSION()")[1].find("MariaDB") >= 0
    code, out = mysql(port, "SELECT 1", password="wrong-password")
    assert code != 0 and "Access denied" in out
    # The master user may make users and databases, as on RDS.
    assert mysql(port, "CREATE DATABASE other; CREATE USER 'app'@'%' IDENTIFIED BY 'App-pass1'; "
                       "GRANT ALL ON other.* TO 'app'@'%'")[0] == 0
    assert mysql(port, "SELECT 1", user="app", password="App-pass1", db="other") == (0, "1")
    health = fresh_nuage.admin("GET", "/_nuage/health")
    assert health["rds"]["mariadb"].startswith("MariaDB")
    assert "maria-one" not in str(health["rds"].get("engine_not_running", []))

    assert rds.stop_db_instance(DBInstanceIdentifier="maria-one")["DBInstance"]["DBInstanceStatus"] == "stopping"
    wait_status(rds, "maria-one", "stopped")
    assert refused(port)
    assert error_of(rds.reboot_db_instance, DBInstanceIdentifier="maria-one")[:2] == (
        "InvalidDBInstanceState", "Instance maria-one is not in available state.")
    rds.start_db_instance(DBInstanceIdentifier="maria-one")
    wait_status(rds, "maria-one", "available")
    assert mysql(port, "SELECT v FROM kept") == (0, "before stop")

    rds.modify_db_instance(DBInstanceIdentifier="maria-one", MasterUserPassword="An0ther-secret",
                           ApplyImmediately=True)
    wait_status(rds, "maria-one", "available")
    assert mysql(port, "SELECT 1")[0] != 0
    assert mysql(port, "SELECT v FROM kept", password="An0ther-secret") == (0, "before stop")

    rds.reboot_db_instance(DBInstanceIdentifier="maria-one")
    wait_status(rds, "maria-one", "available")
    assert mysql(port, "SELECT count(*) FROM kept", password="An0ther-secret") == (0, "1")


def test_mysql_engine_snapshot_and_restore_with_pymysql(fresh_nuage):
    sys.path.append("/usr/lib/python3/dist-packages")
    pymysql = pytest.importorskip("pymysql")
    rds = fresh_nuage.client("rds")
    create(rds, "my-one", engine="mysql", DBName="shop")
    port = wait_status(rds, "my-one", "available")["Endpoint"]["Port"]
    conn = pymysql.connect(host="127.0.0.1", port=port, user="admin", password=PASSWORD, database="shop",
                           connect_timeout=5, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE orders (id int primary key, item varchar(20))")
        cur.execute("INSERT INTO orders VALUES (1, 'in the snapshot')")
    rds.create_db_snapshot(DBInstanceIdentifier="my-one", DBSnapshotIdentifier="my-snap")
    deadline = time.monotonic() + 90
    while rds.describe_db_snapshots(DBSnapshotIdentifier="my-snap")["DBSnapshots"][0]["Status"] != "available":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    wait_status(rds, "my-one", "available")
    conn = pymysql.connect(host="127.0.0.1", port=port, user="admin", password=PASSWORD, database="shop",
                           connect_timeout=5, autocommit=True)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO orders VALUES (2, 'after the snapshot')")
    conn.close()
    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="my-copy", DBSnapshotIdentifier="my-snap")
    copy = wait_status(rds, "my-copy", "available")
    assert copy["Engine"] == "mysql" and copy["Endpoint"]["Port"] != port
    conn = pymysql.connect(host="127.0.0.1", port=copy["Endpoint"]["Port"], user="admin", password=PASSWORD,
                           database="shop", connect_timeout=5)
    with conn.cursor() as cur:
        cur.execute("SELECT item FROM orders ORDER BY id")
        assert cur.fetchall() == (("in the snapshot",),)
    conn.close()
    rds.delete_db_instance(DBInstanceIdentifier="my-copy", SkipFinalSnapshot=True)
    deadline = time.monotonic() + 60
    while rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": ["my-copy"]}])["DBInstances"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert refused(copy["Endpoint"]["Port"])


def test_aurora_mysql_cluster_writer_is_a_mariadb_server(fresh_nuage):
    rds = fresh_nuage.client("rds")
    cluster = rds.create_db_cluster(DBClusterIdentifier="amy", Engine="aurora-mysql", MasterUsername="admin",
                                    MasterUserPassword=PASSWORD, DatabaseName="appdb")["DBCluster"]
    port = cluster["Port"]
    rds.create_db_instance(DBInstanceIdentifier="amy-writer", DBInstanceClass="db.r6g.large", Engine="aurora-mysql",
                           DBClusterIdentifier="amy")
    wait_status(rds, "amy-writer", "available")
    assert mysql(port, "CREATE TABLE a (v varchar(10)); INSERT INTO a VALUES ('aurora')")[0] == 0
    code, _, _ = error_of(rds.stop_db_instance, DBInstanceIdentifier="amy-writer")
    assert code == "InvalidParameterCombination"
    rds.stop_db_cluster(DBClusterIdentifier="amy")
    wait_status(rds, "amy", "stopped", cluster=True)
    assert refused(port)
    rds.start_db_cluster(DBClusterIdentifier="amy")
    wait_status(rds, "amy", "available", cluster=True)
    wait_status(rds, "amy-writer", "available")
    assert mysql(port, "SELECT v FROM a") == (0, "aurora")


def test_running_mariadb_instance_survives_restart_of_nuage(start_nuage, data_dir):
    first = start_nuage(data_dir=data_dir)
    rds = first.client("rds")
    create(rds, "maria-durable")
    port = wait_status(rds, "maria-durable", "available")["Endpoint"]["Port"]
    assert mysql(port, "CREATE TABLE d (v int); INSERT INTO d VALUES (7)")[0] == 0
    assert first.stop() == 0
    assert refused(port)  # nuage stopped its server cleanly

    second = start_nuage(data_dir=data_dir)
    wait_status(second.client("rds"), "maria-durable", "available")
    assert mysql(port, "SELECT v FROM d") == (0, "7")
    # kill -9: the server dies with nuage and comes back with the same data.
    second.stop(signal.SIGKILL)
    third = start_nuage(data_dir=data_dir)
    wait_status(third.client("rds"), "maria-durable", "available")
    assert mysql(port, "SELECT v FROM d") == (0, "7")


def test_parameter_group_reaches_the_mariadb_server(fresh_nuage):
    from test_rds import wait_parameters
    rds = fresh_nuage.client("rds")
    family = rds.describe_db_engine_versions(Engine="mariadb")["DBEngineVersions"][0]["DBParameterGroupFamily"]
    rds.create_db_parameter_group(DBParameterGroupName="maria-tuned", DBParameterGroupFamily=family,
                                  Description="d")
    rds.modify_db_parameter_group(DBParameterGroupName="maria-tuned", Parameters=[
        {"ParameterName": "wait_timeout", "ParameterValue": "600", "ApplyMethod": "pending-reboot"}])
    create(rds, "maria-tuned-db", DBParameterGroupName="maria-tuned")
    port = wait_parameters(rds, "maria-tuned-db", "in-sync")["Endpoint"]["Port"]
    assert mysql(port, "SELECT @@GLOBAL.wait_timeout") == (0, "600")
    rds.modify_db_parameter_group(DBParameterGroupName="maria-tuned", Parameters=[
        {"ParameterName": "max_connections", "ParameterValue": "77", "ApplyMethod": "immediate"},
        {"ParameterName": "sql_mode", "ParameterValue": "ANSI_QUOTES", "ApplyMethod": "immediate"}])
    wait_parameters(rds, "maria-tuned-db", "in-sync")
    assert mysql(port, "SELECT @@GLOBAL.max_connections, @@GLOBAL.sql_mode") == (0, "77\tANSI_QUOTES")
    rds.modify_db_parameter_group(DBParameterGroupName="maria-tuned", Parameters=[
        {"ParameterName": "innodb_buffer_pool_size", "ParameterValue": "67108864", "ApplyMethod": "pending-reboot"}])
    wait_parameters(rds, "maria-tuned-db", "pending-reboot")
    assert mysql(port, "SELECT @@innodb_buffer_pool_size") == (0, "33554432")
    rds.reboot_db_instance(DBInstanceIdentifier="maria-tuned-db")
    wait_status(rds, "maria-tuned-db", "available")
    wait_parameters(rds, "maria-tuned-db", "in-sync")
    assert mysql(port, "SELECT @@innodb_buffer_pool_size, @@GLOBAL.max_connections") == (0, "67108864\t77")
