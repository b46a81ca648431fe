#!/usr/bin/env python3
"""EventBridge scheduler benchmark of issue 8.

10,000 scheduled rules on the default bus, a mix of
  rate(N hours)  N = 1..24                     (1/2 of the rules)
  cron(M H * * ? *)          daily             (1/4)
  cron(M 0/6 * * ? *)        every 6 hours     (1/8)
  cron(M H ? * MON-FRI *)    working days      (1/8)
(about 3.6 firings per rule per day, ~36,000 per simulated day), each with
one target: a second event bus ("sink"), so deliveries cost no Lambda. On
"sink" one rule matches the events of scheduled rule 0 only and writes them
to a log group: its count checks that the schedule really fires.

  1. the cost of computing next occurrences: 10,000 PutRule calls with a
     ScheduleExpression, beside 10,000 PutRule calls with an EventPattern
     (no schedule) on another bus, raw signed requests on one connection;
     moto's server for the same PutRule calls (--moto-rules of them: moto
     accepts schedules but never fires them, and has no clock);
  2. POST /_nuage/clock {"freeze": true}, then {"advance": "1d"} seven times:
     wall time per simulated day.

    python3 bench/events.py [--rules 10000] [--days 7] [--moto-rules 2000] [--skip-moto]
"""

import http.client
import json
import time

import common

HDR = {"Content-Type": "application/x-amz-json-1.1"}
ACCOUNT = "000000000000"


def schedule(i):
    k = i % 8
    if k in (0, 2, 4, 6):
        return f"rate({(i // 8) % 24 + 1} hour{'s' if (i // 8) % 24 else ''})"
    if k in (1, 5):
        return f"cron({i % 60} {(i // 60) % 24} * * ? *)"
    if k == 3:
        return f"cron({i % 60} 0/6 * * ? *)"
    return f"cron({i % 60} {(i // 60) % 24} ? * MON-FRI *)"


def call(s, conn, target, payload, service="events", prefix="AWSEvents"):
    body = json.dumps(payload)
    h = common.signed_headers(s.port, service, body, headers={**HDR, "X-Amz-Target": f"{prefix}.{target}"})
    status, dt, data = common.timed_request(conn, "POST", "/", body, h)
    if status != 200:
        raise RuntimeError(f"{s.name} {target}: {status} {data[:300]!r}")
    return dt, json.loads(data or b"{}")


def put_rules(s, conn, n, bus="default", pattern=False):
    """(PutRule seconds, PutTargets seconds) summed over n rules."""
    t_rule = t_target = 0.0
    sink = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/sink"
    for i in range(n):
        req = {"Name": f"r{i}", "EventBusName": bus, "State": "ENABLED"}
        if pattern:
            req["EventPattern"] = json.dumps({"source": [f"bench.{i}"]})
        else:
            req["ScheduleExpression"] = schedule(i)
        dt, _ = call(s, conn, "PutRule", req)
        t_rule += dt
        if not pattern:
            dt, out = call(s, conn, "PutTargets", {"Rule": f"r{i}", "EventBusName": bus,
                                                   "Targets": [{"Id": "sink", "Arn": sink}]})
            if out.get("FailedEntryCount"):
                raise RuntimeError(f"PutTargets failed: {out}")
            t_target += dt
    return t_rule, t_target


