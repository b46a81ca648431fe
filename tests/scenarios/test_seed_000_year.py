"""Seed 000 over a year, with execution bounded by the machine (issue 14).

deploy.sh deploys the EC2 scheduler (demarrage at 05:00 UTC, arreter at 22:00
UTC, Python) on a nuage whose sandboxes may use 256 MB (--sandbox-memory):
two environments of 128 MB. The clock moves a year forward in 13 steps while
a thread samples the resident memory of nuage and of every process below it.
Every one of the 730 firings runs (CloudWatch Invocations: 365 per function,
no Errors, no Throttles), the sandboxes never hold more than the budget, and
nuage itself does not grow with the firings.

Why this is a year and still quick: each firing is an asynchronous invocation
that the clock waits for before the next one fires; the two environments
started on the first day stay warm (their credentials are renewed on the
nuage clock), so a firing costs one warm invocation — a few tens of
milliseconds — not a Python cold start. The log shows it: two INIT_START
lines in a year."""
import datetime
import os
import subprocess

import pytest

from conftest import CLI_V1, CLI_V2, client_env
from memory_sampler import MemorySampler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "ec2-scheduler")
SANDBOX_MB = 256
START = datetime.datetime(2026, 3, 2, 21, 59, tzinfo=datetime.timezone.utc)
# nuage's own growth over the year: log events, datapoints and STS sessions
# of 730 firings live in its (in-memory) database.
NUAGE_GROWTH_MB = 64


def clock(server, **body):
    return server.admin("POST", "/_nuage/clock", body)


def metric_sum(cw, name, metric):
    out = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=START - datetime.timedelta(days=1), EndTime=START + datetime.timedelta(days=367),
        Period=86400, Statistics=["Sum"])
    return sum(p["Sum"] for p in out["Datapoints"])


def cold_starts(logs, function):
    count, token = 0, None
    for _ in range(1000):
        kwargs = {"logGroupName": f"/aws/lambda/{function}", "filterPattern": '"INIT_START"'}
        if token:
            kwargs["nextToken"] = token
        r = logs.filter_log_events(**kwargs)
        count += len(r["events"])
        token = r.get("nextToken")
        if not token:
            break
    return count


def test_a_year_of_schedules_in_bounded_memory(start_nuage):
    cli = CLI_V1 or CLI_V2
    if cli is None:
        pytest.skip("no AWS CLI")
    server = start_nuage(args=["--sandbox-memory", str(SANDBOX_MB)])
    health = server.admin("GET", "/_nuage/health")
    assert health["sandboxes"]["capacity_mb"] == SANDBOX_MB
    ec2 = server.client("ec2")
    clock(server, freeze=True, set=START.isoformat().replace("+00:00", "Z"))
    r = ec2.run_instances(ImageId="ami-12345678", InstanceType="t3.micro", MinCount=2, MaxCount=2)
    ids = [i["InstanceId"] for i in r["Instances"]]
    ec2.describe_instances(InstanceIds=ids)  # pending -> running at the next read
    env = client_env({"ENDPOINT": server.endpoint, "INSTANCE_IDS": ",".join(ids), "REGION": "us-east-1",
                      "AWS_CLI": cli})
    res = subprocess.run([os.path.join(EXAMPLE, "deploy.sh")], env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr

    with MemorySampler(server.proc.pid) as before:
        pass
    baseline_mb = before.peak_self_mb
    with MemorySampler(server.proc.pid) as year:
        for step in range(13):  # 13 x 4 weeks + 1 day = 365 days
            clock(server, advance="28d" if step < 12 else "29d")
            year.sample()
    assert clock(server)["now"].startswith("2027-03-02T21:59")

    # Memory: the sandboxes within their budget, nuage within its own growth.
    assert year.samples > 13
    assert 1 <= year.peak_runtimes <= SANDBOX_MB // 128, year.peak_runtimes
    assert year.peak_children_mb <= SANDBOX_MB, year.peak_children_mb
    assert year.peak_self_mb <= baseline_mb + NUAGE_GROWTH_MB, (baseline_mb, year.peak_self_mb)
    assert year.peak_total_mb <= baseline_mb + NUAGE_GROWTH_MB + SANDBOX_MB

    # Every firing ran: 365 each, none failed, none throttled.
    cw = server.client("cloudwatch")
    for function in ("arreter", "demarrage"):
        assert metric_sum(cw, function, "Invocations") == 365, function
        assert metric_sum(cw, function, "Errors") == 0, function
        assert metric_sum(cw, function, "Throttles") == 0, function
    states = {i["State"]["Name"] for res in ec2.describe_instances(InstanceIds=ids)["Reservations"]
              for i in res["Instances"]}
    assert states == {"running"}  # 05:00 started them; 22:00 is a minute away
    # Warm all year: one cold start per function.
    logs = server.client("logs")
    assert cold_starts(logs, "arreter") == 1 and cold_starts(logs, "demarrage") == 1
