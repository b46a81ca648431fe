"""DynamoDB Streams: StreamSpecification on CreateTable / UpdateTable with
AWS's refusals, the record every item change appends (PutItem, UpdateItem,
DeleteItem, BatchWriteItem, TransactWriteItems, TTL expiry with the
service's identity; none for a write that changes nothing) in each view
type, and the Streams API (ListStreams, DescribeStream, GetShardIterator of
the four types, GetRecords) with expiring iterators, the 24-hour retention
on nuage's clock and a kill -9 restart. boto3's dynamodbstreams client and
both AWS CLIs."""
import signal
import uuid

import botocore.exceptions
import pytest

KEY = {"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
       "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}


def freeze(server, at="2030-01-01T00:00:00Z"):
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": at})


def advance(server, seconds):
    server.admin("POST", "/_nuage/clock", {"advance": seconds})


def streamed_table(ddb, view_type="NEW_AND_OLD_IMAGES", name=None):
    name = name or "st-" + uuid.uuid4().hex[:8]
    out = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type}, **KEY)
    return name, out["TableDescription"]["LatestStreamArn"]


def all_records(streams, arn, iterator_type="TRIM_HORIZON", **kwargs):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=iterator_type,
                                    **kwargs)["ShardIterator"]
    out = streams.get_records(ShardIterator=it)
    return out["Records"], out.get("NextShardIterator")


def error_of(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def test_stream_specification_describe_and_refusals(nuage):
    ddb = nuage.client("dynamodb")
    streams = nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb, "KEYS_ONLY")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert arn == table["LatestStreamArn"]
    assert arn.startswith(table["TableArn"] + "/stream/")
    assert arn.endswith(table["LatestStreamLabel"])
    code, message = error_of(ddb.update_table, TableName=name,
                             StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    assert (code, message) == ("ValidationException", "Table already has an enabled stream: " + arn)
    code, _ = error_of(ddb.create_table, TableName=name + "x", BillingMode="PAY_PER_REQUEST",
                       StreamSpecification={"StreamEnabled": True}, **KEY)
    assert code == "ValidationException"
    assert name + "x" not in ddb.list_tables()["TableNames"]

    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "ENABLED"
    assert description["StreamViewType"] == "KEYS_ONLY"
    assert description["TableName"] == name
    assert description["KeySchema"] == KEY["KeySchema"]
    [shard] = description["Shards"]
    assert shard["ShardId"].startswith("shardId-") and len(shard["ShardId"]) == len("shardId-") + 20 + 1 + 8
    assert len(shard["SequenceNumberRange"]["StartingSequenceNumber"]) == 21
    assert "EndingSequenceNumber" not in shard["SequenceNumberRange"]
    listed = streams.list_streams(TableName=name)["Streams"]
    assert listed == [{"StreamArn": arn, "TableName": name, "StreamLabel": table["LatestStreamLabel"]}]

    # Disabled: the table shows no stream, the old one stays readable, DISABLED.
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert "StreamSpecification" not in ddb.describe_table(TableName=name)["Table"]
    code, _ = error_of(ddb.update_table, TableName=name, StreamSpecification={"StreamEnabled": False})
    assert code == "ValidationException"
    description = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert description["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in description["Shards"][0]["SequenceNumberRange"]
    records, next_iterator = all_records(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT"]
    assert next_iterator is None  # a closed shard read to its end
    ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
    assert len(all_records(streams, arn)[0]) == 1

    # Enabled again: a new stream, a new label.
    out = ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    new_arn = out["TableDescription"]["LatestStreamArn"]
    assert new_arn != arn
    assert {s["StreamArn"] for s in streams.list_streams(TableName=name)["Streams"]} == {arn, new_arn}

    missing = arn[:arn.rindex("/stream/")] + "/stream/2000-01-01T00:00:00.000"  # a label no stream has
    code, message = error_of(streams.describe_stream, StreamArn=missing)
    assert (code, message) == ("ResourceNotFoundException",
                               "Requested resource not found: Stream: " + missing + " not found")


@pytest.mark.parametrize("view_type", ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"])
def test_view_types_shape_the_images(nuage, view_type):
    ddb = nuage.client("dynamodb")
    streams = nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb, view_type)
    ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "v": {"N": "1"}, "b": {"B": b"\x00\x01"}})
    ddb.update_item(TableName=name, Key={"pk": {"S": "k"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName=name, Key={"pk": {"S": "k"}})
    records, _ = all_records(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    new = view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES")
    old = view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES")
    images = [(r["dynamodb"].get("NewImage"), r["dynamodb"].get("OldImage")) for r in records]
    v1 = {"pk": {"S": "k"}, "v": {"N": "1"}, "b": {"B": b"\x00\x01"}}
    v2 = dict(v1, v={"N": "2"})
    assert images == [(v1 if new else None, None), (v2 if new else None, v1 if old else None),
                      (None, v2 if old else None)]
    for r in records:
        assert r["eventVersion"] == "1.1" and r["eventSource"] == "aws:dynamodb" and r["awsRegion"] == "us-east-1"
        assert r["dynamodb"]["Keys"] == {"pk": {"S": "k"}}
        assert r["dynamodb"]["StreamViewType"] == view_type
        assert r["dynamodb"]["SizeBytes"] > 0
        assert len(r["dynamodb"]["SequenceNumber"]) == 21
        assert "userIdentity" not in r
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3
    assert len({r["eventID"] for r in records}) == 3


def test_every_write_path_and_no_op_writes(nuage):
    ddb = nuage.client("dynamodb")
    streams = nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb)
    other, _ = streamed_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x"}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "v": {"S": "x"}})  # the same item: no record
    ddb.update_item(TableName=name, Key={"pk": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"S": "x"}})  # changes nothing: no record
    ddb.delete_item(TableName=name, Key={"pk": {"S": "absent"}})  # nothing there: no record
    with pytest.raises(botocore.exceptions.ClientError):
        ddb.put_item(TableName=name, Item={"pk": {"S": "a"}}, ConditionExpression="attribute_not_exists(pk)")
    ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": {"S": "b"}}}},
                                              {"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "c"}}}},
        {"Update": {"TableName": name, "Key": {"pk": {"S": "b"}}, "UpdateExpression": "SET n = :n",
                    "ExpressionAttributeValues": {":n": {"N": "5"}}}},
        {"Put": {"TableName": other, "Item": {"pk": {"S": "elsewhere"}}}}])
    with pytest.raises(botocore.exceptions.ClientError):  # cancelled: no record
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": name, "Item": {"pk": {"S": "d"}}}},
            {"ConditionCheck": {"TableName": name, "Key": {"pk": {"S": "zz"}},
                                "ConditionExpression": "attribute_exists(pk)"}}])
    records, _ = all_records(streams, arn)
    seen = [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in records]
    assert seen == [("INSERT", "a"), ("INSERT", "b"), ("REMOVE", "a"), ("INSERT", "c"), ("MODIFY", "b")]
    assert records[4]["dynamodb"]["NewImage"] == {"pk": {"S": "b"}, "n": {"N": "5"}}
    assert records[4]["dynamodb"]["OldImage"] == {"pk": {"S": "b"}}


