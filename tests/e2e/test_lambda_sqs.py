"""SQS event source mappings, end to end: the function receives AWS's SQS
event record by record, in batches, filtered; a batch is deleted from the
queue only once the function succeeded (all of it, or all but its
batchItemFailures); failed messages come back after the visibility timeout
on nuage's clock and the queue's redrive policy moves them to the
dead-letter queue; FIFO groups keep their order; mappings are disabled,
enabled and deleted with both CLIs and resume after a restart; a role that
may not read the queue is refused."""
import base64
import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, logged_events, make_role, unique, wait_for

HANDLER = """
import json
def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    failures = []
    for record in event["Records"]:
        if record["body"].startswith("boom"):
            raise Exception("boom")
        if record["body"].startswith("bad"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

POLLER_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                  "sqs:ChangeMessageVisibility", "logs:*"]


def worker(server, **kwargs):
    """A function logging its events, allowed to be an SQS queue's poller."""
    return create_python(server, make_role(server, POLLER_ACTIONS), HANDLER, **kwargs)


def make_queue(server, name, **attributes):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def held(server, url):
    """Messages the queue still holds: (visible, in flight)."""
    a = server.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def records(server, function):
    return [r for e in logged_events(server, function) for r in e["Records"]]


def bodies(server, function):
    return [r["body"] for r in records(server, function)]


def test_event_shape_field_by_field(nuage):
    function = worker(nuage)
    url, arn = make_queue(nuage, unique("shape"))
    lam = nuage.client("lambda")
    mapping = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)
    assert mapping["State"] == "Creating" and mapping["BatchSize"] == 10
    assert mapping["MaximumBatchingWindowInSeconds"] == 0 and mapping["StateTransitionReason"] == "USER_INITIATED"
    assert mapping["FunctionArn"].endswith(":function:" + function) and mapping["EventSourceArn"] == arn
    assert mapping["EventSourceMappingArn"].endswith(":event-source-mapping:" + mapping["UUID"])
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["State"] == "Enabled"
    sent = nuage.client("sqs").send_message(QueueUrl=url, MessageBody="hello worker", MessageAttributes={
        "color": {"DataType": "String", "StringValue": "blue"},
        "raw": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    [record] = wait_for(lambda: records(nuage, function))
    assert list(record) == ["messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                            "md5OfMessageAttributes", "eventSource", "eventSourceARN", "awsRegion"]
    assert record["messageId"] == sent["MessageId"] and record["body"] == "hello worker"
    assert record["receiptHandle"]
    assert record["md5OfBody"] == sent["MD5OfMessageBody"]
    assert record["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == ("aws:sqs", arn, "us-east-1")
    attributes = record["attributes"]
    assert list(attributes) == ["ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                "ApproximateFirstReceiveTimestamp"]
    assert attributes["ApproximateReceiveCount"] == "1" and attributes["SenderId"] == "000000000000"
    assert int(attributes["ApproximateFirstReceiveTimestamp"]) >= int(attributes["SentTimestamp"])
    assert record["messageAttributes"] == {
        "color": {"stringValue": "blue", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "raw": {"binaryValue": base64.b64encode(b"\x00\x01").decode(), "stringListValues": [],
                "binaryListValues": [], "dataType": "Binary"}}
    assert list(record["messageAttributes"]["color"]) == ["stringValue", "stringListValues", "binaryListValues",
                                                          "dataType"]
    # Deleted once the function succeeded.
    wait_for(lambda: held(nuage, url) == (0, 0))


def test_batches_and_the_mapping_api_with_both_clis(nuage):
    function = worker(nuage)
    url, arn = make_queue(nuage, unique("batch"))
    other_url, other_arn = make_queue(nuage, unique("other"))
    # CLI v2 creates it disabled; the messages wait for it.
    mapping = nuage.cli("lambda", "create-event-source-mapping", "--function-name", function,
                        "--event-source-arn", arn, "--batch-size", "5", "--no-enabled", version=2)
    assert mapping["State"] == "Creating" and mapping["BatchSize"] == 5
    uuid = mapping["UUID"]
    assert nuage.cli("lambda", "get-event-source-mapping", "--uuid", uuid)["State"] == "Disabled"
    nuage.client("sqs").send_message_batch(QueueUrl=url, Entries=[
        {"Id": str(i), "MessageBody": f"m{i}"} for i in range(7)])
    # CLI v1 enables it: a batch of five and one of the two left (by a second
    # poller, started because the first batch was full).
    enabled = nuage.cli("lambda", "update-event-source-mapping", "--uuid", uuid, "--enabled")
    assert enabled["State"] == "Enabling"
    wait_for(lambda: len(bodies(nuage, function)) == 7)
    sizes = [len(e["Records"]) for e in logged_events(nuage, function)]
    assert sorted(sizes) == [2, 5] and sorted(bodies(nuage, function)) == [f"m{i}" for i in range(7)]
    wait_for(lambda: held(nuage, url) == (0, 0))
    # Listing: by function, by source, in pages.
    second = nuage.client("lambda").create_event_source_mapping(FunctionName=function, EventSourceArn=other_arn,
                                                                Enabled=False)
    lam = nuage.client("lambda")
    listed = lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"]
    assert {m["UUID"] for m in listed} == {uuid, second["UUID"]}
    [only] = lam.list_event_source_mappings(EventSourceArn=other_arn)["EventSourceMappings"]
    assert only["UUID"] == second["UUID"] and only["State"] == "Disabled"
    page = lam.list_event_source_mappings(FunctionName=function, MaxItems=1)
    assert len(page["EventSourceMappings"]) == 1 and page["NextMarker"]
    rest = lam.list_event_source_mappings(FunctionName=function, Marker=page["NextMarker"])
    assert {m["UUID"] for m in page["EventSourceMappings"] + rest["EventSourceMappings"]} == {uuid, second["UUID"]}
    listed_v2 = nuage.cli("lambda", "list-event-source-mappings", "--event-source-arn", arn, version=2)
    assert [m["UUID"] for m in listed_v2["EventSourceMappings"]] == [uuid]
    # The same queue and function twice: a conflict.
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)
    assert e.value.response["Error"]["Code"] == "ResourceConflictException" and uuid in str(e.value)


def test_filter_criteria_drop_and_delete_what_does_not_match(nuage):
    function = worker(nuage)
    url, arn = make_queue(nuage, unique("filter"))
    lam = nuage.client("lambda")
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn,
                                        FilterCriteria={"Filters": [{"Pattern": '{"body": "not a list"}'}]})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    uuid = lam.create_event_source_mapping(
        FunctionName=function, EventSourceArn=arn, Enabled=False,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})},
                                    {"Pattern": json.dumps({"body": [{"prefix": "urgent"}]})}]})["UUID"]
    sqs = nuage.client("sqs")
    for body in ['{"kind": "order", "id": 1}', '{"kind": "refund"}', "urgent: plain text", "plain text"]:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    # Messages no filter matches are deleted too, as AWS does.
    wait_for(lambda: held(nuage, url) == (0, 0))
    assert sorted(bodies(nuage, function)) == sorted(['{"kind": "order", "id": 1}', "urgent: plain text"])
    assert lam.get_event_source_mapping(UUID=uuid)["FilterCriteria"]["Filters"][0]["Pattern"]


