#!/usr/bin/env python3
"""RDS benchmarks of issue 16: nuage beside moto's server.

  1. DescribeDBInstances with 1,000 metadata-only DB instances (engine mysql,
     left out with `nuage serve --rds-engines none`; moto never runs a
     server): p50 / p95 of one
     page of 100 (MaxRecords=100) and of one instance by identifier, as raw
     signed requests read in full; the server's VmRSS growth for the 1,000.
  2. CreateDBInstance of a real PostgreSQL instance to `available` (nuage
     only: moto answers `available` at once with no server), median of
     --creates runs, beside initdb alone on the same machine (run as the
     postgres user when root, as nuage does).
  3. The same for a real MariaDB instance (engine mariadb): mariadb-install-db,
     the master user made in bootstrap mode, the server's start.

    python3 bench/rds.py [--queries 200] [--creates 5] [--skip-moto]
"""

import os
import shutil
import subprocess
import tempfile
import time
import http.client
import urllib.parse

import common

COUNT = 1000


def populate(rds):
    for i in range(COUNT):
        rds.create_db_instance(DBInstanceIdentifier=f"meta-{i:04d}", DBInstanceClass="db.t3.micro", Engine="mysql",
                               MasterUsername="admin", MasterUserPassword="Sup3r-secret", AllocatedStorage=20)


def latencies(server, queries, params):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    body = urllib.parse.urlencode({"Action": "DescribeDBInstances", "Version": "2014-10-31", **params})
    times = []
    for _ in range(queries):
        h = common.signed_headers(server.port, "rds", body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        status, dt, data = common.timed_request(conn, "POST", "/", body, h)
        assert status == 200, (status, data[:300])
        times.append(dt)
    conn.close()
    return times


def describe_bench(server, queries):
    rds = common.client(server, "rds")
    before = server.rss_kb() if hasattr(server, "rss_kb") else 0
    t0 = time.perf_counter()
    populate(rds)
    populate_s = time.perf_counter() - t0
    page = rds.describe_db_instances(MaxRecords=100)
    assert len(page["DBInstances"]) == 100 and "Marker" in page
    grown = server.rss_kb() - before
    one_page = latencies(server, queries, {"MaxRecords": "100"})
    by_id = latencies(server, queries, {"DBInstanceIdentifier": "meta-0500"})
    return {"populate_s": populate_s, "page": one_page, "by_id": by_id, "rss_kb": grown}


def create_to_available(server, runs, engine="postgres"):
    rds = common.client(server, "rds")
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        rds.create_db_instance(DBInstanceIdentifier=f"db-{i}", DBInstanceClass="db.t3.micro", Engine=engine,
                               MasterUsername="master", MasterUserPassword="Sup3r-secret", DBName="appdb")
        while True:
            d = rds.describe_db_instances(DBInstanceIdentifier=f"db-{i}")["DBInstances"][0]
            if d["DBInstanceStatus"] == "available":
                break
            assert d["DBInstanceStatus"] != "failed", d
            time.sleep(0.01)
        times.append(time.perf_counter() - t0)
    return times


def initdb_alone(runs):
    bins = sorted(d for d in os.listdir("/usr/lib/postgresql") if os.path.exists(
        f"/usr/lib/postgresql/{d}/bin/initdb"))
    initdb = f"/usr/lib/postgresql/{bins[-1]}/bin/initdb"
    times = []
    for _ in range(runs):
        d = tempfile.mkdtemp(prefix="nuage-bench-initdb-")
        os.chmod(d, 0o755)
        data = os.path.join(d, "data")
        pw = os.path.join(d, "pw")
        with open(pw, "w") as f:
            f.write("Sup3r-secret\n")
        argv = [initdb, "-D", data, "-U", "master", f"--pwfile={pw}", "-A", "scram-sha-256", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync"]
        if os.geteuid() == 0:
            shutil.chown(d, "postgres", "postgres")
            shutil.chown(pw, "postgres", "postgres")
            argv = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] + argv
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
        shutil.rmtree(d, ignore_errors=True)
    return times


def ms(t):
    return f"{t * 1000:.2f} ms"


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--creates", type=int, default=5)
    args = ap.parse_args()
    results = {}
    with common.nuage_server(args.nuage, extra=("--rds-engines", "none")) as s:
        results["nuage"] = describe_bench(s, args.queries)
    if not args.skip_moto:
        with common.moto_server() as s:
            results["moto"] = describe_bench(s, args.queries)
    print(f"DescribeDBInstances, {COUNT} metadata-only instances (load {common.load()})")
    print("| server | populate | page of 100 p50 | p95 | by id p50 | p95 | RSS growth |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['populate_s']:.1f} s | {ms(common.pct(r['page'], 50))} | {ms(common.pct(r['page'], 95))} "
              f"| {ms(common.pct(r['by_id'], 50))} | {ms(common.pct(r['by_id'], 95))} | {r['rss_kb'] / 1024:.1f} MB |")
    with common.nuage_server(args.nuage) as s:
        creates = create_to_available(s, args.creates)
    alone = initdb_alone(args.creates)
    print(f"\nCreateDBInstance (postgres) to available, {args.creates} runs (load {common.load()})")
    print(f"| median | min | max | initdb alone, median |\n|---|---|---|---|")
    print(f"| {common.median(creates):.2f} s | {min(creates):.2f} s | {max(creates):.2f} s "
          f"| {common.median(alone):.2f} s |")
    if os.path.exists("/usr/sbin/mariadbd"):
        with common.nuage_server(args.nuage) as s:
            creates = create_to_available(s, args.creates, engine="mariadb")
        print(f"\nCreateDBInstance (mariadb) to available, {args.creates} runs (load {common.load()})")
        print(f"| median | min | max |\n|---|---|---|")
        print(f"| {common.median(creates):.2f} s | {min(creates):.2f} s | {max(creates):.2f} s |")


if __name__ == "__main__":
    main()