def test_ttl_removals_carry_the_service_identity(fresh_nuage):
    freeze(fresh_nuage)
    ddb = fresh_nuage.client("dynamodb")
    streams = fresh_nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb)
    advance(fresh_nuage, 1)  # CREATING until the clock moves
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    soon = 1893456000 + 60  # 2030-01-01 + 1 minute
    ddb.put_item(TableName=name, Item={"pk": {"S": "t"}, "exp": {"N": str(soon)}})
    ddb.put_item(TableName=name, Item={"pk": {"S": "kept"}})
    advance(fresh_nuage, 120)
    records, _ = all_records(streams, arn)
    assert [r["eventName"] for r in records] == ["INSERT", "INSERT", "REMOVE"]
    removal = records[2]
    assert removal["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}
    assert removal["dynamodb"]["OldImage"] == {"pk": {"S": "t"}, "exp": {"N": str(soon)}}
    assert removal["dynamodb"]["Keys"] == {"pk": {"S": "t"}}
    assert "userIdentity" not in records[0]


def test_iterator_types_limits_and_expiry(fresh_nuage):
    freeze(fresh_nuage)
    ddb = fresh_nuage.client("dynamodb")
    streams = fresh_nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb, "KEYS_ONLY")
    advance(fresh_nuage, 1)
    for i in range(5):
        ddb.put_item(TableName=name, Item={"pk": {"S": str(i)}})
    records, _ = all_records(streams, arn)
    numbers = [r["dynamodb"]["SequenceNumber"] for r in records]
    keys = lambda rs: [r["dynamodb"]["Keys"]["pk"]["S"] for r in rs]
    assert keys(all_records(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=numbers[2])[0]) == ["2", "3", "4"]
    assert keys(all_records(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=numbers[2])[0]) == ["3", "4"]
    latest, next_iterator = all_records(streams, arn, "LATEST")
    assert latest == []
    ddb.put_item(TableName=name, Item={"pk": {"S": "after"}})
    assert keys(streams.get_records(ShardIterator=next_iterator)["Records"]) == ["after"]

    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = streams.get_records(ShardIterator=it, Limit=2)
    assert keys(page["Records"]) == ["0", "1"]
    assert keys(streams.get_records(ShardIterator=page["NextShardIterator"], Limit=2)["Records"]) == ["2", "3"]
    code, _ = error_of(streams.get_records, ShardIterator=it, Limit=1001)
    assert code == "ValidationException"
    code, _ = error_of(streams.get_records, ShardIterator="not-an-iterator")
    assert code == "ValidationException"
    code, message = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId="shardId-00000000000000000000-00000000",
                             ShardIteratorType="LATEST")
    assert code == "ResourceNotFoundException"
    code, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER")
    assert code == "ValidationException"

    # An iterator lives 15 minutes of nuage's clock.
    advance(fresh_nuage, 14 * 60)
    streams.get_records(ShardIterator=it)
    advance(fresh_nuage, 2 * 60)
    code, message = error_of(streams.get_records, ShardIterator=it)
    assert code == "ExpiredIteratorException"
    assert message == "The provided iterator exceeds the maximum age allowed."


