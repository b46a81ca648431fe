"""Lambda's AWS/Lambda metrics in CloudWatch: every invocation (synchronous
and asynchronous) publishes Invocations, Errors, Duration and
ConcurrentExecutions, every throttle Throttles, by FunctionName and
account-wide, read back with GetMetricStatistics (boto3 and AWS CLI v2)."""
import datetime
import json

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import create_python, invoke, make_role, wait_for

HANDLER = ("def lambda_handler(event, context):\n"
           "    if event.get('fail'):\n"
           "        raise ValueError('asked to fail')\n"
           "    return 'ok'\n")


def clock_now(nuage):
    return datetime.datetime.fromisoformat(nuage.admin("GET", "/_nuage/clock")["now"].replace("Z", "+00:00"))


def statistic(nuage, name, metric, stat, dims=True):
    now = clock_now(nuage)
    out = nuage.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric,
        Dimensions=[{"Name": "FunctionName", "Value": name}] if dims else [],
        StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(hours=1),
        Period=3600, Statistics=[stat])
    return sum(p[stat] for p in out["Datapoints"]) if stat != "Maximum" else max(
        [p[stat] for p in out["Datapoints"]] or [0])


def test_invocations_errors_duration_and_throttles(fresh_nuage):
    nuage = fresh_nuage
    role = make_role(nuage, [])
    name = create_python(nuage, role, HANDLER)
    lam = nuage.client("lambda")
    assert invoke(nuage, name)[1] == "ok"
    r, out = invoke(nuage, name, {"fail": True})
    assert r["FunctionError"] == "Unhandled"
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({}))["StatusCode"] == 202
    wait_for(lambda: statistic(nuage, name, "Invocations", "Sum") == 3)

    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    once = nuage.client("lambda", config=Config(retries={"total_max_attempts": 1}))  # SDKs retry throttles
    with pytest.raises(ClientError) as e:
        once.invoke(FunctionName=name, Payload=b"{}")
    assert e.value.response["Error"]["Code"] == "TooManyRequestsException"

    assert statistic(nuage, name, "Invocations", "Sum") == 3  # a throttle is not an invocation
    assert statistic(nuage, name, "Errors", "Sum") == 1
    assert statistic(nuage, name, "Throttles", "Sum") == 1
    assert statistic(nuage, name, "Duration", "SampleCount") == 3
    assert statistic(nuage, name, "Duration", "Maximum") > 0
    assert statistic(nuage, name, "ConcurrentExecutions", "Maximum") >= 1
    # The account-wide aggregate (no dimensions) counts the same invocations.
    assert statistic(nuage, name, "Invocations", "Sum", dims=False) == 3

    now = clock_now(nuage)
    cli = nuage.cli("cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda",
                    "--metric-name", "Throttles", "--dimensions", f"Name=FunctionName,Value={name}",
                    "--start-time", (now - datetime.timedelta(hours=1)).isoformat(),
                    "--end-time", (now + datetime.timedelta(hours=1)).isoformat(),
                    "--period", "3600", "--statistics", "Sum", version=2)
    assert sum(p["Sum"] for p in cli["Datapoints"]) == 1
