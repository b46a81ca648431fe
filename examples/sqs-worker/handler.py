"""An SQS worker: each message is an order {"orderId", "items": [{"sku",
"quantity", "price"}]}; the worker stores it with its total in the DynamoDB
table named by $TABLE. A message it cannot process is reported in
batchItemFailures, so only that one stays in the queue (the mapping has
ReportBatchItemFailures); after maxReceiveCount receives the queue's redrive
policy moves it to the dead-letter queue."""
import json
import os
from decimal import Decimal

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def process(record):
    order = json.loads(record["body"], parse_float=Decimal)
    items = order["items"]
    total = sum(Decimal(item["quantity"]) * Decimal(item["price"]) for item in items)
    table.put_item(Item={
        "orderId": str(order["orderId"]),
        "items": len(items),
        "total": total,
        "messageId": record["messageId"],
        "receiveCount": int(record["attributes"]["ApproximateReceiveCount"]),
    })


def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            process(record)
        except (ValueError, KeyError, TypeError) as e:
            print(f"cannot process {record['messageId']}: {e!r}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
