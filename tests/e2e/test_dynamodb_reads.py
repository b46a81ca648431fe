"""DynamoDB reads end to end: Query key conditions (=, <, <=, >, >=, BETWEEN,
begins_with) in both directions with Limit and ExclusiveStartKey pages,
FilterExpression after the read, Select COUNT, numbers in DynamoDB's order,
queries on a GSI and an LSI with their projections; Scan with parallel
segments and the 1 MB page; BatchGetItem and BatchWriteItem — with boto3's
client and resource and both AWS CLIs."""
import json
import uuid

import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError


def error(e):
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


@pytest.fixture(scope="module")
def table(nuage):
    """pk S / sk N, an LSI on lsk and a KEYS_ONLY GSI on g; 30 items in partition 'p'."""
    ddb = nuage.client("dynamodb")
    name = f"reads-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                              for a, t in [("pk", "S"), ("sk", "N"), ("lsk", "S"), ("g", "S")]],
        LocalSecondaryIndexes=[{"IndexName": "by-lsk", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                      {"AttributeName": "lsk", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}],
        GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    numbers = [-100, -10.5, -1, -0.25, 0, 0.5, 1, 2, 3, 9, 10, 11, 99, 100, 101, 1000]
    numbers += [1e-10, 12345678901234567890123456789, -3.5, 7, 8, 20, 30, 40, 50, 60, 70, 80, 90, 95]
    for i, n in enumerate(numbers):
        item = {"pk": {"S": "p"}, "sk": {"N": repr(n) if isinstance(n, float) else str(n)},
                "lsk": {"S": f"l{i:02d}"}, "odd": {"BOOL": i % 2 == 1}, "n": {"N": str(i)}}
        if i % 3 == 0:
            item["g"] = {"S": "three"}
        ddb.put_item(TableName=name, Item=item)
    ddb.put_item(TableName=name, Item={"pk": {"S": "other"}, "sk": {"N": "1"}})
    return name


def sks(items):
    return [float(i["sk"]["N"]) for i in items]


def test_query_order_and_conditions(nuage, table):
    ddb = nuage.client("dynamodb")

    def query(expression, values, **kwargs):
        return ddb.query(TableName=table, KeyConditionExpression=expression,
                         ExpressionAttributeValues={":p": {"S": "p"}, **values}, **kwargs)

    everything = query("pk = :p", {})
    assert everything["Count"] == 30 and everything["ScannedCount"] == 30
    assert sks(everything["Items"]) == sorted(sks(everything["Items"]))
    assert sks(query("pk = :p", {}, ScanIndexForward=False)["Items"]) == sorted(sks(everything["Items"]), reverse=True)
    assert sks(query("pk = :p AND sk < :v", {":v": {"N": "0"}})["Items"]) == [-100, -10.5, -3.5, -1, -0.25]
    assert sks(query("pk = :p AND sk <= :v", {":v": {"N": "0"}})["Items"])[-1] == 0
    assert sks(query("pk = :p AND sk > :v", {":v": {"N": "100"}})["Items"]) == [101, 1000, float(12345678901234567890123456789)]
    assert sks(query("pk = :p AND sk >= :v", {":v": {"N": "100"}})["Items"])[0] == 100
    assert sks(query("pk = :p AND sk = :v", {":v": {"N": "9.0"}})["Items"]) == [9]
    assert sks(query("sk BETWEEN :a AND :b AND pk = :p", {":a": {"N": "-1"}, ":b": {"N": "1"}})["Items"]) == \
        [-1, -0.25, 0, 1e-10, 0.5, 1]
    filtered = query("pk = :p AND sk BETWEEN :a AND :b", {":a": {"N": "1"}, ":b": {"N": "11"}, ":t": {"BOOL": True}},
                     FilterExpression="odd = :t")
    assert filtered["ScannedCount"] == 8 and filtered["Count"] == len(filtered["Items"]) < 8
    counted = query("pk = :p", {}, Select="COUNT")
    assert counted["Count"] == 30 and "Items" not in counted
    projected = query("pk = :p AND sk = :v", {":v": {"N": "1"}}, ProjectionExpression="lsk")["Items"]
    assert projected == [{"lsk": {"S": "l06"}}]


def test_query_pages(nuage, table):
    ddb = nuage.resource("dynamodb").Table(table)
    seen, start = [], None
    while True:
        kwargs = {"ExclusiveStartKey": start} if start else {}
        page = ddb.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").gt(0), Limit=7, **kwargs)
        seen += [item["sk"] for item in page["Items"]]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
        assert len(page["Items"]) == 7
    assert len(seen) == 24 and seen == sorted(seen)
    # The paginator of the client walks the same pages.
    client = nuage.client("dynamodb")
    pages = list(client.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
        PaginationConfig={"PageSize": 4}))
    assert sum(p["Count"] for p in pages) == 30


