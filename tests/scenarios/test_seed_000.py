"""Seed 000 end to end: the EC2 scheduler of examples/ec2-scheduler.

deploy.sh (AWS CLI only) creates Lambda_Execution_Role, the functions
`demarrage` / `arreter` and the EventBridge rules cron(0 5 * * ? *) /
cron(0 22 * * ? *) on a fresh nuage. The nuage clock is frozen at 21:59 UTC
and moved to just after each firing across three days: the instances stop at
22:00 and start at 05:00, each function runs exactly three times, and its log
says what it did. Then ec2:StopInstances is removed from the role's policy:
arreter fails with UnauthorizedOperation (the role's temporary credentials
are enforced) and the instances keep running. For the Python handlers and
for the C++ provided.al2023 bootstraps."""
import json
import os
import subprocess

import pytest

from conftest import CLI_V1, CLI_V2, client_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "ec2-scheduler")
DAY = "2026-03-02"  # a Monday; the rules fire every day


def clock(server, **body):
    return server.admin("POST", "/_nuage/clock", body)


def states(ec2, ids):
    r = ec2.describe_instances(InstanceIds=ids)
    return {i["InstanceId"]: i["State"]["Name"] for res in r["Reservations"] for i in res["Instances"]}


def log_messages(logs, function):
    events, token = [], None
    for _ in range(100):
        kwargs = {"logGroupName": f"/aws/lambda/{function}"}
        if token:
            kwargs["nextToken"] = token
        r = logs.filter_log_events(**kwargs)
        events += r["events"]
        if not r.get("nextToken") or r["nextToken"] == token:
            break
        token = r["nextToken"]
    return [e["message"] for e in events]


def starts(messages):
    return sum(1 for m in messages if m.startswith("START RequestId:"))


@pytest.fixture(scope="module")
def cpp_zips():
    subprocess.run([os.path.join(EXAMPLE, "cpp", "build.sh")], check=True, capture_output=True, timeout=180)


@pytest.mark.parametrize("flavor", ["python", "cpp"])
def test_seed_000_scheduled_start_stop(start_nuage, flavor, request):
    if flavor == "cpp":
        request.getfixturevalue("cpp_zips")
    cli = CLI_V1 or CLI_V2
    if cli is None:
        pytest.skip("no AWS CLI")
    server = start_nuage()
    ec2, logs, iam = server.client("ec2"), server.client("logs"), server.client("iam")

    # The clock first: rules are armed from nuage's "now", and moving the clock
    # back does not re-arm timers.
    clock(server, freeze=True, set=f"{DAY}T21:59:00Z")

    r = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.micro", MinCount=2, MaxCount=2,
                          TagSpecifications=[{"ResourceType": "instance",
                                              "Tags": [{"Key": "Schedule", "Value": "office-hours"}]}])
    ids = [i["InstanceId"] for i in r["Instances"]]
    clock(server, advance="1m")  # pending -> running (the rules fire at 22:00, not before)
    clock(server, set=f"{DAY}T21:59:00Z")
    assert set(states(ec2, ids).values()) == {"running"}

    env = client_env({"ENDPOINT": server.endpoint, "INSTANCE_IDS": ",".join(ids), "REGION": "us-east-1",
                      "AWS_CLI": cli})
    args = [os.path.join(EXAMPLE, "deploy.sh")] + (["--cpp"] if flavor == "cpp" else [])
    res = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr

    lam = server.client("lambda")
    runtime = lam.get_function(FunctionName="arreter")["Configuration"]["Runtime"]
    assert runtime == ("provided.al2023" if flavor == "cpp" else "python3.13")
    role = iam.get_role(RoleName="Lambda_Execution_Role")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    events = server.client("events")
    assert events.describe_rule(Name="arreter-schedule")["ScheduleExpression"] == "cron(0 22 * * ? *)"
    assert events.describe_rule(Name="demarrage-schedule")["ScheduleExpression"] == "cron(0 5 * * ? *)"
    policy = json.loads(lam.get_policy(FunctionName="arreter")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "events.amazonaws.com"}

    # Three days: 22:00 stop, 05:00 start, each just after its firing.
    timeline = []
    for day in (2, 3, 4):
        clock(server, set=f"2026-03-{day:02d}T22:01:00Z")
        assert set(states(ec2, ids).values()) == {"stopped"}, (day, "22:00")
        timeline.append("stopped")
        clock(server, set=f"2026-03-{day + 1:02d}T05:01:00Z")
        assert set(states(ec2, ids).values()) == {"running"}, (day + 1, "05:00")
        timeline.append("running")
    assert timeline == ["stopped", "running"] * 3

    stop_log, start_log = log_messages(logs, "arreter"), log_messages(logs, "demarrage")
    assert starts(stop_log) == 3 and starts(start_log) == 3
    assert sum(1 for m in stop_log if m.startswith("REPORT RequestId:")) == 3
    expected_ids = str(ids)  # "['i-...', 'i-...']", as the seed's print writes it
    assert sum(1 for m in stop_log if m.strip() == f"stopped your instances: {expected_ids}") == 3
    assert sum(1 for m in start_log if m.strip() == f"started your instances: {expected_ids}") == 3
    assert not any("UnauthorizedOperation" in m or "AccessDenied" in m for m in stop_log + start_log)

    # AccessDenied: the role loses ec2:StopInstances.
    with open(os.path.join(EXAMPLE, "policy.json")) as f:
        doc = json.load(f)
    doc["Statement"][1]["Action"].remove("ec2:StopInstances")
    res = subprocess.run([cli, "--endpoint-url", server.endpoint, "iam", "put-role-policy",
                          "--role-name", "Lambda_Execution_Role", "--policy-name", "EC2StartStop",
                          "--policy-document", json.dumps(doc)], env=client_env(), capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    clock(server, set="2026-03-05T22:01:00Z")
    clock(server, advance="5m")  # past the two retries of an asynchronous invocation (1 and 2 minutes)
    assert set(states(ec2, ids).values()) == {"running"}
    stop_log = log_messages(logs, "arreter")
    denied = [m for m in stop_log if "UnauthorizedOperation" in m]
    assert denied, stop_log[-10:]
    assert "StopInstances" in denied[0]
    assert starts(stop_log) == 3 + 3  # the firing and its two retries
    assert starts(log_messages(logs, "demarrage")) == 3
