"""Lambda event source mappings on DynamoDB streams, end to end: a Python
function receives AWS's stream event (INSERT, MODIFY, REMOVE in order), the
mapping's members and refusals, FilterCriteria on the record, a failing
batch retried (blocking the shard) then sent to the OnFailure queue with
AWS's DDBStreamBatchInfo, ReportBatchItemFailures retrying from the failed
record, a disabled mapping holding records back, and a restart resuming
from the checkpoint."""
import json
import uuid

import botocore.exceptions
import pytest

from lambda_helpers import create_python, logged_events, make_role, unique, wait_for

HANDLER = """
import json
def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    failures = []
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage", {})
        word = image.get("word", {}).get("S", "")
        if word.startswith("boom"):
            raise Exception("boom")
        if word.startswith("bad"):
            failures.append({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})
    return {"batchItemFailures": failures}
"""

READER_ACTIONS = ["dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
                  "dynamodb:ListStreams", "sqs:SendMessage", "logs:*"]


def worker(server, actions=READER_ACTIONS):
    return create_python(server, make_role(server, actions), HANDLER)


def streamed_table(server, view_type="NEW_AND_OLD_IMAGES"):
    name = unique("tbl")
    out = server.client("dynamodb").create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": view_type})
    return name, out["TableDescription"]["LatestStreamArn"]


def records(server, function):
    return [r for e in logged_events(server, function) for r in e["Records"]]


def put(server, table, pk, word="hello"):
    server.client("dynamodb").put_item(TableName=table, Item={"pk": {"S": pk}, "word": {"S": word}})


def test_event_shape_and_order(nuage):
    function = worker(nuage)
    table, arn = streamed_table(nuage)
    lam = nuage.client("lambda")
    mapping = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn,
                                              StartingPosition="TRIM_HORIZON")
    assert mapping["State"] == "Creating" and mapping["BatchSize"] == 100
    assert mapping["StartingPosition"] == "TRIM_HORIZON" and mapping["MaximumRetryAttempts"] == -1
    assert mapping["MaximumRecordAgeInSeconds"] == -1 and mapping["BisectBatchOnFunctionError"] is False
    assert mapping["ParallelizationFactor"] == 1 and mapping["DestinationConfig"] == {"OnFailure": {}}
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
    ddb = nuage.client("dynamodb")
    put(nuage, table, "a", "one")
    ddb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET word = :w",
                    ExpressionAttributeValues={":w": {"S": "two"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "a"}})
    got = wait_for(lambda: len(records(nuage, function)) >= 3 and records(nuage, function))
    assert [r["eventName"] for r in got] == ["INSERT", "MODIFY", "REMOVE"]
    first = got[0]
    assert list(first) == ["eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                           "eventSourceARN"]
    assert (first["eventVersion"], first["eventSource"], first["awsRegion"], first["eventSourceARN"]) == (
        "1.1", "aws:dynamodb", "us-east-1", arn)
    d = first["dynamodb"]
    assert list(d) == ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes",
                       "StreamViewType"]
    assert d["Keys"] == {"pk": {"S": "a"}} and d["NewImage"] == {"pk": {"S": "a"}, "word": {"S": "one"}}
    assert got[1]["dynamodb"]["OldImage"]["word"] == {"S": "one"}
    assert got[1]["dynamodb"]["NewImage"]["word"] == {"S": "two"}
    assert got[2]["dynamodb"]["OldImage"]["word"] == {"S": "two"} and "NewImage" not in got[2]["dynamodb"]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in got]
    assert numbers == sorted(numbers)


def test_mapping_refusals(nuage):
    lam = nuage.client("lambda")
    function = worker(nuage)
    table, arn = streamed_table(nuage)

    def refused(**kwargs):
        with pytest.raises(botocore.exceptions.ClientError) as e:
            lam.create_event_source_mapping(FunctionName=kwargs.pop("function", function), EventSourceArn=arn,
                                            **kwargs)
        return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]

    assert refused()[0] == "InvalidParameterValueException"  # StartingPosition is required
    assert refused(StartingPosition="AT_TIMESTAMP")[0] == "InvalidParameterValueException"
    assert refused(StartingPosition="LATEST", MaximumRecordAgeInSeconds=10)[0] == "InvalidParameterValueException"
    assert refused(StartingPosition="LATEST", ScalingConfig={"MaximumConcurrency": 2})[0] == \
        "InvalidParameterValueException"
    assert refused(StartingPosition="LATEST",
                   DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::bucket"}})[0] == \
        "InvalidParameterValueException"
    blind = create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER)
    code, message = refused(function=blind, StartingPosition="LATEST")
    assert code == "InvalidParameterValueException" and message.startswith("Cannot access stream " + arn)
    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []


