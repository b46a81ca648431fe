#!/usr/bin/env python3
"""CloudWatch Logs benchmarks of issue 6: nuage beside moto's server.

  1. PutLogEvents throughput: batches of 1,000 events (~90 bytes each), one
     keep-alive connection, raw signed requests (the JSON body is built and
     signed before the timer starts); events/s over the request times, up to
     --events events or --budget seconds per server, whichever comes first;
  2. FilterLogEvents over everything stored: filter pattern "ERROR" (1 event
     in 1,000 matches), all pages followed (nextToken), total time and time per
     page.

    python3 bench/logs.py [--events 1000000] [--budget 120] [--skip-moto]
"""

import http.client
import json
import time

import common

GROUP, STREAM = "/bench/app", "s1"
HDR = {"Content-Type": "application/x-amz-json-1.1"}


def call(s, conn, target, payload):
    body = json.dumps(payload)
    h = common.signed_headers(s.port, "logs", body, headers={**HDR, "X-Amz-Target": f"Logs_20140328.{target}"})
    status, dt, data = common.timed_request(conn, "POST", "/", body, h)
    if status != 200:
        raise RuntimeError(f"{s.name} {target}: {status} {data[:300]!r}")
    return dt, json.loads(data or b"{}")


def bench(name, make, args):
    r = {}
    with make() as s:
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=600)
        call(s, conn, "CreateLogGroup", {"logGroupName": GROUP})
        call(s, conn, "CreateLogStream", {"logGroupName": GROUP, "logStreamName": STREAM})
        idle = s.rss_kb()
        t_start = int(time.time() * 1000) - 3_600_000  # an hour ago, 1 ms apart
        put_time, n, wall0 = 0.0, 0, time.perf_counter()
        while n < args.events and time.perf_counter() - wall0 < args.budget:
            events = [{"timestamp": t_start + n + i,
                       "message": f"{'ERROR' if (n + i) % 1000 == 0 else 'INFO'} request id={n + i} "
                                  f"path=/api/v1/items status=200 bytes=1234"} for i in range(1000)]
            dt, _ = call(s, conn, "PutLogEvents", {"logGroupName": GROUP, "logStreamName": STREAM, "logEvents": events})
            put_time += dt
            n += 1000
        r["stored"] = n
        r["put_eps"] = n / put_time
        r["put_load"] = common.load()
        r["rss"] = (idle, s.rss_kb())
        print(f"{name}: PutLogEvents {r['put_eps']:.0f} events/s over {n} events "
              f"(request time {put_time:.1f} s; load {r['put_load']})", flush=True)
        token, pages, matched, total = None, 0, 0, 0.0
        while pages < 100000:
            req = {"logGroupName": GROUP, "filterPattern": "ERROR"}
            if token:
                req["nextToken"] = token
            dt, out = call(s, conn, "FilterLogEvents", req)
            total += dt
            pages += 1
            matched += len(out.get("events", []))
            token = out.get("nextToken")
            if not token:
                break
        r["filter"] = (total, pages, matched, common.load())
        print(f"{name}: FilterLogEvents ERROR over {n} events: {total * 1e3:.0f} ms, {pages} pages, "
              f"{matched} matches (load {r['filter'][3]})", flush=True)
        conn.close()
    return r


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--budget", type=float, default=120, help="seconds of putting per server")
    args = ap.parse_args()
    common.header("CloudWatch Logs")
    res = {"nuage": bench("nuage", lambda: common.nuage_server(args.nuage), args)}
    if not args.skip_moto:
        res["moto"] = bench("moto", common.moto_server, args)
    print()
    print(f"load average after: {common.load()}")
    n, m = res["nuage"], res.get("moto")
    rows = [["", "nuage", "moto", "nuage / moto"]]
    rows.append(["PutLogEvents events/s (1,000-event batches)", f"{n['put_eps']:.0f}",
                 f"{m['put_eps']:.0f}" if m else "-", common.ratio(n["put_eps"], m["put_eps"]) if m else "-"])
    rows.append(["events stored", f"{n['stored']:,}", f"{m['stored']:,}" if m else "-", ""])
    rows.append(["server RSS before -> after putting",
                 f"{n['rss'][0] / 1024:.1f} -> {n['rss'][1] / 1024:.1f} MB",
                 f"{m['rss'][0] / 1024:.1f} -> {m['rss'][1] / 1024:.1f} MB" if m else "-", ""])
    f = lambda x: f"{x[0] * 1e3:.0f} ms ({x[1]} pages, {x[2]} matches)"  # noqa: E731
    rows.append(["FilterLogEvents 'ERROR' over all stored", f(n["filter"]), f(m["filter"]) if m else "-", ""])
    per = lambda x: x["filter"][0] / x["stored"] * 1e9  # noqa: E731
    rows.append(["  per stored event", f"{per(n):.0f} ns", f"{per(m):.0f} ns" if m else "-",
                 common.ratio(per(m), per(n)) if m else "-"])
    rows.append(["load average (put / filter)", f"{n['put_load'].split()[0]} / {n['filter'][3].split()[0]}",
                 f"{m['put_load'].split()[0]} / {m['filter'][3].split()[0]}" if m else "-", ""])
    common.table(rows)
    for who, r in res.items():
        if r["stored"] < args.events:
            print(f"{who}: stored only {r['stored']:,} of {args.events:,} events within the {args.budget:.0f} s budget")


if __name__ == "__main__":
    main()
