"""EventBridge Scheduler: schedule groups and schedules (cron/rate/at in a time
zone, flexible windows, ActionAfterCompletion), firing on the nuage clock
through universal targets (EC2 StartInstances/StopInstances) and Lambda, with
the target role's permissions — the seed-002 "infrastructure scheduler"."""
import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, make_role, unique, wait_for

AMI = "ami-0123456789abcdef0"
SCHEDULER_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
START = "arn:aws:scheduler:::aws-sdk:ec2:startInstances"
STOP = "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as exc:
        call(*args, **kwargs)
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


def set_clock(server, when):
    return server.admin("POST", "/_nuage/clock", {"set": when})


def states(ec2, ids):
    out = {}
    for r in ec2.describe_instances(InstanceIds=ids)["Reservations"]:
        for i in r["Instances"]:
            out[i["InstanceId"]] = i["State"]["Name"]
    return [out[i] for i in ids]


def seed_002_scheduler(scheduler, iam, ec2):
    """The exercise: start development instances at 8:00 and stop them at
    20:00 (Paris), weekdays only, through EventBridge Scheduler."""
    role = iam.create_role(RoleName="infra-scheduler", AssumeRolePolicyDocument=json.dumps(SCHEDULER_TRUST))
    iam.put_role_policy(RoleName="infra-scheduler", PolicyName="start-stop", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances"], "Resource": "*"}]}))
    ids = [i["InstanceId"]
           for r in ec2.describe_instances(Filters=[{"Name": "tag:Environment", "Values": ["development"]}])["Reservations"]
           for i in r["Instances"]]
    scheduler.create_schedule_group(Name="infrastructure")
    for name, hour, arn in (("dev-start", 8, START), ("dev-stop", 20, STOP)):
        scheduler.create_schedule(
            Name=name, GroupName="infrastructure",
            ScheduleExpression=f"cron(0 {hour} ? * MON-FRI *)", ScheduleExpressionTimezone="Europe/Paris",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": arn, "RoleArn": role["Role"]["Arn"], "Input": json.dumps({"InstanceIds": ids}),
                    "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 300}})
    return ids


def test_seed_002_weekday_schedule_across_dst(fresh_nuage):
    srv = fresh_nuage
    srv.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2027-03-24T12:00:00Z"})  # a Wednesday
    ec2, iam, scheduler = srv.client("ec2"), srv.client("iam"), srv.client("scheduler")
    tags = lambda env: [{"ResourceType": "instance", "Tags": [{"Key": "Environment", "Value": env}]}]
    ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=2, MaxCount=2, TagSpecifications=tags("development"))
    prod = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             TagSpecifications=tags("production"))["Instances"][0]["InstanceId"]
    dev = seed_002_scheduler(scheduler, iam, ec2)
    assert len(dev) == 2
    assert states(ec2, dev) == ["running", "running"]

    got = scheduler.get_schedule(Name="dev-start", GroupName="infrastructure")
    assert got["ScheduleExpressionTimezone"] == "Europe/Paris" and got["State"] == "ENABLED"
    assert got["Arn"].endswith(":schedule/infrastructure/dev-start")

    def check(when, expected):
        set_clock(srv, when)
        assert states(ec2, dev) == [expected, expected], when
        assert states(ec2, [prod]) == ["running"], when

    # Wednesday to Friday: Paris is UTC+1, so 08:00 / 20:00 are 07:00Z / 19:00Z.
    check("2027-03-24T18:59:00Z", "running")
    check("2027-03-24T19:00:00Z", "stopped")
    for day in ("25", "26"):
        check(f"2027-03-{day}T06:59:00Z", "stopped")
        check(f"2027-03-{day}T07:00:00Z", "running")
        check(f"2027-03-{day}T18:59:00Z", "running")
        check(f"2027-03-{day}T19:00:00Z", "stopped")
    # The weekend (and the switch to summer time on Sunday 28th) fires nothing.
    check("2027-03-27T12:00:00Z", "stopped")
    check("2027-03-28T12:00:00Z", "stopped")
    # Monday, Tuesday: Paris is UTC+2, so 06:00Z / 18:00Z.
    for day in ("29", "30"):
        check(f"2027-03-{day}T05:59:00Z", "stopped")
        check(f"2027-03-{day}T06:00:00Z", "running")
        check(f"2027-03-{day}T17:59:00Z", "running")
        check(f"2027-03-{day}T18:00:00Z", "stopped")

    # A disabled schedule fires nothing.
    scheduler.update_schedule(
        Name="dev-stop", GroupName="infrastructure", ScheduleExpression="cron(0 20 ? * MON-FRI *)",
        ScheduleExpressionTimezone="Europe/Paris", FlexibleTimeWindow={"Mode": "OFF"}, State="DISABLED",
        Target=scheduler.get_schedule(Name="dev-stop", GroupName="infrastructure")["Target"])
    srv.admin("POST", "/_nuage/clock", {"advance": "1d"})  # Wednesday 31st, 18:00Z
    assert states(ec2, dev) == ["running", "running"]


