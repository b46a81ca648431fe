"""The models' constraints, enforced by the server: for each service, cases
of min and max length, pattern, enum and numeric range taken from its model,
sent through boto3 with its own parameter validation off (botocore checks
only some of them client-side) and through the AWS CLI, answered with AWS's
codes and exact messages."""
import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import make_role, make_zip, unique

NO_CLIENT_CHECKS = Config(parameter_validation=False, retries={"max_attempts": 1})
ROLE = "arn:aws:iam::000000000000:role/r"
LAMBDA_NAME = ("(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
               "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?")


def one(value, path, constraint):
    return f"1 validation error detected: Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


def length_max(n):
    return f"Member must have length less than or equal to {n}"


def length_min(n):
    return f"Member must have length greater than or equal to {n}"


CASES = [
    # service, operation, params, status, code, message
    ("iam", "create_user", {"UserName": "u" * 65}, 400, "ValidationError", one("u" * 65, "userName", length_max(64))),
    ("iam", "create_user", {"UserName": "no spaces"}, 400, "ValidationError",
     one("no spaces", "userName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+")),
    ("iam", "create_user", {"UserName": "ok", "Path": "no-slash"}, 400, "ValidationError",
     one("no-slash", "path",
         "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)")),
    ("iam", "create_user", {"UserName": "ok2", "Tags": [{"Key": "k" * 129, "Value": "v"}]}, 400, "ValidationError",
     one("k" * 129, "tags.1.member.key", length_max(128))),
    ("iam", "create_user", {"UserName": "ok3", "Tags": [{"Key": "k", "Value": "a&b"}]}, 400, "ValidationError",
     one("a&b", "tags.1.member.value",
         "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*")),
    ("iam", "list_users", {"MaxItems": 0}, 400, "ValidationError",
     one("0", "maxItems", "Member must have value greater than or equal to 1")),
    ("iam", "list_policies", {"Scope": "Everything"}, 400, "ValidationError",
     one("Everything", "scope", "Member must satisfy enum value set: [All, AWS, Local]")),
    ("sts", "assume_role", {"RoleArn": ROLE, "RoleSessionName": "s" * 65}, 400, "ValidationError",
     one("s" * 65, "roleSessionName", length_max(64))),
    ("sts", "assume_role", {"RoleArn": ROLE, "RoleSessionName": "s1", "DurationSeconds": 60}, 400, "ValidationError",
     one("60", "durationSeconds", "Member must have value greater than or equal to 900")),
    ("ec2", "run_instances", {"ImageId": "ami-12345678", "MinCount": 1, "MaxCount": 1, "InstanceType": "t9.bogus"},
     400, "InvalidParameterValue", "Invalid value 't9.bogus' for InstanceType."),
    ("ssm", "put_parameter", {"Name": "/p", "Value": "v", "Type": "Blob"}, 400, "ValidationException",
     one("Blob", "type", "Member must satisfy enum value set: [String, StringList, SecureString]")),
    ("ssm", "put_parameter", {"Name": "n" * 2049, "Value": "v", "Type": "String"}, 400, "ValidationException",
     one("n" * 2049, "name", length_max(2048))),
    ("ssm", "get_parameters", {"Names": ["a"] * 11}, 400, "ValidationException",
     one("[" + ", ".join(["a"] * 11) + "]", "names", length_max(10))),
    ("events", "put_rule", {"Name": "bad name", "ScheduleExpression": "rate(1 hour)"}, 400, "ValidationException",
     one("bad name", "name", "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")),
    ("events", "put_rule", {"Name": "r" * 65, "ScheduleExpression": "rate(1 hour)"}, 400, "ValidationException",
     one("r" * 65, "name", length_max(64))),
    ("events", "put_rule", {"Name": "r", "ScheduleExpression": "rate(1 hour)", "State": "ON"}, 400,
     "ValidationException",
     one("ON", "state", "Member must satisfy enum value set: [ENABLED, DISABLED, "
                        "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")),
    ("logs", "create_log_group", {"logGroupName": "bad name!"}, 400, "InvalidParameterException",
     one("bad name!", "logGroupName", "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")),
    ("logs", "get_log_events", {"logGroupName": "g", "logStreamName": "s", "limit": 10001}, 400,
     "InvalidParameterException", one("10001", "limit", "Member must have value less than or equal to 10000")),
    ("lambda", "get_function", {"FunctionName": "../../x"}, 400, "ValidationException",
     one("../../x", "functionName", "Member must satisfy regular expression pattern: " + LAMBDA_NAME)),
    ("lambda", "list_functions", {"MaxItems": 10001}, 400, "ValidationException",
     one("10001", "maxItems", "Member must have value less than or equal to 10000")),
    ("lambda", "invoke", {"FunctionName": "f", "InvocationType": "Later"}, 400, "ValidationException",
     one("Later", "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")),
    ("scheduler", "get_schedule", {"Name": "s" * 65}, 400, "ValidationException",
     one("s" * 65, "name", length_max(64))),
    ("scheduler", "list_schedules", {"State": "PAUSED"}, 400, "ValidationException",
     one("PAUSED", "state", "Member must satisfy enum value set: [ENABLED, DISABLED]")),
    ("cloudwatch", "put_metric_data", {"Namespace": "n" * 256, "MetricData": [{"MetricName": "m", "Value": 1}]},
     400, None, one("n" * 256, "namespace", length_max(255))),
    ("cloudwatch", "describe_alarms", {"StateValue": "BROKEN"}, 400, None,
     one("BROKEN", "stateValue", "Member must satisfy enum value set: [OK, ALARM, INSUFFICIENT_DATA]")),
]


