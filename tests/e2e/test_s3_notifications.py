"""S3 event notifications end to end: a bucket's NotificationConfiguration
(Lambda destinations with prefix/suffix filters, EventBridge) validated as
S3 validates it, and the records S3 sends for puts, copies, multipart
uploads, deletions, delete markers and tagging, field by field against
AWS's documented event shape; the function's resource policy decides."""
import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, logged_events, make_role, unique, wait_for

ACCOUNT = "000000000000"
NOW = "2026-06-01T12:00:00Z"

RECORDER = r'''
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    return "ok"
'''


def events_of(server, function):
    return logged_events(server, function)


def records_of(server, function, count):
    """The first `count` records the function received, waiting for them."""
    got = wait_for(lambda: (lambda r: r if len(r) >= count else None)(
        [rec for e in events_of(server, function) for rec in e.get("Records", [])]))
    return got


def recorder(server, bucket=None, permit=True):
    name = create_python(server, make_role(server, ["logs:*"]), RECORDER, handler="lambda_function.handler")
    lam = server.client("lambda")
    if permit:
        lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}", SourceAccount=ACCOUNT)
    return name, lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def code_of(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture
def server(fresh_nuage):
    fresh_nuage.admin("POST", "/_nuage/clock", {"freeze": True, "set": NOW})
    return fresh_nuage


def test_a_put_reaches_the_function_with_aws_record(server):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="uploads")
    name, arn = recorder(server, "uploads")
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "Id": "images", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"},
                                               {"Name": "suffix", "Value": ".jpg"}]}}}]})
    got = s3.get_bucket_notification_configuration(Bucket="uploads")
    assert got["LambdaFunctionConfigurations"] == [{
        "Id": "images", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"}, {"Name": "Suffix", "Value": ".jpg"}]}}}]
    s3.put_object(Bucket="uploads", Key="out/skipped.jpg", Body=b"x")      # prefix does not match
    s3.put_object(Bucket="uploads", Key="in/skipped.png", Body=b"x")       # suffix does not match
    put = s3.put_object(Bucket="uploads", Key="in/red flower=1.jpg", Body=b"hello")
    [record] = records_of(server, name, 1)
    assert record["eventVersion"] == "2.1" and record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == "us-east-1" and record["eventTime"] == "2026-06-01T12:00:00.000Z"
    assert record["eventName"] == "ObjectCreated:Put"
    assert record["userIdentity"]["principalId"].startswith("AWS:")
    assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert record["responseElements"]["x-amz-request-id"] == put["ResponseMetadata"]["RequestId"]
    assert "x-amz-id-2" in record["responseElements"]
    s3part = record["s3"]
    assert s3part["s3SchemaVersion"] == "1.0" and s3part["configurationId"] == "images"
    assert s3part["bucket"]["name"] == "uploads" and s3part["bucket"]["arn"] == "arn:aws:s3:::uploads"
    assert s3part["bucket"]["ownerIdentity"]["principalId"]
    obj = s3part["object"]
    assert obj["key"] == "in/red+flower%3D1.jpg"  # URL-encoded as S3 does it
    assert obj["size"] == 5 and obj["eTag"] == put["ETag"].strip('"')
    assert "versionId" not in obj  # the bucket never had versioning
    assert len(obj["sequencer"]) == 18 and int(obj["sequencer"], 16) > 0


def test_every_kind_of_change_and_its_event_name(server):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="changes")
    s3.put_bucket_versioning(Bucket="changes", VersioningConfiguration={"Status": "Enabled"})
    name, arn = recorder(server, "changes")
    s3.put_bucket_notification_configuration(Bucket="changes", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "all", "LambdaFunctionArn": arn, "Events": [
            "s3:ObjectCreated:*", "s3:ObjectRemoved:*", "s3:ObjectTagging:*"]}]})
    first = s3.put_object(Bucket="changes", Key="a.txt", Body=b"one")
    s3.copy_object(Bucket="changes", Key="b.txt", CopySource="changes/a.txt")
    up = s3.create_multipart_upload(Bucket="changes", Key="big.bin")["UploadId"]
    part = s3.upload_part(Bucket="changes", Key="big.bin", UploadId=up, PartNumber=1, Body=b"z" * 100)
    done = s3.complete_multipart_upload(Bucket="changes", Key="big.bin", UploadId=up, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    s3.put_object_tagging(Bucket="changes", Key="a.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    s3.delete_object_tagging(Bucket="changes", Key="a.txt")
    marker = s3.delete_object(Bucket="changes", Key="b.txt")           # a delete marker
    s3.delete_object(Bucket="changes", Key="a.txt", VersionId=first["VersionId"])  # permanently
    s3.delete_objects(Bucket="changes", Delete={"Objects": [{"Key": "big.bin"}, {"Key": "never-there"}]})
    # Asynchronous invocations may run side by side: order the records by
    # their sequencers (nuage's increase across keys too).
    records = sorted(records_of(server, name, 9), key=lambda r: int(r["s3"]["object"]["sequencer"], 16))
    assert [r["eventName"] for r in records] == [
        "ObjectCreated:Put", "ObjectCreated:Copy", "ObjectCreated:CompleteMultipartUpload", "ObjectTagging:Put",
        "ObjectTagging:Delete", "ObjectRemoved:DeleteMarkerCreated", "ObjectRemoved:Delete",
        "ObjectRemoved:DeleteMarkerCreated", "ObjectRemoved:DeleteMarkerCreated"]
    by = {(r["eventName"], r["s3"]["object"]["key"]): r for r in records}
    assert by[("ObjectCreated:Put", "a.txt")]["s3"]["object"]["versionId"] == first["VersionId"]
    mp = by[("ObjectCreated:CompleteMultipartUpload", "big.bin")]["s3"]["object"]
    assert mp["size"] == 100 and mp["eTag"] == done["ETag"].strip('"')
    assert by[("ObjectTagging:Put", "a.txt")]["eventVersion"] == "2.3"
    deleted_marker = by[("ObjectRemoved:DeleteMarkerCreated", "b.txt")]["s3"]["object"]
    assert deleted_marker["versionId"] == marker["VersionId"] and "size" not in deleted_marker
    assert by[("ObjectRemoved:Delete", "a.txt")]["s3"]["object"]["versionId"] == first["VersionId"]
    # Sequencers of one key increase.
    seqs = [int(r["s3"]["object"]["sequencer"], 16) for r in records if r["s3"]["object"]["key"] == "a.txt"]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_destinations_are_validated_as_s3_does(server):
    s3 = server.client("s3")
    s3.create_bucket(Bucket="checked")
    _, denied = recorder(server, "checked", permit=False)
    _, other = recorder(server, "another-bucket")  # allows S3 for another bucket only
    for arn in (denied, other, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:no-such-function"):
        with pytest.raises(ClientError) as e:
            s3.put_bucket_notification_configuration(Bucket="checked", NotificationConfiguration={
                "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
        assert code_of(e) == "InvalidArgument"
        assert e.value.response["Error"]["Message"] == "Unable to validate the following destination configurations"
    # SkipDestinationValidation stores it anyway; delivery is still refused by the function's policy.
    s3.put_bucket_notification_configuration(Bucket="checked", SkipDestinationValidation=True,
                                             NotificationConfiguration={"LambdaFunctionConfigurations": [
                                                 {"Id": "x", "LambdaFunctionArn": denied,
                                                  "Events": ["s3:ObjectCreated:Put"]}]})
    assert s3.get_bucket_notification_configuration(Bucket="checked")["LambdaFunctionConfigurations"][0]["Id"] == "x"
    _, good = recorder(server, "checked")
    bad_configs = [
        {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": good, "Events": ["s3:ObjectExploded:*"]}]},
        {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": good, "Events": ["s3:ObjectCreated:*"],
                                           "Filter": {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}}}]},
        {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": good, "Events": ["s3:ObjectCreated:*"],
                                           "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a"},
                                                                              {"Name": "Prefix", "Value": "b"}]}}}]},
        # Overlap: a common event type and keys that can match both.
        {"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": good, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "logs/"}]}}},
            {"LambdaFunctionArn": good, "Events": ["s3:ObjectCreated:Put"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "logs/2026/"}]}}}]},
    ]
    for config in bad_configs:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_notification_configuration(Bucket="checked", NotificationConfiguration=config)
        assert code_of(e) == "InvalidArgument", config
    # Disjoint prefixes with the same events do not overlap.
    s3.put_bucket_notification_configuration(Bucket="checked", NotificationConfiguration={
        "LambdaFunctionConfigurations": [
            {"Id": "a", "LambdaFunctionArn": good, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}},
            {"Id": "b", "LambdaFunctionArn": good, "Events": ["s3:ObjectCreated:*"],
             "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "b/"}]}}}]})
    # An empty configuration removes it.
    s3.put_bucket_notification_configuration(Bucket="checked", NotificationConfiguration={})
    got = s3.get_bucket_notification_configuration(Bucket="checked")
    assert "LambdaFunctionConfigurations" not in got
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket="no-such-bucket", NotificationConfiguration={})
    assert code_of(e) == "NoSuchBucket"


def test_eventbridge_receives_object_events_when_enabled(server):
    s3, events = server.client("s3"), server.client("events")
    s3.create_bucket(Bucket="bridged")
    name, arn = recorder(server)
    rule = events.put_rule(Name="s3-created", EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["Object Created", "Object Deleted"],
        "detail": {"bucket": {"name": ["bridged"]}}}))["RuleArn"]
    server.client("lambda").add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                                           Principal="events.amazonaws.com", SourceArn=rule)
    events.put_targets(Rule="s3-created", Targets=[{"Id": "1", "Arn": arn}])
    s3.put_object(Bucket="bridged", Key="before.txt", Body=b"not yet enabled")
    s3.put_bucket_notification_configuration(Bucket="bridged",
                                             NotificationConfiguration={"EventBridgeConfiguration": {}})
    assert s3.get_bucket_notification_configuration(Bucket="bridged")["EventBridgeConfiguration"] == {}
    put = s3.put_object(Bucket="bridged", Key="docs/a b.txt", Body=b"abc")
    s3.delete_object(Bucket="bridged", Key="docs/a b.txt")
    got = wait_for(lambda: (lambda e: e if len(e) >= 2 else None)(events_of(server, name)))
    assert len(got) == 2  # nothing from before it was enabled
    created, deleted = sorted(got, key=lambda e: e["detail-type"])
    assert created["source"] == "aws.s3" and created["detail-type"] == "Object Created"
    assert created["resources"] == ["arn:aws:s3:::bridged"] and created["account"] == ACCOUNT
    d = created["detail"]
    assert d["version"] == "0" and d["bucket"] == {"name": "bridged"} and d["reason"] == "PutObject"
    assert d["object"]["key"] == "docs/a b.txt" and d["object"]["size"] == 3
    assert d["object"]["etag"] == put["ETag"].strip('"') and d["request-id"] == put["ResponseMetadata"]["RequestId"]
    assert deleted["detail-type"] == "Object Deleted" and deleted["detail"]["deletion-type"] == "Permanently Deleted"


