"""botocore as the oracle of the protocol layer, in both directions.
CloudWatch speaks smithy-rpc-v2-cbor to this botocore (CBOR bodies, tag-1
timestamps, awsQueryCompatible error codes).

Requests: botocore serializes and signs sample operations of every protocol
exactly as it would send them; `nuage debug parse` must find the same
operation, verify the signature and recover the same parameters.
Responses: `nuage debug serialize` renders sample outputs and errors; botocore's
own parsers must read back the same values.
"""
import base64
import datetime
import json
import subprocess
from urllib.parse import urlsplit

import boto3
import botocore.session
import pytest
from botocore.parsers import create_parser
from urllib3._collections import HTTPHeaderDict

from conftest import NUAGE_BIN

T0 = datetime.datetime(2026, 11, 21, 5, 0, 0, tzinfo=datetime.timezone.utc)


class Captured(Exception):
    pass


def capture(service, operation, params, region="us-east-1"):
    """The request botocore would send for `operation`, as a debug-parse line."""
    client = boto3.client(service, endpoint_url="http://127.0.0.1:4566", region_name=region,
                          aws_access_key_id="test", aws_secret_access_key="test")
    box = {}

    def hook(request, **_):
        box["request"] = request
        raise Captured()

    client.meta.events.register("before-send", hook)
    with pytest.raises(Captured):
        getattr(client, botocore.xform_name(operation))(**params)
    req = box["request"]
    parts = urlsplit(req.url)
    body = req.body
    if hasattr(body, "read"):
        body = body.read()
    if isinstance(body, str):
        body = body.encode()
    headers = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in req.headers.items()}
    return {"method": req.method, "target": parts.path + ("?" + parts.query if parts.query else ""),
            "headers": headers, "body_b64": base64.b64encode(body or b"").decode()}


