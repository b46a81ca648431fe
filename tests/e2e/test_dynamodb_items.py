"""DynamoDB items end to end: every attribute type round-trips (boto3's
TypeSerializer through the resource, and the client's wire form), numbers
keep 38 digits, keys are checked with AWS's messages, the 400 KB limit,
PutItem/GetItem/DeleteItem/UpdateItem with condition, update and projection
expressions, ReturnValues and ReturnValuesOnConditionCheckFailure, items
surviving kill -9 — with boto3 and both AWS CLIs."""
import json
import signal
import uuid
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError


def unique(prefix="items"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error(e):
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def make_table(ddb, name=None, range_type=None, **kwargs):
    name = name or unique()
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    definitions = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_type:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        definitions.append({"AttributeName": "sk", "AttributeType": range_type})
    for index in kwargs.get("GlobalSecondaryIndexes", []):
        for key in index["KeySchema"]:
            if all(d["AttributeName"] != key["AttributeName"] for d in definitions):
                definitions.append({"AttributeName": key["AttributeName"], "AttributeType": "S"})
    ddb.create_table(TableName=name, KeySchema=keys, AttributeDefinitions=definitions,
                     BillingMode="PAY_PER_REQUEST", **kwargs)
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    return name


EVERY_TYPE = {
    "pk": "every",
    "s": "héllo wörld",
    "empty": "",
    "n": Decimal("3.14159265358979323846264338327950288"),
    "big": Decimal("12345678901234567890123456789012345678"),
    "tiny": Decimal("1E-130"),
    "neg": Decimal("-42"),
    "b": Binary(b"\x00\x01\xfe\xff"),
    "t": True,
    "f": False,
    "null": None,
    "l": ["a", Decimal(1), [Decimal(2), {"deep": b"bytes"}], None],
    "m": {"k": "v", "nested": {"n": Decimal("0.5")}},
    "ss": {"x", "y"},
    "ns": {Decimal(1), Decimal("2.5")},
    "bs": {Binary(b"\x01"), Binary(b"\x02")},
}


def test_every_type_round_trips_through_the_resource(nuage):
    ddb = nuage.client("dynamodb")
    name = make_table(ddb)
    table = nuage.resource("dynamodb").Table(name)
    table.put_item(Item=EVERY_TYPE)
    got = table.get_item(Key={"pk": "every"}, ConsistentRead=True)["Item"]
    expected = dict(EVERY_TYPE)
    expected["l"] = ["a", Decimal(1), [Decimal(2), {"deep": Binary(b"bytes")}], None]
    assert got == expected
    # And the wire form is what TypeSerializer makes of it (numbers canonical).
    raw = ddb.get_item(TableName=name, Key={"pk": {"S": "every"}})["Item"]
    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    assert {k: deserializer.deserialize(v) for k, v in raw.items()} == expected
    assert raw["n"] == serializer.serialize(EVERY_TYPE["n"])
    assert raw["tiny"]["N"] == "0." + "0" * 129 + "1"


def test_numbers_are_canonical_and_exact(nuage):
    ddb = nuage.client("dynamodb")
    name = make_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "n"}, "a": {"N": "001.50"}, "b": {"N": "1e3"}, "c": {"N": "-0"}})
    item = ddb.get_item(TableName=name, Key={"pk": {"S": "n"}})["Item"]
    assert item["a"] == {"N": "1.5"} and item["b"] == {"N": "1000"} and item["c"] == {"N": "0"}
    ddb.update_item(TableName=name, Key={"pk": {"S": "n"}}, UpdateExpression="SET a = a + :x",
                    ExpressionAttributeValues={":x": {"N": "0.1"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "n"}}, UpdateExpression="ADD a :x",
                    ExpressionAttributeValues={":x": {"N": "0.2"}})
    assert ddb.get_item(TableName=name, Key={"pk": {"S": "n"}})["Item"]["a"] == {"N": "1.8"}
    for bad, message in [("1" * 39, "Attempting to store more than 38 significant digits in a Number"),
                         ("1e126", "Number overflow. Attempting to store a number with magnitude larger than "
                                   "supported range"),
                         ("abc", "A value provided cannot be converted into a number")]:
        with pytest.raises(ClientError) as e:
            ddb.put_item(TableName=name, Item={"pk": {"S": "bad"}, "n": {"N": bad}})
        assert error(e) == ("ValidationException", message)
    assert "Item" not in ddb.get_item(TableName=name, Key={"pk": {"S": "bad"}})


