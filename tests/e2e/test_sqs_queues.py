"""SQS queues with boto3: create (attributes, tags, FIFO names, same name with
other attributes), URLs that route back to nuage, ListQueues with prefix and
pages, attributes and their ranges, delete, purge, tags, permissions and
queue policies judged across accounts."""
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_create_get_url_and_use_the_url_as_endpoint(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="q-url")["QueueUrl"]
    assert url == f"http://localhost:{nuage.port}/000000000000/q-url"
    assert sqs.get_queue_url(QueueName="q-url")["QueueUrl"] == url
    # Idempotent with the same attributes.
    assert sqs.create_queue(QueueName="q-url")["QueueUrl"] == url
    # A client whose endpoint is the queue URL's host reaches nuage too.
    direct = boto3.client("sqs", endpoint_url=url.rsplit("/", 2)[0], region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    direct.send_message(QueueUrl=url, MessageBody="hi")
    assert direct.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hi"
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName="q-missing")
    assert code(e) == "AWS.SimpleQueueService.NonExistentQueue"
    assert e.value.response["Error"]["Message"] == "The specified queue does not exist."
    # boto3's modeled exception matches too.
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_attributes(QueueUrl=url + "-missing", AttributeNames=["All"])


def test_same_name_other_attributes_is_refused(nuage):
    sqs = nuage.client("sqs")
    sqs.create_queue(QueueName="q-exists", Attributes={"VisibilityTimeout": "40"})
    sqs.create_queue(QueueName="q-exists", Attributes={"VisibilityTimeout": "40"})
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q-exists", Attributes={"VisibilityTimeout": "50"})
    assert code(e) == "QueueAlreadyExists"
    assert "VisibilityTimeout" in e.value.response["Error"]["Message"]


def test_names_and_fifo(nuage):
    sqs = nuage.client("sqs")
    for bad, attrs in (("has space", {}), ("x" * 81, {}), ("plain.fifo", {}), ("nofifo", {"FifoQueue": "true"})):
        with pytest.raises(ClientError) as e:
            sqs.create_queue(QueueName=bad, Attributes=attrs)
        assert code(e) == "InvalidParameterValue", bad
    url = sqs.create_queue(QueueName="q-names.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["FifoQueue"] == "true"
    assert attrs["ContentBasedDeduplication"] == "false"
    assert attrs["DeduplicationScope"] == "queue"
    # FIFO-only attributes on a standard queue.
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q-std-cbd", Attributes={"ContentBasedDeduplication": "true"})
    assert code(e) == "InvalidAttributeName"


def test_attributes_defaults_ranges_and_counts(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="q-attrs", Attributes={"DelaySeconds": "0"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:q-attrs"
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["MaximumMessageSize"] == "1048576"
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert int(attrs["CreatedTimestamp"]) > 1_600_000_000
    for name, value in (("VisibilityTimeout", "43201"), ("DelaySeconds", "-1"), ("MaximumMessageSize", "1023"),
                        ("MessageRetentionPeriod", "59"), ("ReceiveMessageWaitTimeSeconds", "21"),
                        ("VisibilityTimeout", "abc")):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
        assert code(e) == "InvalidAttributeValue", (name, value)
        assert e.value.response["Error"]["Message"] == f"Invalid value for the parameter {name}."
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    assert code(e) == "InvalidAttributeName"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "2"})
    only = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"]
    assert only == {"VisibilityTimeout": "45"}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "0"})
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b")
    sqs.send_message(QueueUrl=url, MessageBody="c", DelaySeconds=600)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "1"
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert attrs["ApproximateNumberOfMessagesDelayed"] == "1"
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"])
    assert code(e) in ("InvalidAttributeName", "ValidationException", "InvalidParameterValue")


def test_list_queues_prefix_and_pages(fresh_nuage):
    sqs = fresh_nuage.client("sqs")
    for i in range(7):
        sqs.create_queue(QueueName=f"page-{i}")
    sqs.create_queue(QueueName="other")
    assert len(sqs.list_queues()["QueueUrls"]) == 8
    assert "NextToken" not in sqs.list_queues()
    first = sqs.list_queues(QueueNamePrefix="page-", MaxResults=3)
    assert len(first["QueueUrls"]) == 3 and "NextToken" in first
    seen = list(first["QueueUrls"])
    token = first["NextToken"]
    while token:
        page = sqs.list_queues(QueueNamePrefix="page-", MaxResults=3, NextToken=token)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
    assert [u.rsplit("/", 1)[1] for u in seen] == [f"page-{i}" for i in range(7)]
    paginated = [u for p in sqs.get_paginator("list_queues").paginate(PaginationConfig={"PageSize": 2})
                 for u in p.get("QueueUrls", [])]
    assert len(paginated) == 8
    with pytest.raises(ClientError) as e:
        sqs.list_queues(MaxResults=1001)
    assert code(e) == "InvalidParameterValue"
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="zzz")


