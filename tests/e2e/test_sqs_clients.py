"""SQS through both AWS CLIs: v1 (botocore 1.43, json protocol) and v2
(Debian's 2.9, which predates SQS's move to json and sends query forms) —
queues, attributes, messages with attributes (the CLIs check nothing, nuage's
digests are compared with the ones boto3 computes), batches, tags and AWS's
error codes in both protocols."""
import json

import pytest

from test_sqs_messages import md5_of_attributes


@pytest.mark.parametrize("version", [1, 2])
def test_queue_lifecycle_with_the_cli(nuage, version):
    name = f"cli-v{version}"
    url = nuage.cli("sqs", "create-queue", "--queue-name", name, "--attributes", "VisibilityTimeout=40",
                    "--tags", "team=a", version=version)["QueueUrl"]
    assert url.endswith(f"/000000000000/{name}")
    assert nuage.cli("sqs", "get-queue-url", "--queue-name", name, version=version)["QueueUrl"] == url
    attrs = nuage.cli("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All",
                      version=version)["Attributes"]
    assert attrs["VisibilityTimeout"] == "40"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{name}"
    nuage.cli("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", "DelaySeconds=0,VisibilityTimeout=5",
              version=version)
    assert url in nuage.cli("sqs", "list-queues", "--queue-name-prefix", "cli-v", version=version)["QueueUrls"]
    assert nuage.cli("sqs", "list-queue-tags", "--queue-url", url, version=version)["Tags"] == {"team": "a"}
    nuage.cli("sqs", "tag-queue", "--queue-url", url, "--tags", "env=dev", version=version)
    nuage.cli("sqs", "untag-queue", "--queue-url", url, "--tag-keys", "team", version=version)
    assert nuage.cli("sqs", "list-queue-tags", "--queue-url", url, version=version)["Tags"] == {"env": "dev"}

    attributes = {"city": {"DataType": "String", "StringValue": "Paris"},
                  "n": {"DataType": "Number", "StringValue": "7"}}
    sent = nuage.cli("sqs", "send-message", "--queue-url", url, "--message-body", "bonjour",
                     "--message-attributes", json.dumps(attributes), version=version)
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    got = nuage.cli("sqs", "receive-message", "--queue-url", url, "--message-attribute-names", "All",
                    "--attribute-names", "All", version=version)["Messages"]
    assert got[0]["Body"] == "bonjour"
    assert got[0]["MessageAttributes"] == attributes
    assert got[0]["Attributes"]["ApproximateReceiveCount"] == "1"
    nuage.cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", got[0]["ReceiptHandle"],
              version=version)

    batch = nuage.cli("sqs", "send-message-batch", "--queue-url", url, "--entries",
                      json.dumps([{"Id": "a", "MessageBody": "one"}, {"Id": "b", "MessageBody": "two"}]),
                      version=version)
    assert sorted(e["Id"] for e in batch["Successful"]) == ["a", "b"]
    got = nuage.cli("sqs", "receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                    version=version)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    deleted = nuage.cli("sqs", "delete-message-batch", "--queue-url", url, "--entries",
                        json.dumps([{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]),
                        version=version)
    assert len(deleted["Successful"]) == 2
    nuage.cli("sqs", "purge-queue", "--queue-url", url, version=version)
    nuage.cli("sqs", "delete-queue", "--queue-url", url, version=version)


@pytest.mark.parametrize("version", [1, 2])
def test_errors_with_the_cli(nuage, version):
    res = nuage.cli("sqs", "get-queue-url", "--queue-name", "cli-missing", version=version, check=False)
    assert res.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in res.stderr
    url = nuage.cli("sqs", "create-queue", "--queue-name", f"cli-err-v{version}", version=version)["QueueUrl"]
    res = nuage.cli("sqs", "create-queue", "--queue-name", f"cli-err-v{version}", "--attributes",
                    "VisibilityTimeout=99", version=version, check=False)
    assert "QueueAlreadyExists" in res.stderr
    res = nuage.cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", "nope", version=version, check=False)
    assert "ReceiptHandleIsInvalid" in res.stderr
    res = nuage.cli("sqs", "set-queue-attributes", "--queue-url", url, "--attributes", "VisibilityTimeout=99999",
                    version=version, check=False)
    assert "InvalidAttributeValue" in res.stderr
    res = nuage.cli("sqs", "send-message-batch", "--queue-url", url, "--entries",
                    json.dumps([{"Id": "x", "MessageBody": "a"}, {"Id": "x", "MessageBody": "b"}]),
                    version=version, check=False)
    assert "BatchEntryIdsNotDistinct" in res.stderr


def test_fifo_with_cli_v2(nuage):
    url = nuage.cli("sqs", "create-queue", "--queue-name", "cli-fifo.fifo", "--attributes",
                    "FifoQueue=true,ContentBasedDeduplication=true", version=2)["QueueUrl"]
    first = nuage.cli("sqs", "send-message", "--queue-url", url, "--message-body", "x", "--message-group-id", "g",
                      version=2)
    again = nuage.cli("sqs", "send-message", "--queue-url", url, "--message-body", "x", "--message-group-id", "g",
                      version=2)
    assert first["MessageId"] == again["MessageId"] and first["SequenceNumber"]
    got = nuage.cli("sqs", "receive-message", "--queue-url", url, "--attribute-names", "All",
                    "--max-number-of-messages", "10", version=2)["Messages"]
    assert len(got) == 1 and got[0]["Attributes"]["MessageGroupId"] == "g"


def _signed_form(nuage, path, form):
    """A query form signed for sqs and posted to `path` (as the Java SDK v1
    posts to a queue's URL); returns (status, XML text)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = nuage.endpoint + path
    body = urllib.parse.urlencode({"Version": "2012-11-05", **form})
    req = AWSRequest(method="POST", url=url, data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(req)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body.encode(), headers=dict(req.headers),
                                                           method="POST"), timeout=30) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_query_forms_posted_to_the_queue_url(nuage):
    nuage.client("sqs").create_queue(QueueName="q-java-v1")
    status, xml = _signed_form(nuage, "/000000000000/q-java-v1",
                               {"Action": "SendMessage", "MessageBody": "from java",
                                "MessageAttribute.1.Name": "k", "MessageAttribute.1.Value.DataType": "String",
                                "MessageAttribute.1.Value.StringValue": "v"})
    assert status == 200, xml
    assert "<SendMessageResponse" in xml
    assert f"<MD5OfMessageAttributes>{md5_of_attributes({'k': {'DataType': 'String', 'StringValue': 'v'}})}" in xml
    status, xml = _signed_form(nuage, "/000000000000/q-java-v1",
                               {"Action": "ReceiveMessage", "MessageAttributeName.1": "All"})
    assert status == 200 and "<Body>from java</Body>" in xml and "<Name>k</Name>" in xml
    status, xml = _signed_form(nuage, "/000000000000/q-java-missing", {"Action": "SendMessage", "MessageBody": "x"})
    assert status == 400
    assert "<Code>AWS.SimpleQueueService.NonExistentQueue</Code>" in xml