def test_key_validation(nuage):
    ddb = nuage.client("dynamodb")
    name = make_table(ddb, range_type="N",
                      GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                               "Projection": {"ProjectionType": "ALL"}}])
    cases = [
        ({"pk": {"S": "a"}}, "One or more parameter values were invalid: Missing the key sk in the item"),
        ({"pk": {"S": "a"}, "sk": {"S": "1"}},
         "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S"),
        ({"pk": {"S": ""}, "sk": {"N": "1"}},
         "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty "
         "string value. Key: pk"),
        ({"pk": {"S": "a"}, "sk": {"N": "1"}, "g": {"N": "5"}},
         "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: by-g"),
        ({"pk": {"S": "x" * 2049}, "sk": {"N": "1"}},
         "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of 2048 bytes"),
        ({"pk": {"S": "a"}, "sk": {"N": "1"}, "s": {"SS": ["a", "a"]}},
         "One or more parameter values were invalid: Input collection [a, a] contains duplicates."),
        ({"pk": {"S": "a"}, "sk": {"N": "1"}, "s": {"SS": []}},
         "One or more parameter values were invalid: An string set  may not be empty"),
        ({"pk": {"S": "a"}, "sk": {"N": "1"}, "big": {"S": "x" * (400 * 1024)}},
         "Item size has exceeded the maximum allowed size"),
    ]
    for item, message in cases:
        with pytest.raises(ClientError) as e:
            ddb.put_item(TableName=name, Item=item)
        assert error(e) == ("ValidationException", message), item
    # Just under 400 KB fits.
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "sk": {"N": "1"}, "big": {"S": "x" * (400 * 1024 - 10)}})
    for key in [{"pk": {"S": "a"}}, {"pk": {"S": "a"}, "sk": {"S": "1"}},
                {"pk": {"S": "a"}, "sk": {"N": "1"}, "extra": {"S": "x"}}]:
        with pytest.raises(ClientError) as e:
            ddb.get_item(TableName=name, Key=key)
        assert error(e) == ("ValidationException", "The provided key element does not match the schema")
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="no-such-table", Key={"pk": {"S": "a"}})
    assert error(e) == ("ResourceNotFoundException", "Requested resource not found")
    assert ddb.describe_table(TableName=name)["Table"]["ItemCount"] == 1