def clock(s, payload):
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=600)
    t0 = time.perf_counter()
    conn.request("POST", "/_nuage/clock", body=json.dumps(payload), headers={"Content-Type": "application/json"})
    res = conn.getresponse()
    data = res.read()
    dt = time.perf_counter() - t0
    conn.close()
    if res.status != 200:
        raise RuntimeError(f"clock {payload}: {res.status} {data[:300]!r}")
    return dt, json.loads(data)


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--rules", type=int, default=10000)
    ap.add_argument("--days", type=int, default=7)
    ap.add_argument("--moto-rules", type=int, default=2000)
    args = ap.parse_args()
    common.header("EventBridge schedules")
    r = {}
    with common.nuage_server(args.nuage) as s:
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=600)
        clock(s, {"freeze": True})
        call(s, conn, "CreateEventBus", {"Name": "sink"})
        call(s, conn, "CreateEventBus", {"Name": "patterns"})
        logs_arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/bench/rule0"
        call(s, conn, "CreateLogGroup", {"logGroupName": "/bench/rule0"}, service="logs", prefix="Logs_20140328")
        call(s, conn, "PutRule", {"Name": "check", "EventBusName": "sink", "EventPattern": json.dumps(
            {"resources": [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/r0"]})})
        call(s, conn, "PutTargets", {"Rule": "check", "EventBusName": "sink",
                                     "Targets": [{"Id": "log", "Arn": logs_arn}]})
        r["pattern"] = put_rules(s, conn, args.rules, bus="patterns", pattern=True)
        r["pattern_load"] = common.load()
        print(f"nuage: {args.rules} PutRule (pattern) {r['pattern'][0]:.2f} s (load {r['pattern_load']})", flush=True)
        r["sched"] = put_rules(s, conn, args.rules)
        r["sched_load"] = common.load()
        print(f"nuage: {args.rules} PutRule (schedule) {r['sched'][0]:.2f} s, PutTargets {r['sched'][1]:.2f} s "
              f"(load {r['sched_load']})", flush=True)
        r["rss0"] = s.rss_kb()
        days = []
        for d in range(args.days):
            dt, out = clock(s, {"advance": "1d"})
            days.append((dt, common.load()))
            print(f"nuage: day {d + 1}: {dt:.2f} s -> {out.get('now')} (load {days[-1][1]})", flush=True)
        r["days"] = days
        r["rss1"] = s.rss_kb()
        _, out = call(s, conn, "FilterLogEvents", {"logGroupName": "/bench/rule0"}, service="logs",
                      prefix="Logs_20140328")
        r["rule0"] = len(out.get("events", []))
        r["rule0_expr"] = schedule(0)
        conn.close()
    if not args.skip_moto:
        with common.moto_server() as s:
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=600)
            call(s, conn, "CreateEventBus", {"Name": "sink"})
            call(s, conn, "CreateEventBus", {"Name": "patterns"})
            r["moto_pattern"] = put_rules(s, conn, args.moto_rules, bus="patterns", pattern=True)
            r["moto_sched"] = put_rules(s, conn, args.moto_rules)
            r["moto_load"] = common.load()
            print(f"moto: {args.moto_rules} PutRule schedule {r['moto_sched'][0]:.2f} s, pattern "
                  f"{r['moto_pattern'][0]:.2f} s (load {r['moto_load']})", flush=True)
            conn.close()

    print()
    print(f"load average after: {common.load()}")
    n = args.rules
    rows = [["", "nuage", "moto", "moto / nuage"]]
    mn = args.moto_rules

    def per(t, k):
        return t / k * 1e6

    mo = "moto_sched" in r
    rows.append(["PutRule with ScheduleExpression, per call", f"{per(r['sched'][0], n):.0f} us ({n:,} calls "
                 f"{r['sched'][0]:.2f} s)", f"{per(r['moto_sched'][0], mn):.0f} us ({mn:,} calls)" if mo else "-",
                 common.ratio(per(r["moto_sched"][0], mn), per(r["sched"][0], n)) if mo else "-"])
    rows.append(["PutRule with EventPattern (no schedule), per call", f"{per(r['pattern'][0], n):.0f} us",
                 f"{per(r['moto_pattern'][0], mn):.0f} us" if mo else "-",
                 common.ratio(per(r["moto_pattern"][0], mn), per(r["pattern"][0], n)) if mo else "-"])
    rows.append(["  schedule cost (difference), per rule", f"{per(r['sched'][0] - r['pattern'][0], n):.0f} us",
                 "-", ""])
    rows.append(["PutTargets (event bus target), per call", f"{per(r['sched'][1], n):.0f} us",
                 f"{per(r['moto_sched'][1], mn):.0f} us" if mo else "-", ""])
    walls = [d[0] for d in r["days"]]
    rows.append([f"advance 1d with {n:,} rules: wall per simulated day (median, min..max)",
                 f"{common.median(walls):.2f} s ({min(walls):.2f}..{max(walls):.2f})",
                 "- (no clock, schedules never fire)", ""])
    rows.append(["  per day", ", ".join(f"{w:.2f}" for w in walls), "", ""])
    rows.append(["server RSS before -> after the week", f"{r['rss0'] / 1024:.1f} -> {r['rss1'] / 1024:.1f} MB", "", ""])
    rows.append([f"events delivered for rule r0 ({r['rule0_expr']}) in {args.days} days", str(r["rule0"]), "", ""])
    rows.append(["load average (PutRule / last day)", f"{r['sched_load'].split()[0]} / {r['days'][-1][1].split()[0]}",
                 r["moto_load"].split()[0] if mo else "-", ""])
    common.table(rows)
    print()
    med = common.median(walls)
    print(f"wall per simulated day {med:.2f} s (goal <= 1 s): {'met' if med <= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