def test_filters_select_records(nuage):
    function = worker(nuage)
    table, arn = streamed_table(nuage)
    nuage.client("lambda").create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
        FilterCriteria={"Filters": [{"Pattern": json.dumps(
            {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"word": {"S": [{"prefix": "keep"}]}}}})}]})
    put(nuage, table, "1", "drop-me")
    put(nuage, table, "2", "keep-me")
    nuage.client("dynamodb").delete_item(TableName=table, Key={"pk": {"S": "2"}})
    put(nuage, table, "3", "keep-too")
    got = wait_for(lambda: len(records(nuage, function)) >= 2 and records(nuage, function))
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got] == ["2", "3"]


def test_failing_batch_retried_then_sent_to_the_on_failure_queue(nuage):
    function = worker(nuage)
    table, arn = streamed_table(nuage)
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName=unique("onfail"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    nuage.client("lambda").create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", MaximumRetryAttempts=2,
        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    put(nuage, table, "x", "boom")
    messages = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"))
    failure = json.loads(messages[0]["Body"])
    assert failure["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert failure["requestContext"]["approximateInvokeCount"] == 3
    assert failure["responseContext"]["functionError"] == "Unhandled"
    info = failure["DDBStreamBatchInfo"]
    assert info["streamArn"] == arn and info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"]
    # The shard moved on after the failure: the next record is delivered.
    put(nuage, table, "y", "fine")
    got = wait_for(lambda: [r for r in records(nuage, function) if r["dynamodb"]["Keys"]["pk"]["S"] == "y"])
    assert len(got) == 1
    attempts = [r for r in records(nuage, function) if r["dynamodb"]["Keys"]["pk"]["S"] == "x"]
    assert len(attempts) == 3  # the first run and two retries, nothing after "y" came


def test_report_batch_item_failures_retries_from_the_failed_record(nuage):
    function = worker(nuage)
    table, arn = streamed_table(nuage)
    lam = nuage.client("lambda")
    mapping = lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", Enabled=False,
        MaximumRetryAttempts=1, FunctionResponseTypes=["ReportBatchItemFailures"], BatchSize=10,
        MaximumBatchingWindowInSeconds=0)
    put(nuage, table, "1", "ok")
    put(nuage, table, "2", "bad")
    put(nuage, table, "3", "ok")
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    # The batch [1, 2, 3] reports 2: [2, 3] runs again, reports 2 again, and
    # the retries are spent; nothing else runs.
    wait_for(lambda: len(logged_events(nuage, function)) >= 2)
    put(nuage, table, "4", "ok")
    wait_for(lambda: any(r["dynamodb"]["Keys"]["pk"]["S"] == "4" for r in records(nuage, function)))
    batches = [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]] for e in logged_events(nuage, function)]
    assert batches[:2] == [["1", "2", "3"], ["2", "3"]]
    assert batches[2:] == [["4"]]


def test_disabled_mapping_holds_records_and_restart_resumes(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    function = worker(server)
    table, arn = streamed_table(server)
    lam = server.client("lambda")
    mapping = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn,
                                              StartingPosition="TRIM_HORIZON")
    put(server, table, "before")
    wait_for(lambda: len(records(server, function)) == 1)
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    put(server, table, "while-disabled")
    server.stop()
    server = start_nuage(data_dir=data_dir)
    lam = server.client("lambda")
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Disabled"
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    got = wait_for(lambda: len(records(server, function)) >= 2 and records(server, function))
    # From the checkpoint: "before" is not delivered again.
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in got] == ["before", "while-disabled"]


def test_bisect_halves_a_failing_batch_down_to_the_bad_record(nuage):
    function = worker(nuage)
    table, arn = streamed_table(nuage)
    lam = nuage.client("lambda")
    mapping = lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, StartingPosition="TRIM_HORIZON", Enabled=False,
        BisectBatchOnFunctionError=True, MaximumRetryAttempts=0, BatchSize=10)
    assert mapping["BisectBatchOnFunctionError"] is True and mapping["MaximumRetryAttempts"] == 0
    for pk, word in (("a", "ok"), ("b", "ok"), ("c", "boom"), ("d", "ok")):
        put(nuage, table, pk, word)
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=True)
    wait_for(lambda: any(e["Records"][0]["dynamodb"]["Keys"]["pk"]["S"] == "d" and len(e["Records"]) == 1
                         for e in logged_events(nuage, function)))
    batches = [[r["dynamodb"]["Keys"]["pk"]["S"] for r in e["Records"]] for e in logged_events(nuage, function)]
    # Halving is not a retry; the lone bad record runs once (no retries) and is dropped.
    assert batches == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]]