def test_conditions_and_return_values(nuage):
    ddb = nuage.client("dynamodb")
    name = make_table(ddb)
    key = {"pk": {"S": "c"}}
    ddb.put_item(TableName=name, Item={**key, "v": {"N": "1"}, "tags": {"SS": ["a"]}},
                 ConditionExpression="attribute_not_exists(pk)")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item={**key, "v": {"N": "2"}}, ConditionExpression="attribute_not_exists(pk)",
                     ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error(e) == ("ConditionalCheckFailedException", "The conditional request failed")
    assert e.value.response["Item"] == {**key, "v": {"N": "1"}, "tags": {"SS": ["a"]}}
    old = ddb.put_item(TableName=name, Item={**key, "v": {"N": "2"}, "tags": {"SS": ["a", "b"]}},
                       ConditionExpression="v = :one AND contains(tags, :a) AND size(tags) BETWEEN :one AND :two",
                       ExpressionAttributeValues={":one": {"N": "1"}, ":two": {"N": "2"}, ":a": {"S": "a"}},
                       ReturnValues="ALL_OLD")
    assert old["Attributes"]["v"] == {"N": "1"}
    with pytest.raises(ClientError) as e:
        ddb.delete_item(TableName=name, Key=key, ConditionExpression="v IN (:x, :y)",
                        ExpressionAttributeValues={":x": {"N": "5"}, ":y": {"N": "6"}})
    assert error(e)[0] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item=key, ConditionExpression="v = :x",
                     ExpressionAttributeValues={":x": {"N": "1"}, ":unused": {"N": "2"}})
    assert error(e) == ("ValidationException",
                        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item=key, ConditionExpression="v = = :x",
                     ExpressionAttributeValues={":x": {"N": "1"}})
    assert error(e) == ("ValidationException", 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :x"')
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=name, Item=key, ReturnValues="ALL_NEW")
    assert error(e) == ("ValidationException", "ReturnValues can only be ALL_OLD or NONE")
    gone = ddb.delete_item(TableName=name, Key=key, ReturnValues="ALL_OLD",
                           ConditionExpression="attribute_type(tags, :ss) AND NOT begins_with(pk, :z)",
                           ExpressionAttributeValues={":ss": {"S": "SS"}, ":z": {"S": "z"}})
    assert gone["Attributes"]["v"] == {"N": "2"}
    assert "Item" not in ddb.get_item(TableName=name, Key=key)
    # The resource's condition builder writes placeholders for every name.
    table = nuage.resource("dynamodb").Table(name)
    table.put_item(Item={"pk": "r", "status": "new", "n": 1})
    table.put_item(Item={"pk": "r", "status": "done", "n": 2},
                   ConditionExpression=Attr("status").eq("new") & Attr("n").lt(5) & Attr("missing").not_exists())
    with pytest.raises(ClientError):
        table.put_item(Item={"pk": "r"}, ConditionExpression=Attr("status").ne("done") | Attr("n").gt(5))


def test_update_expressions(nuage):
    ddb = nuage.client("dynamodb")
    name = make_table(ddb)
    key = {"pk": {"S": "u"}}
    # An update creates the item.
    new = ddb.update_item(TableName=name, Key=key,
                          UpdateExpression="SET #c = if_not_exists(#c, :zero) + :one, l = :list, m = :map ADD s :set",
                          ExpressionAttributeNames={"#c": "count"},
                          ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"},
                                                     ":list": {"L": [{"S": "a"}]}, ":map": {"M": {"x": {"N": "1"}}},
                                                     ":set": {"SS": ["p", "q"]}},
                          ReturnValues="ALL_NEW")["Attributes"]
    assert new["count"] == {"N": "1"} and new["s"] == {"SS": ["p", "q"]} and new["pk"] == key["pk"]
    updated = ddb.update_item(TableName=name, Key=key,
                              UpdateExpression="SET l = list_append(l, :more), m.y = :two "
                                               "REMOVE m.x DELETE s :p ADD #c :two",
                              ExpressionAttributeNames={"#c": "count"},
                              ExpressionAttributeValues={":more": {"L": [{"S": "b"}]}, ":two": {"N": "2"},
                                                         ":p": {"SS": ["p"]}},
                              ReturnValues="UPDATED_NEW")["Attributes"]
    assert updated == {"l": {"L": [{"S": "a"}, {"S": "b"}]}, "m": {"M": {"y": {"N": "2"}}}, "s": {"SS": ["q"]},
                       "count": {"N": "3"}}
    item = ddb.get_item(TableName=name, Key=key)["Item"]
    assert item["l"] == {"L": [{"S": "a"}, {"S": "b"}]}
    assert item["m"] == {"M": {"y": {"N": "2"}}}
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=name, Key=key, UpdateExpression="SET l = :z, l[0] = :z",
                        ExpressionAttributeValues={":z": {"S": "z"}})
    assert error(e) == ("ValidationException", "Invalid UpdateExpression: Two document paths overlap with each other; "
                        "must remove or rewrite one of these paths; path one: [l], path two: [l, [0]]")
    old = ddb.update_item(TableName=name, Key=key, UpdateExpression="REMOVE l[0], m", ReturnValues="UPDATED_OLD")
    assert old["Attributes"] == {"l": {"L": [{"S": "a"}]}, "m": {"M": {"y": {"N": "2"}}}}
    assert ddb.get_item(TableName=name, Key=key)["Item"]["l"] == {"L": [{"S": "b"}]}
    for expression, values, message in [
        ("SET pk = :v", {":v": {"S": "x"}},
         "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"),
        ("SET nope.deep = :v", {":v": {"S": "x"}},
         "The document path provided in the update expression is invalid for update"),
        ("SET s = s + :v", {":v": {"N": "1"}}, "An operand in the update expression has an incorrect data type"),
        ("ADD x :v", {":v": {"S": "x"}},
         "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING"),
    ]:
        with pytest.raises(ClientError) as e:
            ddb.update_item(TableName=name, Key=key, UpdateExpression=expression, ExpressionAttributeValues=values)
        assert error(e) == ("ValidationException", message), expression
    # A failed condition changes nothing.
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=name, Key=key, UpdateExpression="SET gone = :v", ConditionExpression="#c > :v",
                        ExpressionAttributeNames={"#c": "count"}, ExpressionAttributeValues={":v": {"N": "10"}},
                        ReturnValuesOnConditionCheckFailure="ALL_OLD")
    assert error(e)[0] == "ConditionalCheckFailedException"
    assert e.value.response["Item"]["count"] == {"N": "3"}
    assert "gone" not in ddb.get_item(TableName=name, Key=key)["Item"]


