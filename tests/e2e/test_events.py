"""EventBridge with real clients: schedules firing Lambda on the nuage clock,
constant input, EC2 state-change patterns, resource-policy checks, PutEvents,
TestEventPattern and the API's errors."""
import io
import json
import zipfile

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"

RECORDER = """
import json, boto3
def lambda_handler(event, context):
    ssm = boto3.client('ssm')
    name = '/events/' + context.function_name
    try:
        seen = json.loads(ssm.get_parameter(Name=name)['Parameter']['Value'])
    except ssm.exceptions.ParameterNotFound:
        seen = []
    seen.append(event)
    ssm.put_parameter(Name=name, Value=json.dumps(seen), Type='String', Overwrite=True)
    return len(seen)
"""


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def make_zip(source):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", source)
    return buf.getvalue()


def recorder(server, name):
    """A function that appends every event it receives to /events/<name> in SSM."""
    iam = server.client("iam")
    try:
        role = iam.get_role(RoleName="recorder-role")["Role"]["Arn"]
    except ClientError:
        role = iam.create_role(RoleName="recorder-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                    "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
        iam.put_role_policy(RoleName="recorder-role", PolicyName="ssm", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:*", "Resource": "*"}]}))
    fn = server.client("lambda").create_function(
        FunctionName=name, Runtime="python3.13", Role=role, Handler="lambda_function.lambda_handler",
        Code={"ZipFile": make_zip(RECORDER)}, Timeout=30)
    return fn["FunctionArn"]


def seen(server, name):
    try:
        return json.loads(server.client("ssm").get_parameter(Name="/events/" + name)["Parameter"]["Value"])
    except ClientError:
        return []


def allow_events(server, function, rule_arn, sid="events"):
    server.client("lambda").add_permission(FunctionName=function, StatementId=sid, Action="lambda:InvokeFunction",
                                           Principal="events.amazonaws.com", SourceArn=rule_arn)


@pytest.fixture
def server(fresh_nuage):
    fresh_nuage.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T21:59:00Z"})
    return fresh_nuage


def test_seed_000_schedules_fire_three_times_in_three_days(server):
    events = server.client("events")
    for name, cron in (("demarrage", "cron(0 5 * * ? *)"), ("arreter", "cron(0 22 * * ? *)")):
        arn = recorder(server, name)
        rule = events.put_rule(Name=name, ScheduleExpression=cron, State="ENABLED")["RuleArn"]
        allow_events(server, name, rule)
        events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": arn}])
    server.admin("POST", "/_nuage/clock", {"advance": "1m"})
    assert len(seen(server, "arreter")) == 1 and seen(server, "demarrage") == []
    server.admin("POST", "/_nuage/clock", {"advance": "3d"})
    stops, starts = seen(server, "arreter"), seen(server, "demarrage")
    assert [e["time"] for e in stops] == ["2026-06-01T22:00:00Z", "2026-06-02T22:00:00Z", "2026-06-03T22:00:00Z",
                                          "2026-06-04T22:00:00Z"]
    assert [e["time"] for e in starts] == ["2026-06-02T05:00:00Z", "2026-06-03T05:00:00Z", "2026-06-04T05:00:00Z"]
    event = stops[0]
    assert event["source"] == "aws.events" and event["detail-type"] == "Scheduled Event"
    assert event["resources"] == [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/arreter"]
    assert event["account"] == ACCOUNT and event["region"] == "us-east-1" and event["detail"] == {}


def test_seed_004_constant_input_reaches_the_handler(server):
    events = server.client("events")
    arn = recorder(server, "ec2_start_keyname01")
    rule = events.put_rule(Name="awsutils-start", ScheduleExpression="cron(0 8 * * ? *)")["RuleArn"]
    allow_events(server, "ec2_start_keyname01", rule)
    events.put_targets(Rule="awsutils-start", Targets=[
        {"Id": "t", "Arn": arn, "Input": '{"action": "start", "configKey": ["keyname01", "keyname02"]}'}])
    server.admin("POST", "/_nuage/clock", {"advance": "12h"})
    assert seen(server, "ec2_start_keyname01") == [{"action": "start", "configKey": ["keyname01", "keyname02"]}]


def test_setting_the_clock_back_replays_a_schedule(server):
    # Rehearse the 22:00 stop twice: after it fired, go back before it.
    events = server.client("events")
    arn = recorder(server, "rehearsed")
    rule = events.put_rule(Name="stop-at-22", ScheduleExpression="cron(0 22 * * ? *)")["RuleArn"]
    allow_events(server, "rehearsed", rule)
    events.put_targets(Rule="stop-at-22", Targets=[{"Id": "t", "Arn": arn, "Input": '{"n": 1}'}])
    server.admin("POST", "/_nuage/clock", {"advance": "2m"})
    assert len(seen(server, "rehearsed")) == 1
    # Back to 21:59 the same day: the next firing is 22:00 today again, not tomorrow.
    server.admin("POST", "/_nuage/clock", {"set": "2026-06-01T21:59:00Z"})
    server.admin("POST", "/_nuage/clock", {"advance": "2m"})
    assert len(seen(server, "rehearsed")) == 2
    # And forward as usual: one more the next day.
    server.admin("POST", "/_nuage/clock", {"advance": "1d"})
    assert len(seen(server, "rehearsed")) == 3


def test_rate_schedule_and_disable(server):
    events = server.client("events")
    arn = recorder(server, "ticker")
    rule = events.put_rule(Name="tick", ScheduleExpression="rate(15 minutes)")["RuleArn"]
    allow_events(server, "ticker", rule)
    events.put_targets(Rule="tick", Targets=[{"Id": "t", "Arn": arn, "Input": "{}"}])
    server.admin("POST", "/_nuage/clock", {"advance": "1h"})
    assert len(seen(server, "ticker")) == 4
    events.disable_rule(Name="tick")
    server.admin("POST", "/_nuage/clock", {"advance": "1h"})
    assert len(seen(server, "ticker")) == 4
    assert events.describe_rule(Name="tick")["State"] == "DISABLED"


def test_no_permission_no_invocation(server):
    events = server.client("events")
    arn = recorder(server, "unreachable")
    events.put_rule(Name="denied", ScheduleExpression="rate(1 minute)")
    events.put_targets(Rule="denied", Targets=[{"Id": "t", "Arn": arn, "RetryPolicy": {"MaximumRetryAttempts": 0}}])
    server.admin("POST", "/_nuage/clock", {"advance": "5m"})
    assert seen(server, "unreachable") == []
    # A permission for another rule does not help either.
    allow_events(server, "unreachable", f"arn:aws:events:us-east-1:{ACCOUNT}:rule/other")
    server.admin("POST", "/_nuage/clock", {"advance": "5m"})
    assert seen(server, "unreachable") == []


def test_ec2_state_changes_reach_matching_rules(server):
    events = server.client("events")
    arn = recorder(server, "watcher")
    rule = events.put_rule(Name="stopped-instances", EventPattern=json.dumps({
        "source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"],
        "detail": {"state": ["stopped", "terminated"]}}))["RuleArn"]
    allow_events(server, "watcher", rule)
    events.put_targets(Rule="stopped-instances", Targets=[{"Id": "w", "Arn": arn, "InputTransformer": {
        "InputPathsMap": {"id": "$.detail.instance-id", "state": "$.detail.state"},
        "InputTemplate": '{"instance": <id>, "state": <state>, "note": "<id> is <state>"}'}}])
    ec2 = server.client("ec2")
    iid = ec2.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1, InstanceType="t3.micro")[
        "Instances"][0]["InstanceId"]
    ec2.describe_instances()
    ec2.stop_instances(InstanceIds=[iid])
    ec2.describe_instances()
    server.admin("POST", "/_nuage/clock", {"advance": "1s"})
    assert seen(server, "watcher") == [{"instance": iid, "state": "stopped", "note": f"{iid} is stopped"}]


def test_put_events_custom_bus_and_log_target(server):
    events = server.client("events")
    logs = server.client("logs")
    events.create_event_bus(Name="orders")
    rule = events.put_rule(Name="big-orders", EventBusName="orders", EventPattern=json.dumps(
        {"source": ["shop"], "detail": {"amount": [{"numeric": [">=", 100]}]}}))["RuleArn"]
    assert rule == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/orders/big-orders"
    logs.create_log_group(logGroupName="/aws/events/orders")
    events.put_targets(Rule="big-orders", EventBusName="orders", Targets=[
        {"Id": "log", "Arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/events/orders"}])
    out = events.put_events(Entries=[
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"amount": 250}), "EventBusName": "orders"},
        {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"amount": 5}), "EventBusName": "orders"},
        {"Source": "shop", "DetailType": "order", "Detail": "not json", "EventBusName": "orders"},
    ])
    assert out["FailedEntryCount"] == 1
    assert "EventId" in out["Entries"][0] and out["Entries"][2]["ErrorCode"] == "MalformedDetail"
    messages = [json.loads(e["message"]) for e in
                logs.filter_log_events(logGroupName="/aws/events/orders")["events"]]
    assert [m["detail"]["amount"] for m in messages] == [250]


