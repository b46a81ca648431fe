#!/usr/bin/env python3
"""IAM enforcement benchmark of issue 5: the cost of authorization.

An IAM user (access key created through CreateAccessKey) with 50 attached
customer managed policies of 20 statements each (19 non-matching Allow
statements on other services/resources and 1 Deny on another parameter in
each policy; one policy also allows ssm:GetParameter on the benchmark's
parameter) calls ssm GetParameter. wrk -t2 -c8 for --duration s on one
pre-signed request, against nuage started with `--iam-enforcement on` and
`--iam-enforcement off` (a fresh server each, same setup), alternating
--rounds times. Reports requests/s, the cost in %, and the server CPU time
per request; the CPU difference per request approximates the evaluation time
of one decision.

moto is not compared: its server does not evaluate identity policies by
default (INITIAL_NO_AUTH_ACTION_COUNT), and its throughput is measured in
bench/core.py.

    python3 bench/iam.py [--duration 5] [--rounds 2] [--policies 50] [--statements 20]
"""

import json
import os
import re
import subprocess

import common
from core import wrk_lua

BODY = json.dumps({"Name": "/bench/param"})


def setup(server, policies, statements):
    iam = common.client(server, "iam")
    ssm = common.client(server, "ssm")
    ssm.put_parameter(Name="/bench/param", Value="v", Type="String")
    ssm.put_parameter(Name="/bench/other", Value="v", Type="String")
    iam.create_user(UserName="bench")
    for p in range(policies):
        stmts = []
        for i in range(statements - 1):
            stmts.append({"Sid": f"S{p}x{i}", "Effect": "Allow",
                          "Action": [f"s3:GetObject", f"dynamodb:Query", f"sqs:Send*"],
                          "Resource": [f"arn:aws:s3:::bucket-{p}-{i}/*",
                                       f"arn:aws:dynamodb:us-east-1:000000000000:table/t{p}-{i}",
                                       f"arn:aws:sqs:*:*:q{p}-{i}"]})
        stmts.append({"Sid": f"Deny{p}", "Effect": "Deny", "Action": "ssm:GetParameter",
                      "Resource": "arn:aws:ssm:us-east-1:000000000000:parameter/bench/other"})
        if p == policies - 1:
            stmts[0] = {"Sid": "Allow", "Effect": "Allow", "Action": ["ssm:GetParameter"],
                        "Resource": "arn:aws:ssm:us-east-1:000000000000:parameter/bench/*"}
        arn = iam.create_policy(PolicyName=f"p{p}", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": stmts}))["Policy"]["Arn"]
        iam.attach_user_policy(UserName="bench", PolicyArn=arn)
    key = iam.create_access_key(UserName="bench")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def run_wrk(server, script, duration):
    argv = ["wrk", "-t2", "-c8", f"-d{duration}s", "--latency", "-s", script, f"http://127.0.0.1:{server.port}/"]
    cpu0 = server.cpu_seconds()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60).stdout
    cpu = server.cpu_seconds() - cpu0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
    return {"rps": rps, "non2xx": int(bad.group(1)) if bad else 0, "cpu_us": cpu * 1e6 / max(1, total), "p50": p50}


def one(args, mode, tmp):
    with common.nuage_server(args.nuage, ["--iam-enforcement", mode]) as s:
        key, secret = setup(s, args.policies, args.statements)
        h = common.signed_headers(s.port, "ssm", BODY, key=key, secret=secret,
                                  headers={"Content-Type": "application/x-amz-json-1.1",
                                           "X-Amz-Target": "AmazonSSM.GetParameter"})
        # Check one call: allowed (200) with the user's key.
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        status, _, data = common.timed_request(conn, "POST", "/", BODY, h)
        conn.close()
        if status != 200:
            raise RuntimeError(f"GetParameter as the user ({mode}): {status} {data[:300]!r}")
        if mode == "on":  # the Deny really is evaluated
            body = json.dumps({"Name": "/bench/other"})
            hd = common.signed_headers(s.port, "ssm", body, key=key, secret=secret,
                                       headers={"Content-Type": "application/x-amz-json-1.1",
                                                "X-Amz-Target": "AmazonSSM.GetParameter"})
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
            status, _, data = common.timed_request(conn, "POST", "/", body, hd)
            conn.close()
            if status not in (400, 403) or b"AccessDenied" not in data:
                raise RuntimeError(f"expected AccessDenied for /bench/other, got {status} {data[:200]!r}")
        script = os.path.join(tmp, f"{mode}.lua")
        wrk_lua(script, {k: v for k, v in h.items()})
        # core.wrk_lua writes core's BODY; set ours.
        with open(script) as f:
            lua = f.read()
        lua = re.sub(r"^wrk\.body = .*$", "wrk.body = " + json.dumps(BODY), lua, flags=re.M)
        with open(script, "w") as f:
            f.write(lua)
        r = run_wrk(s, script, args.duration)
        r["load"] = common.load()
        print(f"enforcement {mode}: {r['rps']:.0f} req/s, p50 {r['p50']}, {r['cpu_us']:.0f} us CPU/request, "
              f"non-2xx {r['non2xx']} (load {r['load']})", flush=True)
        return r


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--policies", type=int, default=50)
    ap.add_argument("--statements", type=int, default=20)
    args = ap.parse_args()
    common.header("IAM enforcement")
    runs = {"on": [], "off": []}
    with common.tempdir() as tmp:
        for _ in range(args.rounds):
            for mode in ("off", "on"):
                runs[mode].append(one(args, mode, tmp))
    print()
    print(f"load average after: {common.load()}")
    rows = [["", "enforcement off", "enforcement on", "cost"]]
    med = {m: common.median([r["rps"] for r in runs[m]]) for m in runs}
    cpu = {m: common.median([r["cpu_us"] for r in runs[m]]) for m in runs}
    rows.append([f"GetParameter req/s (median of {args.rounds}; runs)",
                 "%.0f (%s)" % (med["off"], ", ".join("%.0f" % r["rps"] for r in runs["off"])),
                 "%.0f (%s)" % (med["on"], ", ".join("%.0f" % r["rps"] for r in runs["on"])),
                 f"{(1 - med['on'] / med['off']) * 100:.1f} %"])
    rows.append(["server CPU per request", f"{cpu['off']:.0f} us", f"{cpu['on']:.0f} us",
                 f"+{cpu['on'] - cpu['off']:.0f} us (≈ one decision)"])
    rows.append(["wrk p50 latency", ", ".join(r["p50"] for r in runs["off"]), ", ".join(r["p50"] for r in runs["on"]),
                 ""])
    rows.append(["non-2xx", sum(r["non2xx"] for r in runs["off"]), sum(r["non2xx"] for r in runs["on"]), ""])
    rows.append(["load average per run", "; ".join(r["load"].split()[0] for r in runs["off"]),
                 "; ".join(r["load"].split()[0] for r in runs["on"]), ""])
    common.table(rows)
    cost = (1 - med["on"] / med["off"]) * 100
    print()
    print(f"{args.policies} policies x {args.statements} statements; cost of enforcement {cost:.1f} % "
          f"(goal <= 10 %): {'met' if cost <= 10 else 'MISSED'}")
    # With wrk and the server sharing loaded CPUs, req/s moves by more than the cost; the server's CPU time per
    # request is the steadier measure of what enforcement adds.
    cpu_cost = (cpu["on"] / cpu["off"] - 1) * 100
    print(f"server CPU per request +{cpu_cost:.1f} % with enforcement (goal <= 10 %): "
          f"{'met' if cpu_cost <= 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
