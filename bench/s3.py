#!/usr/bin/env python3
"""S3 benchmarks of issue 4: nuage beside moto's server, nginx and the disk.

  1. 1 KiB PUT and GET requests/s: wrk -t2 -c4 for --duration s on one
     presigned URL (path style, UNSIGNED-PAYLOAD for PUT) -- nuage and moto;
     nginx serving the same 1 KiB file is the ceiling for GET;
  2. 1 MiB (x --count-1m) and 256 MiB (x 2) PUT and GET in MB/s, one stream,
     raw http.client on presigned URLs, body from memory, response discarded;
     nginx serving the same file for GET; `dd if=/dev/zero bs=1M count=256
     conv=fsync` as the disk's durable write rate;
  3. nuage's VmRSS sampled every 0.1 s during a 2 GiB PUT (streamed body) and
     the 2 GiB GET of it: min / max to show it stays flat.

    python3 bench/s3.py [--duration 5] [--count-1m 50] [--skip-moto] [--skip-2g]
"""

import http.client
import os
import re
import subprocess
import threading
import time
import urllib.parse

import common
from core import NGINX_CONF, Server, free_port

from botocore.config import Config
import boto3

MiB = 1 << 20

NGINX_FILES = NGINX_CONF.replace('location / {{ return 200 "ok"; }}', 'location / {{ root {root}; }}')


def s3client(server):
    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{server.port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                                      retries={"max_attempts": 1}))


def presign(s3, method, key, bucket="bench"):
    op = "put_object" if method == "PUT" else "get_object"
    url = s3.generate_presigned_url(op, Params={"Bucket": bucket, "Key": key}, ExpiresIn=3600)
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


