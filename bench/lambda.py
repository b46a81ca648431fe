#!/usr/bin/env python3
"""Lambda benchmarks of issue 7 (nuage only: moto's server runs Lambda code
only through Docker, which this machine does not offer, so there is no moto
figure for the same work).

  1. warm Invoke round trip of a Python no-op handler (raw signed POST on a
     keep-alive connection, --invokes sequential calls after warm-up): p50 /
     p95, the handler's own time (perf_counter_ns at entry and exit, returned
     in the payload), and nuage's overhead = round trip - handler time;
  2. cold start: the first Invoke after CreateFunction (median of --cold
     functions) beside the start-up of the interpreter nuage runs
     (`<python3's sys.executable> -c pass`, median of 11);
  3. invocations/s with 2 concurrent clients for --duration s (2 warm
     environments);
  4. memory per idle warm environment: VmRSS of the environment's processes
     (bwrap + python, descendants of nuage) and of the nuage process itself,
     before and after 2 environments are warm and idle.

    python3 bench/lambda.py [--invokes 500] [--cold 5] [--duration 5]
"""

import http.client
import io
import json
import os
import statistics
import subprocess
import threading
import time
import zipfile

import common


def descendants(pid):
    """Descendants through every thread (core.descendants reads only the main thread's children, and nuage
    spawns environments from worker threads)."""
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids = [int(c) for c in f.read().split()]
        except FileNotFoundError:
            continue
        for c in kids:
            out.append(c)
            out.extend(descendants(c))
    return out


def tree_rss(pid):
    return rss_of(pid) + sum(rss_of(c) for c in descendants(pid))

HANDLER = """
import time
def lambda_handler(event, context):
    t0 = time.perf_counter_ns()
    r = {"ok": True}
    return {"handler_ns": time.perf_counter_ns() - t0}
"""
TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def zip_code():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("lambda_function.py", HANDLER)
    return buf.getvalue()


