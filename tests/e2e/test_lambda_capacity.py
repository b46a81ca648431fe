"""Lambda execution bounded by the machine (issue 14): live environments hold
a share of the sandbox budget (`nuage serve --sandbox-memory`, MemorySize
each); scheduled and asynchronous invocations queue behind it, a synchronous
Invoke beyond it is throttled as AWS throttles beyond the account's
concurrency, and memory stays within the budget while many schedules fire."""
import datetime
import json
import threading

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import create_python, invoke, make_role, unique, wait_for
from memory_sampler import MemorySampler, runtimes

DAY = "2026-03-02"
QUICK = "def lambda_handler(event, context):\n    return context.function_name\n"
SLOW = "import time\ndef lambda_handler(event, context):\n    time.sleep(event.get('s', 0))\n    return 'done'\n"


def clock(server, **body):
    return server.admin("POST", "/_nuage/clock", body)


def metric_sum(nuage, name, metric):
    now = datetime.datetime.fromisoformat(nuage.admin("GET", "/_nuage/clock")["now"].replace("Z", "+00:00"))
    out = nuage.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Dimensions=[{"Name": "FunctionName", "Value": name}],
        StartTime=now - datetime.timedelta(days=10), EndTime=now + datetime.timedelta(days=1),
        Period=86400, Statistics=["Sum"])
    return sum(p["Sum"] for p in out["Datapoints"])


def test_many_schedules_run_within_the_budget(start_nuage):
    # Room for two environments; eight functions fire at the same minute.
    server = start_nuage(args=["--sandbox-memory", "256"])
    role = make_role(server, [])
    clock(server, freeze=True, set=f"{DAY}T21:59:00Z")
    events, lam = server.client("events"), server.client("lambda")
    names = []
    for i in range(8):
        name = create_python(server, role, QUICK, name=unique(f"sched{i}"))
        rule = events.put_rule(Name=f"{name}-rule", ScheduleExpression="cron(0 22 * * ? *)")["RuleArn"]
        lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com", SourceArn=rule)
        arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        events.put_targets(Rule=f"{name}-rule", Targets=[{"Id": "fn", "Arn": arn}])
        names.append(name)
    with MemorySampler(server.proc.pid, interval=0.01) as sampler:
        clock(server, advance="3d")
    assert 1 <= sampler.peak_runtimes <= 2, sampler.peak_runtimes  # seen running, never more than room for
    assert sampler.peak_children_mb <= 256, sampler.peak_children_mb
    for name in names:
        assert metric_sum(server, name, "Invocations") == 3, name
        assert metric_sum(server, name, "Throttles") == 0, name
    health = server.admin("GET", "/_nuage/health")["sandboxes"]
    assert health["capacity_mb"] == 256 and health["reserved_mb"] <= 256
    assert health["environments"] <= 2


def test_sync_invoke_beyond_the_budget_is_throttled_and_events_wait(start_nuage):
    # Room for one environment.
    server = start_nuage(args=["--sandbox-memory", "128"])
    role = make_role(server, [])
    busy = create_python(server, role, SLOW, Timeout=30)
    other = create_python(server, role, QUICK)
    lam = server.client("lambda")
    results = {}
    t = threading.Thread(target=lambda: results.update(slow=invoke(server, busy, {"s": 4})[1]))
    t.start()
    wait_for(lambda: len(runtimes(server.proc.pid)) == 1 and server.admin(
        "GET", "/_nuage/health")["sandboxes"]["busy"] == 1, timeout=30)

    once = server.client("lambda", config=Config(retries={"total_max_attempts": 1}))  # SDKs retry throttles
    with pytest.raises(ClientError) as e:
        once.invoke(FunctionName=other, Payload=b"{}")
    err = e.value.response
    assert err["Error"]["Code"] == "TooManyRequestsException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert err["Error"]["Message"] == "Rate Exceeded."
    # An asynchronous invocation is accepted and waits for room.
    assert lam.invoke(FunctionName=other, InvocationType="Event", Payload=json.dumps({}))["StatusCode"] == 202
    t.join()
    assert results["slow"] == "done"
    wait_for(lambda: metric_sum(server, other, "Invocations") == 1)
    assert metric_sum(server, other, "Throttles") == 1  # the synchronous one
    assert len(runtimes(server.proc.pid)) <= 1


def test_throttled_events_are_retried_for_six_hours(start_nuage):
    server = start_nuage()
    role = make_role(server, [])
    kept, dropped = create_python(server, role, QUICK), create_python(server, role, QUICK)
    lam = server.client("lambda")
    clock(server, freeze=True)
    for name in (kept, dropped):
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")["StatusCode"] == 202
        wait_for(lambda: metric_sum(server, name, "Throttles") == 1)
    # A throttled event returns to the queue and is retried 1 s, 2 s, 4 s ...
    # (at most 5 minutes) later, as AWS does: at +1, +3 and +7 s.
    clock(server, advance="10s")
    assert metric_sum(server, kept, "Throttles") == 4
    assert metric_sum(server, kept, "Invocations") == 0
    lam.delete_function_concurrency(FunctionName=kept)
    clock(server, advance="10s")  # the next attempt, at +15 s, runs
    assert metric_sum(server, kept, "Invocations") == 1
    assert metric_sum(server, kept, "Throttles") == 4
    # ... for up to six hours of the event's age; then it is dropped.
    clock(server, advance="7h")
    lam.delete_function_concurrency(FunctionName=dropped)
    clock(server, advance="1h")
    assert metric_sum(server, dropped, "Invocations") == 0
    assert metric_sum(server, dropped, "Throttles") > 60
