"""CloudWatch metrics and alarms with boto3 (smithy-rpc-v2-cbor), AWS CLI v1
(CBOR too) and v2 (query): the seed-002 get_metric / get_ec2_cpu /
put_custom_metric, statistics, metric math, built-in EC2 metrics on the
clock, alarms that stop an instance, bad input."""
import datetime
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError

AMI = "ami-0123456789abcdef0"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def clock_now(server):
    state = server.admin("GET", "/_nuage/clock")
    return datetime.datetime.fromisoformat(state["now"].replace("Z", "+00:00"))


# --- seed 002, verbatim apart from receiving the client ---------------------

def get_metric(cloudwatch, namespace, metric_name, dimensions, period=300, hours=1):
    """Récupère des métriques CloudWatch."""
    end_time = datetime.datetime.utcnow()
    start_time = end_time - timedelta(hours=hours)

    response = cloudwatch.get_metric_statistics(
        Namespace=namespace,
        MetricName=metric_name,
        Dimensions=dimensions,
        StartTime=start_time,
        EndTime=end_time,
        Period=period,
        Statistics=["Average", "Maximum", "Minimum"]
    )

    return response["Datapoints"]


def get_ec2_cpu(cloudwatch, instance_id, hours=1):
    """Récupère le CPU d'une instance EC2."""
    return get_metric(
        cloudwatch,
        namespace="AWS/EC2",
        metric_name="CPUUtilization",
        dimensions=[{"Name": "InstanceId", "Value": instance_id}],
        hours=hours
    )


def put_custom_metric(cloudwatch, namespace, metric_name, value, unit="Count"):
    """Publie une métrique personnalisée."""
    cloudwatch.put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric_name,
                "Value": value,
                "Unit": unit,
                "Timestamp": datetime.datetime.utcnow()
            }
        ]
    )


def launch(server):
    ec2 = server.client("ec2")
    iid = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    for _ in range(50):
        state = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]
        if state == "running":
            return iid
        server.admin("POST", "/_nuage/clock", {"advance": "1s"})
    raise AssertionError("instance did not start")


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_seed_002_ec2_cpu_and_custom_metric(fresh_nuage):
    cw = fresh_nuage.client("cloudwatch")
    real_now = datetime.datetime.now(datetime.timezone.utc)
    # The instance has run for the last hour of real time (the seed asks for it).
    fresh_nuage.admin("POST", "/_nuage/clock", {"set": iso(real_now - timedelta(minutes=61))})
    iid = launch(fresh_nuage)
    fresh_nuage.admin("POST", "/_nuage/clock", {"set": iso(real_now)})
    points = get_ec2_cpu(cw, iid)
    assert 10 <= len(points) <= 12
    for p in points:
        assert 0 < p["Minimum"] <= p["Average"] <= p["Maximum"] <= 100
        assert p["Unit"] == "Percent"
    assert points == get_ec2_cpu(cw, iid)  # deterministic
    other = launch(fresh_nuage)
    assert get_ec2_cpu(cw, other) == []  # just started: no complete 5 minutes yet

    put_custom_metric(cw, "MonApp", "Commandes", 5)
    put_custom_metric(cw, "MonApp", "Commandes", 15)
    put_custom_metric(cw, "MonApp", "Latence", 120, unit="Milliseconds")
    points = get_metric(cw, "MonApp", "Commandes", [])
    assert 1 <= len(points) <= 2  # two puts, maybe on both sides of a 5-minute boundary
    assert sum(p["Average"] for p in points) / len(points) == 10.0
    assert min(p["Minimum"] for p in points) == 5.0 and max(p["Maximum"] for p in points) == 15.0
    assert points[0]["Unit"] == "Count"


