"""DynamoDB's consumed capacity, computed as AWS meters it: item sizes on
both sides of the 1 KB write and 4 KB read boundaries, consistency modes,
Query's single rounding, missing items, and the GSI write rules — checked
against ReturnConsumedCapacity TOTAL and INDEXES, with boto3 and both CLIs."""
import json
import uuid

import pytest


def make(ddb, gsis=()):
    name = f"cap-{uuid.uuid4().hex[:8]}"
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}]
    definitions += [{"AttributeName": g["KeySchema"][0]["AttributeName"], "AttributeType": "S"} for g in gsis]
    kwargs = {"GlobalSecondaryIndexes": list(gsis)} if gsis else {}
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", AttributeDefinitions=definitions,
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     **kwargs)
    ddb.describe_table(TableName=name)
    return name


def sized(total, sk="1"):
    """An item of exactly `total` bytes: pk "a" (3), sk (2 + 2 for a one-digit number), d (1 + n)."""
    return {"pk": {"S": "a"}, "sk": {"N": sk}, "d": {"S": "x" * (total - 3 - 4 - 1)}}


@pytest.mark.parametrize("size,units", [(1, 1), (1024, 1), (1025, 2), (2048, 2), (2049, 3), (400 * 1024, 400)])
def test_write_units(nuage, size, units):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    out = ddb.put_item(TableName=name, Item=sized(max(size, 8)), ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": units}
    # A delete costs the item it removes.
    out = ddb.delete_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"]["CapacityUnits"] == units


@pytest.mark.parametrize("size,strong,eventual", [(8, 1, 0.5), (4096, 1, 0.5), (4097, 2, 1), (8192, 2, 1), (8193, 3, 1.5)])
def test_read_units(nuage, size, strong, eventual):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    ddb.put_item(TableName=name, Item=sized(size))
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    got = ddb.get_item(TableName=name, Key=key, ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert got["ConsumedCapacity"]["CapacityUnits"] == strong
    got = ddb.get_item(TableName=name, Key=key, ReturnConsumedCapacity="INDEXES")
    assert got["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": eventual, "Table": {"CapacityUnits": eventual}}


def test_missing_items_and_updates(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    missing = ddb.get_item(TableName=name, Key={"pk": {"S": "no"}, "sk": {"N": "1"}}, ReturnConsumedCapacity="TOTAL")
    assert "Item" not in missing and missing["ConsumedCapacity"]["CapacityUnits"] == 0.5
    ddb.put_item(TableName=name, Item=sized(1000))
    # The larger of the old and the new item.
    grown = ddb.update_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, UpdateExpression="SET e = :e",
                            ExpressionAttributeValues={":e": {"S": "y" * 2000}}, ReturnConsumedCapacity="TOTAL")
    assert grown["ConsumedCapacity"]["CapacityUnits"] == 3
    shrunk = ddb.update_item(TableName=name, Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, UpdateExpression="REMOVE e, d",
                             ReturnConsumedCapacity="TOTAL")
    assert shrunk["ConsumedCapacity"]["CapacityUnits"] == 3
    assert "ConsumedCapacity" not in ddb.put_item(TableName=name, Item=sized(100))


def test_query_rounds_the_sum_once(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    for sk in "12":
        ddb.put_item(TableName=name, Item=sized(2048, sk))
    query = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}},
                      ConsistentRead=True, ReturnConsumedCapacity="TOTAL")
    assert query["Count"] == 2 and query["ConsumedCapacity"]["CapacityUnits"] == 1  # 4096 bytes: one unit
    eventual = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}},
                         ReturnConsumedCapacity="TOTAL")
    assert eventual["ConsumedCapacity"]["CapacityUnits"] == 0.5
    empty = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "z"}},
                      ReturnConsumedCapacity="TOTAL")
    assert empty["ConsumedCapacity"]["CapacityUnits"] == 0.5
    scan = ddb.scan(TableName=name, ConsistentRead=True, ReturnConsumedCapacity="TOTAL",
                    FilterExpression="sk = :one", ExpressionAttributeValues={":one": {"N": "1"}})
    assert scan["Count"] == 1 and scan["ConsumedCapacity"]["CapacityUnits"] == 1  # items read, not returned


def test_gsi_write_rules(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb, gsis=[
        {"IndexName": "all", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}},
        {"IndexName": "keys", "KeySchema": [{"AttributeName": "h", "KeyType": "HASH"}],
         "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    key = {"pk": {"S": "a"}, "sk": {"N": "1"}}

    def update(expression, values=None):
        kwargs = {"ExpressionAttributeValues": values} if values else {}
        out = ddb.update_item(TableName=name, Key=key, UpdateExpression=expression, ReturnConsumedCapacity="INDEXES",
                              **kwargs)["ConsumedCapacity"]
        return {k: v["CapacityUnits"] for k, v in out.get("GlobalSecondaryIndexes", {}).items()}, out

    # A new item in both indexes: one write each.
    created = ddb.put_item(TableName=name, Item={**key, "g": {"S": "g1"}, "h": {"S": "h1"}, "v": {"N": "1"}},
                           ReturnConsumedCapacity="INDEXES")["ConsumedCapacity"]
    assert created == {"TableName": name, "CapacityUnits": 3, "Table": {"CapacityUnits": 1},
                       "GlobalSecondaryIndexes": {"all": {"CapacityUnits": 1}, "keys": {"CapacityUnits": 1}}}
    # A projected attribute changes: 1 on ALL, nothing on KEYS_ONLY.
    assert update("SET v = :v", {":v": {"N": "2"}})[0] == {"all": 1}
    # The index key changes: a delete and a put.
    assert update("SET g = :g", {":g": {"S": "g2"}})[0] == {"all": 2}
    # Out of KEYS_ONLY's index: one delete (and ALL's projection changed: one).
    by_index, total = update("REMOVE h")
    assert by_index == {"all": 1, "keys": 1} and total["CapacityUnits"] == 3
    # Not in KEYS_ONLY's index before or after: nothing there.
    assert update("SET w = :w", {":w": {"N": "1"}})[0] == {"all": 1}


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    out = nuage.cli("dynamodb", "put-item", "--table-name", name, "--item", json.dumps(sized(1500)),
                    "--return-consumed-capacity", "TOTAL", version=version)
    assert out["ConsumedCapacity"] == {"TableName": name, "CapacityUnits": 2.0}