def test_begins_with_and_indexes(nuage, table):
    ddb = nuage.client("dynamodb")
    by_lsk = ddb.query(TableName=table, IndexName="by-lsk", KeyConditionExpression="pk = :p AND begins_with(lsk, :l)",
                       ExpressionAttributeValues={":p": {"S": "p"}, ":l": {"S": "l1"}}, ScanIndexForward=False)
    assert [i["lsk"]["S"] for i in by_lsk["Items"]] == [f"l{i}" for i in range(19, 9, -1)]
    by_g = ddb.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                     ExpressionAttributeValues={":g": {"S": "three"}})
    assert by_g["Count"] == 10
    assert all(set(i) == {"pk", "sk", "g"} for i in by_g["Items"])  # KEYS_ONLY
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g", Select="ALL_ATTRIBUTES",
                  ExpressionAttributeValues={":g": {"S": "three"}})
    assert error(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g", ConsistentRead=True,
                  ExpressionAttributeValues={":g": {"S": "three"}})
    assert error(e) == ("ValidationException", "Consistent reads are not supported on global secondary indexes")
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=table, IndexName="nope", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    assert error(e) == ("ValidationException", "The table does not have the specified index: nope")


@pytest.mark.parametrize("expression,values,message", [
    ("sk = :v", {":v": {"N": "1"}}, "Query condition missed key schema element: pk"),
    ("pk = :p OR sk = :v", {":p": {"S": "p"}, ":v": {"N": "1"}}, "Invalid operator used in KeyConditionExpression: OR"),
    ("pk = :p AND odd = :v", {":p": {"S": "p"}, ":v": {"N": "1"}}, "Query condition missed key schema element: sk"),
    ("pk = :v", {":v": {"N": "1"}},
     "One or more parameter values were invalid: Condition parameter type does not match schema type"),
    ("pk = :p AND begins_with(sk, :v)", {":p": {"S": "p"}, ":v": {"N": "1"}},
     "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: "
     "begins_with, operand type: N"),
])
def test_key_condition_errors(nuage, table, expression, values, message):
    with pytest.raises(ClientError) as e:
        nuage.client("dynamodb").query(TableName=table, KeyConditionExpression=expression,
                                       ExpressionAttributeValues=values)
    assert error(e) == ("ValidationException", message)


