"""AWS Config records RDS: AWS::RDS::DBInstance and AWS::RDS::DBCluster
configuration items from RDS's change announcements (states, tags,
deletion), resources that existed before the recorder discovered from RDS's
inventory. The engines are left out: the items are the same with servers."""
import json
import time

from config_helpers import history, record, settle

INSTANCE = "AWS::RDS::DBInstance"
CLUSTER = "AWS::RDS::DBCluster"
PASSWORD = "Sup3r-secret"


def wait_until(check, bound=30):
    deadline = time.monotonic() + bound
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.1)


def status_of(rds, ident):
    found = rds.describe_db_instances(Filters=[{"Name": "db-instance-id", "Values": [ident]}])["DBInstances"]
    return found[0]["DBInstanceStatus"] if found else None


def test_db_instances_and_clusters_are_recorded(start_nuage):
    server = start_nuage(args=["--rds-engines", "none"])
    rds, cfg = server.client("rds"), server.client("config")
    before = rds.create_db_instance(DBInstanceIdentifier="early", DBInstanceClass="db.t3.micro", Engine="mysql",
                                    MasterUsername="admin", MasterUserPassword=PASSWORD)["DBInstance"]
    wait_until(lambda: status_of(rds, "early") == "available")
    record(server)
    discovered = history(cfg, INSTANCE, before["DbiResourceId"])
    assert discovered and discovered[0]["configurationItemStatus"] == "ResourceDiscovered"
    assert discovered[0]["resourceName"] == "early"

    made = rds.create_db_instance(DBInstanceIdentifier="web-db", DBInstanceClass="db.t3.micro", Engine="postgres",
                                  MasterUsername="master", MasterUserPassword=PASSWORD, DBName="app",
                                  Tags=[{"Key": "team", "Value": "web"}])["DBInstance"]
    rid = made["DbiResourceId"]
    wait_until(lambda: status_of(rds, "web-db") == "available")
    rds.add_tags_to_resource(ResourceName=made["DBInstanceArn"], Tags=[{"Key": "env", "Value": "test"}])
    settle(server)
    items = history(cfg, INSTANCE, rid)
    assert items[0]["configurationItemStatus"] == "ResourceDiscovered"
    last = items[-1]
    assert (last["resourceName"], last["arn"], last["awsRegion"]) == (
        "web-db", "arn:aws:rds:us-east-1:000000000000:db:web-db", "us-east-1")
    assert last["tags"] == {"team": "web", "env": "test"}
    config = json.loads(last["configuration"])
    assert config["dBInstanceIdentifier"] == "web-db" and config["dBInstanceStatus"] == "available"
    assert config["engine"] == "postgres" and config["dBName"] == "app" and config["dbiResourceId"] == rid
    assert [json.loads(i["configuration"])["dBInstanceStatus"] for i in items][:1] == ["creating"]
    listed = cfg.list_discovered_resources(resourceType=INSTANCE)["resourceIdentifiers"]
    assert {r["resourceName"] for r in listed} == {"early", "web-db"}

    cluster = rds.create_db_cluster(DBClusterIdentifier="aurora", Engine="aurora-postgresql",
                                    MasterUsername="master", MasterUserPassword=PASSWORD)["DBCluster"]
    rds.create_db_instance(DBInstanceIdentifier="aurora-1", DBInstanceClass="db.r6g.large",
                           Engine="aurora-postgresql", DBClusterIdentifier="aurora")
    wait_until(lambda: status_of(rds, "aurora-1") == "available")
    settle(server)
    citems = history(cfg, CLUSTER, cluster["DbClusterResourceId"])
    assert citems[0]["configurationItemStatus"] == "ResourceDiscovered"
    assert citems[-1]["resourceName"] == "aurora"
    assert {"relationshipName": "Contains DBInstance", "resourceType": INSTANCE, "resourceName": "aurora-1"} in \
        citems[-1]["relationships"]
    assert json.loads(citems[-1]["configuration"])["engine"] == "aurora-postgresql"

    rds.delete_db_instance(DBInstanceIdentifier="web-db", SkipFinalSnapshot=True)
    wait_until(lambda: status_of(rds, "web-db") is None)
    settle(server)
    assert history(cfg, INSTANCE, rid)[-1]["configurationItemStatus"] == "ResourceDeleted"
