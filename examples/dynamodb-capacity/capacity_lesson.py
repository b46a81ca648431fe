#!/usr/bin/env python3
"""DynamoDB read and write capacity, seen on a table (seed 001, lesson 5).

1 RCU = one strongly consistent read per second of an item up to 4 KB, or
two eventually consistent ones; 1 WCU = one write per second of an item up
to 1 KB; secondary indexes consume throughput too; exceed the capacity and
you are throttled.

The script creates a PROVISIONED table at 2 RCU / 1 WCU with a global
secondary index at 1 WCU, prints the ConsumedCapacity of each operation
(item sizes on both sides of the 1 KB and 4 KB boundaries, strong and
eventual reads, index writes), then, on nuage's clock, drives the table to
its throttling point: the 300 s of burst it keeps, the throttle, and
exactly one second's capacity once the clock moves one second.

    python3 capacity_lesson.py --endpoint http://127.0.0.1:4566

The throttling part moves nuage's clock (POST /_nuage/clock); the table is
deleted at the end.
"""
import argparse
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

TABLE = "capacity-lesson"
KB = 1024


def item(pk, size, **extra):
    """An item of exactly `size` bytes as DynamoDB meters it (names + values)."""
    attrs = {"pk": {"S": pk}, **{k: {"S": v} for k, v in extra.items()}}
    used = sum(len(k) + len(v["S"]) for k, v in attrs.items())
    attrs["data"] = {"S": "x" * (size - used - len("data"))}
    return attrs


def clock(endpoint, **body):
    req = urllib.request.Request(endpoint + "/_nuage/clock", data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


def is_throttle(exc):
    return getattr(exc, "response", {}).get("Error", {}).get("Code") == "ProvisionedThroughputExceededException"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:4566")
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()
    # No retries: the point is to see each throttle, not to hide it.
    ddb = boto3.client("dynamodb", endpoint_url=args.endpoint, region_name=args.region,
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"mode": "standard", "total_max_attempts": 1}))

    clock(args.endpoint, freeze=True)
    ddb.create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "category", "AttributeType": "S"}],
        ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 1},
        GlobalSecondaryIndexes=[{"IndexName": "by-category",
                                 "KeySchema": [{"AttributeName": "category", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "KEYS_ONLY"},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}])
    clock(args.endpoint, advance=1)  # CREATING -> ACTIVE
    print(f"table {TABLE}: 2 RCU, 1 WCU; index by-category: 1 RCU, 1 WCU")

    print("\n== what each operation consumes ==")
    print(f"{'item size':>10} | {'PutItem WCU':>11} | {'strong GetItem RCU':>18} | {'eventual GetItem RCU':>20}")
    for size in (1 * KB, 1 * KB + 1, 4 * KB, 4 * KB + 1, 8 * KB + 1):
        pk = f"size-{size}"
        put = ddb.put_item(TableName=TABLE, Item=item(pk, size), ReturnConsumedCapacity="TOTAL")
        strong = ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True,
                              ReturnConsumedCapacity="TOTAL")
        eventual = ddb.get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ReturnConsumedCapacity="TOTAL")
        print(f"{size:>10} | {put['ConsumedCapacity']['CapacityUnits']:>11g} | "
              f"{strong['ConsumedCapacity']['CapacityUnits']:>18g} | "
              f"{eventual['ConsumedCapacity']['CapacityUnits']:>20g}")
    missing = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "nobody"}}, ReturnConsumedCapacity="TOTAL")
    print(f"a missing item still costs {missing['ConsumedCapacity']['CapacityUnits']:g} RCU (eventual)")
    query = ddb.query(TableName=TABLE, KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": f"size-{4 * KB + 1}"}}, ConsistentRead=True,
                      ReturnConsumedCapacity="TOTAL")
    print(f"Query of one 4097-byte item, strong: {query['ConsumedCapacity']['CapacityUnits']:g} RCU")

    print("\n== secondary indexes consume throughput too ==")
    for label, pk, extra in (("put, not in the index", "gsi-a", {}),
                             ("put, into the index", "gsi-b", {"category": "books"}),
                             ("overwrite, index key changed", "gsi-b", {"category": "films"})):
        out = ddb.put_item(TableName=TABLE, Item=item(pk, 500, **extra), ReturnConsumedCapacity="INDEXES")
        cap = out["ConsumedCapacity"]
        index = cap.get("GlobalSecondaryIndexes", {}).get("by-category", {}).get("CapacityUnits", 0)
        print(f"{label:<30} table {cap['Table']['CapacityUnits']:g} WCU + index {index:g} WCU")

    print("\n== the throttling point (nuage's clock is frozen) ==")
    # 1 WCU keeps up to 300 s of unused capacity as burst. What the writes
    # above used comes back as the clock moves: advance past the burst.
    clock(args.endpoint, advance=300)
    served = 0
    for i in range(1000):  # bounded: the burst is 300
        try:
            ddb.put_item(TableName=TABLE, Item=item(f"burst-{i}", 1 * KB))
            served += 1
        except Exception as exc:  # noqa: BLE001 - a throttle is what we wait for
            if not is_throttle(exc):
                raise
            reasons = exc.response.get("ThrottlingReasons", [])
            print(f"burst: {served} writes of 1 KB served, then ProvisionedThroughputExceededException")
            for r in reasons:
                print(f"  reason {r['reason']} on {r['resource']}")
            break
    for seconds in (1, 5):
        clock(args.endpoint, advance=seconds)
        ok = 0
        for i in range(seconds + 1):
            try:
                ddb.put_item(TableName=TABLE, Item=item(f"refill-{seconds}-{i}", 1 * KB))
                ok += 1
            except Exception as exc:  # noqa: BLE001
                if not is_throttle(exc):
                    raise
        print(f"clock +{seconds}s: {ok} of {seconds + 1} writes of 1 KB served (1 WCU x {seconds} s)")
    # The index's own capacity: an overwrite that changes the index key
    # costs the table 1 WCU but the index 2 (a delete and a put), so the
    # index runs out first, and a write it cannot take is refused whole.
    clock(args.endpoint, advance=300)
    written = 0
    for i in range(1000):  # bounded: the index's burst is 300
        try:
            ddb.put_item(TableName=TABLE, Item=item("moving", 100, category=f"c{i % 2}"))
            written += 1
        except Exception as exc:  # noqa: BLE001
            if not is_throttle(exc):
                raise
            reason = exc.response["ThrottlingReasons"][0]["reason"]
            print(f"index key changes: {written} writes served, then {reason}")
            break

    ddb.delete_table(TableName=TABLE)
    clock(args.endpoint, resume=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