def run_nuage(mode, lines):
    res = subprocess.run([NUAGE_BIN, "debug", mode], input="\n".join(json.dumps(l) for l in lines) + "\n",
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return [json.loads(l) for l in res.stdout.splitlines() if l.strip()]


def model(service):
    return botocore.session.get_session().get_service_model(service)


def expected_value(shape, value):
    """Params as nuage's debug output shows them (timestamps: epoch; blobs: base64)."""
    if shape.type_name == "structure":
        return {k: expected_value(shape.members[k], v) for k, v in value.items()
                if not getattr(shape.members[k], "serialization", {}).get("streaming")
                and not (shape.members[k].type_name == "blob" and shape.members[k].serialization.get("streaming"))}
    if shape.type_name == "list":
        return [expected_value(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: expected_value(shape.value, v) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return value.timestamp()
    if shape.type_name == "blob":
        return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()
    return value


def assert_subset(expected, actual, path=""):
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r}"
        for k, v in expected.items():
            assert k in actual, f"{path}.{k} missing in {actual!r}"
            assert_subset(v, actual[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_subset(e, a, f"{path}[{i}]")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected), f"{path}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


REQUESTS = [
    # query
    ("sts", "GetCallerIdentity", {}),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::000000000000:role/r", "RoleSessionName": "session-1",
                           "DurationSeconds": 900, "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
                           "Tags": [{"Key": "team", "Value": "ops"}]}),
    ("iam", "CreateRole", {"RoleName": "Lambda_Execution_Role", "Path": "/service/",
                           "AssumeRolePolicyDocument": json.dumps({"Version": "2012-10-17", "Statement": []}),
                           "MaxSessionDuration": 7200, "Tags": [{"Key": "a", "Value": "b c"}]}),
    ("iam", "PutRolePolicy", {"RoleName": "r", "PolicyName": "p", "PolicyDocument": '{"a": "é & +%"}'}),
    # ec2
    ("ec2", "RunInstances", {"ImageId": "ami-0123456789", "InstanceType": "t3.micro", "MinCount": 1,
                             "MaxCount": 2, "KeyName": "my-key", "SecurityGroupIds": ["sg-1", "sg-2"],
                             "UserData": "#!/bin/bash\necho hi",
                             "TagSpecifications": [{"ResourceType": "instance", "Tags": [
                                 {"Key": "Name", "Value": "web"}, {"Key": "Environment", "Value": "development"}]}],
                             "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8,
                                                                                         "DeleteOnTermination": True}}]}),
    ("ec2", "DescribeInstances", {"Filters": [{"Name": "tag:Environment", "Values": ["production"]},
                                              {"Name": "instance-state-name", "Values": ["running", "stopped"]}],
                                  "MaxResults": 50}),
    ("ec2", "StopInstances", {"InstanceIds": ["i-0123456789abcdef0"], "Hibernate": False, "Force": True}),
    ("ec2", "AuthorizeSecurityGroupIngress", {"GroupId": "sg-1", "IpProtocol": "tcp", "FromPort": 22,
                                              "ToPort": 22, "CidrIp": "0.0.0.0/0"}),
    # json
    ("events", "PutRule", {"Name": "demarrage", "ScheduleExpression": "cron(0 5 * * ? *)", "State": "ENABLED"}),
    ("events", "PutTargets", {"Rule": "r", "Targets": [{"Id": "1", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:f",
                                                        "Input": '{"action": "start", "configKey": "k"}'}]}),
    ("logs", "PutLogEvents", {"logGroupName": "/aws/lambda/f", "logStreamName": "s",
                              "logEvents": [{"timestamp": 1700000000000, "message": "START"}]}),
    ("ssm", "PutParameter", {"Name": "/a/b", "Value": "v", "Type": "SecureString", "Overwrite": True}),
    # smithy-rpc-v2-cbor
    ("cloudwatch", "PutMetricData", {"Namespace": "MonApp", "MetricData": [
        {"MetricName": "Commandes", "Value": 5.5, "Unit": "Count", "Timestamp": T0,
         "Dimensions": [{"Name": "Env", "Value": "prod"}], "StorageResolution": 1},
        {"MetricName": "Latence", "Values": [1.0, 2.5], "Counts": [3.0, 1.0]},
        {"MetricName": "Set", "StatisticValues": {"SampleCount": 2.0, "Sum": 3.0, "Minimum": 1.0, "Maximum": 2.0}}]}),
    ("cloudwatch", "GetMetricStatistics", {"Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                                           "Dimensions": [{"Name": "InstanceId", "Value": "i-0123456789abcdef0"}],
                                           "StartTime": T0, "EndTime": T0 + datetime.timedelta(hours=1),
                                           "Period": 300, "Statistics": ["Average", "Maximum", "Minimum"],
                                           }),
    ("cloudwatch", "GetMetricData", {"StartTime": T0, "EndTime": T0 + datetime.timedelta(hours=1),
                                     "MetricDataQueries": [{"Id": "m1", "MetricStat": {"Metric": {
                                         "Namespace": "N", "MetricName": "M"}, "Period": 60, "Stat": "p99"},
                                         "ReturnData": False}, {"Id": "e1", "Expression": "SUM(METRICS())"}]}),
    ("cloudwatch", "PutMetricAlarm", {"AlarmName": "cpu", "Namespace": "AWS/EC2", "MetricName": "CPUUtilization",
                                      "Statistic": "Average", "Period": 300, "EvaluationPeriods": 2,
                                      "Threshold": 80.0, "ComparisonOperator": "GreaterThanThreshold",
                                      "ActionsEnabled": True,
                                      "AlarmActions": ["arn:aws:automate:us-east-1:ec2:stop"]}),
    # rest-json
    ("lambda", "CreateFunction", {"FunctionName": "demarrage", "Runtime": "python3.13", "Handler": "lambda_function.lambda_handler",
                                  "Role": "arn:aws:iam::000000000000:role/Lambda_Execution_Role",
                                  "Code": {"ZipFile": b"PK\x03\x04 not really a zip \x00\xff"},
                                  "Environment": {"Variables": {"REGION": "eu-west-1"}}, "Timeout": 30,
                                  "Layers": ["arn:aws:lambda:eu-west-3:000000000000:layer:pandas-layer:1"]}),
    ("lambda", "Invoke", {"FunctionName": "demarrage", "InvocationType": "RequestResponse", "LogType": "Tail",
                          "Payload": b'{"a": 1}', "Qualifier": "$LATEST"}),
    ("lambda", "ListFunctions", {"MaxItems": 10, "Marker": "abc"}),
    ("lambda", "AddPermission", {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:f",
                                 "StatementId": "events", "Action": "lambda:InvokeFunction",
                                 "Principal": "events.amazonaws.com"}),
    ("lambda", "GetPolicy", {"FunctionName": "f", "Qualifier": "1"}),
    # rest-xml
    ("s3", "CreateBucket", {"Bucket": "mon-bucket", "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}),
    ("s3", "PutBucketVersioning", {"Bucket": "mon-bucket", "VersioningConfiguration": {"Status": "Enabled"}}),
    ("s3", "ListObjectsV2", {"Bucket": "mon-bucket", "Prefix": "a/b c", "Delimiter": "/", "MaxKeys": 5}),
    ("s3", "GetObject", {"Bucket": "mon-bucket", "Key": "dir/rapport é+%.pdf", "VersionId": "v1", "Range": "bytes=0-9"}),
    ("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "v"}],
                                                       "Quiet": True}}),
    ("s3", "CopyObject", {"Bucket": "dst", "Key": "k2", "CopySource": {"Bucket": "src", "Key": "k"},
                          "MetadataDirective": "REPLACE", "Metadata": {"owner": "me"}}),
]