def test_test_event_pattern(nuage):
    events = nuage.client("events")
    event = json.dumps({"id": "1", "account": ACCOUNT, "source": "aws.ec2", "time": "2026-06-01T22:00:00Z",
                        "region": "us-east-1", "detail-type": "x", "detail": {"state": "running"}})
    assert events.test_event_pattern(EventPattern='{"detail": {"state": [{"prefix": "run"}]}}', Event=event)["Result"]
    assert not events.test_event_pattern(EventPattern='{"source": ["aws.s3"]}', Event=event)["Result"]
    with pytest.raises(ClientError) as exc:
        events.test_event_pattern(EventPattern='{"source": "aws.s3"}', Event=event)
    assert code_of(exc) == "InvalidEventPatternException"


def test_rule_errors(nuage):
    events = nuage.client("events")
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="both-days", ScheduleExpression="cron(0 5 * * * *)")
    assert code_of(exc) == "ValidationException"
    assert exc.value.response["Error"]["Message"] == "Parameter ScheduleExpression is not valid."
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="nothing")
    assert code_of(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        events.describe_rule(Name="missing-rule")
    assert code_of(exc) == "ResourceNotFoundException"
    events.put_rule(Name="with-target", ScheduleExpression="rate(1 day)")
    events.put_targets(Rule="with-target", Targets=[{"Id": "a", "Arn": "arn:aws:lambda:us-east-1:000000000000:function:x"}])
    with pytest.raises(ClientError) as exc:
        events.delete_rule(Name="with-target")
    assert code_of(exc) == "ValidationException"
    events.remove_targets(Rule="with-target", Ids=["a"])
    events.delete_rule(Name="with-target")
    with pytest.raises(ClientError) as exc:
        events.put_rule(Name="bad-pattern", EventPattern='{"source": []}')
    assert code_of(exc) == "InvalidEventPatternException"


@pytest.mark.parametrize("version", [1, 2])
def test_cli_rules(fresh_nuage, version):
    fresh_nuage.cli("events", "put-rule", "--name", "arreter", "--schedule-expression", "cron(0 22 * * ? *)",
                    version=version)
    fresh_nuage.cli("events", "put-targets", "--rule", "arreter", "--targets",
                    "Id=1,Arn=arn:aws:lambda:us-east-1:000000000000:function:arreter", version=version)
    rules = fresh_nuage.cli("events", "list-rules", version=version)["Rules"]
    assert [(r["Name"], r["ScheduleExpression"], r["State"]) for r in rules] == [
        ("arreter", "cron(0 22 * * ? *)", "ENABLED")]
    targets = fresh_nuage.cli("events", "list-targets-by-rule", "--rule", "arreter", version=version)["Targets"]
    assert targets[0]["Id"] == "1"


def test_rules_persist_and_keep_firing_after_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T21:59:00Z"})
    arn = recorder(server, "persistent")
    rule = server.client("events").put_rule(Name="nightly", ScheduleExpression="cron(0 22 * * ? *)")["RuleArn"]
    allow_events(server, "persistent", rule)
    server.client("events").put_targets(Rule="nightly", Targets=[{"Id": "1", "Arn": arn}])
    server.stop(sig=9)
    server = start_nuage(data_dir=data_dir)
    server.admin("POST", "/_nuage/clock", {"advance": "2m"})
    assert [e["time"] for e in seen(server, "persistent")] == ["2026-06-01T22:00:00Z"]