def test_statistics_sets_values_and_percentiles(nuage):
    cw = nuage.client("cloudwatch")
    t = clock_now(nuage).replace(second=0, microsecond=0) - timedelta(minutes=30)
    dims = [{"Name": "Service", "Value": "api"}]
    cw.put_metric_data(Namespace="Stats", MetricData=[
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": t, "Values": [10, 20, 30, 40], "Counts": [1, 1, 1, 7],
         "Unit": "Milliseconds"},
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": t + timedelta(seconds=10), "Unit": "Milliseconds",
         "StatisticValues": {"SampleCount": 2, "Sum": 100, "Minimum": 5, "Maximum": 95}},
        {"MetricName": "Latency", "Dimensions": dims, "Timestamp": t, "Value": 1000, "Unit": "Milliseconds",
         "StorageResolution": 1},
    ])
    out = cw.get_metric_statistics(Namespace="Stats", MetricName="Latency", Dimensions=dims,
                                   StartTime=t - timedelta(minutes=1), EndTime=t + timedelta(minutes=1), Period=60,
                                   Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"])
    [p] = out["Datapoints"]
    assert p["SampleCount"] == 13 and p["Sum"] == 10 + 20 + 30 + 280 + 100 + 1000
    assert (p["Minimum"], p["Maximum"]) == (5, 1000)
    assert p["Average"] == pytest.approx(1440 / 13)
    assert p["Timestamp"] == t.replace(tzinfo=datetime.timezone.utc) if t.tzinfo is None else p["Timestamp"] == t
    out = cw.get_metric_statistics(Namespace="Stats", MetricName="Latency", Dimensions=dims,
                                   StartTime=t - timedelta(minutes=1), EndTime=t + timedelta(minutes=1), Period=60,
                                   ExtendedStatistics=["p50", "p99"])
    assert out["Datapoints"][0]["ExtendedStatistics"] == {"p50": 40.0, "p99": 1000.0}
    # Other dimensions, other metric.
    assert cw.get_metric_statistics(Namespace="Stats", MetricName="Latency", StartTime=t - timedelta(minutes=1),
                                    EndTime=t + timedelta(minutes=1), Period=60,
                                    Statistics=["Sum"])["Datapoints"] == []


def test_get_metric_data_and_math(nuage):
    cw = nuage.client("cloudwatch")
    t0 = clock_now(nuage).replace(second=0, microsecond=0) - timedelta(minutes=10)
    for i in range(4):
        ts = t0 + timedelta(minutes=i)
        cw.put_metric_data(Namespace="Math", MetricData=[
            {"MetricName": "A", "Timestamp": ts, "Value": i + 1},
            {"MetricName": "B", "Timestamp": ts, "Value": 10 * (i + 1)},
        ])

    def q(id_, name):
        return {"Id": id_, "MetricStat": {"Metric": {"Namespace": "Math", "MetricName": name}, "Period": 60,
                                          "Stat": "Sum"}, "ReturnData": False}

    out = cw.get_metric_data(StartTime=t0, EndTime=t0 + timedelta(minutes=5), ScanBy="TimestampAscending",
                             MetricDataQueries=[q("m1", "A"), q("m2", "B"),
                                                {"Id": "total", "Expression": "m1+m2"},
                                                {"Id": "all", "Expression": "SUM(METRICS())", "Label": "all"},
                                                {"Id": "rate", "Expression": "RATE(m1) * 60"},
                                                {"Id": "pct", "Expression": "m1 / (m1 + m2) * 100"}])
    results = {r["Id"]: r for r in out["MetricDataResults"]}
    assert set(results) == {"total", "all", "rate", "pct"}
    assert results["total"]["Values"] == [11, 22, 33, 44]
    assert results["all"]["Values"] == [11, 22, 33, 44] and results["all"]["Label"] == "all"
    assert results["rate"]["Values"] == [1, 1, 1]
    assert results["pct"]["Values"] == pytest.approx([100 / 11] * 4)
    assert results["total"]["Timestamps"][0] == t0.replace(tzinfo=t0.tzinfo)
    assert results["total"]["StatusCode"] == "Complete"
    desc = cw.get_metric_data(StartTime=t0, EndTime=t0 + timedelta(minutes=5),
                              MetricDataQueries=[dict(q("m1", "A"), ReturnData=True)])
    assert desc["MetricDataResults"][0]["Values"] == [4, 3, 2, 1]
    with pytest.raises(ClientError) as exc:
        cw.get_metric_data(StartTime=t0, EndTime=t0 + timedelta(minutes=5),
                           MetricDataQueries=[q("m1", "A"), {"Id": "e", "Expression": "m1 + nope"}])
    assert code_of(exc) == "ValidationError"


def test_list_metrics_filters(nuage):
    cw = nuage.client("cloudwatch")
    cw.put_metric_data(Namespace="Lister", MetricData=[
        {"MetricName": "Hits", "Value": 1, "Dimensions": [{"Name": "Env", "Value": "prod"}]},
        {"MetricName": "Hits", "Value": 1, "Dimensions": [{"Name": "Env", "Value": "dev"}]},
        {"MetricName": "Misses", "Value": 1, "Dimensions": [{"Name": "Env", "Value": "prod"},
                                                          {"Name": "Host", "Value": "a"}]},
    ])
    all_ = cw.list_metrics(Namespace="Lister")["Metrics"]
    assert len(all_) == 3
    hits = cw.list_metrics(Namespace="Lister", MetricName="Hits")["Metrics"]
    assert sorted(m["Dimensions"][0]["Value"] for m in hits) == ["dev", "prod"]
    prod = cw.list_metrics(Namespace="Lister", Dimensions=[{"Name": "Env", "Value": "prod"}])["Metrics"]
    assert sorted(m["MetricName"] for m in prod) == ["Hits", "Misses"]
    hosts = cw.list_metrics(Namespace="Lister", Dimensions=[{"Name": "Host"}])["Metrics"]
    assert [m["MetricName"] for m in hosts] == ["Misses"]


def test_bad_input_writes_nothing(nuage):
    cw = nuage.client("cloudwatch")
    now = clock_now(nuage)
    for bad, code in [
        ({"MetricName": "X", "Value": 1, "Timestamp": now - timedelta(days=15)}, "InvalidParameterValue"),
        ({"MetricName": "X", "Value": 1, "Timestamp": now + timedelta(hours=3)}, "InvalidParameterValue"),
        ({"MetricName": "X", "Values": [1, 2], "Counts": [1]}, "InvalidParameterValue"),
        ({"MetricName": "X", "Value": 1, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1,
                                                             "Maximum": 1}}, "InvalidParameterCombination"),
        ({"MetricName": "X", "Value": 1, "StorageResolution": 5}, "InvalidParameterValue"),
    ]:
        with pytest.raises(ClientError) as exc:
            cw.put_metric_data(Namespace="Bad", MetricData=[{"MetricName": "Good", "Value": 1}, bad])
        assert code_of(exc) == code, bad
    with pytest.raises(ClientError) as exc:
        cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "CPUUtilization", "Value": 1}])
    assert code_of(exc) == "InvalidParameterValue"
    assert cw.list_metrics(Namespace="Bad")["Metrics"] == []
    with pytest.raises(ClientError) as exc:
        cw.get_metric_statistics(Namespace="Bad", MetricName="X", StartTime=now - timedelta(days=2), EndTime=now,
                                 Period=60, Statistics=["Sum"])
    assert code_of(exc) == "InvalidParameterCombination"  # 2,880 datapoints > 1,440