def test_delete_and_purge(fresh_nuage):
    sqs = fresh_nuage.client("sqs")
    url = sqs.create_queue(QueueName="q-purge")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    assert code(e) == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 61})
    sqs.purge_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert code(e) == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q-purge")
    assert code(e) == "AWS.SimpleQueueService.QueueDeletedRecently"
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 61})
    sqs.create_queue(QueueName="q-purge")


def test_tags(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="q-tags", tags={"team": "a"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev", "team": "b"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "b", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    with pytest.raises(ClientError) as e:
        sqs.tag_queue(QueueUrl=url, Tags={f"k{i}": "v" for i in range(51)})
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.list_queue_tags(QueueUrl=url + "-nope")
    assert code(e) == "AWS.SimpleQueueService.NonExistentQueue"


def test_redrive_policy_validation_and_sources(nuage):
    sqs = nuage.client("sqs")
    dlq = sqs.create_queue(QueueName="q-dlq-v")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="q-src-v", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    for policy in ({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 0},
                   {"deadLetterTargetArn": dlq_arn + "-missing", "maxReceiveCount": 2},
                   {"maxReceiveCount": 2}):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(policy)})
        assert code(e) == "InvalidParameterValue"
    sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "denyAll"})})
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="q-src-denied", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})
    assert code(e) == "InvalidParameterValue"
    # An empty value removes a policy.
    sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": ""})
    assert "RedrivePolicy" not in sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["All"])["Attributes"]


def test_queue_policy_across_accounts(fresh_nuage):
    owner = fresh_nuage.client("sqs")
    url = owner.create_queue(QueueName="q-shared")["QueueUrl"]
    arn = owner.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # A twelve-digit access key is that account's root (test_resource_policies.py).
    other = fresh_nuage.client("sqs", key="111111111111", secret="anything")
    with pytest.raises(ClientError) as e:
        other.send_message(QueueUrl=url, MessageBody="nope")
    assert code(e) in ("AccessDenied", "AccessDeniedException")
    owner.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                       "Action": "sqs:SendMessage", "Resource": arn}]})})
    other.send_message(QueueUrl=url, MessageBody="allowed")
    with pytest.raises(ClientError) as e:
        other.receive_message(QueueUrl=url)
    assert code(e) in ("AccessDenied", "AccessDeniedException")
    assert owner.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "allowed"
    with pytest.raises(ClientError) as e:
        owner.set_queue_attributes(QueueUrl=url, Attributes={"Policy": "{not json"})
    assert code(e) == "InvalidAttributeValue"


def test_add_and_remove_permission(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="q-perm")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    assert policy["Statement"][0]["Sid"] == "send"
    assert policy["Statement"][0]["Action"] == "SQS:SendMessage"
    with pytest.raises(ClientError) as e:
        sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=["111111111111"], Actions=["SendMessage"])
    assert code(e) == "InvalidParameterValue"
    sqs.remove_permission(QueueUrl=url, Label="send")
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    with pytest.raises(ClientError) as e:
        sqs.remove_permission(QueueUrl=url, Label="send")
    assert code(e) == "InvalidParameterValue"


def test_hostile_attributes_are_refused_and_nothing_is_lost(nuage):
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="q-hostile", Attributes={"VisibilityTimeout": "7"})["QueueUrl"]
    deep = "[" * 100_000 + "]" * 100_000
    for name, value in (("Policy", deep), ("RedrivePolicy", '{"deadLetterTargetArn":' + deep + "}"),
                        ("RedriveAllowPolicy", deep)):
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={name: value})
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400, name
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={
            "a" * 300: {"DataType": "String", "StringValue": "v"}})
    assert code(e) == "InvalidParameterValue"
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="A" * 10_000)
    assert code(e) == "ReceiptHandleIsInvalid"
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])["Attributes"] == {
        "VisibilityTimeout": "7"}