def rss_of(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def invoke(s, conn, name):
    path = f"/2015-03-31/functions/{name}/invocations"
    h = common.signed_headers(s.port, "lambda", b"{}", path=path)
    status, dt, data = common.timed_request(conn, "POST", path, b"{}", h)
    if status != 200:
        raise RuntimeError(f"Invoke {status}: {data[:300]!r}")
    out = json.loads(data)
    if "handler_ns" not in out:
        raise RuntimeError(f"Invoke answered {data[:300]!r}")
    return dt, out["handler_ns"] / 1e9


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--invokes", type=int, default=500)
    ap.add_argument("--cold", type=int, default=5)
    ap.add_argument("--duration", type=int, default=5)
    args = ap.parse_args()
    common.header("Lambda")
    exe = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True, text=True,
                         timeout=60).stdout.strip()
    starts = []
    for _ in range(11):
        t0 = time.perf_counter()
        subprocess.run([exe, "-c", "pass"], check=True, timeout=60)
        starts.append(time.perf_counter() - t0)
    py_start = (statistics.median(starts), common.load())
    print(f"{exe} -c pass: {py_start[0] * 1e3:.1f} ms (load {py_start[1]})", flush=True)
    code = zip_code()
    r = {}
    with common.nuage_server(args.nuage) as s:
        iam, lam = common.client(s, "iam"), common.client(s, "lambda")
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        conn.request("GET", "/_nuage/health")
        r["health"] = json.loads(conn.getresponse().read()).get("lambda_sandbox")
        conn.close()

        def create(name):
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                Handler="lambda_function.lambda_handler", Code={"ZipFile": code},
                                MemorySize=128, Timeout=10)
            lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.1,
                                                                                      "MaxAttempts": 100})

        # 2. Cold starts.
        create("warm")
        time.sleep(0.5)
        nuage_before, tree_before = rss_of(s.proc.pid), tree_rss(s.proc.pid)
        colds = []
        for i in range(args.cold):
            create(f"cold{i}")
            conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
            dt, _ = invoke(s, conn, f"cold{i}")
            conn.close()
            colds.append(dt)
        r["cold"] = (statistics.median(colds), min(colds), max(colds), common.load())
        print(f"cold start median {r['cold'][0] * 1e3:.1f} ms ({min(colds) * 1e3:.1f}..{max(colds) * 1e3:.1f}) "
              f"(load {r['cold'][3]})", flush=True)
        # The cold functions' environments stay up (idle 5 min); delete the functions so that only the
        # benchmark's own environments count below.
        for i in range(args.cold):
            lam.delete_function(FunctionName=f"cold{i}")
        time.sleep(1.0)

        # 1. Warm round trips.
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
        for _ in range(20):
            invoke(s, conn, "warm")
        rts, hs, over = [], [], []
        for _ in range(args.invokes):
            dt, h = invoke(s, conn, "warm")
            rts.append(dt)
            hs.append(h)
            over.append(dt - h)
        conn.close()
        r["warm"] = (common.pct(rts, 50), common.pct(rts, 95), common.pct(hs, 50), common.pct(over, 50),
                     common.load())
        print(f"warm p50 {r['warm'][0] * 1e3:.3f} ms, p95 {r['warm'][1] * 1e3:.3f} ms, handler p50 "
              f"{r['warm'][2] * 1e6:.1f} us, overhead p50 {r['warm'][3] * 1e3:.3f} ms (load {r['warm'][4]})",
              flush=True)

        # 3. Two concurrent clients.
        counts, stop, errors = [0, 0], threading.Event(), []

        def client(k):
            c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
            try:
                while not stop.is_set():
                    invoke(s, c, "warm")
                    counts[k] += 1
            except Exception as e:  # reported below
                errors.append(repr(e))
            finally:
                c.close()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(2)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        time.sleep(args.duration)
        stop.set()
        for t in threads:
            t.join(timeout=70)
        r["rate"] = (sum(counts) / (time.perf_counter() - t0), common.load(), errors[:2])
        print(f"2 clients: {r['rate'][0]:.0f} invokes/s (load {r['rate'][1]}) errors {errors[:2]}", flush=True)

        # 4. Memory per idle warm environment.
        time.sleep(1.0)
        envs = descendants(s.proc.pid)
        nuage_after, tree_after = rss_of(s.proc.pid), tree_rss(s.proc.pid)
        r["mem"] = (nuage_before, tree_before, nuage_after, tree_after, len(envs), common.load())
    print()
    print(f"load average after: {common.load()}")
    nb, tb, na, ta, nproc, ld = r["mem"]
    env_count = 2
    rows = [["", "nuage", "reference", ""]]
    rows.append(["warm Invoke round trip p50 / p95", f"{r['warm'][0] * 1e3:.2f} / {r['warm'][1] * 1e3:.2f} ms",
                 f"handler itself p50 {r['warm'][2] * 1e6:.1f} us", f"load {r['warm'][4].split()[0]}"])
    rows.append(["  nuage overhead (round trip - handler) p50", f"{r['warm'][3] * 1e3:.2f} ms", "goal <= 1 ms", ""])
    rows.append(["cold start: first Invoke after CreateFunction (median, min..max)",
                 f"{r['cold'][0] * 1e3:.1f} ms ({r['cold'][1] * 1e3:.1f}..{r['cold'][2] * 1e3:.1f})",
                 f"`{os.path.basename(exe)} -c pass` {py_start[0] * 1e3:.1f} ms", f"load {r['cold'][3].split()[0]}"])
    rows.append(["invocations/s, 2 concurrent clients", f"{r['rate'][0]:.0f}", "-", f"load {r['rate'][1].split()[0]}"])
    rows.append(["RSS per idle warm environment (its processes)", f"{(ta - na - (tb - nb)) / env_count / 1024:.1f} MB",
                 f"{nproc} processes under nuage", f"load {ld.split()[0]}"])
    rows.append(["nuage process RSS before -> after 2 warm environments", f"{nb / 1024:.1f} -> {na / 1024:.1f} MB",
                 f"+{(na - nb) / env_count / 1024:.1f} MB per environment", ""])
    common.table(rows)
    print(f"sandbox: {r['health']}")
    print()
    o = r["warm"][3] * 1e3
    print(f"warm overhead p50 {o:.2f} ms (goal <= 1 ms): {'met' if o <= 1 else 'MISSED'}")
    c = r["cold"][0] * 1e3
    lim = py_start[0] * 1e3 + 30
    print(f"cold start {c:.1f} ms (goal <= python start-up + 30 ms = {lim:.1f} ms): {'met' if c <= lim else 'MISSED'}")
    print("moto: no figure (its Lambda runs code only in Docker, not available here)")


if __name__ == "__main__":
    main()