@pytest.mark.parametrize("version", [1, 2])
def test_cli_commands(nuage, version):
    ns = f"Cli{version}"
    now = clock_now(nuage).replace(microsecond=0)
    nuage.cli("cloudwatch", "put-metric-data", "--namespace", ns, "--metric-name", "Jobs", "--value", "3",
              "--unit", "Count", "--timestamp", now.isoformat(), version=version)
    out = nuage.cli("cloudwatch", "get-metric-statistics", "--namespace", ns, "--metric-name", "Jobs",
                    "--start-time", (now - timedelta(minutes=5)).isoformat(),
                    "--end-time", (now + timedelta(minutes=5)).isoformat(), "--period", "600",
                    "--statistics", "Sum", "SampleCount", version=version)
    assert [(p["Sum"], p["SampleCount"]) for p in out["Datapoints"]] == [(3.0, 1.0)]
    assert [m["MetricName"] for m in nuage.cli("cloudwatch", "list-metrics", "--namespace", ns,
                                               version=version)["Metrics"]] == ["Jobs"]
    nuage.cli("cloudwatch", "put-metric-alarm", "--alarm-name", f"cli-alarm-{version}", "--namespace", ns,
              "--metric-name", "Jobs", "--statistic", "Sum", "--period", "60", "--evaluation-periods", "1",
              "--threshold", "10", "--comparison-operator", "GreaterThanThreshold", version=version)
    alarms = nuage.cli("cloudwatch", "describe-alarms", "--alarm-names", f"cli-alarm-{version}",
                       version=version)["MetricAlarms"]
    # New alarms start in INSUFFICIENT_DATA; the clock runs in this shared
    # server, so a minute boundary may already have evaluated it (3 <= 10: OK).
    assert alarms[0]["StateValue"] in ("INSUFFICIENT_DATA", "OK")
    res = nuage.cli("cloudwatch", "set-alarm-state", "--alarm-name", "missing-alarm", "--state-value", "OK",
                    "--state-reason", "x", version=version, check=False)
    assert res.returncode != 0 and "ResourceNotFound" in res.stderr


