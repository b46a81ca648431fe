"""Queues as destinations, end to end: S3 event notifications and SNS
subscriptions delivering to SQS queues as their service principals, so the
queue's policy decides (as on AWS); the s3:TestEvent, the notification
envelope, raw delivery with message attributes, FIFO topic to FIFO queue."""
import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import wait_for

ACCOUNT = "000000000000"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def queue(server, name, principal=None, source_arn=None, **attributes):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if principal:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": principal}, "Action": "sqs:SendMessage",
                "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}}}]})})
    return url, arn


def receive(server, url, count, **kwargs):
    sqs = server.client("sqs")
    got = []

    def more():
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0,
                                MessageAttributeNames=["All"], **kwargs)
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got if len(got) >= count else None

    return wait_for(more)


def test_s3_notifications_reach_a_queue_its_policy_allows(fresh_nuage):
    server = fresh_nuage
    s3 = server.client("s3")
    s3.create_bucket(Bucket="to-queue")
    closed_url, closed_arn = queue(server, "closed")
    config = lambda arn: {"QueueConfigurations": [{"Id": "q", "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket="to-queue", NotificationConfiguration=config(closed_arn))
    assert code_of(e) == "InvalidArgument"
    url, arn = queue(server, "uploads", "s3.amazonaws.com", "arn:aws:s3:::to-queue")
    s3.put_bucket_notification_configuration(Bucket="to-queue", NotificationConfiguration=config(arn))
    [test_event] = receive(server, url, 1)
    body = json.loads(test_event["Body"])
    assert body["Service"] == "Amazon S3" and body["Event"] == "s3:TestEvent" and body["Bucket"] == "to-queue"
    s3.put_object(Bucket="to-queue", Key="a b.txt", Body=b"12345")
    [message] = receive(server, url, 1)
    [record] = json.loads(message["Body"])["Records"]
    assert record["eventName"] == "ObjectCreated:Put" and record["s3"]["object"]["key"] == "a+b.txt"
    assert record["s3"]["object"]["size"] == 5


def test_sns_delivers_to_sqs_envelope_raw_and_fifo(fresh_nuage):
    server = fresh_nuage
    sns = server.client("sns")
    topic = sns.create_topic(Name="fanout")["TopicArn"]
    url, arn = queue(server, "envelope", "sns.amazonaws.com", topic)
    raw_url, raw_arn = queue(server, "raw", "sns.amazonaws.com", topic)
    denied_url, denied_arn = queue(server, "denied")  # no policy: SNS may not send
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={"RawMessageDelivery": "true"})
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=denied_arn)
    published = sns.publish(TopicArn=topic, Message="hello queues", Subject="hi", MessageAttributes={
        "color": {"DataType": "String", "StringValue": "blue"}})
    [m] = receive(server, url, 1)
    note = json.loads(m["Body"])
    assert note["Type"] == "Notification" and note["MessageId"] == published["MessageId"]
    assert note["Message"] == "hello queues" and note["Subject"] == "hi" and note["TopicArn"] == topic
    assert note["MessageAttributes"] == {"color": {"Type": "String", "Value": "blue"}}
    [raw] = receive(server, raw_url, 1)
    assert raw["Body"] == "hello queues"
    assert raw["MessageAttributes"]["color"] == {"StringValue": "blue", "DataType": "String"}
    server.admin("POST", "/_nuage/clock", {"advance": "1s"})
    assert server.client("sqs").receive_message(QueueUrl=denied_url, WaitTimeSeconds=0).get("Messages") is None

    fifo_topic = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    fifo_url, fifo_arn = queue(server, "orders.fifo", "sns.amazonaws.com", fifo_topic, FifoQueue="true")
    sns.subscribe(TopicArn=fifo_topic, Protocol="sqs", Endpoint=fifo_arn, Attributes={"RawMessageDelivery": "true"})
    for i in range(5):
        sns.publish(TopicArn=fifo_topic, Message=f"order-{i}", MessageGroupId="g", MessageDeduplicationId=f"d{i}")
    sns.publish(TopicArn=fifo_topic, Message="order-0 again", MessageGroupId="g", MessageDeduplicationId="d0")
    got = receive(server, fifo_url, 5)
    assert [m["Body"] for m in got] == [f"order-{i}" for i in range(5)]