def test_projection(nuage):
    ddb = nuage.client("dynamodb")
    name = make_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "a": {"S": "1"}, "b": {"S": "2"},
                                       "l": {"L": [{"S": "x"}, {"S": "y"}, {"S": "z"}]},
                                       "m": {"M": {"k": {"S": "v"}, "o": {"S": "w"}}}})
    got = ddb.get_item(TableName=name, Key={"pk": {"S": "p"}}, ProjectionExpression="#a, l[2], m.k",
                       ExpressionAttributeNames={"#a": "a"})["Item"]
    assert got == {"a": {"S": "1"}, "l": {"L": [{"S": "z"}]}, "m": {"M": {"k": {"S": "v"}}}}


def test_items_survive_kill(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ddb = server.client("dynamodb")
    name = make_table(ddb)
    for i in range(20):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "n": {"N": str(i)}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "k3"}})
    server.stop(signal.SIGKILL)
    again = start_nuage(data_dir=data_dir).client("dynamodb")
    assert again.get_item(TableName=name, Key={"pk": {"S": "k19"}})["Item"]["n"] == {"N": "19"}
    assert "Item" not in again.get_item(TableName=name, Key={"pk": {"S": "k3"}})
    table = again.describe_table(TableName=name)["Table"]
    assert table["ItemCount"] == 19 and table["TableSizeBytes"] > 0


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    name = make_table(nuage.client("dynamodb"))
    nuage.cli("dynamodb", "put-item", "--table-name", name,
              "--item", json.dumps({"pk": {"S": "cli"}, "n": {"N": "1"}, "b": {"B": "AAEC"}}), version=version)
    nuage.cli("dynamodb", "update-item", "--table-name", name, "--key", json.dumps({"pk": {"S": "cli"}}),
              "--update-expression", "SET n = n + :one", "--expression-attribute-values",
              json.dumps({":one": {"N": "1"}}), version=version)
    item = nuage.cli("dynamodb", "get-item", "--table-name", name, "--key", json.dumps({"pk": {"S": "cli"}}),
                     version=version)["Item"]
    # CLI v1 sends the text of a JSON blob as its bytes (base64-encoding it again); v2 decodes it.
    assert item == {"pk": {"S": "cli"}, "n": {"N": "2"}, "b": {"B": "AAEC" if version == 2 else "QUFFQw=="}}
    res = nuage.cli("dynamodb", "put-item", "--table-name", name, "--item", json.dumps({"pk": {"S": "cli"}}),
                    "--condition-expression", "attribute_not_exists(pk)", version=version, check=False)
    assert res.returncode != 0 and "ConditionalCheckFailedException" in res.stderr
    nuage.cli("dynamodb", "delete-item", "--table-name", name, "--key", json.dumps({"pk": {"S": "cli"}}),
              version=version)
    assert nuage.cli("dynamodb", "get-item", "--table-name", name, "--key", json.dumps({"pk": {"S": "cli"}}),
                     version=version) is None