def wrk(port, path, method, body_file, duration, tmp):
    script = os.path.join(tmp, f"wrk-{method}.lua")
    with open(script, "w") as f:
        f.write(f'wrk.method = "{method}"\n')
        if body_file:
            f.write(f'local fh = io.open("{body_file}", "rb"); wrk.body = fh:read("*a"); fh:close()\n')
    argv = ["wrk", "-t2", "-c4", f"-d{duration}s", "-s", script, f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, int(bad.group(1)) if bad else 0


def put(port, path, data, size=None):
    """PUT from a bytes object or a chunk generator (size given); returns seconds."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.perf_counter()
    conn.putrequest("PUT", path)
    conn.putheader("Content-Length", str(size if size is not None else len(data)))
    conn.endheaders()
    if isinstance(data, (bytes, bytearray, memoryview)):
        conn.send(data)
    else:
        for chunk in data:
            conn.send(chunk)
    res = conn.getresponse()
    body = res.read()
    dt = time.perf_counter() - t0
    conn.close()
    if res.status != 200:
        raise RuntimeError(f"PUT {res.status}: {body[:300]!r}")
    return dt


def get(port, path, expect):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    buf = bytearray(MiB)
    t0 = time.perf_counter()
    conn.request("GET", path)
    res = conn.getresponse()
    n = 0
    while True:
        k = res.readinto(buf)
        if not k:
            break
        n += k
    dt = time.perf_counter() - t0
    conn.close()
    if res.status != 200 or n != expect:
        raise RuntimeError(f"GET {res.status}, {n} bytes of {expect}")
    return dt


def throughput(port, s3, size, count, data, label):
    """(PUT MB/s, GET MB/s) over `count` objects of `size` bytes."""
    put_t = get_t = 0.0
    for i in range(count):
        put_t += put(port, presign(s3, "PUT", f"{label}-{i}"), data)
    for i in range(count):
        get_t += get(port, presign(s3, "GET", f"{label}-{i}"), size)
    return size * count / MiB / put_t, size * count / MiB / get_t


def sample_rss(server, stop, out):
    while not stop.is_set():
        out.append(server.rss_kb())
        time.sleep(0.1)


def bench_server(name, server, args, tmp, files):
    r = {}
    s3 = s3client(server)
    s3.create_bucket(Bucket="bench")
    r["load0"] = common.load()
    # 1 KiB: first the object GET reads.
    put(server.port, presign(s3, "PUT", "small"), files["1k_data"])
    r["put1k"] = wrk(server.port, presign(s3, "PUT", "small"), "PUT", files["1k"], args.duration, tmp)
    r["get1k"] = wrk(server.port, presign(s3, "GET", "small"), "GET", None, args.duration, tmp)
    print(f"{name}: 1 KiB PUT {r['put1k'][0]:.0f}/s GET {r['get1k'][0]:.0f}/s (load {common.load()})", flush=True)
    r["1m"] = throughput(server.port, s3, MiB, args.count_1m, files["1m_data"], "m")
    print(f"{name}: 1 MiB PUT {r['1m'][0]:.0f} MB/s GET {r['1m'][1]:.0f} MB/s (load {common.load()})", flush=True)
    r["256m"] = throughput(server.port, s3, 256 * MiB, 2, files["256m_data"], "big")
    print(f"{name}: 256 MiB PUT {r['256m'][0]:.0f} MB/s GET {r['256m'][1]:.0f} MB/s (load {common.load()})",
          flush=True)
    r["load1"] = common.load()
    return r


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--duration", type=int, default=5)
    ap.add_argument("--count-1m", type=int, default=50)
    ap.add_argument("--skip-2g", action="store_true")
    ap.add_argument("--sync-full", action="store_true",
                    help="run nuage with --sync-full (fsync every commit and blob: power-loss durable)")
    args = ap.parse_args()
    common.header("S3")
    res = {}
    with common.tempdir() as tmp:
        files = {"1k_data": os.urandom(1024), "1m_data": os.urandom(MiB)}
        files["256m_data"] = files["1m_data"] * 256
        www = os.path.join(tmp, "www")
        os.makedirs(www)
        os.chmod(tmp, 0o755)  # nginx's workers run as another user when started by root
        for name, key in (("1k", "1k_data"), ("1m", "1m_data"), ("256m", "256m_data")):
            with open(os.path.join(www, name), "wb") as f:
                f.write(files[key])
        files["1k"] = os.path.join(www, "1k")

        # The disk's durable write rate.
        ddfile = os.path.join(tmp, "dd.out")
        out = subprocess.run(["dd", "if=/dev/zero", f"of={ddfile}", "bs=1M", "count=256", "conv=fsync"],
                             capture_output=True, text=True, timeout=300).stderr
        os.unlink(ddfile)
        m = re.search(r"copied, ([\d.]+) s", out)
        res["dd"] = (256 * MiB / MiB / float(m.group(1)), common.load())
        print(f"dd conv=fsync: {res['dd'][0]:.0f} MB/s (load {res['dd'][1]})", flush=True)

        # nginx serving the same files.
        port = free_port()
        nd = os.path.join(tmp, "nginx")
        os.makedirs(nd)
        with open(os.path.join(nd, "nginx.conf"), "w") as f:
            f.write(NGINX_FILES.format(dir=nd, port=port, root=www))
        ng = Server("nginx", ["nginx", "-c", os.path.join(nd, "nginx.conf"), "-p", nd, "-e",
                              os.path.join(nd, "error.log")], port)
        ng.start()
        try:
            common.wait_http(ng, 10)
            res["nginx"] = {"get1k": wrk(port, "/1k", "GET", None, args.duration, tmp),
                            "1m": sum(get(port, "/1m", MiB) for _ in range(args.count_1m)),
                            "256m": sum(get(port, "/256m", 256 * MiB) for _ in range(2)),
                            "load": common.load()}
            res["nginx"]["1m"] = MiB * args.count_1m / MiB / res["nginx"]["1m"]
            res["nginx"]["256m"] = 512 / res["nginx"]["256m"]
            print(f"nginx: 1 KiB GET {res['nginx']['get1k'][0]:.0f}/s, 1 MiB {res['nginx']['1m']:.0f} MB/s, "
                  f"256 MiB {res['nginx']['256m']:.0f} MB/s (load {res['nginx']['load']})", flush=True)
        finally:
            ng.stop()

        with common.nuage_server(args.nuage, ["--sync-full"] if args.sync_full else []) as s:
            res["nuage"] = bench_server("nuage", s, args, tmp, files)
            if not args.skip_2g:
                s3 = s3client(s)
                size = 2048 * MiB
                chunk = files["1m_data"]
                for phase in ("put", "get"):
                    samples, stop = [], threading.Event()
                    th = threading.Thread(target=sample_rss, args=(s, stop, samples))
                    th.start()
                    try:
                        if phase == "put":
                            dt = put(s.port, presign(s3, "PUT", "two-gib"), (chunk for _ in range(2048)), size)
                        else:
                            dt = get(s.port, presign(s3, "GET", "two-gib"), size)
                    finally:
                        stop.set()
                        th.join()
                    res[f"2g_{phase}"] = (min(samples), max(samples), len(samples), 2048 / dt, common.load())
                    print(f"nuage 2 GiB {phase}: RSS {min(samples) / 1024:.1f}..{max(samples) / 1024:.1f} MB "
                          f"({len(samples)} samples), {2048 / dt:.0f} MB/s", flush=True)
        if not args.skip_moto:
            with common.moto_server() as s:
                res["moto"] = bench_server("moto", s, args, tmp, files)

    print()
    print(f"load average after: {common.load()}")
    n, m, g = res["nuage"], res.get("moto"), res["nginx"]
    rows = [["", "nuage", "moto", "nginx / disk", "nuage / moto", "nuage / nginx or disk"]]
    rows.append(["1 KiB PUT req/s", f"{n['put1k'][0]:.0f}", f"{m['put1k'][0]:.0f}" if m else "-", "-",
                 common.ratio(n["put1k"][0], m["put1k"][0]) if m else "-", "-"])
    rows.append(["1 KiB GET req/s", f"{n['get1k'][0]:.0f}", f"{m['get1k'][0]:.0f}" if m else "-",
                 f"{g['get1k'][0]:.0f}", common.ratio(n["get1k"][0], m["get1k"][0]) if m else "-",
                 f"{n['get1k'][0] / g['get1k'][0]:.2f}"])
    for key, label in (("1m", "1 MiB"), ("256m", "256 MiB")):
        rows.append([f"{label} PUT MB/s", f"{n[key][0]:.0f}", f"{m[key][0]:.0f}" if m else "-",
                     f"{res['dd'][0]:.0f} (dd fsync)" if key == "256m" else "-",
                     common.ratio(n[key][0], m[key][0]) if m else "-",
                     f"{n[key][0] / res['dd'][0]:.2f}" if key == "256m" else "-"])
        rows.append([f"{label} GET MB/s", f"{n[key][1]:.0f}", f"{m[key][1]:.0f}" if m else "-", f"{g[key]:.0f}",
                     common.ratio(n[key][1], m[key][1]) if m else "-", f"{n[key][1] / g[key]:.2f}"])
    if "2g_put" in res:
        for phase in ("put", "get"):
            lo, hi, k, rate, ld = res[f"2g_{phase}"]
            rows.append([f"nuage RSS during 2 GiB {phase.upper()} (min..max)",
                         f"{lo / 1024:.1f}..{hi / 1024:.1f} MB ({k} samples, {rate:.0f} MB/s)", "-", "-", "-", "-"])
    non2xx = [f"{who} {op} {res[who][op][1]}" for who in ("nuage", "moto") if who in res
              for op in ("put1k", "get1k") if res[who][op][1]]
    rows.append(["load average (before .. after)", f"{n['load0']} .. {n['load1']}",
                 f"{m['load0']} .. {m['load1']}" if m else "-", f"{g['load']} / dd {res['dd'][1]}", "", ""])
    common.table(rows)
    if non2xx:
        print("non-2xx wrk responses: " + ", ".join(non2xx))
    print()
    if m:
        r = n["get1k"][0] / m["get1k"][0]
        print(f"1 KiB GET >= 100x moto: {r:.0f}x {'met' if r >= 100 else 'MISSED'}")
    r = n["256m"][1] / g["256m"]
    print(f"large GET >= 70% of nginx: {r * 100:.0f}% {'met' if r >= 0.7 else 'MISSED'}")
    r = n["256m"][0] / res["dd"][0]
    print(f"large durable PUT >= 50% of dd fsync: {r * 100:.0f}% {'met' if r >= 0.5 else 'MISSED'}")
    if "2g_put" in res:
        lo = min(res["2g_put"][0], res["2g_get"][0])
        hi = max(res["2g_put"][1], res["2g_get"][1])
        print(f"RSS flat during 2 GiB transfer: {lo / 1024:.1f}..{hi / 1024:.1f} MB "
              f"{'met' if hi - lo < 64 * 1024 else 'MISSED'} (flat = grows by < 64 MB)")


if __name__ == "__main__":
    main()