@pytest.mark.parametrize("service,operation,params,status,code,message", CASES,
                         ids=[f"{c[0]}.{c[1]}.{i}" for i, c in enumerate(CASES)])
def test_model_constraint(nuage, service, operation, params, status, code, message):
    client = nuage.client(service, config=NO_CLIENT_CHECKS)
    with pytest.raises(ClientError) as exc:
        getattr(client, operation)(**params)
    error = exc.value.response["Error"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    if code:
        assert error["Code"] == code
    if message:
        assert error["Message"] == message


def test_several_failures_are_reported_together(nuage):
    iam = nuage.client("iam", config=NO_CLIENT_CHECKS)
    with pytest.raises(ClientError) as exc:
        iam.create_user(UserName="", Path="x")
    assert exc.value.response["Error"]["Message"].startswith("3 validation errors detected: ")
    assert "; Value '' at 'userName' failed to satisfy constraint: " in exc.value.response["Error"]["Message"]


def test_sensitive_values_are_not_echoed(nuage):
    lam = nuage.client("lambda", config=NO_CLIENT_CHECKS)
    with pytest.raises(ClientError) as exc:
        lam.create_function(FunctionName=unique("fn"), Runtime="python3.13", Role=ROLE, Handler="h.h",
                            Code={"ZipFile": make_zip({"h.py": ""})}, Environment={"Variables": {"A": "secret"}})
    message = exc.value.response["Error"]["Message"]
    assert message == ("1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
                       "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: "
                       "[a-zA-Z]([a-zA-Z0-9_])+]")
    assert "secret" not in message


def test_aws_cli_sends_what_botocore_does_not_check(nuage):
    """botocore checks min lengths client-side but not max, patterns or enums:
    the CLI sends those and the server answers."""
    for version in (1, 2):
        res = nuage.cli("iam", "create-user", "--user-name", "u" * 65, version=version, check=False)
        assert res.returncode != 0
        assert "ValidationError" in res.stderr
        assert "Member must have length less than or equal to 64" in res.stderr
        res = nuage.cli("ssm", "put-parameter", "--name", "/p", "--value", "v", "--type", "Blob",
                        version=version, check=False)
        assert res.returncode != 0
        assert "Member must satisfy enum value set: [String, StringList, SecureString]" in res.stderr


def test_values_within_the_constraints_pass(nuage):
    """The edges themselves are accepted (64 characters, 50 tags, 2-character sessions)."""
    iam = nuage.client("iam")
    name = "u" * 60 + unique("")[-4:]
    iam.create_user(UserName=name, Tags=[{"Key": f"k{i}", "Value": "v v:/=+-@"} for i in range(50)])
    assert len(iam.list_user_tags(UserName=name)["Tags"]) == 50
    role = make_role(nuage, [], trust={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "sts:AssumeRole"}]})
    creds = nuage.client("sts").assume_role(RoleArn=role, RoleSessionName="ab")["Credentials"]
    assert creds["AccessKeyId"]
    nuage.client("ssm").put_parameter(Name="/" + unique("edge"), Value="v" * 4096, Type="String")
