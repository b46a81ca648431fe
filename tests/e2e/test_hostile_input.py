"""Hostile input, table-driven, one table per protocol: each row is a raw
request (signed with botocore's SigV4Auth, so only the content is hostile)
and the status and error code nuage must answer. After each table the server
must still answer and what was stored before must be intact; no answer may be
a 500 or carry a library's exception text.

The rows are the battery of issue 14: bodies nested 100,000 levels (JSON,
CBOR, XML, policies, event patterns and details), headers that lie about
sizes (CBOR lengths, zip entries), invalid UTF-8, DTDs and entities, and
values past the limits the models and the services set."""
import base64
import http.client
import io
import json
import struct
import urllib.parse
import zipfile

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from lambda_helpers import make_role, make_zip, unique

DEEP = 100_000
FORM = "application/x-www-form-urlencoded; charset=utf-8"


def send(nuage, signing_name, method, path, body=b"", headers=None):
    """One signed request; returns (status, headers, body bytes)."""
    headers = dict(headers or {})
    url = nuage.endpoint + path
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    auth = S3SigV4Auth if signing_name == "s3" else SigV4Auth
    if signing_name == "s3":
        req.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    auth(Credentials("test", "test"), signing_name, "us-east-1").add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", nuage.port, timeout=60)
    try:
        # The path goes as the signer saw it (already percent-encoded).
        conn.request(method, path, body=body, headers=dict(req.headers.items()))
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
    finally:
        conn.close()


def error_code(headers, body):
    """The error code of any protocol's error answer."""
    if "x-amzn-query-error" in headers:
        return headers["x-amzn-query-error"].split(";")[0]
    if "x-amzn-errortype" in headers:
        return headers["x-amzn-errortype"].split(":")[0]
    text = body.decode("utf-8", "replace")
    if "<Code>" in text:
        return text.split("<Code>")[1].split("</Code>")[0]
    try:
        return json.loads(text).get("__type", "").split("#")[-1]
    except ValueError:
        return ""


def check_rows(nuage, rows):
    failures = []
    for row in rows:
        name, signing, method, path, body, headers, status, code = row
        got_status, got_headers, got_body = send(nuage, signing, method, path, body, headers)
        got_code = error_code(got_headers, got_body) if got_status >= 300 else ""
        text = got_body.decode("utf-8", "replace")
        if (got_status, got_code) != (status, code) or "json.exception" in text or "what()" in text:
            failures.append(f"{name}: {got_status} {got_code} (want {status} {code}): {text[:300]}")
    assert not failures, "\n".join(failures)


def form(action, version, **params):
    return urllib.parse.urlencode({"Action": action, "Version": version, **params}).encode()


def deep_json(depth, inner="1"):
    return "[" * depth + inner + "]" * depth


@pytest.fixture(scope="module")
def stored(nuage):
    """Data stored before the hostile requests, checked after each table."""
    name = unique("keep")
    nuage.client("iam").create_user(UserName=name)
    nuage.client("ssm").put_parameter(Name=f"/{name}", Value="kept", Type="String")
    s3 = nuage.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"kept")
    nuage.client("logs").create_log_group(logGroupName=name)
    return name


def assert_intact(nuage, name):
    assert nuage.client("sts").get_caller_identity()["Account"] == "000000000000"
    assert nuage.client("iam").get_user(UserName=name)["User"]["UserName"] == name
    assert nuage.client("ssm").get_parameter(Name=f"/{name}")["Parameter"]["Value"] == "kept"
    assert nuage.client("s3").get_object(Bucket=name, Key="k")["Body"].read() == b"kept"
    groups = nuage.client("logs").describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [name]


# --- query (IAM, STS) ---------------------------------------------------------

