"""SNS end to end with boto3, both AWS CLIs and plain HTTP: topics (standard
and FIFO) and their attributes, subscriptions for Lambda and HTTP endpoints
(with the SubscriptionConfirmation handshake), filter policies on attributes
and on the body, Publish / PublishBatch, the Lambda event and HTTP
notification shapes with signatures checked against SigningCertURL, the
function's resource policy deciding, and SNS's errors."""
import base64
import http.server
import json
import threading
import urllib.request

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from lambda_helpers import create_python, logged_events, make_role, wait_for

ACCOUNT = "000000000000"

RECORDER = r'''
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    return "ok"
'''


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def recorder(server, topic_arn, permit=True):
    name = create_python(server, make_role(server, ["logs:*"]), RECORDER, handler="lambda_function.handler")
    lam = server.client("lambda")
    if permit:
        lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                           Principal="sns.amazonaws.com", SourceArn=topic_arn)
    return name, lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def sns_records(server, function, count):
    return wait_for(lambda: (lambda r: r if len(r) >= count else None)(
        [rec["Sns"] for e in logged_events(server, function) for rec in e.get("Records", [])]))


def string_to_sign(message, fields):
    return "".join(f"{f}\n{message[f]}\n" for f in fields if message.get(f) is not None)


def verify(message, cert_url_member="SigningCertURL"):
    """Checks the message's signature with the certificate nuage serves."""
    with urllib.request.urlopen(message[cert_url_member], timeout=10) as res:
        cert = x509.load_pem_x509_certificate(res.read())
    if message["Type"] == "Notification":
        fields = ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
    else:
        fields = ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    algorithm = hashes.SHA256() if message["SignatureVersion"] == "2" else hashes.SHA1()
    cert.public_key().verify(base64.b64decode(message["Signature"]), string_to_sign(message, fields).encode(),
                             padding.PKCS1v15(), algorithm)