def test_role_permissions_apply(fresh_nuage):
    srv = fresh_nuage
    srv.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2027-01-04T10:00:00Z"})
    ec2, iam, scheduler = srv.client("ec2"), srv.client("iam"), srv.client("scheduler")
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"]]
    # Allowed to start only: the stop call is denied, so the instance keeps running.
    role = iam.create_role(RoleName="start-only", AssumeRolePolicyDocument=json.dumps(SCHEDULER_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName="start-only", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:StartInstances", "Resource": "*"}]}))
    scheduler.create_schedule(Name="stop-denied", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": STOP, "RoleArn": role, "Input": json.dumps({"InstanceIds": ids}),
                                      "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60}})
    srv.admin("POST", "/_nuage/clock", {"advance": "2h"})
    assert states(ec2, ids) == ["running"]
    # A role that trusts Lambda, not the Scheduler, cannot be assumed.
    other = make_role(srv, ["ec2:StopInstances"])
    scheduler.update_schedule(Name="stop-denied", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": STOP, "RoleArn": other, "Input": json.dumps({"InstanceIds": ids})})
    srv.admin("POST", "/_nuage/clock", {"advance": "2h"})
    assert states(ec2, ids) == ["running"]


def test_lambda_target_at_with_delete_after_completion(fresh_nuage):
    srv = fresh_nuage
    srv.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2027-06-01T08:00:00Z"})
    scheduler, ssm, iam = srv.client("scheduler"), srv.client("ssm"), srv.client("iam")
    fn_role = make_role(srv, ["ssm:PutParameter", "logs:*"])
    fn = create_python(srv, fn_role,
                       "import boto3, json\n"
                       "def lambda_handler(event, context):\n"
                       "    boto3.client('ssm').put_parameter(Name=event['param'], Value=json.dumps(event),"
                       " Type='String', Overwrite=True)\n")
    fn_arn = srv.client("lambda").get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    invoke_role = iam.create_role(RoleName="invoke", AssumeRolePolicyDocument=json.dumps(SCHEDULER_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName="invoke", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}]}))
    param = "/" + unique("sched")
    # 10:30 in Tokyo (UTC+9) is 01:30Z the next day.
    scheduler.create_schedule(Name="once", ScheduleExpression="at(2027-06-02T10:30:00)",
                              ScheduleExpressionTimezone="Asia/Tokyo", FlexibleTimeWindow={"Mode": "OFF"},
                              ActionAfterCompletion="DELETE",
                              Target={"Arn": fn_arn, "RoleArn": invoke_role,
                                      "Input": json.dumps({"param": param, "hello": "world"})})
    assert scheduler.get_schedule(Name="once")["ActionAfterCompletion"] == "DELETE"
    set_clock(srv, "2027-06-02T01:29:00Z")
    with pytest.raises(ClientError):
        ssm.get_parameter(Name=param)
    set_clock(srv, "2027-06-02T01:31:00Z")
    value = wait_for(lambda: _param(ssm, param))
    assert json.loads(value) == {"param": param, "hello": "world"}
    assert error_of(scheduler.get_schedule, Name="once") == ("ResourceNotFoundException", "Schedule once does not exist.")


def _param(ssm, name):
    try:
        return ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ClientError:
        return None


def instance_and_stopper_role(ec2, iam):
    """One running instance, and a role the scheduler may use to stop it."""
    ids = [i["InstanceId"] for i in ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"]]
    role = iam.create_role(RoleName="stopper", AssumeRolePolicyDocument=json.dumps(SCHEDULER_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName="stopper", PolicyName="p", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:StopInstances", "Resource": "*"}]}))
    return ids, role


def test_flexible_window_is_deterministic_within_window(fresh_nuage):
    srv = fresh_nuage
    srv.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2027-02-01T00:00:00Z"})
    ec2, iam, scheduler = srv.client("ec2"), srv.client("iam"), srv.client("scheduler")
    ids, role = instance_and_stopper_role(ec2, iam)
    scheduler.create_schedule(Name="flex", ScheduleExpression="at(2027-02-01T12:00:00)",
                              FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
                              Target={"Arn": STOP, "RoleArn": role, "Input": json.dumps({"InstanceIds": ids})})
    set_clock(srv, "2027-02-01T11:59:59Z")
    assert states(ec2, ids) == ["running"]
    set_clock(srv, "2027-02-01T12:15:00Z")
    assert states(ec2, ids) == ["stopped"]
    # ActionAfterCompletion NONE keeps the completed schedule.
    assert scheduler.get_schedule(Name="flex")["FlexibleTimeWindow"] == {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}


def test_setting_the_clock_back_rearms_schedules(fresh_nuage):
    srv = fresh_nuage
    srv.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2027-02-01T19:00:00Z"})
    ec2, iam, scheduler = srv.client("ec2"), srv.client("iam"), srv.client("scheduler")
    ids, role = instance_and_stopper_role(ec2, iam)
    scheduler.create_schedule(Name="nightly-stop", ScheduleExpression="cron(0 20 * * ? *)",
                              FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": STOP, "RoleArn": role, "Input": json.dumps({"InstanceIds": ids})})
    set_clock(srv, "2027-02-01T20:01:00Z")
    assert states(ec2, ids) == ["stopped"]
    ec2.start_instances(InstanceIds=ids)
    assert states(ec2, ids) == ["running"]
    # Back before 20:00 the same day: the stop happens again today.
    set_clock(srv, "2027-02-01T19:59:00Z")
    set_clock(srv, "2027-02-01T20:01:00Z")
    assert states(ec2, ids) == ["stopped"]


def test_validation_and_not_found(nuage):
    scheduler = nuage.client("scheduler")
    role = "arn:aws:iam::000000000000:role/whatever"
    base = dict(FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": START, "RoleArn": role, "Input": "{}"})
    name = unique("v")
    code, msg = error_of(scheduler.create_schedule, Name=name, ScheduleExpression="cron(0 5 * * * *)", **base)
    assert (code, msg) == ("ValidationException", "Invalid Schedule Expression cron(0 5 * * * *).")
    code, _ = error_of(scheduler.create_schedule, Name=name, ScheduleExpression="rate(5 seconds)", **base)
    assert code == "ValidationException"
    code, _ = error_of(scheduler.create_schedule, Name=name, ScheduleExpression="cron(0 8 ? * MON-FRI *)",
                       ScheduleExpressionTimezone="Europe/Pariss", **base)
    assert code == "ValidationException"
    code, _ = error_of(scheduler.create_schedule, Name=name, ScheduleExpression="rate(5 minutes)",
                       FlexibleTimeWindow={"Mode": "FLEXIBLE"}, Target=base["Target"])
    assert code == "ValidationException"
    assert error_of(scheduler.create_schedule, Name=name, ScheduleExpression="rate(5 minutes)",
                    GroupName=unique("nogroup"), **base)[0] == "ResourceNotFoundException"

    arn = scheduler.create_schedule(Name=name, ScheduleExpression="rate(5 minutes)", State="DISABLED", **base)["ScheduleArn"]
    assert arn == f"arn:aws:scheduler:us-east-1:000000000000:schedule/default/{name}"
    assert error_of(scheduler.create_schedule, Name=name, ScheduleExpression="rate(5 minutes)", **base) == (
        "ConflictException", f"Schedule {name} already exists.")
    listed = scheduler.list_schedules(NamePrefix=name)["Schedules"]
    assert [(s["Name"], s["GroupName"], s["State"], s["Target"]["Arn"]) for s in listed] == [
        (name, "default", "DISABLED", START)]
    scheduler.delete_schedule(Name=name)
    assert error_of(scheduler.delete_schedule, Name=name) == (
        "ResourceNotFoundException", f"Schedule {name} does not exist.")
    assert error_of(scheduler.get_schedule, Name=name)[0] == "ResourceNotFoundException"


def test_groups_tags_and_cli(nuage):
    scheduler = nuage.client("scheduler")
    group = unique("grp")
    arn = scheduler.create_schedule_group(Name=group, Tags=[{"Key": "team", "Value": "ops"}])["ScheduleGroupArn"]
    assert error_of(scheduler.create_schedule_group, Name=group)[0] == "ConflictException"
    assert scheduler.get_schedule_group(Name=group)["State"] == "ACTIVE"
    names = [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]]
    assert "default" in names and group in names
    scheduler.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    scheduler.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]

    role = "arn:aws:iam::000000000000:role/whatever"
    target = json.dumps({"Arn": START, "RoleArn": role, "Input": "{}"})
    for version in (1, 2):
        name = unique(f"cli{version}")
        out = nuage.cli("scheduler", "create-schedule", "--name", name, "--group-name", group,
                        "--schedule-expression", "cron(0 8 ? * MON-FRI *)",
                        "--schedule-expression-timezone", "Europe/Paris",
                        "--flexible-time-window", "Mode=OFF", "--target", target, "--state", "DISABLED",
                        version=version)
        assert out["ScheduleArn"].endswith(f"/{group}/{name}")
        got = nuage.cli("scheduler", "get-schedule", "--name", name, "--group-name", group, version=version)
        assert got["ScheduleExpression"] == "cron(0 8 ? * MON-FRI *)" and got["State"] == "DISABLED"
        res = nuage.cli("scheduler", "get-schedule", "--name", "missing", "--group-name", group,
                        version=version, check=False)
        assert res.returncode != 0 and "ResourceNotFoundException" in res.stderr

    # Deleting the group deletes its schedules.
    assert len(scheduler.list_schedules(GroupName=group)["Schedules"]) == 2
    scheduler.delete_schedule_group(Name=group)
    assert error_of(scheduler.get_schedule_group, Name=group) == (
        "ResourceNotFoundException", f"Schedule group {group} does not exist.")
    assert not [s for s in scheduler.list_schedules()["Schedules"] if s["GroupName"] == group]


def test_schedules_survive_restart(start_nuage, data_dir):
    srv = start_nuage(data_dir=data_dir)
    srv.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2027-05-03T06:00:00Z"})
    ec2, iam = srv.client("ec2"), srv.client("iam")
    ids, role = instance_and_stopper_role(ec2, iam)
    srv.client("scheduler").create_schedule(
        Name="evening", ScheduleExpression="cron(0 20 * * ? *)", ScheduleExpressionTimezone="Europe/Paris",
        FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": STOP, "RoleArn": role, "Input": json.dumps({"InstanceIds": ids})})
    srv.stop()
    srv = start_nuage(data_dir=data_dir)
    assert srv.client("scheduler").get_schedule(Name="evening")["State"] == "ENABLED"
    set_clock(srv, "2027-05-03T17:59:00Z")
    assert states(srv.client("ec2"), ids) == ["running"]
    set_clock(srv, "2027-05-03T18:00:00Z")
    assert states(srv.client("ec2"), ids) == ["stopped"]
