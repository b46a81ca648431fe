"""Shared helpers of the per-service benchmarks (bench/<service>.py).

Starts nuage (with a --data folder in a temp directory) and moto's server on
127.0.0.1, gives boto3 clients for them, and prints tables. Builds on the
process handling of bench/core.py (process groups, VmRSS of the tree).
Not thread-safe by itself; the scripts use clients from several threads
(boto3 clients are thread-safe).
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import http.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core import Server, free_port, loadavg  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _exit_on_sigterm(signum, frame):
    # A SIGTERM (e.g. from `timeout`) must still run the `finally` blocks that stop the servers.
    sys.exit(128 + signum)


def arg_parser(doc):
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nuage", default=os.environ.get("NUAGE_BIN", os.path.join(ROOT, "build", "nuage")))
    ap.add_argument("--skip-moto", action="store_true")
    return ap


def wait_http(server, timeout):
    """Waits until the server answers any HTTP request on `/`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.proc.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=2)
            c.request("GET", "/")
            c.getresponse().read()
            c.close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{server.name} did not answer within {timeout}s")


@contextlib.contextmanager
def tempdir():
    d = tempfile.mkdtemp(prefix="nuage-bench-")
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


@contextlib.contextmanager
def nuage_server(binary, extra=(), data_dir=None):
    """nuage serve on a free port with a fresh --data folder (durable, as users run it)."""
    with tempdir() as tmp:
        port = free_port()
        argv = [binary, "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warn",
                "--data", data_dir or os.path.join(tmp, "data"), *extra]
        s = Server("nuage", argv, port)
        s.start()
        try:
            wait_http(s, 30)
            yield s
        finally:
            s.stop()


@contextlib.contextmanager
def moto_server():
    port = free_port()
    s = Server("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], port)
    s.start()
    try:
        wait_http(s, 120)
        yield s
    finally:
        s.stop()


def client(server, service, key="test", secret="test", pool=10, timeout=300):
    return boto3.client(
        service, endpoint_url=f"http://127.0.0.1:{server.port}", region_name="us-east-1",
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, max_pool_connections=pool,
                      read_timeout=timeout, connect_timeout=10))


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100 * (len(v) - 1)))))
    return v[k]


def median(values):
    return statistics.median(values)


def load():
    """The 1/5/15-minute load averages, for printing next to each figure."""
    return loadavg()


def table(rows):
    """Prints a markdown table; rows[0] is the header."""
    rows = [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def ratio(a, b):
    if not a or not b:
        return "-"
    return f"{a / b:.1f}x"


def header(name):
    print(f"# {name} — {os.cpu_count()} CPUs, load average before: {load()}", flush=True)


def signed_headers(port, service, body, method="POST", path="/", headers=None, key="test", secret="test"):
    """SigV4 headers for one raw request (signed outside the timed window)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method=method, url=f"http://127.0.0.1:{port}{path}", data=body, headers=headers or {})
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(req)
    h = dict(req.headers.items())
    h["Host"] = f"127.0.0.1:{port}"
    return h


def timed_request(conn, method, path, body, headers):
    """One request on a keep-alive connection: (status, seconds, response bytes)."""
    t0 = time.perf_counter()
    conn.request(method, path, body=body, headers=headers)
    res = conn.getresponse()
    data = res.read()
    return res.status, time.perf_counter() - t0, data
