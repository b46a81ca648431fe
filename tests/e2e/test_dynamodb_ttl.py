"""DynamoDB time to live on nuage's clock: UpdateTimeToLive / DescribeTimeToLive
with AWS's refusals, items removed once the clock passes their TTL attribute
(numbers of epoch seconds; other types, absent attributes and times over five
years past are left alone), across writes of every kind, after a restart,
with the TimeToLiveDeletedItemCount metric; DescribeLimits. boto3 and both
AWS CLIs."""
import datetime
import json
import signal
import uuid

import botocore.exceptions
import pytest

T0 = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
EPOCH0 = int(T0.timestamp())


def freeze(server):
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2030-01-01T00:00:00Z"})


def advance(server, seconds):
    server.admin("POST", "/_nuage/clock", {"advance": seconds})


def table_with_ttl(ddb, attribute="expires"):
    name = "ttl-" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    out = ddb.update_time_to_live(TableName=name,
                                  TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute})
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": attribute}
    return name


def keys(ddb, name):
    return sorted(i["pk"]["S"] for i in ddb.scan(TableName=name, ConsistentRead=True)["Items"])


def test_settings_and_refusals(fresh_nuage):
    freeze(fresh_nuage)
    ddb = fresh_nuage.client("dynamodb")
    name = "ttl-settings"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}

    def refused(enabled, attribute, message):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            ddb.update_time_to_live(TableName=name,
                                    TimeToLiveSpecification={"Enabled": enabled, "AttributeName": attribute})
        assert e.value.response["Error"]["Code"] == "ValidationException"
        assert e.value.response["Error"]["Message"] == message

    refused(False, "expires", "TimeToLive is already disabled")
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    refused(True, "expires", "TimeToLive is already enabled")
    refused(False, "other", "TimeToLive is active on a different AttributeName: current AttributeName is expires")
    refused(False, "expires", "Time to live has been modified multiple times within a fixed interval")
    advance(fresh_nuage, 3601)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"})
    assert ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_time_to_live(TableName="no-such-table")
    limits = ddb.describe_limits()
    assert limits["AccountMaxReadCapacityUnits"] == 80000 and limits["TableMaxWriteCapacityUnits"] == 40000


def test_items_expire_on_the_clock(fresh_nuage):
    ddb = fresh_nuage.client("dynamodb")
    name = table_with_ttl(ddb)  # on the running clock: ACTIVE once frozen later
    freeze(fresh_nuage)
    items = {
        "soon": {"N": str(EPOCH0 + 60)},
        "later": {"N": str(EPOCH0 + 3600)},
        "fraction": {"N": str(EPOCH0 + 120) + ".5"},
        "already": {"N": str(EPOCH0 - 10)},
        "ancient": {"N": str(EPOCH0 - 6 * 366 * 86400)},  # over five years past: ignored, as AWS does
        "string": {"S": str(EPOCH0 + 1)},                # not a number: never expires
    }
    for pk, expires in items.items():
        ddb.put_item(TableName=name, Item={"pk": {"S": pk}, "expires": expires})
    ddb.put_item(TableName=name, Item={"pk": {"S": "none"}})
    # Written through the other paths too: UpdateItem, BatchWriteItem, TransactWriteItems.
    ddb.update_item(TableName=name, Key={"pk": {"S": "updated"}}, UpdateExpression="SET expires = :t",
                    ExpressionAttributeValues={":t": {"N": str(EPOCH0 + 30)}})
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {
        "pk": {"S": "batched"}, "expires": {"N": str(EPOCH0 + 90)}}}}]})
    ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {
        "pk": {"S": "transacted"}, "expires": {"N": str(EPOCH0 + 150)}}}}])

    # Expired but not yet swept on a frozen clock: still readable, as on AWS until removal.
    assert "already" in keys(ddb, name)
    advance(fresh_nuage, 1)
    assert keys(ddb, name) == ["ancient", "batched", "fraction", "later", "none", "soon", "string", "transacted",
                               "updated"]
    advance(fresh_nuage, 30)
    assert "updated" not in keys(ddb, name)
    advance(fresh_nuage, 30)
    assert "soon" not in keys(ddb, name) and "batched" in keys(ddb, name)
    advance(fresh_nuage, 100)
    assert keys(ddb, name) == ["ancient", "later", "none", "string"]
    # An item whose TTL is pushed later is kept until the new time.
    ddb.update_item(TableName=name, Key={"pk": {"S": "later"}}, UpdateExpression="SET expires = :t",
                    ExpressionAttributeValues={":t": {"N": str(EPOCH0 + 7200)}})
    advance(fresh_nuage, 3600)
    assert "later" in keys(ddb, name)
    advance(fresh_nuage, 3600)
    assert keys(ddb, name) == ["ancient", "none", "string"]
    assert ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 3

    cw = fresh_nuage.client("cloudwatch")
    stats = cw.get_metric_statistics(Namespace="AWS/DynamoDB", MetricName="TimeToLiveDeletedItemCount",
                                     Dimensions=[{"Name": "TableName", "Value": name}],
                                     StartTime=T0 - datetime.timedelta(hours=1),
                                     EndTime=T0 + datetime.timedelta(hours=3), Period=86400, Statistics=["Sum"])
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 7


def test_disabled_ttl_keeps_items(fresh_nuage):
    ddb = fresh_nuage.client("dynamodb")
    name = table_with_ttl(ddb)
    freeze(fresh_nuage)
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"})
    ddb.put_item(TableName=name, Item={"pk": {"S": "kept"}, "expires": {"N": str(EPOCH0 + 3700)}})
    advance(fresh_nuage, 600)
    assert keys(ddb, name) == ["kept"]


def test_expiry_after_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ddb = server.client("dynamodb")
    name = table_with_ttl(ddb, attribute="ttl")
    freeze(server)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "ttl": {"N": str(EPOCH0 + 500)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "ttl": {"N": str(EPOCH0 + 5000)}})
    server.stop(signal.SIGKILL)
    again = start_nuage(data_dir=data_dir)
    freeze(again)
    advance(again, 600)
    assert keys(again.client("dynamodb"), name) == ["b"]


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    ddb = nuage.client("dynamodb")
    name = "ttl-cli-" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    out = nuage.cli("dynamodb", "update-time-to-live", "--table-name", name, "--time-to-live-specification",
                    "Enabled=true,AttributeName=exp", version=version)
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    out = nuage.cli("dynamodb", "describe-time-to-live", "--table-name", name, version=version)
    assert out["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    assert nuage.cli("dynamodb", "describe-limits", version=version)["AccountMaxWriteCapacityUnits"] == 80000
    res = nuage.cli("dynamodb", "update-time-to-live", "--table-name", name, "--time-to-live-specification",
                    json.dumps({"Enabled": True, "AttributeName": "exp"}), version=version, check=False)
    assert res.returncode != 0 and "TimeToLive is already enabled" in res.stderr
