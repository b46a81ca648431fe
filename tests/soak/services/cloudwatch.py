"""CloudWatch: datapoints (PutMetricData: each worker's metric keeps the
count and sum of what was acknowledged) and alarms (PutMetricAlarm)."""
import datetime
import threading

from harness import NOTHING, Cell, Sequence

NAMESPACE = "Soak"


class Plugin:
    name = "cloudwatch"

    def __init__(self):
        self.metrics = {}  # metric -> Sequence of values
        self.alarms = {}   # alarm -> Cell of its definition
        self.lock = threading.Lock()
        self.counter = 0
        self.start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)

    def setup(self, c):
        for worker in range(self.soak.workers):
            self.metrics[f"w{worker}"] = Sequence(f"metric {NAMESPACE}/w{worker}")

    def write(self, c, worker, rng):
        if rng.random() < 0.6:
            values = self.metrics[f"w{worker}"]
            value = rng.randrange(1, 1000)
            with self.soak.writing(values, value):
                c.cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=[
                    {"MetricName": f"w{worker}", "Value": value, "Unit": "Count",
                     "Dimensions": [{"Name": "worker", "Value": str(worker)}]}])
            return
        with self.lock:
            own = [n for n, cell in self.alarms.items() if n.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
            name = self.soak.reuse(own, rng, 0.3)  # PutMetricAlarm replaces an alarm of that name
            if name is None:
                self.counter += 1
                name = f"soak-w{worker}-{self.counter:05d}"
                self.alarms[name] = Cell(f"alarm {name}")
            cell = self.alarms[name]
        value = (f"w{worker}", float(rng.randrange(1, 10**6)), rng.choice(["GreaterThanThreshold", "LessThanThreshold"]),
                 rng.randrange(1, 5), rng.choice([60, 300]), rng.choice(["Sum", "Average", "Maximum"]),
                 f"alarm {rng.randrange(10**6)}")
        with self.soak.writing(cell, value):
            c.cloudwatch.put_metric_alarm(AlarmName=name, Namespace=NAMESPACE, MetricName=value[0], Threshold=value[1],
                                          ComparisonOperator=value[2], EvaluationPeriods=value[3], Period=value[4],
                                          Statistic=value[5], AlarmDescription=value[6])

    def verify(self, c, full):
        with self.lock:
            metrics, alarms = dict(self.metrics), dict(self.alarms)
        end = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        for values in metrics.values():
            worker = values.name.rsplit("w", 1)[1]
            points = c.cloudwatch.get_metric_statistics(
                Namespace=NAMESPACE, MetricName=f"w{worker}", Dimensions=[{"Name": "worker", "Value": worker}],
                StartTime=self.start, EndTime=end, Period=86400, Statistics=["SampleCount", "Sum"])["Datapoints"]
            count = int(sum(p["SampleCount"] for p in points))
            total = int(sum(p["Sum"] for p in points))
            expected = values.acked + ([values.pending] if values.pending is not NOTHING else [])
            if count == len(values.acked) and total == sum(values.acked):
                values.settle(values.acked)
            elif count == len(expected) and total == sum(expected):
                values.settle(expected)
            else:
                values.settle([f"{count} datapoints summing to {total}"])  # fails, naming what is there
        for cell in self.soak.to_check(alarms.values(), full):
            name = cell.name.split()[-1]
            got = c.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
            if not got:
                cell.settle(NOTHING)
                continue
            a = got[0]
            cell.settle((a["MetricName"], a["Threshold"], a["ComparisonOperator"], a["EvaluationPeriods"], a["Period"],
                         a["Statistic"], a["AlarmDescription"]))
