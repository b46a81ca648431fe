#!/usr/bin/env python3
"""AWS Config benchmarks of issue 15: nuage beside moto's server.

  1. AuthorizeSecurityGroupIngress throughput with the configuration
     recorder off and on: `--changes` raw signed requests on one keep-alive
     connection (sequential, responses read in full), spread over 100 groups
     (one new port per request), on a fresh server per run; `--runs` runs of
     each, alternating, the median kept. "On" records every security group
     (the recorder and its delivery channel started before the groups are
     made). Goal: on ≥ 90% of off. One more run adds a custom Lambda rule on
     security groups, so every change also invokes a Python function (whose
     processes then share the CPU with EC2).
  2. From the ingress change to the rule's Lambda function being entered: a
     Python function that prints `time.time_ns()` first thing, compared with
     the time the AuthorizeSecurityGroupIngress request was sent (an upper
     bound: the change is acknowledged later, and the function may even be
     entered before the client has read the answer); then its log line
     awaited (the function is warm; one change at a time). The same function invoked
     with boto3 (`Invoke`, InvocationType Event) is shown for scale. The goal
     is judged on the whole time, the request's own handling and Lambda's
     dispatch included (an upper bound of Config's own time). Goal: ≤ 5 ms.
  3. A periodic INCOMING_SSH_DISABLED (MaximumExecutionFrequency One_Hour)
     over `--groups` security groups: the clock frozen, the wall time of
     `POST /_nuage/clock {"advance": "1h"}` (which returns once the
     evaluation it fired has finished), beside the same advance without the
     rule. Goal: ≤ 1 s for 10,000 groups.

moto: its Config accepts recorders but records nothing and evaluates no rule,
so only (1) runs there, for reference.

    python3 bench/config.py [--changes 2000] [--runs 3] [--samples 50] [--groups 10000] [--skip-moto]
"""

import io
import json
import statistics
import threading
import time
import http.client
import urllib.parse
import urllib.request
import zipfile

import common

CONFIG_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
STAMP = "import time\n\ndef handler(event, context):\n    print('ENTERED', time.time_ns())\n    return 'ok'\n"


def clock(server, body):
    req = urllib.request.Request(f"http://127.0.0.1:{server.port}/_nuage/clock", data=json.dumps(body).encode(),
                                 method="POST")
    with urllib.request.urlopen(req, timeout=600) as res:
        return json.loads(res.read())


def start_recorder(server):
    s3, iam, cfg = (common.client(server, s) for s in ("s3", "iam", "config"))
    s3.create_bucket(Bucket="config-bench")
    role = iam.create_role(RoleName="config-bench", AssumeRolePolicyDocument=json.dumps(CONFIG_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName="config-bench", PolicyName="deliver", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetBucketAcl"], "Resource": "*"}]}))
    cfg.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": role})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bench"})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")


