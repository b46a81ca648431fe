"""DynamoDB throttling on nuage's clock: a PROVISIONED table's (and each
GSI's) token buckets hold 300 s of burst and refill exactly their rate per
advanced second; a request beyond them answers
ProvisionedThroughputExceededException with ThrottlingReasons; a GSI short of
write capacity throttles the table's write; batches return what they could
not serve as UnprocessedKeys / UnprocessedItems (BatchGetItem's 16 MB too);
on-demand tables follow AWS's 4,000 WRU / 12,000 RRU and twice-the-peak
limits; UpdateTable applies to the buckets; CloudWatch sees the AWS/DynamoDB
metrics and alarms on them; `--dynamodb-throttling off` turns it off. With
boto3 and both AWS CLIs, on a frozen clock so every count is exact."""
import datetime
import json

import botocore.exceptions
import pytest
from botocore.config import Config

from conftest import CLI_V1, CLI_V2

KB = 1024
PK = [{"AttributeName": "pk", "KeyType": "HASH"}]
# One attempt, no retry: botocore retries throttles by default, and every
# request here is counted.
ONCE = Config(retries={"mode": "standard", "total_max_attempts": 1})


def dynamodb(server):
    return server.client("dynamodb", config=ONCE)


def freeze(server):
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2030-01-01T00:00:00Z"})


def advance(server, seconds):
    server.admin("POST", "/_nuage/clock", {"advance": seconds})


def item(pk, size, **extra):
    """An item of exactly `size` bytes: pk (2 + len) and d (1 + n), plus `extra` string attributes."""
    attrs = {"pk": {"S": pk}}
    attrs.update({k: {"S": v} for k, v in extra.items()})
    used = sum(len(k) + len(v["S"]) for k, v in attrs.items())
    attrs["d"] = {"S": "x" * (size - used - 1)}
    return attrs