def test_retention_trims_after_24_hours_of_the_clock(fresh_nuage):
    freeze(fresh_nuage)
    ddb = fresh_nuage.client("dynamodb")
    streams = fresh_nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb, "KEYS_ONLY")
    advance(fresh_nuage, 1)
    ddb.put_item(TableName=name, Item={"pk": {"S": "old"}})
    old = all_records(streams, arn)[0][0]["dynamodb"]["SequenceNumber"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    advance(fresh_nuage, 12 * 3600)
    ddb.put_item(TableName=name, Item={"pk": {"S": "new"}})
    advance(fresh_nuage, 12 * 3600 - 5 * 60)
    horizon = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    advance(fresh_nuage, 10 * 60)  # "old" is 24 h 5 min old: trimmed; the iterator is 10 minutes old
    code, _ = error_of(streams.get_records, ShardIterator=horizon)
    assert code == "TrimmedDataAccessException"
    keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in all_records(streams, arn)[0]]
    assert keys == ["new"]
    code, _ = error_of(streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
                       ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=old)
    assert code == "TrimmedDataAccessException"

    # A disabled stream is forgotten 24 hours later.
    ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
    assert streams.list_streams(TableName=name)["Streams"]
    advance(fresh_nuage, 25 * 3600)
    assert streams.list_streams(TableName=name)["Streams"] == []


def test_deleted_table_keeps_its_stream_readable(nuage):
    ddb = nuage.client("dynamodb")
    streams = nuage.client("dynamodbstreams")
    name, arn = streamed_table(ddb)
    ddb.put_item(TableName=name, Item={"pk": {"S": "x"}})
    ddb.delete_table(TableName=name)
    assert streams.describe_stream(StreamArn=arn)["StreamDescription"]["StreamStatus"] == "DISABLED"
    assert len(all_records(streams, arn)[0]) == 1


def test_list_streams_pages(nuage):
    ddb = nuage.client("dynamodb")
    streams = nuage.client("dynamodbstreams")
    prefix = "pg-" + uuid.uuid4().hex[:6]
    arns = sorted(streamed_table(ddb, "KEYS_ONLY", name=f"{prefix}-{i}")[1] for i in range(3))
    seen, start = [], None
    while True:
        kwargs = {"Limit": 2}
        if start:
            kwargs["ExclusiveStartStreamArn"] = start
        page = streams.list_streams(**kwargs)
        seen += [s["StreamArn"] for s in page["Streams"]]
        start = page.get("LastEvaluatedStreamArn")
        if not start:
            break
    assert [a for a in seen if prefix in a] == arns


def test_acknowledged_records_survive_kill_9(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ddb = server.client("dynamodb")
    name, arn = streamed_table(ddb, "NEW_IMAGE")
    for i in range(20):
        ddb.put_item(TableName=name, Item={"pk": {"S": f"k{i}"}, "i": {"N": str(i)}})
    before, _ = all_records(server.client("dynamodbstreams"), arn)
    server.stop(signal.SIGKILL)
    server = start_nuage(data_dir=data_dir)
    streams = server.client("dynamodbstreams")
    after, _ = all_records(streams, arn)
    assert after == before and len(after) == 20
    server.client("dynamodb").put_item(TableName=name, Item={"pk": {"S": "later"}})
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in all_records(streams, arn)[0]]
    assert numbers == sorted(numbers) and len(set(numbers)) == 21


@pytest.mark.parametrize("version", [1, 2])
def test_both_clis_read_a_stream(nuage, version):
    ddb = nuage.client("dynamodb")
    name = f"cli{version}-" + uuid.uuid4().hex[:6]
    out = nuage.cli("dynamodb", "create-table", "--table-name", name, "--billing-mode", "PAY_PER_REQUEST",
                    "--attribute-definitions", "AttributeName=pk,AttributeType=S",
                    "--key-schema", "AttributeName=pk,KeyType=HASH",
                    "--stream-specification", "StreamEnabled=true,StreamViewType=NEW_IMAGE", version=version)
    arn = out["TableDescription"]["LatestStreamArn"]
    ddb.put_item(TableName=name, Item={"pk": {"S": "cli"}})
    listed = nuage.cli("dynamodbstreams", "list-streams", "--table-name", name, version=version)
    assert [s["StreamArn"] for s in listed["Streams"]] == [arn]
    described = nuage.cli("dynamodbstreams", "describe-stream", "--stream-arn", arn, version=version)
    shard = described["StreamDescription"]["Shards"][0]["ShardId"]
    it = nuage.cli("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                   "--shard-iterator-type", "TRIM_HORIZON", version=version)["ShardIterator"]
    records = nuage.cli("dynamodbstreams", "get-records", "--shard-iterator", it, version=version)["Records"]
    assert [(r["eventName"], r["dynamodb"]["NewImage"]) for r in records] == [("INSERT", {"pk": {"S": "cli"}})]
    res = nuage.cli("dynamodbstreams", "describe-stream", "--stream-arn", arn + "x", version=version, check=False)
    assert res.returncode != 0 and "ResourceNotFoundException" in res.stderr