def stamp_function(server, name="stamp"):
    """A warm-able Python function printing its entry time; returns its ARN."""
    iam, lam = common.client(server, "iam"), common.client(server, "lambda")
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=f"{name}-role", PolicyName="logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("stamp.py", STAMP)
    lam.create_function(FunctionName=name, Runtime="python3.13", Role=role, Handler="stamp.handler",
                        Code={"ZipFile": buf.getvalue()}, Timeout=30)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    lam.add_permission(FunctionName=name, StatementId="config", Action="lambda:InvokeFunction",
                       Principal="config.amazonaws.com")
    return lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def custom_rule(server, function_arn):
    common.client(server, "config").put_config_rule(ConfigRule={
        "ConfigRuleName": "stamp", "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]},
        "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": function_arn, "SourceDetails": [
            {"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]}})


def make_groups(server, count, threads=4):
    ec2 = common.client(server, "ec2", pool=threads)
    ids = [None] * count

    def work(k):
        for i in range(k, count, threads):
            ids[i] = ec2.create_security_group(GroupName=f"g{i}", Description="bench")["GroupId"]

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return ids


def authorize_body(gid, port):
    return urllib.parse.urlencode({
        "Action": "AuthorizeSecurityGroupIngress", "Version": "2016-11-15", "GroupId": gid,
        "IpPermissions.1.IpProtocol": "tcp", "IpPermissions.1.FromPort": str(port),
        "IpPermissions.1.ToPort": str(port), "IpPermissions.1.IpRanges.1.CidrIp": "0.0.0.0/0"})


def authorize(conn, server, gid, port):
    body = authorize_body(gid, port)
    h = common.signed_headers(server.port, "ec2", body,
                              headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    status, dt, data = common.timed_request(conn, "POST", "/", body, h)
    if status != 200:
        raise RuntimeError(f"{server.name}: AuthorizeSecurityGroupIngress {status}: {data[:300]!r}")
    return dt


def throughput(make_server, recording, changes, with_rule):
    """Requests/s of `changes` sequential authorizations (signing outside the timed window)."""
    with make_server() as s:
        if recording:
            start_recorder(s)
            if with_rule:
                custom_rule(s, stamp_function(s))
        groups = make_groups(s, 100)
        bodies = [(groups[i % 100], 1000 + i // 100) for i in range(changes)]
        signed = []
        for gid, port in bodies:
            body = authorize_body(gid, port)
            signed.append((body, common.signed_headers(
                s.port, "ec2", body, headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})))
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=300)
        t0 = time.perf_counter()
        for body, h in signed:
            status, _, data = common.timed_request(conn, "POST", "/", body, h)
            if status != 200:
                raise RuntimeError(f"{s.name}: {status} {data[:200]!r}")
        dt = time.perf_counter() - t0
        conn.close()
        if recording and s.name == "nuage":
            # Recording kept up: every change became an item.
            cfg = common.client(s, "config")
            clock(s, {"advance": "1s"})
            items = cfg.get_resource_config_history(resourceType="AWS::EC2::SecurityGroup", resourceId=groups[0],
                                                    limit=100)["configurationItems"]
            assert len(items) == 1 + changes // 100, len(items)
        return changes / dt


def entered_times(logs, group, seen):
    """New ENTERED stamps in the function's log."""
    out = []
    try:
        events = logs.filter_log_events(logGroupName=group)["events"]
    except Exception:
        return out
    for e in events:
        if e["eventId"] in seen or not e["message"].startswith("ENTERED"):
            continue
        seen.add(e["eventId"])
        out.append(int(e["message"].split()[1]))
    return out


def wait_entry(logs, seen, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = entered_times(logs, "/aws/lambda/stamp", seen)
        if got:
            return got[-1]
        time.sleep(0.02)
    raise RuntimeError("the function was not invoked")


def latency(binary, samples):
    with common.nuage_server(binary) as s:
        start_recorder(s)
        arn = stamp_function(s)
        lam, logs = common.client(s, "lambda"), common.client(s, "logs")
        seen = set()
        gid = make_groups(s, 1)[0]
        custom_rule(s, arn)
        wait_entry(logs, seen)  # the rule's first evaluation, and a warm environment
        clock(s, {"advance": "1s"})
        entered_times(logs, "/aws/lambda/stamp", seen)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        via_config = []
        for i in range(samples):
            body = authorize_body(gid, 2000 + i)
            h = common.signed_headers(s.port, "ec2", body,
                                      headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
            sent = time.time_ns()  # an upper bound: the change is acknowledged after this
            status, _, data = common.timed_request(conn, "POST", "/", body, h)
            assert status == 200, data[:200]
            via_config.append((wait_entry(logs, seen) - sent) / 1e6)
        conn.close()
        direct = []
        for _ in range(samples):
            sent = time.time_ns()  # the function may be entered before the Invoke's answer is read
            lam.invoke(FunctionName="stamp", InvocationType="Event", Payload=b"{}")
            direct.append((wait_entry(logs, seen) - sent) / 1e6)
        return via_config, direct, common.load()


def periodic(binary, groups):
    with common.nuage_server(binary) as s:
        clock(s, {"freeze": True})
        start_recorder(s)
        t0 = time.perf_counter()
        make_groups(s, groups)
        made = time.perf_counter() - t0
        clock(s, {"advance": "1s"})
        t0 = time.perf_counter()
        clock(s, {"advance": "1h"})
        baseline = time.perf_counter() - t0
        cfg = common.client(s, "config")
        t0 = time.perf_counter()
        cfg.put_config_rule(ConfigRule={"ConfigRuleName": "ssh", "MaximumExecutionFrequency": "One_Hour",
                                        "Source": {"Owner": "AWS", "SourceIdentifier": "INCOMING_SSH_DISABLED"}})
        first = time.perf_counter() - t0
        status = cfg.describe_config_rule_evaluation_status(ConfigRuleNames=["ssh"])["ConfigRulesEvaluationStatus"][0]
        before = status["LastSuccessfulEvaluationTime"]
        t0 = time.perf_counter()
        clock(s, {"advance": "1h"})
        advance = time.perf_counter() - t0
        status = cfg.describe_config_rule_evaluation_status(ConfigRuleNames=["ssh"])["ConfigRulesEvaluationStatus"][0]
        assert status["LastSuccessfulEvaluationTime"] > before, "the periodic evaluation did not run"
        summary = cfg.get_compliance_summary_by_resource_type(ResourceTypes=["AWS::EC2::SecurityGroup"])
        compliant = summary["ComplianceSummariesByResourceType"][0]["ComplianceSummary"]["CompliantResourceCount"]
        return {"made": made, "baseline": baseline, "first": first, "advance": advance,
                "compliant": compliant["CappedCount"], "load": common.load()}


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--changes", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--samples", type=int, default=50)
    ap.add_argument("--groups", type=int, default=10000)
    args = ap.parse_args()
    common.header("AWS Config")
    nuage = lambda: common.nuage_server(args.nuage)  # noqa: E731
    rates = {"off": [], "on": []}
    for run in range(args.runs):
        for mode in ("off", "on"):
            r = throughput(nuage, mode == "on", args.changes, with_rule=False)
            rates[mode].append(r)
            print(f"nuage recorder {mode}, run {run + 1}: {r:.0f} authorizations/s (load {common.load()})", flush=True)
    with_rule = throughput(nuage, True, args.changes, with_rule=True)
    print(f"nuage recorder on + custom rule: {with_rule:.0f} authorizations/s (load {common.load()})", flush=True)
    moto = {}
    if not args.skip_moto:
        for mode in ("off", "on"):
            moto[mode] = throughput(common.moto_server, mode == "on", max(200, args.changes // 10), with_rule=False)
            print(f"moto recorder {mode}: {moto[mode]:.0f} authorizations/s", flush=True)
    via_config, direct, lat_load = latency(args.nuage, args.samples)
    print(f"change sent -> handler via Config p50 {statistics.median(via_config):.2f} ms, "
          f"direct Event invoke p50 {statistics.median(direct):.2f} ms (load {lat_load})", flush=True)
    p = periodic(args.nuage, args.groups)
    print(f"periodic over {args.groups} groups: {p}", flush=True)

    print()
    print(f"load average after: {common.load()}")
    off, on = statistics.median(rates["off"]), statistics.median(rates["on"])
    rows = [["", "nuage", "moto"]]
    rows.append(["AuthorizeSecurityGroupIngress/s, recorder off (median of runs)",
                 f"{off:.0f} ({', '.join(f'{r:.0f}' for r in rates['off'])})", f"{moto['off']:.0f}" if moto else "-"])
    rows.append(["AuthorizeSecurityGroupIngress/s, recorder on",
                 f"{on:.0f} ({', '.join(f'{r:.0f}' for r in rates['on'])})", f"{moto['on']:.0f} (records nothing)" if moto else "-"])
    rows.append(["on / off", f"{on / off * 100:.0f}%", f"{moto['on'] / moto['off'] * 100:.0f}%" if moto else "-"])
    rows.append(["  recorder on + a custom Lambda rule (one run)", f"{with_rule:.0f} ({with_rule / off * 100:.0f}% of off)", "-"])
    cfg_p50, direct_p50 = statistics.median(via_config), statistics.median(direct)
    rows.append(["change sent -> rule function entered, p50 / p95",
                 f"{cfg_p50:.2f} / {common.pct(via_config, 95):.2f} ms", "- (no evaluation)"])
    rows.append(["boto3 Event Invoke called -> function entered (for scale; boto3's signing included), p50 / p95",
                 f"{direct_p50:.2f} / {common.pct(direct, 95):.2f} ms", "-"])
    rows.append([f"clock advance 1h firing INCOMING_SSH_DISABLED over {args.groups} groups",
                 f"{p['advance'] * 1e3:.0f} ms (same advance without the rule: {p['baseline'] * 1e3:.0f} ms)", "-"])
    rows.append(["  the rule's first evaluation (PutConfigRule round trip)", f"{p['first'] * 1e3:.0f} ms", "-"])
    common.table(rows)
    print()
    goals = [("recorder on >= 90% of off", on >= 0.9 * off, f"{on / off * 100:.0f}%"),
             ("change -> rule Lambda <= 5 ms of nuage's time (p50, Lambda's dispatch included)", cfg_p50 <= 5,
              f"{cfg_p50:.2f} ms"),
             (f"periodic over {args.groups} groups <= 1 s", p["advance"] <= 1.0, f"{p['advance']:.3f} s")]
    for goal, met, value in goals:
        print(f"{'met   ' if met else 'MISSED'} {goal}: {value}")


if __name__ == "__main__":
    main()