@pytest.mark.parametrize("version", [1, 2])
def test_both_clis_put_and_get_the_configuration(server, version, tmp_path):
    server.client("s3").create_bucket(Bucket=f"cli-{version}")
    name, arn = recorder(server, f"cli-{version}")
    config = {"LambdaFunctionConfigurations": [{"Id": "cli", "LambdaFunctionArn": arn,
                                                "Events": ["s3:ObjectRemoved:*"]}]}
    server.cli("s3api", "put-bucket-notification-configuration", "--bucket", f"cli-{version}",
               "--notification-configuration", json.dumps(config), version=version)
    got = server.cli("s3api", "get-bucket-notification-configuration", "--bucket", f"cli-{version}", version=version)
    assert got["LambdaFunctionConfigurations"] == config["LambdaFunctionConfigurations"]
    path = tmp_path / "f.txt"
    path.write_text("bye")
    server.cli("s3", "cp", str(path), f"s3://cli-{version}/f.txt", version=version)
    server.cli("s3", "rm", f"s3://cli-{version}/f.txt", version=version)
    [record] = records_of(server, name, 1)
    assert record["eventName"] == "ObjectRemoved:Delete" and record["s3"]["object"]["key"] == "f.txt"


def test_aws_config_records_the_notification_configuration(server):
    from config_helpers import history, record, settle
    record(server)
    s3 = server.client("s3")
    s3.create_bucket(Bucket="watched")
    name, arn = recorder(server, "watched")
    s3.put_bucket_notification_configuration(Bucket="watched", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"Id": "to-fn", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
                                          "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}]})
    settle(server)
    latest = history(server.client("config"), "AWS::S3::Bucket", "watched")[-1]
    notification = json.loads(latest["supplementaryConfiguration"]["BucketNotificationConfiguration"])
    assert notification == {"configurations": {"to-fn": {
        "events": ["s3:ObjectCreated:*"], "filter": {"s3KeyFilter": {"filterRules": [{"name": "Suffix", "value": ".csv"}]}},
        "objectPrefixes": [], "functionARN": arn, "type": "LambdaConfiguration"}}}


def test_a_topic_destination_needs_its_policy_and_gets_the_test_event(server):
    s3, sns = server.client("s3"), server.client("sns")
    s3.create_bucket(Bucket="via-sns")
    topic = sns.create_topic(Name="uploads")["TopicArn"]
    config = {"TopicConfigurations": [{"Id": "t", "TopicArn": topic, "Events": ["s3:ObjectCreated:Put"]}]}
    # The default topic policy does not let S3 publish.
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket="via-sns", NotificationConfiguration=config)
    assert code_of(e) == "InvalidArgument"
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "SNS:Publish",
            "Resource": topic, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::via-sns"}}}]}))
    name = create_python(server, make_role(server, ["logs:*"]), RECORDER, handler="lambda_function.handler")
    lam = server.client("lambda")
    lam.add_permission(FunctionName=name, StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda",
                  Endpoint=lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"])
    s3.put_bucket_notification_configuration(Bucket="via-sns", NotificationConfiguration=config)
    s3.put_object(Bucket="via-sns", Key="k.txt", Body=b"1")
    got = wait_for(lambda: (lambda e: e if len(e) >= 2 else None)(
        [r["Sns"] for ev in events_of(server, name) for r in ev["Records"]]))
    test_event, record = sorted(got, key=lambda m: "Records" in json.loads(m["Message"]))
    assert json.loads(test_event["Message"])["Event"] == "s3:TestEvent"
    assert record["Subject"] == "Amazon S3 Notification"
    [s3_record] = json.loads(record["Message"])["Records"]
    assert s3_record["eventName"] == "ObjectCreated:Put" and s3_record["s3"]["object"]["key"] == "k.txt"
