#!/usr/bin/env python3
"""Core benchmarks of issue 2: nuage side by side with moto's server and nginx.

Measures, on this machine, in one run:
  1. time from process start to the first successful GetCallerIdentity
     (median of N runs) -- nuage and moto;
  2. idle resident memory (VmRSS of the process tree) after start and after
     1,000 GetCallerIdentity requests -- nuage, moto and nginx;
  3. GetCallerIdentity requests per second over keep-alive connections with
     wrk and a pre-signed request -- nuage and moto; nginx's static 200 for
     the same request is the machine's ceiling.

Everything listens on 127.0.0.1 only, every wait is bounded, and every
process started here is stopped (process group) before the script exits.

    python3 bench/core.py [--nuage build/nuage] [--runs 11] [--duration 10] [--wait-load 1.0]

Needs: botocore and moto (pip), wrk and nginx (Debian packages).
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BODY = "Action=GetCallerIdentity&Version=2011-06-15"
GOALS = {"start_ms": 20, "idle_rss_mb": 15, "health_rss_mb": 1, "vs_moto": 50, "vs_nginx": 0.5}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def signed_headers(port):
    """GetCallerIdentity signed once with SigV4 (valid 15 minutes)."""
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=BODY,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(req)
    headers = dict(req.headers.items())
    headers["Host"] = f"127.0.0.1:{port}"
    return headers


class Server:
    """A server process in its own process group, stopped on exit."""

    def __init__(self, name, argv, port, cwd=None):
        self.name, self.argv, self.port, self.cwd = name, argv, port, cwd
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.argv, cwd=self.cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        return self.proc

    def stop(self):
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        except ProcessLookupError:
            pass

    def rss_kb(self):
        """VmRSS of the process and its descendants (nginx workers, ...)."""
        total = 0
        for pid in [self.proc.pid] + descendants(self.proc.pid):
            try:
                with open(f"/proc/{pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            total += int(line.split()[1])
            except FileNotFoundError:
                pass
        return total


    def cpu_seconds(self):
        """User + system CPU time of the process tree (all threads)."""
        total = 0
        for pid in [self.proc.pid] + descendants(self.proc.pid):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except FileNotFoundError:
                pass
        return total / os.sysconf("SC_CLK_TCK")


def descendants(pid):
    out = []
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except FileNotFoundError:
        return out
    for c in children:
        out.append(c)
        out.extend(descendants(c))
    return out


def call(conn, headers):
    conn.request("POST", "/", body=BODY, headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, data


def wait_first_success(server, headers, timeout):
    """Polls with GetCallerIdentity until a 200; returns seconds since start."""
    t0 = time.perf_counter()
    server.start()
    deadline = t0 + timeout
    while time.perf_counter() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            status, body = call(conn, headers)
            conn.close()
            if status == 200 and b"GetCallerIdentityResult" in body:
                return time.perf_counter() - t0
        except OSError:
            pass
        time.sleep(0.0005)
    raise RuntimeError(f"{server.name} did not answer within {timeout}s")


def median_start(make_server, runs, timeout):
    times = []
    for _ in range(runs):
        server = make_server()
        try:
            times.append(wait_first_success(server, signed_headers(server.port), timeout))
        finally:
            server.stop()
    return statistics.median(times), min(times), max(times)


def idle_rss(server, headers, requests, settle):
    """RSS (KiB) after start, and after `requests` keep-alive requests."""
    time.sleep(settle)
    after_start = server.rss_kb()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for _ in range(requests):
        status, _ = call(conn, headers)
        if status != 200:
            raise RuntimeError(f"{server.name}: status {status}")
    conn.close()
    time.sleep(settle)
    return after_start, server.rss_kb()


def health_rss(server, settle):
    """RSS (KiB) of a fresh server before any request, and after its first
    GET /_nuage/health (what CI scripts poll first: it must not load the
    service models). Readiness is seen by connecting, not by a request."""
    server.start()
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", server.port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline or server.proc.poll() is not None:
                raise RuntimeError(f"{server.name} did not listen")
            time.sleep(0.001)
    time.sleep(settle)
    before = server.rss_kb()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/_nuage/health")
    res = conn.getresponse()
    res.read()
    conn.close()
    if res.status != 200:
        raise RuntimeError(f"health: status {res.status}")
    time.sleep(settle)
    return before, server.rss_kb()


def wrk_lua(path, headers):
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ['wrk.method = "POST"', f"wrk.body = {q(BODY)}"]
    for k, v in headers.items():
        if k.lower() in ("host", "content-length"):
            continue  # wrk sets both from the URL and the body
        lines.append(f"wrk.headers[{q(k)}] = {q(v)}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_wrk(port, script, threads, connections, duration):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "-s", script,
            f"http://127.0.0.1:{port}/"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)

    def pct(p):
        m = re.search(rf"^\s+{p}%\s+(\S+)", out, re.M)
        return m.group(1) if m else "?"
    return {"rps": rps, "requests": total, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "", "p50": pct(50), "p99": pct(99)}


NGINX_CONF = """
worker_processes auto;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path {dir}/body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  default_type text/plain;
  server {{
    listen 127.0.0.1:{port};
    location / {{ return 200 "ok"; }}
  }}
}}
"""


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nuage", default=os.environ.get("NUAGE_BIN", os.path.join(ROOT, "build", "nuage")))
    ap.add_argument("--runs", type=int, default=11, help="start-up runs for nuage (moto: max(3, runs // 3))")
    ap.add_argument("--requests", type=int, default=1000, help="requests before the second RSS reading")
    ap.add_argument("--duration", type=int, default=10, help="seconds of each wrk run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--skip-moto", action="store_true")
    ap.add_argument("--wait-load", type=float, default=0,
                    help="first wait (at most --wait-max s) for the 1-minute load average to drop below this")
    ap.add_argument("--wait-max", type=int, default=600)
    args = ap.parse_args()
    if not os.access(args.nuage, os.X_OK):
        sys.exit(f"no nuage binary at {args.nuage} (build it, or pass --nuage)")
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")

    if args.wait_load:
        deadline = time.time() + args.wait_max
        while time.time() < deadline and float(loadavg().split()[0]) >= args.wait_load:
            time.sleep(5)

    tmp = tempfile.mkdtemp(prefix="nuage-bench-")
    servers = []

    def nuage(extra=None):
        port = free_port()
        argv = [args.nuage, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warn"]
        s = Server("nuage", argv + (extra or ["--ephemeral"]), port)
        servers.append(s)
        return s

    def nuage_data():
        return nuage(["--data", tempfile.mkdtemp(dir=tmp)])

    def moto():
        port = free_port()
        s = Server("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port)
        servers.append(s)
        return s

    def nginx():
        port = free_port()
        d = tempfile.mkdtemp(dir=tmp)
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(dir=d, port=port))
        s = Server("nginx", ["nginx", "-c", os.path.join(d, "nginx.conf"), "-p", d, "-e", os.path.join(d, "error.log")],
                   port)
        servers.append(s)
        return s

    results = {"load_before": loadavg()}
    try:
        print(f"load average before: {results['load_before']}", flush=True)
        # 1. Start-up.
        results["start_nuage"] = median_start(nuage, args.runs, 10)
        results["start_nuage_data"] = median_start(nuage_data, args.runs, 10)
        if not args.skip_moto:
            results["start_moto"] = median_start(moto, max(3, args.runs // 3), 60)
        print("start-up done", flush=True)
        s = nuage()
        try:
            results["health_rss"] = health_rss(s, 1.0)
        finally:
            s.stop()

        # 2 and 3: one long-lived server each.
        for name, make in (("nuage", nuage), ("moto", moto), ("nginx", nginx)):
            if name == "moto" and args.skip_moto:
                continue
            s = make()
            try:
                headers = signed_headers(s.port)
                if name == "nginx":
                    s.start()
                    deadline = time.time() + 10
                    while time.time() < deadline:
                        try:
                            socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
                            break
                        except OSError:
                            time.sleep(0.01)
                    results["rss_nginx"] = idle_rss(s, {**headers}, args.requests, 1.0)
                else:
                    wait_first_success(s, headers, 60)
                    results[f"rss_{name}"] = idle_rss(s, headers, args.requests, 1.0)
                script = os.path.join(tmp, f"{name}.lua")
                wrk_lua(script, headers)
                cpu0 = s.cpu_seconds()
                results[f"wrk_{name}"] = run_wrk(s.port, script, args.threads, args.connections, args.duration)
                w = results[f"wrk_{name}"]
                w["cpu_us_per_request"] = (s.cpu_seconds() - cpu0) * 1e6 / max(1, w["requests"])
                print(f"{name} done", flush=True)
            finally:
                s.stop()
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    results["load_after"] = loadavg()
    report(results, args)


def report(r, args):
    def ms(t):
        return f"{t * 1000:.1f} ms"

    def mb(kb):
        return f"{kb / 1024:.1f} MB"

    print()
    print(f"load average: before {r['load_before']}, after {r['load_after']}; {os.cpu_count()} CPUs")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, pre-signed GetCallerIdentity (POST, SigV4)")
    print()
    rows = [("", "nuage", "moto", "nginx (static 200)")]
    med, lo, hi = r["start_nuage"]
    start = [f"{ms(med)} ({ms(lo)}..{ms(hi)})"]
    if "start_moto" in r:
        med, lo, hi = r["start_moto"]
        start.append(f"{ms(med)} ({ms(lo)}..{ms(hi)})")
    else:
        start.append("-")
    rows.append(("start to first GetCallerIdentity (median, min..max)", *start, "-"))
    med, lo, hi = r["start_nuage_data"]
    rows.append(("  nuage with --data (fresh SQLite file)", f"{ms(med)} ({ms(lo)}..{ms(hi)})", "", ""))
    for i, label in ((0, "idle RSS after start"), (1, f"idle RSS after {args.requests} requests")):
        rows.append((label, *[mb(r[f"rss_{n}"][i]) if f"rss_{n}" in r else "-" for n in ("nuage", "moto", "nginx")]))
    before, after = r["health_rss"]
    rows.append(("nuage fresh, before / after first /_nuage/health", f"{mb(before)} / {mb(after)}", "", ""))
    rows.append(("requests/s (keep-alive)",
                 *[f"{r[f'wrk_{n}']['rps']:.0f}" if f"wrk_{n}" in r else "-" for n in ("nuage", "moto", "nginx")]))
    rows.append(("latency p50 / p99",
                 *[f"{r[f'wrk_{n}']['p50']} / {r[f'wrk_{n}']['p99']}" if f"wrk_{n}" in r else "-"
                   for n in ("nuage", "moto", "nginx")]))
    rows.append(("server CPU time per request (user+sys)",
                 *[f"{r[f'wrk_{n}']['cpu_us_per_request']:.0f} us" if f"wrk_{n}" in r else "-"
                   for n in ("nuage", "moto", "nginx")]))
    rows.append(("non-2xx responses",
                 *[str(r[f"wrk_{n}"]["non2xx"]) if f"wrk_{n}" in r else "-" for n in ("nuage", "moto", "nginx")]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |")
    print()
    n = r["wrk_nuage"]["rps"]
    verdicts = []
    verdicts.append(("start-up", f"{ms(r['start_nuage'][0])}", f"<= {GOALS['start_ms']} ms",
                     r["start_nuage"][0] * 1000 <= GOALS["start_ms"]))
    idle = max(r["rss_nuage"]) / 1024
    verdicts.append(("idle RSS (larger reading)", f"{idle:.1f} MB", f"<= {GOALS['idle_rss_mb']} MB",
                     idle <= GOALS["idle_rss_mb"]))
    grown = (r["health_rss"][1] - r["health_rss"][0]) / 1024
    verdicts.append(("RSS grown by first health", f"{grown:+.1f} MB", f"<= {GOALS['health_rss_mb']} MB",
                     grown <= GOALS["health_rss_mb"]))
    if "wrk_moto" in r:
        ratio = n / r["wrk_moto"]["rps"]
        verdicts.append(("rps nuage/moto", f"{ratio:.0f}x", f">= {GOALS['vs_moto']}x", ratio >= GOALS["vs_moto"]))
    ratio = n / r["wrk_nginx"]["rps"]
    verdicts.append(("rps nuage/nginx", f"{ratio:.2f}", f">= {GOALS['vs_nginx']}", ratio >= GOALS["vs_nginx"]))
    for name, value, goal, ok in verdicts:
        print(f"{name:28} {value:>10}   goal {goal:10} {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