def provisioned(server, name, rcu, wcu, gsi_wcu=None, gsi_rcu=1):
    ddb = dynamodb(server)
    kwargs = {}
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if gsi_wcu is not None:
        definitions.append({"AttributeName": "g", "AttributeType": "S"})
        kwargs["GlobalSecondaryIndexes"] = [{
            "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
            "ProvisionedThroughput": {"ReadCapacityUnits": gsi_rcu, "WriteCapacityUnits": gsi_wcu}}]
    ddb.create_table(TableName=name, KeySchema=PK, AttributeDefinitions=definitions,
                     ProvisionedThroughput={"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}, **kwargs)
    advance(server, 1)  # CREATING -> ACTIVE
    return ddb


def throttled(call):
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    err = info.value.response
    assert err["Error"]["Code"] == "ProvisionedThroughputExceededException", err
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    return err


def batch_put(ddb, name, items, **kwargs):
    return ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": i}} for i in items]}, **kwargs)


def drain_writes(ddb, name, units, **extra):
    """Spends `units` (a multiple of 300) write units with batches of 25 items of 12 KB."""
    for b in range(units // 300):
        out = batch_put(ddb, name, [item(f"drain-{b}-{i}", 12 * KB, **extra) for i in range(25)])
        assert out["UnprocessedItems"] == {}


def drained(start_nuage, name, then=0, args=()):
    """A fresh server on a frozen clock with a 1 RCU / 1 WCU table whose 300 s
    of write burst are spent, the clock then advanced `then` seconds."""
    server = start_nuage(args=list(args))
    freeze(server)
    ddb = provisioned(server, name, rcu=1, wcu=1)
    drain_writes(ddb, name, 300)
    if then:
        advance(server, then)
    return server, ddb


def test_burst_drained_then_exactly_the_refill_per_second(start_nuage):
    # 1 WCU keeps 300 units of burst: 25 items of 12 KB take them all.
    server, ddb = drained(start_nuage, "small")
    arn = ddb.describe_table(TableName="small")["Table"]["TableArn"]
    err = throttled(lambda: ddb.put_item(TableName="small", Item=item("one", 100)))
    assert err["Error"]["Message"] == ("The level of configured provisioned throughput for the table was exceeded. "
                                       "Consider increasing your provisioning level with the UpdateTable API.")
    assert err["ThrottlingReasons"] == [{"reason": "TableWriteProvisionedThroughputExceeded", "resource": arn}]
    for seconds in (1, 3):
        advance(server, seconds)
        for i in range(seconds):
            ddb.put_item(TableName="small", Item=item(f"after-{seconds}-{i}", 1 * KB))
        throttled(lambda: ddb.put_item(TableName="small", Item=item("over", 10)))
    # A 2 KB item needs two units: one second's unit is not enough.
    advance(server, 1)
    throttled(lambda: ddb.put_item(TableName="small", Item=item("two", 2 * KB)))
    advance(server, 1)
    ddb.put_item(TableName="small", Item=item("two", 2 * KB))

    # Reads: 300 RCU of burst, four strongly consistent reads of the 25
    # items of 12 KB (3 units each).
    keys = [{"pk": {"S": f"drain-0-{i}"}} for i in range(25)]
    for _ in range(4):
        got = ddb.batch_get_item(RequestItems={"small": {"Keys": keys, "ConsistentRead": True}},
                                 ReturnConsumedCapacity="TOTAL")
        assert got["ConsumedCapacity"] == [{"TableName": "small", "CapacityUnits": 75}]
    err = throttled(lambda: ddb.get_item(TableName="small", Key={"pk": {"S": "one"}}))
    assert err["ThrottlingReasons"] == [{"reason": "TableReadProvisionedThroughputExceeded", "resource": arn}]
    advance(server, 1)
    # One unit: two eventually consistent reads of up to 4 KB, not three.
    for _ in range(2):
        ddb.get_item(TableName="small", Key={"pk": {"S": "after-1-0"}})
    throttled(lambda: ddb.get_item(TableName="small", Key={"pk": {"S": "after-1-0"}}))


def test_failed_condition_still_consumes(start_nuage):
    _, ddb = drained(start_nuage, "cond", then=1)
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName="cond", Item=item("absent", 1 * KB), ConditionExpression="attribute_exists(pk)")
    # The failed write took the second's unit.
    throttled(lambda: ddb.put_item(TableName="cond", Item=item("new", 10)))


def test_gsi_out_of_write_capacity_throttles_the_table(start_nuage):
    server = start_nuage()
    freeze(server)
    ddb = provisioned(server, "indexed", rcu=100, wcu=1000, gsi_wcu=1)
    arn = ddb.describe_table(TableName="indexed")["Table"]["TableArn"]
    # Items in the index (ALL projection) cost the index their 12 units too.
    drain_writes(ddb, "indexed", 300, g="x")
    err = throttled(lambda: ddb.put_item(TableName="indexed", Item=item("in-index", 100, g="y")))
    assert err["ThrottlingReasons"] == [{"reason": "IndexWriteProvisionedThroughputExceeded",
                                         "resource": arn + "/index/by-g"}]
    assert "global secondary indexes" in err["Error"]["Message"]
    assert "Item" not in ddb.get_item(TableName="indexed", Key={"pk": {"S": "in-index"}})
    # An item the index does not hold costs the index nothing.
    out = ddb.put_item(TableName="indexed", Item=item("not-in-index", 100), ReturnConsumedCapacity="INDEXES")
    assert out["ConsumedCapacity"] == {"TableName": "indexed", "CapacityUnits": 1, "Table": {"CapacityUnits": 1}}
    advance(server, 1)
    ddb.put_item(TableName="indexed", Item=item("in-index", 100, g="y"))
    # Reads through the index are the index's: INDEXES shows them there.
    query = ddb.query(TableName="indexed", IndexName="by-g", KeyConditionExpression="g = :g",
                      ExpressionAttributeValues={":g": {"S": "y"}}, ReturnConsumedCapacity="INDEXES")
    assert query["Count"] == 1
    assert query["ConsumedCapacity"] == {"TableName": "indexed", "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0},
                                         "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 0.5}}}
    # The index's read bucket (1 RCU: 300 units) is its own: 299.5 are
    # left, and a Query of the 25 items of 12 KB (300 KB) takes 37.5.
    def by_x():
        return ddb.query(TableName="indexed", IndexName="by-g", KeyConditionExpression="g = :g",
                         ExpressionAttributeValues={":g": {"S": "x"}})
    for _ in range(7):
        by_x()
    err = throttled(by_x)  # 37 left
    assert err["ThrottlingReasons"] == [{"reason": "IndexReadProvisionedThroughputExceeded",
                                         "resource": arn + "/index/by-g"}]
    ddb.get_item(TableName="indexed", Key={"pk": {"S": "in-index"}})  # the table's reads are untouched


def test_batches_return_what_they_could_not_serve(start_nuage):
    server, ddb = drained(start_nuage, "batch", then=24)
    # 24 units: two 12 KB items of 25; the rest comes back as it was sent.
    items = [item(f"b-{i}", 12 * KB) for i in range(25)]
    out = batch_put(ddb, "batch", items, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": "batch", "CapacityUnits": 24}]
    assert out["UnprocessedItems"] == {"batch": [{"PutRequest": {"Item": i}} for i in items[2:]]}
    # Nothing served: the batch fails whole.
    err = throttled(lambda: batch_put(ddb, "batch", items[2:]))
    assert err["ThrottlingReasons"][0]["reason"] == "TableWriteProvisionedThroughputExceeded"

    # Reads: the table's 300 RCU go on four strongly consistent reads of
    # the 25 items of 12 KB (3 units each).
    keys = [{"pk": {"S": f"drain-0-{i}"}} for i in range(25)]
    for _ in range(4):
        got = ddb.batch_get_item(RequestItems={"batch": {"Keys": keys, "ConsistentRead": True}},
                                 ReturnConsumedCapacity="TOTAL")
        assert len(got["Responses"]["batch"]) == 25 and got["UnprocessedKeys"] == {}
        assert got["ConsumedCapacity"] == [{"TableName": "batch", "CapacityUnits": 75}]
    advance(server, 6)
    # 6 units: two of five 12 KB reads — the two items the write batch stored.
    asked = [{"pk": {"S": "b-0"}}, {"pk": {"S": "b-1"}}] + keys[2:5]
    got = ddb.batch_get_item(RequestItems={"batch": {"Keys": asked, "ConsistentRead": True,
                                                     "ProjectionExpression": "pk"}})
    assert sorted(i["pk"]["S"] for i in got["Responses"]["batch"]) == ["b-0", "b-1"]
    assert got["UnprocessedKeys"] == {"batch": {"Keys": keys[2:5], "ConsistentRead": True, "ProjectionExpression": "pk"}}
    err = throttled(lambda: ddb.batch_get_item(RequestItems={"batch": {"Keys": keys[2:5]}}))
    assert err["ThrottlingReasons"][0]["reason"] == "TableReadProvisionedThroughputExceeded"


def test_batch_get_answers_at_most_16_mb(start_nuage):
    server = start_nuage()
    freeze(server)
    ddb = provisioned(server, "large", rcu=1000, wcu=1000)
    keys = []
    for i in range(41):
        ddb.put_item(TableName="large", Item=item(f"l-{i:02}", 400 * KB))
        keys.append({"pk": {"S": f"l-{i:02}"}})
    got = ddb.batch_get_item(RequestItems={"large": {"Keys": keys}}, ReturnConsumedCapacity="TOTAL")
    assert len(got["Responses"]["large"]) == 40  # 40 x 400 KB fit in 16 MB, 41 do not
    assert len(got["UnprocessedKeys"]["large"]["Keys"]) == 1
    assert got["ConsumedCapacity"] == [{"TableName": "large", "CapacityUnits": 40 * 50}]


def test_update_table_capacity_applies_to_the_bucket(start_nuage):
    server, ddb = drained(start_nuage, "grow")
    ddb.update_table(TableName="grow", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 10})
    advance(server, 1)
    for i in range(10):
        ddb.put_item(TableName="grow", Item=item(f"g-{i}", 1 * KB))
    throttled(lambda: ddb.put_item(TableName="grow", Item=item("g-over", 1 * KB)))


def test_on_demand_limits(start_nuage):
    server = start_nuage()
    freeze(server)
    ddb = dynamodb(server)
    ddb.create_table(TableName="ondemand", KeySchema=PK, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.create_table(TableName="capped", KeySchema=PK, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     OnDemandThroughput={"MaxReadRequestUnits": 10, "MaxWriteRequestUnits": 5})
    advance(server, 1)
    arn = ddb.describe_table(TableName="ondemand")["Table"]["TableArn"]
    # A new on-demand table: 4,000 write request units in a second.
    for i in range(10):
        ddb.put_item(TableName="ondemand", Item=item(f"o-{i}", 400 * KB))
    err = throttled(lambda: ddb.put_item(TableName="ondemand", Item=item("o-over", 10)))
    assert err["ThrottlingReasons"] == [{"reason": "TableWriteKeyRangeThroughputExceeded", "resource": arn}]
    # The next second doubles that peak: 8,000.
    advance(server, 1)
    for i in range(20):
        ddb.put_item(TableName="ondemand", Item=item(f"p-{i}", 400 * KB))
    throttled(lambda: ddb.put_item(TableName="ondemand", Item=item("p-over", 10)))
    # MaxWriteRequestUnits 5: five 1 KB writes a second.
    for i in range(5):
        ddb.put_item(TableName="capped", Item=item(f"c-{i}", 1 * KB))
    err = throttled(lambda: ddb.put_item(TableName="capped", Item=item("c-over", 10)))
    assert err["ThrottlingReasons"][0]["reason"] == "TableWriteMaxOnDemandThroughputExceeded"
    advance(server, 1)
    ddb.put_item(TableName="capped", Item=item("c-next", 10))


def statistic(cw, metric, dimensions, stat="Sum"):
    end = datetime.datetime(2030, 1, 1, 1, 0, tzinfo=datetime.timezone.utc)
    out = cw.get_metric_statistics(Namespace="AWS/DynamoDB", MetricName=metric, Dimensions=dimensions,
                                   StartTime=end - datetime.timedelta(hours=1), EndTime=end, Period=3600,
                                   Statistics=[stat])
    return sum(p[stat] for p in out["Datapoints"])


def test_metrics_in_cloudwatch_and_an_alarm_on_them(start_nuage):
    server = start_nuage()
    freeze(server)
    ddb = provisioned(server, "watched", rcu=1, wcu=1, gsi_wcu=1000)
    cw = server.client("cloudwatch")
    cw.put_metric_alarm(AlarmName="write-throttles", Namespace="AWS/DynamoDB", MetricName="WriteThrottleEvents",
                        Dimensions=[{"Name": "TableName", "Value": "watched"}], Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold")
    drain_writes(ddb, "watched", 300, g="k")
    for _ in range(2):
        throttled(lambda: ddb.put_item(TableName="watched", Item=item("t", 10)))
    ddb.get_item(TableName="watched", Key={"pk": {"S": "drain-0-0"}}, ConsistentRead=True)  # 3 units
    table = [{"Name": "TableName", "Value": "watched"}]
    assert statistic(cw, "ConsumedWriteCapacityUnits", table) == 300
    assert statistic(cw, "ConsumedWriteCapacityUnits",
                     table + [{"Name": "GlobalSecondaryIndexName", "Value": "by-g"}]) == 300
    assert statistic(cw, "ConsumedReadCapacityUnits", table) == 3
    assert statistic(cw, "WriteThrottleEvents", table) == 2
    assert statistic(cw, "ReadThrottleEvents", table) == 0
    assert statistic(cw, "ThrottledRequests", table + [{"Name": "Operation", "Value": "PutItem"}]) == 2
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/DynamoDB")["Metrics"]}
    assert {"ConsumedWriteCapacityUnits", "ConsumedReadCapacityUnits", "WriteThrottleEvents",
            "ThrottledRequests"} <= names
    advance(server, 120)
    history = cw.describe_alarm_history(AlarmName="write-throttles", HistoryItemType="StateUpdate")
    assert any(h["HistorySummary"].endswith("to ALARM") for h in history["AlarmHistoryItems"]), history


def test_throttling_off(start_nuage):
    _, ddb = drained(start_nuage, "free", args=["--dynamodb-throttling", "off"])
    drain_writes(ddb, "free", 600)  # three times the burst in all
    out = ddb.put_item(TableName="free", Item=item("more", 10), ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1


@pytest.mark.parametrize("version", [1, 2])
def test_cli_sees_the_throttle(start_nuage, version):
    if (CLI_V1 if version == 1 else CLI_V2) is None:
        pytest.skip(f"AWS CLI v{version} is not installed")
    server, ddb = drained(start_nuage, "cli")
    env = {"AWS_MAX_ATTEMPTS": "1", "AWS_RETRY_MODE": "standard"}
    res = server.cli("dynamodb", "put-item", "--table-name", "cli", "--item", json.dumps(item("c", 10)),
                     version=version, env=env, check=False)
    assert res.returncode != 0
    assert "ProvisionedThroughputExceededException" in res.stderr
    advance(server, 1)
    out = server.cli("dynamodb", "put-item", "--table-name", "cli", "--item", json.dumps(item("c", 10)),
                     "--return-consumed-capacity", "TOTAL", version=version, env=env)
    assert out["ConsumedCapacity"] == {"TableName": "cli", "CapacityUnits": 1.0}
    out = server.cli("dynamodb", "batch-write-item", "--request-items",
                     json.dumps({"cli": [{"PutRequest": {"Item": item("d", 10)}}]}), version=version, env=env,
                     check=False)
    assert "ProvisionedThroughputExceededException" in out.stderr