class Endpoint:
    """An HTTP endpoint on loopback recording what SNS posts."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body.decode()))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def endpoint():
    e = Endpoint()
    yield e
    e.close()


def test_topics_are_created_once_and_described(nuage):
    sns = nuage.client("sns")
    arn = sns.create_topic(Name="orders")["TopicArn"]
    assert arn == f"arn:aws:sns:us-east-1:{ACCOUNT}:orders"
    assert sns.create_topic(Name="orders")["TopicArn"] == arn  # idempotent
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="Orders")
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Orders" and attrs["Owner"] == ACCOUNT and attrs["TopicArn"] == arn
    assert attrs["SubscriptionsConfirmed"] == "0"
    policy = json.loads(attrs["Policy"])
    assert policy["Statement"][0]["Resource"] == arn
    with pytest.raises(ClientError) as e:
        sns.create_topic(Name="orders", Attributes={"DisplayName": "Other"})
    assert code_of(e) == "InvalidParameter"
    for bad in ("has space", "x" * 257, "plain.fifo"):
        with pytest.raises(ClientError) as e:
            sns.create_topic(Name=bad)
        assert code_of(e) == "InvalidParameter", bad
    fifo = sns.create_topic(Name="orders.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=fifo)["Attributes"]["FifoTopic"] == "true"
    arns = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert arn in arns and fifo in arns
    sns.delete_topic(TopicArn=fifo)
    with pytest.raises(ClientError) as e:
        sns.get_topic_attributes(TopicArn=fifo)
    assert code_of(e) == "NotFound"
    sns.delete_topic(TopicArn=fifo)  # deleting again succeeds, as on AWS


def test_a_lambda_subscription_receives_aws_event_signed(nuage):
    sns = nuage.client("sns")
    topic = sns.create_topic(Name="to-lambda")["TopicArn"]
    name, fn = recorder(nuage, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)["SubscriptionArn"]
    assert sub.startswith(topic + ":")
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["Protocol"] == "lambda" and attrs["PendingConfirmation"] == "false"
    published = sns.publish(TopicArn=topic, Message="hello", Subject="greeting", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "greeting"},
        "count": {"DataType": "Number", "StringValue": "3"}})
    [record] = sns_records(nuage, name, 1)
    event = logged_events(nuage, name)[0]["Records"][0]
    assert event["EventSource"] == "aws:sns" and event["EventVersion"] == "1.0"
    assert event["EventSubscriptionArn"] == sub
    assert record["Type"] == "Notification" and record["MessageId"] == published["MessageId"]
    assert record["TopicArn"] == topic and record["Subject"] == "greeting" and record["Message"] == "hello"
    assert record["MessageAttributes"] == {"kind": {"Type": "String", "Value": "greeting"},
                                           "count": {"Type": "Number", "Value": "3"}}
    assert record["SignatureVersion"] == "1" and record["UnsubscribeUrl"].startswith("http://127.0.0.1:")
    verify(record, "SigningCertUrl")
    # Without a subject, Subject is null in the Lambda event.
    sns.publish(TopicArn=topic, Message="no subject")
    second = sns_records(nuage, name, 2)[1]
    assert second["Subject"] is None and second["MessageAttributes"] == {}


def test_the_function_policy_decides(nuage):
    sns = nuage.client("sns")
    topic = sns.create_topic(Name="not-allowed")["TopicArn"]
    other = sns.create_topic(Name="allowed")["TopicArn"]
    name, fn = recorder(nuage, other)  # allows the other topic only
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    sns.subscribe(TopicArn=other, Protocol="lambda", Endpoint=fn)
    sns.publish(TopicArn=topic, Message="refused")
    sns.publish(TopicArn=other, Message="delivered")
    [record] = sns_records(nuage, name, 1)
    assert record["Message"] == "delivered"
    nuage.admin("POST", "/_nuage/clock", {"advance": "1s"})
    assert [r["Sns"]["Message"] for e in logged_events(nuage, name) for r in e["Records"]] == ["delivered"]


def test_filter_policies_on_attributes_and_body(nuage):
    sns = nuage.client("sns")
    topic = sns.create_topic(Name="filtered")["TopicArn"]
    big, big_fn = recorder(nuage, topic)
    body, body_fn = recorder(nuage, topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=big_fn, Attributes={
        "FilterPolicy": json.dumps({"store": ["paris"], "price": [{"numeric": [">=", 100]}]})})
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=body_fn, Attributes={
        "FilterPolicy": json.dumps({"order": {"status": [{"prefix": "ship"}]}}), "FilterPolicyScope": "MessageBody"})
    def attrs(store, price):
        return {"store": {"DataType": "String", "StringValue": store},
                "price": {"DataType": "Number", "StringValue": str(price)}}
    sns.publish(TopicArn=topic, Message='{"order": {"status": "pending"}}', MessageAttributes=attrs("paris", 50))
    sns.publish(TopicArn=topic, Message='{"order": {"status": "shipped"}}', MessageAttributes=attrs("lyon", 500))
    sns.publish(TopicArn=topic, Message="expensive in paris", MessageAttributes=attrs("paris", 150))
    assert [r["Message"] for r in sns_records(nuage, big, 1)] == ["expensive in paris"]
    assert [r["Message"] for r in sns_records(nuage, body, 1)] == ['{"order": {"status": "shipped"}}']
    nuage.admin("POST", "/_nuage/clock", {"advance": "1s"})
    assert len(logged_events(nuage, big)) == 1 and len(logged_events(nuage, body)) == 1
    for bad in ("not json", json.dumps({"a": "not-a-list"}), json.dumps({k: ["x"] for k in "abcdef"})):
        with pytest.raises(ClientError) as e:
            sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=big_fn + ":x", Attributes={"FilterPolicy": bad})
        assert code_of(e) == "InvalidParameter", bad


def test_an_http_endpoint_confirms_then_receives_notifications(nuage, endpoint):
    sns = nuage.client("sns")
    topic = sns.create_topic(Name="to-http")["TopicArn"]
    assert sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)["SubscriptionArn"] == \
        "pending confirmation"
    headers, body = wait_for(lambda: endpoint.received)[0]
    confirmation = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    assert confirmation["Type"] == "SubscriptionConfirmation" and confirmation["TopicArn"] == topic
    verify(confirmation)
    [pending] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert pending["SubscriptionArn"] == "PendingConfirmation"
    with urllib.request.urlopen(confirmation["SubscribeURL"], timeout=10) as res:
        assert b"<SubscriptionArn>" in res.read()
    [confirmed] = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert confirmed["SubscriptionArn"].startswith(topic + ":")
    sns.publish(TopicArn=topic, Message="over http", Subject="s")
    headers, body = wait_for(lambda: endpoint.received[1:])[0]
    note = json.loads(body)
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-subscription-arn"] == confirmed["SubscriptionArn"]
    assert note["Message"] == "over http" and note["Subject"] == "s" and note["Type"] == "Notification"
    verify(note)
    # Raw delivery posts the message itself; ConfirmSubscription with a wrong token is refused.
    sns.set_subscription_attributes(SubscriptionArn=confirmed["SubscriptionArn"], AttributeName="RawMessageDelivery",
                                    AttributeValue="true")
    sns.publish(TopicArn=topic, Message="raw body")
    assert wait_for(lambda: endpoint.received[2:])[0][1] == "raw body"
    with pytest.raises(ClientError) as e:
        sns.confirm_subscription(TopicArn=topic, Token="0" * 64)
    assert code_of(e) == "InvalidParameter"
    # The UnsubscribeURL removes it.
    with urllib.request.urlopen(note["UnsubscribeURL"], timeout=10):
        pass
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_publish_errors_and_batches(nuage):
    sns = nuage.client("sns")
    topic = sns.create_topic(Name="checks")["TopicArn"]
    cases = [
        (dict(TopicArn=topic + "-missing", Message="x"), "NotFound"),
        (dict(TopicArn=topic, Message=""), "InvalidParameter"),
        (dict(TopicArn=topic, Message="x" * (256 * 1024 + 1)), "InvalidParameter"),
        (dict(TopicArn=topic, Message='{"email": "x"}', MessageStructure="json"), "InvalidParameter"),
        (dict(TopicArn=topic, Message="x", Subject="a\nb"), "InvalidParameter"),
        (dict(TopicArn=topic, Message="x", MessageAttributes={"n": {"DataType": "Number", "StringValue": "abc"}}),
         "InvalidParameter"),
    ]
    for args, code in cases:
        with pytest.raises(ClientError) as e:
            sns.publish(**args)
        assert code_of(e) == code, args
    r = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "ok", "Message": "fine"}, {"Id": "bad", "Message": "x", "Subject": "a\nb"}])
    assert [s["Id"] for s in r["Successful"]] == ["ok"] and r["Failed"][0]["Id"] == "bad"
    assert r["Failed"][0]["Code"] == "InvalidParameter" and r["Failed"][0]["SenderFault"] is True
    with pytest.raises(ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": "a", "Message": "1"},
                                                                     {"Id": "a", "Message": "2"}])
    assert code_of(e) == "BatchEntryIdsNotDistinct"
    with pytest.raises(ClientError) as e:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[{"Id": str(i), "Message": "m"} for i in range(11)])
    assert code_of(e) == "TooManyEntriesInBatchRequest"


def test_fifo_topics_need_groups_and_deduplicate(nuage):
    sns = nuage.client("sns")
    topic = sns.create_topic(Name="events.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, Message="x")
    assert code_of(e) == "InvalidParameter"
    with pytest.raises(ClientError) as e:
        sns.publish(TopicArn=topic, Message="x", MessageGroupId="g")  # no dedup id, no content-based
    assert code_of(e) == "InvalidParameter"
    first = sns.publish(TopicArn=topic, Message="x", MessageGroupId="g", MessageDeduplicationId="d1")
    second = sns.publish(TopicArn=topic, Message="x", MessageGroupId="g", MessageDeduplicationId="d2")
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    with pytest.raises(ClientError) as e:
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f")
    assert code_of(e) == "InvalidParameter"


@pytest.mark.parametrize("version", [1, 2])
def test_both_clis(nuage, version):
    topic = nuage.cli("sns", "create-topic", "--name", f"cli-{version}", version=version)["TopicArn"]
    name, fn = recorder(nuage, topic)
    nuage.cli("sns", "subscribe", "--topic-arn", topic, "--protocol", "lambda", "--notification-endpoint", fn,
              version=version)
    out = nuage.cli("sns", "publish", "--topic-arn", topic, "--message", "from the cli", version=version)
    assert out["MessageId"]
    assert sns_records(nuage, name, 1)[0]["Message"] == "from the cli"
    subs = nuage.cli("sns", "list-subscriptions-by-topic", "--topic-arn", topic, version=version)["Subscriptions"]
    assert subs[0]["Protocol"] == "lambda"
    nuage.cli("sns", "tag-resource", "--resource-arn", topic, "--tags", "Key=team,Value=a", version=version)
    assert nuage.cli("sns", "list-tags-for-resource", "--resource-arn", topic, version=version)["Tags"] == [
        {"Key": "team", "Value": "a"}]


def test_topics_and_subscriptions_survive_a_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    sns = server.client("sns")
    topic = sns.create_topic(Name="kept", Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
    name, fn = recorder(server, topic)
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn,
                        Attributes={"FilterPolicy": json.dumps({"x": ["1"]})})["SubscriptionArn"]
    server.stop(__import__("signal").SIGKILL)
    server = start_nuage(data_dir=data_dir)
    sns = server.client("sns")
    assert sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]["FilterPolicy"] == '{"x": ["1"]}'
    assert sns.list_tags_for_resource(ResourceArn=topic)["Tags"] == [{"Key": "k", "Value": "v"}]
    sns.publish(TopicArn=topic, Message="after restart", MessageAttributes={"x": {"DataType": "String",
                                                                                   "StringValue": "1"}})
    assert sns_records(server, name, 1)[0]["Message"] == "after restart"