def test_query_protocol(nuage, stored):
    iam_v, sts_v = "2010-05-08", "2011-06-15"
    user = unique("u")
    nuage.client("iam").create_user(UserName=user)
    five_thousand_tags = {}
    for i in range(5000):
        five_thousand_tags[f"Tags.member.{i + 1}.Key"] = f"k{i}"
        five_thousand_tags[f"Tags.member.{i + 1}.Value"] = "v"
    deep_statement = '{"Version":"2012-10-17","Statement":' + deep_json(60_000, "{}") + "}"
    role_arn = "arn:aws:iam::000000000000:role/r"
    rows = [
        ("100,000-character UserName", "iam", "POST", "/", form("CreateUser", iam_v, UserName="u" * DEEP),
         {"Content-Type": FORM}, 400, "ValidationError"),
        ("UserName outside the pattern", "iam", "POST", "/", form("CreateUser", iam_v, UserName="a b"),
         {"Content-Type": FORM}, 400, "ValidationError"),
        ("5,000 tags on CreateUser", "iam", "POST", "/",
         form("CreateUser", iam_v, UserName=unique("t"), **five_thousand_tags), {"Content-Type": FORM},
         400, "ValidationError"),
        ("5,000 tags on TagUser", "iam", "POST", "/", form("TagUser", iam_v, UserName=user, **five_thousand_tags),
         {"Content-Type": FORM}, 400, "ValidationError"),
        ("invalid UTF-8 in a parameter", "iam", "POST", "/",
         b"Action=CreateUser&Version=2010-05-08&UserName=%FF%FEx", {"Content-Type": FORM}, 400,
         "MalformedQueryString"),
        ("invalid UTF-8 in a parameter name", "iam", "POST", "/",
         b"Action=ListUsers&Version=2010-05-08&%C3%28=1", {"Content-Type": FORM}, 400, "MalformedQueryString"),
        ("managed policy nested 60,000 levels", "iam", "POST", "/",
         form("CreatePolicy", iam_v, PolicyName=unique("p"), PolicyDocument=deep_statement),
         {"Content-Type": FORM}, 409, "LimitExceeded"),
        ("simulated policy nested 60,000 levels", "iam", "POST", "/",
         form("SimulateCustomPolicy", iam_v, **{"PolicyInputList.member.1": deep_statement,
                                                 "ActionNames.member.1": "s3:GetObject"}),
         {"Content-Type": FORM}, 400, "MalformedPolicyDocument"),
        ("inline policy past the user's 2,048 characters", "iam", "POST", "/",
         form("PutUserPolicy", iam_v, UserName=user, PolicyName="big", PolicyDocument=json.dumps({
             "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                     "Resource": "arn:aws:s3:::" + "b" * 2100}]})),
         {"Content-Type": FORM}, 409, "LimitExceeded"),
        ("100,000-character RoleSessionName", "sts", "POST", "/",
         form("AssumeRole", sts_v, RoleArn=role_arn, RoleSessionName="s" * DEEP), {"Content-Type": FORM},
         400, "ValidationError"),
        ("one-character RoleSessionName", "sts", "POST", "/",
         form("AssumeRole", sts_v, RoleArn=role_arn, RoleSessionName="s"), {"Content-Type": FORM},
         400, "ValidationError"),
        ("DurationSeconds out of range", "sts", "POST", "/",
         form("GetSessionToken", sts_v, DurationSeconds="1"), {"Content-Type": FORM}, 400, "ValidationError"),
    ]
    check_rows(nuage, rows)
    # Tags accumulate up to IAM's 50 per user, not past.
    iam = nuage.client("iam")
    iam.tag_user(UserName=user, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    status, headers, body = send(nuage, "iam", "POST", "/", form("TagUser", iam_v, UserName=user, **{
        "Tags.member.1.Key": "one-more", "Tags.member.1.Value": "v"}), {"Content-Type": FORM})
    assert (status, error_code(headers, body)) == (409, "LimitExceeded"), body
    assert b"Cannot exceed quota for TagsPerUser: 50" in body
    assert len(iam.list_user_tags(UserName=user)["Tags"]) == 50
    assert_intact(nuage, stored)


# --- ec2 ----------------------------------------------------------------------

def test_ec2_protocol(nuage, stored):
    v = "2016-11-15"
    rows = [
        ("instance type outside the enum", "ec2", "POST", "/",
         form("RunInstances", v, ImageId="ami-12345678", MinCount="1", MaxCount="1", InstanceType="t9.bogus"),
         {"Content-Type": FORM}, 400, "InvalidParameterValue"),
        ("invalid UTF-8 in a parameter", "ec2", "POST", "/",
         b"Action=CreateKeyPair&Version=2016-11-15&KeyName=%FF", {"Content-Type": FORM}, 400,
         "MalformedQueryString"),
        ("missing required parameter", "ec2", "POST", "/", form("CreateKeyPair", v), {"Content-Type": FORM},
         400, "MissingParameter"),
    ]
    check_rows(nuage, rows)
    assert nuage.client("ec2").describe_regions()["Regions"]
    assert_intact(nuage, stored)


# --- json (SSM, EventBridge, Logs) ----------------------------------------------

def amz_json(target, body, version="1.1"):
    headers = {"X-Amz-Target": target, "Content-Type": f"application/x-amz-json-{version}"}
    return (body if isinstance(body, bytes) else json.dumps(body).encode()), headers


def test_json_protocol(nuage, stored):
    name = unique("p")
    rows = []

    def row(label, signing, target, body, status, code):
        data, headers = amz_json(target, body)
        rows.append((label, signing, "POST", "/", data, headers, status, code))

    row("body nested 100,000 levels", "ssm", "AmazonSSM.GetParameter", b'{"Name":' + deep_json(DEEP).encode() + b"}",
        400, "SerializationException")
    row("body of invalid UTF-8", "ssm", "AmazonSSM.GetParameter", b'{"Name":"\xff\xfe"}', 400,
        "SerializationException")
    row("body is an array", "ssm", "AmazonSSM.GetParameter", b"[]", 400, "SerializationException")
    row("20 MB Standard parameter", "ssm", "AmazonSSM.PutParameter",
        {"Name": f"/{name}-big", "Value": "v" * (20 * 1024 * 1024), "Type": "String"}, 400, "ValidationException")
    row("5,000-character Standard parameter", "ssm", "AmazonSSM.PutParameter",
        {"Name": f"/{name}-5k", "Value": "v" * 5000, "Type": "String"}, 400, "ValidationException")
    row("parameter type outside the enum", "ssm", "AmazonSSM.PutParameter",
        {"Name": f"/{name}-t", "Value": "v", "Type": "Blob"}, 400, "ValidationException")
    row("event pattern nested 60,000 levels", "events", "AWSEvents.PutRule",
        {"Name": unique("r"), "EventPattern": '{"a":' + deep_json(60_000, '"x"') + "}"}, 400, "ValidationException")
    row("event pattern nested 1,500 levels (under 4,096 characters)", "events", "AWSEvents.PutRule",
        {"Name": unique("r"), "EventPattern": '{"a":' + deep_json(1500, '"x"') + "}"}, 400,
        "InvalidEventPatternException")
    row("TestEventPattern event nested 100,000 levels", "events", "AWSEvents.TestEventPattern",
        {"EventPattern": '{"source":["x"]}', "Event": '{"a":' + deep_json(DEEP) + "}"}, 400, "ValidationException")
    row("rule name outside the pattern", "events", "AWSEvents.PutRule",
        {"Name": "../x", "ScheduleExpression": "rate(1 minute)"}, 400, "ValidationException")
    row("filter pattern nested 300 parentheses", "logs", "Logs_20140328.FilterLogEvents",
        {"logGroupName": stored, "filterPattern": "{" + "(" * 300 + "$.a = 1" + ")" * 300 + "}"}, 400,
        "InvalidParameterException")
    row("log group name past 512 characters", "logs", "Logs_20140328.CreateLogGroup",
        {"logGroupName": "g" * 513}, 400, "InvalidParameterException")
    check_rows(nuage, rows)

    # An event whose Detail is nested 100,000 levels (200 KB, under the 256 KB
    # entry limit) is that entry's failure, not the request's.
    events = nuage.client("events")
    out = events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"a":' + deep_json(DEEP) + "}"},
                                     {"Source": "s", "DetailType": "d", "Detail": "{}"}])
    assert out["FailedEntryCount"] == 1
    assert out["Entries"][0]["ErrorCode"] == "MalformedDetail"
    # Advanced parameters hold up to 8 KB.
    ssm = nuage.client("ssm")
    ssm.put_parameter(Name=f"/{name}-adv", Value="v" * 5000, Type="String", Tier="Advanced")
    assert len(ssm.get_parameter(Name=f"/{name}-adv")["Parameter"]["Value"]) == 5000
    # A backtracking regex's classic victim: CloudWatch's subset has no groups
    # (refused as AWS does), and what it has is matched in linear time.
    logs = nuage.client("logs")
    logs.create_log_stream(logGroupName=stored, logStreamName="s")
    logs.put_log_events(logGroupName=stored, logStreamName="s",
                        logEvents=[{"timestamp": int(__import__("time").time() * 1000), "message": "a" * 5000 + "!"}])
    with pytest.raises(ClientError) as e:
        logs.filter_log_events(logGroupName=stored, filterPattern="%(a+)+$%")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    found = logs.filter_log_events(logGroupName=stored, filterPattern="%a*a*a*a*a*a*a*a*b$%")
    assert found["events"] == []
    assert_intact(nuage, stored)


# --- rest-json (Lambda, Scheduler) ----------------------------------------------

def lying_zip(files, lie):
    """A zip whose headers lie: `lie` is "size" (declared sizes too small) or
    "crc" (a wrong CRC), in both the local and the central headers."""
    data = bytearray(make_zip(files))
    for signature, crc_at, size_at in ((b"PK\x03\x04", 14, 22), (b"PK\x01\x02", 16, 24)):
        at = data.find(signature)
        while at != -1:
            if lie == "size":
                struct.pack_into("<I", data, at + size_at, 3)
            else:
                (crc,) = struct.unpack_from("<I", data, at + crc_at)
                struct.pack_into("<I", data, at + crc_at, crc ^ 0xFFFFFFFF)
            at = data.find(signature, at + 4)
    return bytes(data)


def test_rest_json_protocol(nuage, stored):
    role = make_role(nuage, [])
    base = {"Runtime": "python3.13", "Role": role, "Handler": "lambda_function.lambda_handler"}
    code = {"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n" * 50}
    json_headers = {"Content-Type": "application/json"}

    def create(zip_bytes, name=None):
        body = dict(base, FunctionName=name or unique("fn"), Code={"ZipFile": base64.b64encode(zip_bytes).decode()})
        return json.dumps(body).encode()

    rows = [
        ("FunctionName ../../x", "lambda", "POST", "/2015-03-31/functions/..%2F..%2Fx/invocations", b"{}", {},
         400, "ValidationException"),
        ("FunctionName past 64 characters", "lambda", "POST", "/2015-03-31/functions", create(make_zip(code), "f" * 65),
         json_headers, 400, "ValidationException"),
        ("zip whose headers understate the sizes", "lambda", "POST", "/2015-03-31/functions",
         create(lying_zip(code, "size")), json_headers, 400, "InvalidParameterValueException"),
        ("zip whose headers carry a wrong CRC", "lambda", "POST", "/2015-03-31/functions",
         create(lying_zip(code, "crc")), json_headers, 400, "InvalidParameterValueException"),
        ("body nested 100,000 levels", "lambda", "POST", "/2015-03-31/functions",
         b'{"FunctionName":' + deep_json(DEEP).encode() + b"}", json_headers, 400, "SerializationException"),
        ("invalid UTF-8 in the URI", "lambda", "GET", "/2015-03-31/functions/f%FF", b"", {}, 400,
         "SerializationException"),
        ("timeout out of range", "lambda", "POST", "/2015-03-31/functions",
         json.dumps(dict(base, FunctionName=unique("fn"), Timeout=0,
                         Code={"ZipFile": base64.b64encode(make_zip(code)).decode()})).encode(),
         json_headers, 400, "ValidationException"),
        ("schedule name past 64 characters", "scheduler", "POST", "/schedules/" + "s" * 65,
         json.dumps({"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"},
                     "Target": {"Arn": "arn:aws:lambda:us-east-1:000000000000:function:f", "RoleArn": role}}).encode(),
         json_headers, 400, "ValidationException"),
        ("schedule body nested 100,000 levels", "scheduler", "POST", "/schedules/" + unique("s"),
         b'{"Target":' + deep_json(DEEP).encode() + b"}", json_headers, 400, "SerializationException"),
    ]
    check_rows(nuage, rows)
    # Nothing half-created, and a good package still goes in.
    lam = nuage.client("lambda")
    assert not [f for f in lam.list_functions()["Functions"] if f["FunctionName"] == "f" * 65]
    good = unique("fn")
    lam.create_function(FunctionName=good, Code={"ZipFile": make_zip(code)}, **base)
    assert lam.get_function(FunctionName=good)["Configuration"]["FunctionName"] == good
    assert_intact(nuage, stored)


# --- rest-xml (S3) --------------------------------------------------------------

TAGGING = '<Tagging><TagSet><Tag><Key>k</Key><Value>{}</Value></Tag></TagSet></Tagging>'


def test_rest_xml_protocol(nuage, stored):
    bucket = stored
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>' + TAGGING.format("&lol2;"))
    rows = [
        ("XML with a DTD", "s3", "PUT", f"/{bucket}?tagging",
         ('<?xml version="1.0"?><!DOCTYPE Tagging [<!ELEMENT Tagging ANY>]>' + TAGGING.format("v")).encode(), {},
         400, "MalformedXML"),
        ("XML entity expansion (billion laughs)", "s3", "PUT", f"/{bucket}?tagging", laughs.encode(), {},
         400, "MalformedXML"),
        ("XML with an undefined entity", "s3", "PUT", f"/{bucket}?tagging", TAGGING.format("&undefined;").encode(),
         {}, 400, "MalformedXML"),
        ("XML with a processing instruction", "s3", "PUT", f"/{bucket}?tagging",
         ("<?xml version='1.0'?><?evil x?>" + TAGGING.format("v")).encode(), {}, 400, "MalformedXML"),
        ("XML nested 100,000 levels", "s3", "PUT", f"/{bucket}?tagging",
         ("<Tagging>" + "<a>" * DEEP + "</a>" * DEEP + "</Tagging>").encode(), {}, 400, "MalformedXML"),
        ("XML of invalid UTF-8", "s3", "PUT", f"/{bucket}?tagging", TAGGING.format("\xff").encode("latin-1"), {},
         400, "MalformedXML"),
        ("bucket policy without a Statement", "s3", "PUT", f"/{bucket}?policy",
         b'{"Version":"2012-10-17"}', {}, 400, "MalformedPolicy"),
        ("bucket policy nested 100,000 levels", "s3", "PUT", f"/{bucket}?policy",
         b'{"Statement":' + deep_json(DEEP).encode() + b"}", {}, 400, "MalformedPolicy"),
        ("storage class outside the enum", "s3", "PUT", f"/{bucket}/x", b"data", {"x-amz-storage-class": "CHEAP"},
         400, "InvalidStorageClass"),
        ("canned ACL outside the enum", "s3", "PUT", f"/{bucket}/x", b"data", {"x-amz-acl": "everyone"},
         400, "InvalidArgument"),
    ]
    check_rows(nuage, rows)
    # Predefined and numeric references are fine.
    status, _, body = send(nuage, "s3", "PUT", f"/{bucket}?tagging", TAGGING.format("a&amp;b&#65;&#x42;").encode())
    assert status == 204, body
    tags = nuage.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert tags == [{"Key": "k", "Value": "a&bAB"}]
    assert_intact(nuage, stored)


# --- smithy-rpc-v2-cbor (CloudWatch) ----------------------------------------------

def cbor_text(s):
    b = s.encode()
    return bytes([0x60 | len(b)]) + b if len(b) < 24 else b"\x78" + bytes([len(b)]) + b


def test_cbor_protocol(nuage, stored):
    path = "/service/GraniteServiceVersion20100801/operation/ListMetrics"
    headers = {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor"}
    namespace_key = b"\xa1" + cbor_text("Namespace")
    rows = [
        ("arrays nested 100,000 levels", b"\x81" * DEEP + b"\x01"),
        ("maps nested 100,000 levels", (b"\xa1" + cbor_text("a")) * DEEP + b"\x01"),
        ("tags nested 100,000 levels", namespace_key + b"\xc6" * DEEP + cbor_text("x")),
        ("array header claiming 2^62 elements", b"\xa1" + cbor_text("Dimensions") + b"\x9b" + struct.pack(">Q", 1 << 62)),
        ("text claiming 4 GB", namespace_key + b"\x7a\xff\xff\xff\xff" + b"abc"),
        ("text of invalid UTF-8", namespace_key + b"\x62\xc3\x28"),
        ("indefinite arrays never closed", b"\x9f" * DEEP),
        ("truncated map", b"\xa2" + cbor_text("Namespace")),
    ]
    table = [(label, "monitoring", "POST", path, body, headers, 400, "SerializationException")
             for label, body in rows]
    check_rows(nuage, table)
    # Model constraints through boto3 (rpc-v2-cbor), its own checks off.
    from botocore.config import Config
    from botocore.exceptions import ClientError
    cw = nuage.client("cloudwatch", config=Config(parameter_validation=False, retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        cw.put_metric_data(Namespace="n" * 300, MetricData=[{"MetricName": "m", "Value": 1}])
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "Member must have length less than or equal to 255" in exc.value.response["Error"]["Message"]
    # Timestamps (CBOR tag 1) still arrive.
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    cw.put_metric_data(Namespace="hostile", MetricData=[{"MetricName": "m", "Value": 1, "Timestamp": now}])
    stats = cw.get_metric_statistics(Namespace="hostile", MetricName="m", StartTime=now - datetime.timedelta(hours=1),
                                     EndTime=now + datetime.timedelta(hours=1), Period=3600, Statistics=["Sum"])
    assert sum(p["Sum"] for p in stats["Datapoints"]) == 1
    assert_intact(nuage, stored)