def test_cpu_alarm_stops_instance_when_clock_advances(fresh_nuage):
    cw = fresh_nuage.client("cloudwatch")
    ec2 = fresh_nuage.client("ec2")
    iid = launch(fresh_nuage)
    keep = launch(fresh_nuage)
    # The generated CPU series of a running instance never drops under 0.5 %.
    cw.put_metric_alarm(AlarmName="cpu-stop", Namespace="AWS/EC2", MetricName="CPUUtilization",
                        Dimensions=[{"Name": "InstanceId", "Value": iid}], Statistic="Average", Period=300,
                        EvaluationPeriods=1, Threshold=0.1, ComparisonOperator="GreaterThanThreshold",
                        AlarmActions=["arn:aws:automate:us-east-1:ec2:stop"])
    assert cw.describe_alarms(AlarmNames=["cpu-stop"])["MetricAlarms"][0]["StateValue"] == "INSUFFICIENT_DATA"
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "15m"})
    alarm = cw.describe_alarms(AlarmNames=["cpu-stop"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM", alarm
    assert alarm["StateReason"].startswith("Threshold Crossed")
    states = {i["InstanceId"]: i["State"]["Name"]
              for r in ec2.describe_instances(InstanceIds=[iid, keep])["Reservations"] for i in r["Instances"]}
    assert states == {iid: "stopped", keep: "running"}
    history = cw.describe_alarm_history(AlarmName="cpu-stop")["AlarmHistoryItems"]
    kinds = [h["HistoryItemType"] for h in history]
    assert "StateUpdate" in kinds and "ConfigurationUpdate" in kinds
    action = next(h for h in history if h["HistoryItemType"] == "Action")
    assert action["HistorySummary"] == "Successfully executed action arn:aws:automate:us-east-1:ec2:stop"
    # Stopped: no more datapoints, so the alarm goes to INSUFFICIENT_DATA.
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "15m"})
    assert cw.describe_alarms(AlarmNames=["cpu-stop"])["MetricAlarms"][0]["StateValue"] == "INSUFFICIENT_DATA"
    t = clock_now(fresh_nuage)
    points = cw.get_metric_statistics(Namespace="AWS/EC2", MetricName="CPUUtilization",
                                      Dimensions=[{"Name": "InstanceId", "Value": iid}],
                                      StartTime=t - timedelta(minutes=10), EndTime=t, Period=300,
                                      Statistics=["Average"])["Datapoints"]
    assert points == []


def test_set_alarm_state_runs_actions_and_lambda_is_attempted(fresh_nuage):
    cw = fresh_nuage.client("cloudwatch")
    ec2 = fresh_nuage.client("ec2")
    iid = launch(fresh_nuage)
    fn = "arn:aws:lambda:us-east-1:000000000000:function:on-alarm"
    cw.put_metric_alarm(AlarmName="forced", Namespace="Custom", MetricName="Errors", Statistic="Sum", Period=60,
                        EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=1,
                        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching",
                        Dimensions=[{"Name": "InstanceId", "Value": iid}],
                        AlarmActions=["arn:aws:automate:us-east-1:ec2:terminate", fn])
    cw.set_alarm_state(AlarmName="forced", StateValue="ALARM", StateReason="testing")
    alarm = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]
    assert [a["AlarmName"] for a in alarm] == ["forced"]
    state = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]
    assert state in ("shutting-down", "terminated")
    actions = {h["HistorySummary"] for h in cw.describe_alarm_history(AlarmName="forced",
                                                                      HistoryItemType="Action")["AlarmHistoryItems"]}
    assert actions == {"Successfully executed action arn:aws:automate:us-east-1:ec2:terminate",
                       f"Failed to execute action {fn}"}  # Lambda is not served yet (501)
    # notBreaching: with no data the next evaluation goes back to OK.
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "2m"})
    assert cw.describe_alarms(AlarmNames=["forced"])["MetricAlarms"][0]["StateValue"] == "OK"
    # Two of three breaching datapoints raise it again.
    t = clock_now(fresh_nuage)
    cw.put_metric_data(Namespace="Custom", MetricData=[
        {"MetricName": "Errors", "Dimensions": [{"Name": "InstanceId", "Value": iid}], "Value": 5,
         "Timestamp": t - timedelta(seconds=s)} for s in (30, 90)])
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "1m"})
    assert cw.describe_alarms(AlarmNames=["forced"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    cw.delete_alarms(AlarmNames=["forced"])
    assert cw.describe_alarms(AlarmNames=["forced"])["MetricAlarms"] == []
    with pytest.raises(ClientError) as exc:
        cw.delete_alarms(AlarmNames=["forced"])
    assert code_of(exc) == "ResourceNotFound"


def test_running_intervals_survive_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    iid = launch(server)
    server.admin("POST", "/_nuage/clock", {"advance": "20m"})
    cw = server.client("cloudwatch")
    t = clock_now(server)
    args = dict(Namespace="AWS/EC2", MetricName="NetworkIn", Dimensions=[{"Name": "InstanceId", "Value": iid}],
                StartTime=t - timedelta(hours=1), EndTime=t - timedelta(minutes=5), Period=300,
                Statistics=["Sum"])
    before = cw.get_metric_statistics(**args)["Datapoints"]
    assert len(before) >= 2 and all(p["Unit"] == "Bytes" and p["Sum"] > 0 for p in before)
    server.stop()
    server = start_nuage(data_dir=data_dir)
    assert server.client("cloudwatch").get_metric_statistics(**args)["Datapoints"] == before
    names = {m["MetricName"] for m in server.client("cloudwatch").list_metrics(Namespace="AWS/EC2")["Metrics"]}
    assert names == {"CPUUtilization", "NetworkIn", "NetworkOut", "StatusCheckFailed"}