def test_partial_batch_failure_and_redrive_to_the_dead_letter_queue_on_the_clock(fresh_nuage):
    server = fresh_nuage
    server.admin("POST", "/_nuage/clock", {"freeze": True})
    function = worker(server)
    dlq_url, dlq_arn = make_queue(server, "worker-dlq")
    url, arn = make_queue(server, "worker", VisibilityTimeout="30", RedrivePolicy=json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}))
    lam = server.client("lambda")
    uuid = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, Enabled=False,
                                           FunctionResponseTypes=["ReportBatchItemFailures"])["UUID"]
    assert lam.get_event_source_mapping(UUID=uuid)["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    sqs = server.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "good one"},
                                                  {"Id": "b", "MessageBody": "bad one"}])
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    # Only the reported failure stays, in flight until its visibility timeout.
    wait_for(lambda: held(server, url) == (0, 1))
    assert sorted(bodies(server, function)) == ["bad one", "good one"]
    server.admin("POST", "/_nuage/clock", {"advance": "31s"})
    wait_for(lambda: len(records(server, function)) == 3 and held(server, url) == (0, 1))
    again = records(server, function)[-1]
    assert again["body"] == "bad one" and again["attributes"]["ApproximateReceiveCount"] == "2"
    # Received maxReceiveCount times: the next receive moves it to the DLQ.
    server.admin("POST", "/_nuage/clock", {"advance": "31s"})
    wait_for(lambda: held(server, dlq_url) == (1, 0) and held(server, url) == (0, 0))
    [moved] = sqs.receive_message(QueueUrl=dlq_url)["Messages"]
    assert moved["Body"] == "bad one"
    assert len(records(server, function)) == 3


def test_a_failing_batch_stays_whole_and_returns_after_the_visibility_timeout(fresh_nuage):
    server = fresh_nuage
    server.admin("POST", "/_nuage/clock", {"freeze": True})
    function = worker(server)
    url, arn = make_queue(server, "fails", VisibilityTimeout="10")
    lam = server.client("lambda")
    uuid = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, Enabled=False)["UUID"]
    sqs = server.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "fine"},
                                                  {"Id": "b", "MessageBody": "boom"}])
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_for(lambda: len(records(server, function)) == 2 and held(server, url) == (0, 2))
    server.admin("POST", "/_nuage/clock", {"advance": "11s"})
    wait_for(lambda: len(records(server, function)) == 4)
    assert {r["attributes"]["ApproximateReceiveCount"] for r in records(server, function)[2:]} == {"2"}


