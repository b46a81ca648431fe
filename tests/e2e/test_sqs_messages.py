"""SQS messages with boto3: send/receive/delete and their batches, message and
system attributes with the digests AWS computes (checked here independently of
nuage, from AWS's documented encoding), visibility timeouts, delays,
retention and redrive on a frozen clock, FIFO ordering and deduplication,
long polling that wakes when a message arrives, and AWS's errors and limits."""
import hashlib
import json
import struct
import threading

import pytest
from botocore.exceptions import ClientError


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def md5_of_attributes(attributes):
    """AWS's MD5OfMessageAttributes: name, type, transport byte, value, each
    length-prefixed (4 bytes, big-endian), attributes in name order."""
    encoded = b""
    for name in sorted(attributes):
        value = attributes[name]
        field = lambda b: struct.pack(">I", len(b)) + b  # noqa: E731
        encoded += field(name.encode()) + field(value["DataType"].encode())
        if "BinaryValue" in value:
            encoded += b"\x02" + field(value["BinaryValue"])
        else:
            encoded += b"\x01" + field(value["StringValue"].encode())
    return hashlib.md5(encoded).hexdigest()


@pytest.fixture
def frozen(fresh_nuage):
    fresh_nuage.admin("POST", "/_nuage/clock", {"freeze": True})
    return fresh_nuage


def advance(server, seconds):
    server.admin("POST", "/_nuage/clock", {"advance": seconds})


def test_send_receive_delete_with_digests(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="m-basic")["QueueUrl"]
    attributes = {"city": {"DataType": "String", "StringValue": "Any City"},
                  "count": {"DataType": "Number", "StringValue": "42"},
                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
                  "geo.label": {"DataType": "String.custom", "StringValue": "é"}}
    body = "héllo wörld"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["MessageId"] == sent["MessageId"] and m["Body"] == body
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == attributes
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(m["Attributes"]["SentTimestamp"]) > 1_600_000_000_000
    assert m["Attributes"]["SenderId"]
    # Only the attributes asked for, with their own digest.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["city", "geo.*"])["Messages"][0]
    chosen = {"city": attributes["city"], "geo.label": attributes["geo.label"]}
    assert again["MessageAttributes"] == chosen
    assert again["MD5OfMessageAttributes"] == md5_of_attributes(chosen)
    assert again["ReceiptHandle"] != m["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # Deleting again with the same handle succeeds, as on AWS.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert code(e) == "ReceiptHandleIsInvalid"


def test_system_attribute_trace_header(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="m-trace")["QueueUrl"]
    trace = {"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}}
    sent = sqs.send_message(QueueUrl=url, MessageBody="t", MessageSystemAttributes=trace)
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(trace)
    m = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"])["Messages"][0]
    assert m["Attributes"] == {"AWSTraceHeader": trace["AWSTraceHeader"]["StringValue"]}


def test_invalid_messages(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="m-invalid", Attributes={"MaximumMessageSize": "262144"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 262145)
    assert code(e) == "InvalidParameterValue"
    assert "262144" in e.value.response["Error"]["Message"]
    sqs.send_message(QueueUrl=url, MessageBody="x" * 262144)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    assert code(e) == "InvalidMessageContents"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}})
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)})
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert code(e) == "InvalidParameterValue"


