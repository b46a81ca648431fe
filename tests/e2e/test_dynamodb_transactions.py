"""DynamoDB transactions: TransactWriteItems all or nothing (Put, Update,
Delete, ConditionCheck) with TransactionCanceledException and one
CancellationReason per action, ClientRequestToken idempotency, one action per
item, twice the capacity of the same operations; TransactGetItems. With boto3
and both AWS CLIs."""
import json
import uuid

import botocore.exceptions
import pytest

from conftest import CLI_V1, CLI_V2


def make(ddb):
    name = f"tx-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ddb.describe_table(TableName=name)
    return name


def key(pk):
    return {"pk": {"S": pk}}


def get(ddb, name, pk):
    return ddb.get_item(TableName=name, Key=key(pk), ConsistentRead=True).get("Item")


def test_all_or_nothing(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "c"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}, "v": {"S": "new"}},
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": name, "Key": key("a"), "UpdateExpression": "SET n = n + :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        {"Delete": {"TableName": name, "Key": key("c")}},
        {"ConditionCheck": {"TableName": name, "Key": key("d"), "ConditionExpression": "attribute_not_exists(pk)"}},
    ])
    assert get(ddb, name, "b") == {"pk": {"S": "b"}, "v": {"S": "new"}}
    assert get(ddb, name, "a")["n"] == {"N": "2"}
    assert get(ddb, name, "c") is None and get(ddb, name, "d") is None

    # One failed condition cancels every action; nothing is written.
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "e"}}}},
            {"Update": {"TableName": name, "Key": key("a"), "UpdateExpression": "SET n = :z",
                        "ConditionExpression": "n = :five", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        "ExpressionAttributeValues": {":z": {"N": "0"}, ":five": {"N": "5"}}}},
            {"Delete": {"TableName": name, "Key": key("b")}},
        ])
    err = info.value.response
    assert err["Error"]["Code"] == "TransactionCanceledException"
    assert err["Error"]["Message"] == ("Transaction cancelled, please refer cancellation reasons for specific "
                                       "reasons [None, ConditionalCheckFailed, None]")
    assert err["CancellationReasons"] == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
         "Item": {"pk": {"S": "a"}, "n": {"N": "2"}}},
        {"Code": "None"}]
    assert get(ddb, name, "e") is None and get(ddb, name, "b") is not None
    assert get(ddb, name, "a")["n"] == {"N": "2"}


def test_twice_the_capacity(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    out = ddb.transact_write_items(
        TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "a"}, "d": {"S": "x" * 1500}}}},
                       {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}}}}],
        ReturnConsumedCapacity="TOTAL")
    assert out["ConsumedCapacity"] == [{"TableName": name, "CapacityUnits": 2 * 2 + 2 * 1}]
    got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": key("a")}},
                                                {"Get": {"TableName": name, "Key": key("zz")}},
                                                {"Get": {"TableName": name, "Key": key("b"),
                                                         "ProjectionExpression": "pk"}}],
                                 ReturnConsumedCapacity="TOTAL")
    assert [r.get("Item", {}).get("pk") for r in got["Responses"]] == [{"S": "a"}, None, {"S": "b"}]
    assert got["Responses"][1] == {}
    # Strongly consistent, doubled: 2 units per item (a missing one too).
    assert got["ConsumedCapacity"] == [{"TableName": name, "CapacityUnits": 6}]


def test_client_request_token_is_idempotent(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    items = [{"Update": {"TableName": name, "Key": key("counter"), "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    token = uuid.uuid4().hex
    for _ in range(2):
        ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert get(ddb, name, "counter")["n"] == {"N": "1"}
    other = [{"Put": {"TableName": name, "Item": {"pk": {"S": "other"}}}}]
    with pytest.raises(ddb.exceptions.IdempotentParameterMismatchException):
        ddb.transact_write_items(TransactItems=other, ClientRequestToken=token)
    assert get(ddb, name, "other") is None
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
    assert get(ddb, name, "counter")["n"] == {"N": "2"}


def test_bad_transactions_write_nothing(nuage):
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": "a"}}}},
                                                {"Delete": {"TableName": name, "Key": key("a")}}])
    assert info.value.response["Error"] == {
        "Code": "ValidationException", "Message": "Transaction request cannot include multiple operations on one item"}
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": f"i{i}"}}}}
                                                for i in range(101)])
    assert info.value.response["Error"]["Code"] == "ValidationException"
    big = {"pk": {"S": "x"}, "d": {"S": "y" * 390_000}}
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": name, "Item": dict(big, pk={"S": f"b{i}"})}}
                                                for i in range(11)])
    assert info.value.response["Error"]["Message"] == \
        "Transaction request cannot exceed the maximum allowed size of 4 MB"
    with pytest.raises(botocore.exceptions.ClientError) as info:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "no-such-table", "Item": {"pk": {"S": "a"}}}}])
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert ddb.scan(TableName=name)["Count"] == 0


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    if (CLI_V1 if version == 1 else CLI_V2) is None:
        pytest.skip(f"AWS CLI v{version} is not installed")
    ddb = nuage.client("dynamodb")
    name = make(ddb)
    items = [{"Put": {"TableName": name, "Item": {"pk": {"S": "cli"}},
                      "ConditionExpression": "attribute_not_exists(pk)"}}]
    nuage.cli("dynamodb", "transact-write-items", "--transact-items", json.dumps(items), version=version)
    got = nuage.cli("dynamodb", "transact-get-items", "--transact-items",
                    json.dumps([{"Get": {"TableName": name, "Key": key("cli")}}]), version=version)
    assert got["Responses"] == [{"Item": {"pk": {"S": "cli"}}}]
    res = nuage.cli("dynamodb", "transact-write-items", "--transact-items", json.dumps(items), version=version,
                    check=False)
    assert res.returncode != 0 and "TransactionCanceledException" in res.stderr
    assert "ConditionalCheckFailed" in res.stderr
