#!/usr/bin/env python3
"""DynamoDB Streams benchmark (issues 17/18): how long a write takes to reach
the Lambda function of a stream's event source mapping.

  1. write → delivery: --writes PutItems, one every --gap seconds, on a table
     whose NEW_IMAGE stream feeds a Python function through a mapping
     (BatchSize 1, TRIM_HORIZON). The client notes time.time() just before
     each PutItem; the handler prints time.time() when it is handed the
     record; latency = the handler's time - the client's (same machine, same
     clock). p50 / p95 / max.
  2. beside it, the same measure for an SQS mapping (SendMessage → handler),
     the delivery nuage already had, so the stream path can be judged
     against it on the same machine and load.

moto's server runs Lambda code only through Docker, which this machine does
not offer, so there is no moto figure for this work.

    python3 bench/dynamodb_streams.py [--writes 200] [--gap 0.05]
"""

import io
import json
import time
import zipfile

import common

HANDLER = """
import json, time
def lambda_handler(event, context):
    now = time.time()
    for r in event["Records"]:
        key = r["dynamodb"]["Keys"]["pk"]["S"] if "dynamodb" in r else r["body"]
        print("ARRIVED %s %.6f" % (key, now))
"""
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
ACTIONS = ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams",
           "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility",
           "logs:*"]


def zip_code():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", HANDLER)
    return buf.getvalue()


def make_function(server, name):
    iam = common.client(server, "iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ACTIONS, "Resource": "*"}]}))
    common.client(server, "lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": zip_code()}, Timeout=30)
    return name


def arrivals(server, function, expected, timeout=120):
    """{key: handler time} from the function's log lines, waiting for `expected` of them."""
    logs = common.client(server, "logs")
    deadline = time.time() + timeout
    found = {}
    while time.time() < deadline:
        found = {}
        kwargs = {"logGroupName": f"/aws/lambda/{function}"}
        try:
            while True:
                page = logs.filter_log_events(**kwargs)
                for e in page["events"]:
                    for line in e["message"].splitlines():
                        if line.startswith("ARRIVED "):
                            _, key, at = line.split()
                            found.setdefault(key, float(at))
                if not page.get("nextToken"):
                    break
                kwargs["nextToken"] = page["nextToken"]
        except Exception:
            pass
        if len(found) >= expected:
            return found
        time.sleep(0.5)
    raise RuntimeError(f"only {len(found)} of {expected} deliveries arrived")


def measure(server, args, write):
    """Latencies (ms) of --writes writes made by write(key)."""
    sent = {}
    for i in range(args.writes):
        key = f"k{i:05d}"
        sent[key] = time.time()
        write(key)
        time.sleep(args.gap)
    return sent


def stream_latencies(server, args):
    ddb = common.client(server, "dynamodb")
    function = make_function(server, "stream-bench")
    arn = ddb.create_table(TableName="bench", BillingMode="PAY_PER_REQUEST",
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
                           )["TableDescription"]["LatestStreamArn"]
    common.client(server, "lambda").create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", BatchSize=1)
    # A first write warms the function's environment, outside the measure.
    ddb.put_item(TableName="bench", Item={"pk": {"S": "warm"}})
    arrivals(server, function, 1)
    sent = measure(server, args, lambda key: ddb.put_item(TableName="bench", Item={"pk": {"S": key}}))
    got = arrivals(server, function, len(sent) + 1)
    return [(got[k] - t) * 1000 for k, t in sent.items()]


def sqs_latencies(server, args):
    sqs = common.client(server, "sqs")
    function = make_function(server, "sqs-bench")
    url = sqs.create_queue(QueueName="bench")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    common.client(server, "lambda").create_event_source_mapping(FunctionName=function, EventSourceArn=arn,
                                                                BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="warm")
    arrivals(server, function, 1)
    sent = measure(server, args, lambda key: sqs.send_message(QueueUrl=url, MessageBody=key))
    got = arrivals(server, function, len(sent) + 1)
    return [(got[k] - t) * 1000 for k, t in sent.items()]


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--gap", type=float, default=0.05, help="seconds between writes")
    args = ap.parse_args()
    args.writes = max(1, min(args.writes, 5000))
    common.header("DynamoDB stream → Lambda delivery")
    rows = [["write → handler (ms)", "p50", "p95", "max"]]
    with common.nuage_server(args.nuage) as server:
        for label, run in (("PutItem → stream mapping", stream_latencies), ("SendMessage → SQS mapping", sqs_latencies)):
            lat = run(server, args)
            rows.append([label, f"{common.pct(lat, 50):.2f}", f"{common.pct(lat, 95):.2f}", f"{max(lat):.2f}"])
    common.table(rows)
    print(f"load average after: {common.load()}")


if __name__ == "__main__":
    main()