def test_batches(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="m-batch")["QueueUrl"]
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "c", "MessageBody": "three", "DelaySeconds": 1000}])
    assert sorted(e["Id"] for e in out["Successful"]) == ["a", "b"]
    assert out["Failed"][0]["Id"] == "c" and out["Failed"][0]["SenderFault"] is True
    assert out["Failed"][0]["Code"] == "InvalidParameterValue"
    b = next(e for e in out["Successful"] if e["Id"] == "b")
    assert b["MD5OfMessageAttributes"] == md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}})
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)] + [
        {"Id": "bad", "ReceiptHandle": "garbage"}])
    assert len(deleted["Successful"]) == 2
    assert deleted["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    for entries, expected in (([], "AWS.SimpleQueueService.EmptyBatchRequest"),
                              ([{"Id": str(i), "MessageBody": "x"} for i in range(11)],
                               "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
                              ([{"Id": "same", "MessageBody": "x"}] * 2,
                               "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
                              ([{"Id": "bad id!", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
                              ([{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)],
                               "AWS.SimpleQueueService.BatchRequestTooLong")):
        with pytest.raises(ClientError) as e:
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert code(e) == expected


def test_visibility_timeout_on_the_clock(frozen):
    sqs = frozen.client("sqs")
    url = sqs.create_queue(QueueName="m-vis", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="v")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(frozen, 29)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(frozen, 1)
    second = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    # The first receipt no longer changes the message.
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=5)
    assert code(e) == "InvalidParameterValue"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=100)
    advance(frozen, 99)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(frozen, 1)
    third = sqs.receive_message(QueueUrl=url, VisibilityTimeout=5)["Messages"][0]
    advance(frozen, 5)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"], VisibilityTimeout=5)
    assert code(e) == "AWS.SimpleQueueService.MessageNotInflight"
    out = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "x", "ReceiptHandle": third["ReceiptHandle"], "VisibilityTimeout": 5}])
    assert out["Failed"][0]["Code"] == "AWS.SimpleQueueService.MessageNotInflight"