@pytest.fixture(scope="module")
def parsed_requests():
    lines = [capture(svc, op, params) for svc, op, params in REQUESTS]
    return run_nuage("parse", lines)


@pytest.mark.parametrize("index", range(len(REQUESTS)), ids=[f"{s}.{o}" for s, o, _ in REQUESTS])
def test_botocore_requests_parse(parsed_requests, index):
    service, operation, params = REQUESTS[index]
    got = parsed_requests[index]
    assert got["service"] == service
    assert got["signature"] == "ok", got
    assert got.get("operation") == operation, got
    assert "error" not in got, got
    op_model = model(service).operation_model(operation)
    expected = expected_value(op_model.input_shape, params)
    # botocore's own customizations, applied before serialization:
    if operation == "RunInstances":
        expected["UserData"] = base64.b64encode(params["UserData"].encode()).decode()
    if operation == "CopyObject":
        expected["CopySource"] = f'{params["CopySource"]["Bucket"]}/{params["CopySource"]["Key"]}'
    assert_subset(expected, got["input"])


def test_wrong_secret_fails_verification():
    line = capture("sts", "GetCallerIdentity", {})
    line["headers"]["Authorization"] = line["headers"]["Authorization"][:-4] + "0000"
    got = run_nuage("parse", [line])[0]
    assert got["signature"]["code"] == "SignatureDoesNotMatch"