def test_fifo_groups_keep_their_order(nuage):
    function = worker(nuage)
    name = unique("ordered") + ".fifo"
    url, arn = make_queue(nuage, name, FifoQueue="true", ContentBasedDeduplication="true")
    lam = nuage.client("lambda")
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, BatchSize=20,
                                        MaximumBatchingWindowInSeconds=1)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, BatchSize=2)
    sqs = nuage.client("sqs")
    sent = [("g1", "g1-1"), ("g2", "g2-1"), ("g1", "g1-2"), ("g1", "g1-3"), ("g2", "g2-2")]
    for group, body in sent:
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    wait_for(lambda: len(records(nuage, function)) == 5)
    got = records(nuage, function)
    for group in ("g1", "g2"):
        assert [r["body"] for r in got if r["attributes"]["MessageGroupId"] == group] == \
            [b for g, b in sent if g == group]
    assert list(got[0]["attributes"]) == ["ApproximateReceiveCount", "SentTimestamp", "SequenceNumber",
                                          "MessageGroupId", "SenderId", "MessageDeduplicationId",
                                          "ApproximateFirstReceiveTimestamp"]
    assert all(len(e["Records"]) <= 2 for e in logged_events(nuage, function))
    wait_for(lambda: held(nuage, url) == (0, 0))


def test_disable_enable_delete(nuage):
    function = worker(nuage)
    url, arn = make_queue(nuage, unique("toggle"))
    lam = nuage.client("lambda")
    uuid = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn)["UUID"]
    assert nuage.cli("lambda", "update-event-source-mapping", "--uuid", uuid, "--no-enabled",
                     version=2)["State"] == "Disabling"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    sqs = nuage.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="while disabled")
    assert sum(held(nuage, url)) == 1 and bodies(nuage, function) == []
    # A poller that was waiting when it was disabled hands its message back.
    wait_for(lambda: held(nuage, url) == (1, 0))
    assert lam.update_event_source_mapping(UUID=uuid, Enabled=True)["State"] == "Enabling"
    wait_for(lambda: bodies(nuage, function) == ["while disabled"])
    wait_for(lambda: held(nuage, url) == (0, 0))
    deleted = nuage.cli("lambda", "delete-event-source-mapping", "--uuid", uuid)
    assert deleted["State"] == "Deleting"
    with pytest.raises(ClientError) as e:
        lam.get_event_source_mapping(UUID=uuid)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert lam.list_event_source_mappings(EventSourceArn=arn)["EventSourceMappings"] == []


def test_mappings_survive_a_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    function = worker(server)
    url, arn = make_queue(server, "durable")
    uuid = server.client("lambda").create_event_source_mapping(FunctionName=function, EventSourceArn=arn)["UUID"]
    assert server.stop() == 0  # the pollers end with nuage
    server = start_nuage(data_dir=data_dir)
    assert server.client("lambda").get_event_source_mapping(UUID=uuid)["State"] == "Enabled"
    server.client("sqs").send_message(QueueUrl=url, MessageBody="after restart")
    wait_for(lambda: bodies(server, function) == ["after restart"])
    wait_for(lambda: held(server, url) == (0, 0))


def test_refusals(nuage):
    lam = nuage.client("lambda")
    url, arn = make_queue(nuage, unique("refuse"))
    reader = create_python(nuage, make_role(nuage, ["sqs:GetQueueAttributes", "logs:*"]), HANDLER)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName=reader, EventSourceArn=arn)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert e.value.response["Error"]["Message"] == \
        "The provided execution role does not have permissions to call ReceiveMessage on SQS"
    function = worker(nuage)
    cases = [
        ({"EventSourceArn": arn, "BatchSize": 100}, "InvalidParameterValueException"),
        ({"EventSourceArn": arn, "StartingPosition": "LATEST"}, "InvalidParameterValueException"),
        ({"EventSourceArn": arn.replace("refuse", "missing")}, "InvalidParameterValueException"),
        # A DynamoDB stream takes StartingPosition (test_lambda_dynamodb_stream.py); Kinesis is not built.
        ({"EventSourceArn": "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2024-01-01T00:00:00.000"},
         "InvalidParameterValueException"),
        ({"EventSourceArn": "arn:aws:kinesis:us-east-1:000000000000:stream/s", "StartingPosition": "LATEST"},
         "NotImplemented"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ClientError) as e:
            lam.create_event_source_mapping(FunctionName=function, **kwargs)
        assert e.value.response["Error"]["Code"] == code, kwargs
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(FunctionName="no-such-function", EventSourceArn=arn)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # A batch over ten needs a batching window.
    created = lam.create_event_source_mapping(FunctionName=function, EventSourceArn=arn, BatchSize=100,
                                              MaximumBatchingWindowInSeconds=2, Enabled=False,
                                              ScalingConfig={"MaximumConcurrency": 2})
    assert created["BatchSize"] == 100 and created["ScalingConfig"] == {"MaximumConcurrency": 2}
    with pytest.raises(ClientError) as e:
        lam.update_event_source_mapping(UUID=created["UUID"], MaximumBatchingWindowInSeconds=0)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lam.get_event_source_mapping(UUID=created["UUID"])["MaximumBatchingWindowInSeconds"] == 2