def test_delay_and_retention_on_the_clock(frozen):
    sqs = frozen.client("sqs")
    url = sqs.create_queue(QueueName="m-delay", Attributes={"DelaySeconds": "10",
                                                            "MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="own delay", DelaySeconds=20)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    advance(frozen, 10)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["queue delay"]
    advance(frozen, 10)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["own delay"]
    advance(frozen, 60)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_redrive_to_dead_letter_queue(frozen):
    sqs = frozen.client("sqs")
    dlq = sqs.create_queue(QueueName="m-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="m-src", Attributes={
        "VisibilityTimeout": "10",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for count in (1, 2):
        m = sqs.receive_message(QueueUrl=src, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        assert m["Attributes"]["ApproximateReceiveCount"] == str(count)
        advance(frozen, 10)
    # The third receive finds it past maxReceiveCount: it has moved.
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    moved = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"][0]
    assert moved["MessageId"] == sent["MessageId"] and moved["Body"] == "poison"
    assert moved["Attributes"]["DeadLetterQueueSourceArn"] == src_arn


def test_fifo_groups_order_and_dedup(frozen):
    sqs = frozen.client("sqs")
    url = sqs.create_queue(QueueName="m-order.fifo", Attributes={"FifoQueue": "true",
                                                                 "VisibilityTimeout": "30"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert code(e) == "MissingParameter"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g", MessageDeduplicationId="d", DelaySeconds=5)
    assert code(e) == "InvalidParameterValue"
    seqs = []
    for group, body in (("a", "a1"), ("b", "b1"), ("a", "a2"), ("b", "b2"), ("a", "a3")):
        out = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body)
        seqs.append(int(out["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 5
    dup = sqs.send_message(QueueUrl=url, MessageBody="a1 again", MessageGroupId="a", MessageDeduplicationId="a1")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"])["Messages"][0]
    assert first["Body"] == "a1" and dup["MessageId"] == first["MessageId"]
    assert first["Attributes"]["MessageGroupId"] == "a"
    assert first["Attributes"]["MessageDeduplicationId"] == "a1"
    # Group a is blocked while a1 is in flight: b's messages come, in order.
    got = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert got == ["b1", "b2"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    got = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert got == ["a2", "a3"]
    # After the 5-minute window, the same deduplication id is a new message.
    advance(frozen, 301)
    sqs.send_message(QueueUrl=url, MessageBody="a1 later", MessageGroupId="a", MessageDeduplicationId="a1")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert "a1 later" in bodies


def test_fifo_content_based_dedup(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="m-cbd.fifo", Attributes={"FifoQueue": "true",
                                                               "ContentBasedDeduplication": "true"})["QueueUrl"]
    a = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    b = sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")
    c = sqs.send_message(QueueUrl=url, MessageBody="other", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"] != c["MessageId"]
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["MessageDeduplicationId"])["Messages"]
    assert [m["Body"] for m in got] == ["same", "other"]
    assert got[0]["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same").hexdigest()


def test_long_poll_wakes_when_a_message_arrives(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="m-longpoll")["QueueUrl"]
    result = {}
    started = threading.Event()

    def poll():
        started.set()
        result["out"] = nuage.client("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=20)

    t = threading.Thread(target=poll)
    t.start()
    started.wait()
    # The poller may not have reached nuage yet: the message is there either way.
    sqs.send_message(QueueUrl=url, MessageBody="wake")
    t.join(timeout=60)
    assert not t.is_alive()
    assert result["out"]["Messages"][0]["Body"] == "wake"


def poll_in_thread(server, url, **kwargs):
    result = {}
    t = threading.Thread(target=lambda: result.update(out=server.client("sqs").receive_message(QueueUrl=url, **kwargs)))
    t.start()
    return t, result


def advance_until_done(server, thread, seconds):
    """Advances nuage's clock until the polling thread has its answer (the
    poll may reach nuage after an advance: advance again, a bounded number
    of times)."""
    for _ in range(100):
        advance(server, seconds)
        thread.join(timeout=0.2)
        if not thread.is_alive():
            return
    thread.join(timeout=60)


def test_long_poll_ends_on_the_clock(frozen):
    sqs = frozen.client("sqs")
    url = sqs.create_queue(QueueName="m-longpoll-clock")["QueueUrl"]
    t, result = poll_in_thread(frozen, url, WaitTimeSeconds=20)
    advance_until_done(frozen, t, 21)
    assert not t.is_alive()
    assert "Messages" not in result["out"]


def test_long_poll_wakes_when_a_delayed_message_is_due(frozen):
    sqs = frozen.client("sqs")
    url = sqs.create_queue(QueueName="m-longpoll-delay", Attributes={"ReceiveMessageWaitTimeSeconds": "20"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=5)
    t, result = poll_in_thread(frozen, url)
    advance_until_done(frozen, t, 5)
    assert not t.is_alive()
    assert result["out"]["Messages"][0]["Body"] == "later"


def test_messages_survive_kill_and_restart(start_nuage, data_dir):
    import signal
    server = start_nuage(data_dir=data_dir)
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName="m-durable", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    fifo = sqs.create_queue(QueueName="m-durable.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    attributes = {"k": {"DataType": "Binary", "BinaryValue": b"\xff\x00"}}
    sent = [sqs.send_message(QueueUrl=url, MessageBody=f"body {i}", MessageAttributes=attributes)["MessageId"]
            for i in range(20)]
    gone = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=gone["ReceiptHandle"])
    sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g", MessageDeduplicationId="once")
    server.stop(signal.SIGKILL)

    server = start_nuage(data_dir=data_dir)
    sqs = server.client("sqs")
    url = sqs.get_queue_url(QueueName="m-durable")["QueueUrl"]
    fifo = sqs.get_queue_url(QueueName="m-durable.fifo")["QueueUrl"]
    seen = {}
    for _ in range(10):
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60,
                                     MessageAttributeNames=["All"]).get("Messages", []):
            seen[m["MessageId"]] = m
    assert set(seen) == set(sent) - {gone["MessageId"]}
    assert all(m["MessageAttributes"] == attributes for m in seen.values())
    # The deduplication window survives too.
    again = sqs.send_message(QueueUrl=fifo, MessageBody="f2", MessageGroupId="g", MessageDeduplicationId="once")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == ["f"] and again["MessageId"] == got[0]["MessageId"]
    # A clean restart keeps them as well.
    server.stop()
    server = start_nuage(data_dir=data_dir)
    attrs = server.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert int(attrs["ApproximateNumberOfMessagesNotVisible"]) + int(attrs["ApproximateNumberOfMessages"]) == 19
