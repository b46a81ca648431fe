#!/usr/bin/env python3
"""SQS benchmark of issue 18: nuage beside moto's server.

One producer-consumer round trip = SendMessage + ReceiveMessage + DeleteMessage
of one message (~200 bytes, one string attribute) on a standard queue, over
one keep-alive connection, with raw signed json requests (each body is built
and signed before its timer starts; the receipt handle comes from the receive,
so the delete is signed between the two). Reports round trips per second over
the request times and the p50 / p99 of one round trip, for --trips round
trips or --budget seconds per server, whichever comes first. nuage runs with
a --data folder: every send and delete is committed to SQLite.

    python3 bench/sqs.py [--trips 2000] [--budget 60] [--skip-moto]
"""

import http.client
import json
import time

import common

HDR = {"Content-Type": "application/x-amz-json-1.0"}
BODY = "x" * 200


def call(s, conn, target, payload):
    """Signs then times one request: (seconds, answer)."""
    body = json.dumps(payload)
    h = common.signed_headers(s.port, "sqs", body, headers={**HDR, "X-Amz-Target": f"AmazonSQS.{target}"})
    status, dt, data = common.timed_request(conn, "POST", "/", body, h)
    if status != 200:
        raise RuntimeError(f"{s.name} {target}: {status} {data[:300]!r}")
    return dt, json.loads(data or b"{}")


def bench(name, make, args):
    with make() as s:
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=120)
        _, out = call(s, conn, "CreateQueue", {"QueueName": "bench"})
        url = out["QueueUrl"]
        trips, wall0 = [], time.perf_counter()
        while len(trips) < args.trips and time.perf_counter() - wall0 < args.budget:
            t_send, _ = call(s, conn, "SendMessage", {
                "QueueUrl": url, "MessageBody": BODY,
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(len(trips))}}})
            t_recv, got = call(s, conn, "ReceiveMessage", {"QueueUrl": url, "MaxNumberOfMessages": 1,
                                                           "MessageAttributeNames": ["All"]})
            messages = got.get("Messages", [])
            if len(messages) != 1:
                raise RuntimeError(f"{name}: the receive found {len(messages)} messages")
            t_del, _ = call(s, conn, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": messages[0]["ReceiptHandle"]})
            trips.append(t_send + t_recv + t_del)
        rss = s.rss_kb()
        conn.close()
    total = sum(trips)
    r = {"n": len(trips), "per_s": len(trips) / total, "p50": common.pct(trips, 50), "p99": common.pct(trips, 99),
         "rss": rss, "load": common.load()}
    print(f"{name}: {r['per_s']:.0f} round trips/s over {r['n']} (p50 {r['p50'] * 1e3:.2f} ms, "
          f"p99 {r['p99'] * 1e3:.2f} ms; load {r['load']})", flush=True)
    return r


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--trips", type=int, default=2000)
    ap.add_argument("--budget", type=float, default=60, help="seconds of round trips per server")
    args = ap.parse_args()
    common.header("SQS")
    nuage = bench("nuage", lambda: common.nuage_server(args.nuage), args)
    moto = None if args.skip_moto else bench("moto", common.moto_server, args)
    rows = [["", "nuage", "moto", "ratio"],
            ["Send+Receive+Delete round trips/s", f"{nuage['per_s']:.0f}", f"{moto['per_s']:.0f}" if moto else "-",
             common.ratio(nuage["per_s"], moto["per_s"]) if moto else "-"],
            ["round trip p50 / p99", f"{nuage['p50'] * 1e3:.2f} / {nuage['p99'] * 1e3:.2f} ms",
             f"{moto['p50'] * 1e3:.2f} / {moto['p99'] * 1e3:.2f} ms" if moto else "-", ""]]
    common.table(rows)
    if moto:
        verdict = "met" if nuage["per_s"] >= 50 * moto["per_s"] else "MISSED"
        print(f"goal: round trips >= 50x moto: {verdict}")


if __name__ == "__main__":
    main()