RESPONSES = [
    ("sts", "GetCallerIdentity", {"UserId": "AIDAEXAMPLE", "Account": "000000000000",
                                  "Arn": "arn:aws:iam::000000000000:user/alice"}),
    ("iam", "CreateRole", {"Role": {"Path": "/", "RoleName": "r", "RoleId": "AROAEXAMPLE",
                                    "Arn": "arn:aws:iam::000000000000:role/r", "CreateDate": T0,
                                    "MaxSessionDuration": 3600,
                                    "Tags": [{"Key": "a", "Value": "b"}]}}),
    ("iam", "ListAttachedRolePolicies", {"AttachedPolicies": [
        {"PolicyName": "p1", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
        {"PolicyName": "p2", "PolicyArn": "arn:aws:iam::000000000000:policy/p2"}], "IsTruncated": False}),
    ("ec2", "DescribeInstances", {"Reservations": [{"ReservationId": "r-1", "OwnerId": "000000000000", "Instances": [
        {"InstanceId": "i-0123456789abcdef0", "InstanceType": "t3.micro", "LaunchTime": T0,
         "State": {"Code": 16, "Name": "running"}, "PrivateIpAddress": "172.31.0.10",
         "Tags": [{"Key": "Name", "Value": "web"}], "EbsOptimized": False,
         "SecurityGroups": [{"GroupId": "sg-1", "GroupName": "default"}]}]}], "NextToken": "t"}),
    ("ec2", "StartInstances", {"StartingInstances": [{"InstanceId": "i-1", "CurrentState": {"Code": 0, "Name": "pending"},
                                                      "PreviousState": {"Code": 80, "Name": "stopped"}}]}),
    ("events", "DescribeRule", {"Name": "arreter", "Arn": "arn:aws:events:us-east-1:000000000000:rule/arreter",
                                "ScheduleExpression": "cron(0 22 * * ? *)", "State": "ENABLED",
                                "EventBusName": "default"}),
    ("logs", "GetLogEvents", {"events": [{"timestamp": 1700000000000, "message": "START RequestId: x",
                                          "ingestionTime": 1700000000001}], "nextForwardToken": "f/1"}),
    ("cloudwatch", "GetMetricStatistics", {"Label": "CPUUtilization", "Datapoints": [
        {"Timestamp": T0, "Average": 12.5, "Maximum": 20.0, "Minimum": 5.0, "Unit": "Percent"},
        {"Timestamp": T0 + datetime.timedelta(minutes=5), "SampleCount": 3.0, "Unit": "Count",
         "ExtendedStatistics": {"p99": 19.5}}]}),
    ("cloudwatch", "GetMetricData", {"MetricDataResults": [
        {"Id": "e1", "Label": "e1", "StatusCode": "Complete", "Values": [1.5, 2.0],
         "Timestamps": [T0 + datetime.timedelta(minutes=1), T0]}], "Messages": []}),
    ("cloudwatch", "DescribeAlarms", {"MetricAlarms": [
        {"AlarmName": "cpu", "AlarmArn": "arn:aws:cloudwatch:us-east-1:000000000000:alarm:cpu",
         "StateValue": "ALARM", "StateUpdatedTimestamp": T0, "ActionsEnabled": True, "Threshold": 0.1,
         "EvaluationPeriods": 1, "Dimensions": [{"Name": "InstanceId", "Value": "i-1"}],
         "AlarmActions": ["arn:aws:automate:us-east-1:ec2:stop"]}], "CompositeAlarms": []}),
    ("lambda", "GetFunction", {"Configuration": {"FunctionName": "f", "Runtime": "python3.13", "Timeout": 3,
                                                 "MemorySize": 128, "Environment": {"Variables": {"A": "1"}},
                                                 "State": "Active", "LastUpdateStatus": "Successful"},
                               "Code": {"RepositoryType": "S3", "Location": "http://127.0.0.1:4566/x"},
                               "Tags": {"team": "ops"}}),
    ("lambda", "Invoke", {"StatusCode": 200, "FunctionError": "Unhandled", "LogResult": "U1RBUlQ=",
                          "ExecutedVersion": "$LATEST", "Payload": b'{"errorMessage": "boom"}'}),
    ("lambda", "CreateFunctionUrlConfig", {"FunctionUrl": "http://x", "FunctionArn": "arn", "AuthType": "NONE",
                                           "CreationTime": "2026-11-21T05:00:00Z"}),
    ("s3", "ListObjectsV2", {"IsTruncated": False, "Name": "b", "Prefix": "", "KeyCount": 2, "MaxKeys": 1000,
                             "Contents": [{"Key": "a b.txt", "Size": 3, "ETag": '"abc"', "LastModified": T0,
                                           "StorageClass": "STANDARD"},
                                          {"Key": "c", "Size": 0, "ETag": '"d"', "LastModified": T0,
                                           "StorageClass": "STANDARD"}],
                             "CommonPrefixes": [{"Prefix": "dir/"}]}),
    ("s3", "GetBucketVersioning", {"Status": "Enabled"}),
    ("s3", "HeadObject", {"ContentLength": 3, "ETag": '"x"', "Metadata": {"owner": "me"}, "LastModified": T0,
                          "ContentType": "text/plain", "VersionId": "v1"}),
    ("s3", "GetBucketLocation", {"LocationConstraint": "eu-west-1"}),
]


def to_output_value(shape, value):
    if shape.type_name == "structure":
        return {k: to_output_value(shape.members[k], v) for k, v in value.items()}
    if shape.type_name == "list":
        return [to_output_value(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: to_output_value(shape.value, v) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return value.timestamp()
    if shape.type_name == "blob":
        return value.decode("latin-1")
    return value


def normalize(value):
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if hasattr(value, "read"):
        return value.read()
    return value


def botocore_parse(service, operation, rendered):
    svc_model = model(service)
    op_model = svc_model.operation_model(operation)
    headers = HTTPHeaderDict(rendered["headers"])
    body = base64.b64decode(rendered["body_b64"])
    parser = create_parser(svc_model.protocol)
    response = {"status_code": rendered["status"], "headers": headers, "body": body}
    if op_model.has_streaming_output:
        from botocore.response import StreamingBody
        import io
        response["body"] = StreamingBody(io.BytesIO(body), len(body))
    return parser.parse(response, op_model.output_shape)


@pytest.mark.parametrize("index", range(len(RESPONSES)), ids=[f"{s}.{o}" for s, o, _ in RESPONSES])
def test_nuage_responses_parse_in_botocore(index):
    service, operation, value = RESPONSES[index]
    op_model = model(service).operation_model(operation)
    rendered = run_nuage("serialize", [{"service": service, "operation": operation,
                                        "protocol": model(service).protocol,
                                        "output": to_output_value(op_model.output_shape, value)}])[0]
    assert rendered["status"] == op_model.http.get("responseCode", 200)
    parsed = botocore_parse(service, operation, rendered)
    assert normalize(parsed) == normalize(value)


ERRORS = [
    ("sts", "ExpiredToken", "The security token included in the request is expired", 400),
    ("iam", "NoSuchEntity", "The role with name r cannot be found.", 404),
    ("ec2", "InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist", 400),
    ("events", "ResourceNotFoundException", "Rule r does not exist.", 400),
    ("ssm", "ParameterNotFound", "Parameter /x not found.", 400),
    ("cloudwatch", "ResourceNotFound", "Alarm x not found", 404),
    ("cloudwatch", "InvalidParameterValue", "The value AWS/ for parameter Namespace is invalid.", 400),
    ("lambda", "ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:000000000000:function:f", 404),
    ("s3", "NoSuchKey", "The specified key does not exist.", 404),
]


@pytest.mark.parametrize("service,code,message,status", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_parse_in_botocore(service, code, message, status):
    svc_model = model(service)
    operation = next(iter(svc_model.operation_names))
    rendered = run_nuage("serialize", [{"service": service, "protocol": svc_model.protocol, "operation": operation,
                                        "error": {"code": code, "message": message, "status": status},
                                        "request_id": "11111111-2222-4333-8444-555555555555"}])[0]
    assert rendered["status"] == status
    parsed = botocore_parse(service, operation, rendered)
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == message
    if service != "s3":
        assert parsed["ResponseMetadata"].get("RequestId") == "11111111-2222-4333-8444-555555555555"