def test_filter_on_key_refused(nuage, table):
    with pytest.raises(ClientError) as e:
        nuage.client("dynamodb").query(TableName=table, KeyConditionExpression="pk = :p", FilterExpression="sk > :v",
                                       ExpressionAttributeValues={":p": {"S": "p"}, ":v": {"N": "1"}})
    assert error(e) == ("ValidationException",
                        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk")


def test_scan_segments_and_filters(nuage, table):
    ddb = nuage.client("dynamodb")
    everything = ddb.scan(TableName=table)
    assert everything["Count"] == 31
    keys = set()
    for segment in range(4):
        page = ddb.scan(TableName=table, Segment=segment, TotalSegments=4)
        keys |= {(i["pk"]["S"], i["sk"]["N"]) for i in page["Items"]}
    assert len(keys) == 31
    odd = nuage.resource("dynamodb").Table(table).scan(FilterExpression=Attr("odd").eq(True))
    assert odd["Count"] == 15 and odd["ScannedCount"] == 31
    assert ddb.scan(TableName=table, IndexName="by-g")["Count"] == 10
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=table, Segment=4, TotalSegments=4)
    assert error(e) == ("ValidationException", "The Segment parameter is zero-based and must be less than parameter "
                        "TotalSegments: Segment: 4 is not less than TotalSegments: 4")
    limited, start, total = None, None, 0
    while True:
        limited = ddb.scan(TableName=table, Limit=10, **({"ExclusiveStartKey": start} if start else {}))
        total += limited["Count"]
        start = limited.get("LastEvaluatedKey")
        if not start:
            break
    assert total == 31


def test_one_megabyte_pages(nuage):
    ddb = nuage.client("dynamodb")
    name = f"big-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                           {"AttributeName": "sk", "AttributeType": "N"}])
    ddb.describe_table(TableName=name)
    blob = "x" * (100 * 1024)
    for i in range(25):  # 2.5 MB in one partition
        ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "blob": {"S": blob}})
    pages, start = [], None
    while True:
        page = ddb.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                         **({"ExclusiveStartKey": start} if start else {}))
        pages.append(page["Count"])
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    assert sum(pages) == 25 and len(pages) == 3 and pages[0] == 11  # 1 MB reached within the 11th item
    assert ddb.scan(TableName=name)["Count"] == 11


def test_batch_get_and_write(nuage):
    ddb = nuage.client("dynamodb")
    name = f"batch-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    ddb.describe_table(TableName=name)
    with nuage.resource("dynamodb").Table(name).batch_writer() as writer:
        for i in range(60):
            writer.put_item(Item={"pk": f"k{i}", "n": i})
    assert ddb.scan(TableName=name, Select="COUNT")["Count"] == 60
    out = ddb.batch_write_item(RequestItems={name: [{"DeleteRequest": {"Key": {"pk": {"S": "k0"}}}},
                                                    {"PutRequest": {"Item": {"pk": {"S": "new"}}}}]})
    assert out["UnprocessedItems"] == {}
    got = ddb.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "k0"}}, {"pk": {"S": "k1"}}, {"pk": {"S": "new"}}],
                                                  "ProjectionExpression": "pk"}})
    assert sorted(i["pk"]["S"] for i in got["Responses"][name]) == ["k1", "new"]
    assert got["UnprocessedKeys"] == {}
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "a"}}, {"pk": {"S": "a"}}]}})
    assert error(e) == ("ValidationException", "Provided list of item keys contains duplicates")
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": f"x{i}"}}}} for i in range(26)]})
    assert error(e)[0] == "ValidationException"
    # A refused batch writes nothing.
    with pytest.raises(ClientError):
        ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "fine"}}}},
                                                  {"PutRequest": {"Item": {"pk": {"N": "1"}}}}]})
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "fine"}})


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, table, version):
    out = nuage.cli("dynamodb", "query", "--table-name", table, "--key-condition-expression", "pk = :p AND sk > :v",
                    "--expression-attribute-values", json.dumps({":p": {"S": "p"}, ":v": {"N": "100"}}), version=version)
    assert [i["sk"]["N"] for i in out["Items"]] == ["101", "1000", "12345678901234567890123456789"]
    # The CLI pages through everything itself.
    scanned = nuage.cli("dynamodb", "scan", "--table-name", table, "--page-size", "5", version=version)
    assert scanned["Count"] == 31
    got = nuage.cli("dynamodb", "batch-get-item", "--request-items",
                    json.dumps({table: {"Keys": [{"pk": {"S": "other"}, "sk": {"N": "1"}}]}}), version=version)
    assert got["Responses"][table] == [{"pk": {"S": "other"}, "sk": {"N": "1"}}]
