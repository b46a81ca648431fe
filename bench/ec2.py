#!/usr/bin/env python3
"""EC2 benchmarks of issue 3: nuage beside moto's server.

  1. RunInstances of 1,000 instances in one call (fresh server, wall time);
  2. DescribeInstances filtered by one tag value, with the instances spread
     over 100 tag values (tag:grp = g0..g99), at 1k and 10k instances (and
     100k for nuage when populating fits in --budget-100k seconds): p50 / p95
     latency of the raw signed request (response read in full, no boto3
     parsing). Two queries at each size:
       - tag:grp=probe matches the same 10 instances at every size: its
         latency must not grow with the number of instances;
       - tag:grp=gN matches size/100 instances: its latency may grow with
         the matches (10, 100, 1,000), no faster;
  3. server VmRSS growth per 10,000 instances (after populating minus idle).

Each size gets a fresh server, populated by one RunInstances of the 10 probe
instances, then 100 RunInstances calls of size/100 instances each (one tag
value per call).

    python3 bench/ec2.py [--queries 200] [--budget-100k 150] [--moto-budget 300] [--skip-moto]
"""

import random
import time
import http.client
import urllib.parse

import common

NUAGE_AMI = "ami-0123456789abcdef0"


def pick_ami(ec2, preferred):
    try:
        ec2.describe_images(ImageIds=[preferred])
        return preferred
    except Exception:
        return ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]


def run(ec2, ami, count, tag=None):
    kw = {}
    if tag:
        kw["TagSpecifications"] = [{"ResourceType": "instance", "Tags": [{"Key": "grp", "Value": tag}]}]
    t0 = time.perf_counter()
    r = ec2.run_instances(ImageId=ami, InstanceType="t3.micro", MinCount=count, MaxCount=count, **kw)
    dt = time.perf_counter() - t0
    assert len(r["Instances"]) == count, len(r["Instances"])
    return dt


PROBE = 10


def populate(server, ec2, ami, size, budget):
    """The probe instances, then 100 RunInstances calls of size/100; returns
    seconds, or None past the budget."""
    t0 = time.perf_counter()
    run(ec2, ami, PROBE, "probe")
    for g in range(100):
        run(ec2, ami, size // 100, f"g{g}")
        if time.perf_counter() - t0 > budget and g < 99:
            return None, g + 1
    return time.perf_counter() - t0, 100


def describe_latency(server, queries, probe):
    """Latencies of `queries` DescribeInstances on tag:grp=probe, or on a
    random gN; and the number of instances one answer lists."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=300)
    rnd = random.Random(1)
    times, matches = [], None
    for _ in range(queries):
        value = "probe" if probe else f"g{rnd.randrange(100)}"
        body = urllib.parse.urlencode({"Action": "DescribeInstances", "Version": "2016-11-15",
                                       "Filter.1.Name": "tag:grp", "Filter.1.Value.1": value,
                                       "MaxResults": "1000"})
        h = common.signed_headers(server.port, "ec2", body,
                                  headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        status, dt, data = common.timed_request(conn, "POST", "/", body, h)
        if status != 200:
            raise RuntimeError(f"{server.name}: DescribeInstances {status}: {data[:300]!r}")
        times.append(dt)
        if matches is None:
            matches = data.count(b"<instanceId>")
    conn.close()
    return times, matches


def bench(name, make_server, binary, sizes, queries, budget_big, budget_small=1e9):
    out = {}
    # 1. RunInstances of 1,000 in one call, fresh server.
    with make_server() as s:
        ec2 = common.client(s, "ec2")
        ami = pick_ami(ec2, NUAGE_AMI)
        out["run1000"] = (run(ec2, ami, 1000), common.load())
        print(f"{name}: RunInstances 1000 = {out['run1000'][0]:.2f}s (load {out['run1000'][1]})", flush=True)
    for size in sizes:
        with make_server() as s:
            ec2 = common.client(s, "ec2")
            ami = pick_ami(ec2, NUAGE_AMI)
            # Settle, then the idle reading (the AMI look-up loaded the service).
            time.sleep(0.5)
            idle = s.rss_kb()
            budget = budget_big if size >= 100000 else budget_small
            secs, calls = populate(s, ec2, ami, size, budget)
            if secs is None:
                out[size] = {"skipped": f"populating stopped after {calls}/100 calls "
                                        f"({calls * size // 100} instances) past the {budget:.0f}s budget"}
                print(f"{name} {size}: {out[size]['skipped']}", flush=True)
                continue
            time.sleep(0.5)
            rss = s.rss_kb()
            q = queries if size < 100000 else max(20, queries // 4)
            if name == "moto":
                q = max(10, q // 10)
            times, matches = describe_latency(s, q, probe=False)
            ptimes, pmatches = describe_latency(s, q, probe=True)
            p50, p95 = common.pct(times, 50), common.pct(times, 95)
            out[size] = {"populate": secs, "p50": p50, "p95": p95, "matches": matches, "queries": q,
                         "probe_p50": common.pct(ptimes, 50), "probe_p95": common.pct(ptimes, 95),
                         "probe_matches": pmatches, "rss_idle": idle, "rss": rss, "load": common.load()}
            print(f"{name} {size}: populate {secs:.1f}s, describe p50 {p50 * 1e3:.2f} ms p95 {p95 * 1e3:.2f} ms "
                  f"({matches} matches, {q} queries), probe p50 {out[size]['probe_p50'] * 1e3:.2f} ms "
                  f"({pmatches} matches), RSS {idle / 1024:.1f} -> {rss / 1024:.1f} MB "
                  f"(load {out[size]['load']})", flush=True)
    return out


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--budget-100k", type=float, default=150, help="seconds allowed to populate 100k (nuage)")
    ap.add_argument("--skip-100k", action="store_true")
    ap.add_argument("--moto-budget", type=float, default=300,
                    help="seconds allowed to populate each size on moto (its 10k takes over 10 minutes)")
    args = ap.parse_args()
    common.header("EC2")
    results = {}
    nsizes = [1000, 10000] + ([] if args.skip_100k else [100000])
    results["nuage"] = bench("nuage", lambda: common.nuage_server(args.nuage), args.nuage, nsizes, args.queries,
                             args.budget_100k)
    if not args.skip_moto:
        results["moto"] = bench("moto", common.moto_server, None, [1000, 10000], args.queries, 0,
                                args.moto_budget)

    print()
    print(f"load average after: {common.load()}")
    n, m = results["nuage"], results.get("moto", {})

    def ms(x):
        return f"{x * 1e3:.2f} ms"

    rows = [["", "nuage", "moto", "moto / nuage"]]
    rows.append(["RunInstances 1,000 in one call", f"{n['run1000'][0]:.2f} s (load {n['run1000'][1].split()[0]})",
                 f"{m['run1000'][0]:.2f} s (load {m['run1000'][1].split()[0]})" if m else "-",
                 common.ratio(m["run1000"][0], n["run1000"][0]) if m else "-"])
    for size in (1000, 10000, 100000):
        if size not in n:
            continue
        ns, ms_ = n[size], m.get(size)
        if "skipped" in ns:
            rows.append([f"{size:,} instances", ns["skipped"], "-", "-"])
            continue
        if ms_ and "skipped" in ms_:
            rows.append([f"{size:,} instances (moto)", "", ms_["skipped"], "-"])
            ms_ = None
        rows.append([f"{size:,} instances: populate (101 calls)", f"{ns['populate']:.1f} s",
                     f"{ms_['populate']:.1f} s" if ms_ else "-",
                     common.ratio(ms_["populate"], ns["populate"]) if ms_ else "-"])
        rows.append([f"  DescribeInstances tag:grp=probe p50 / p95 ({ns['probe_matches']} matches)",
                     f"{ms(ns['probe_p50'])} / {ms(ns['probe_p95'])}",
                     f"{ms(ms_['probe_p50'])} / {ms(ms_['probe_p95'])}" if ms_ else "-",
                     common.ratio(ms_["probe_p50"], ns["probe_p50"]) if ms_ else "-"])
        rows.append([f"  DescribeInstances tag:grp p50 / p95 ({ns['matches']} matches)",
                     f"{ms(ns['p50'])} / {ms(ns['p95'])}",
                     f"{ms(ms_['p50'])} / {ms(ms_['p95'])}" if ms_ else "-",
                     common.ratio(ms_["p50"], ns["p50"]) if ms_ else "-"])
        rows.append(["  p50 per matching instance", f"{ns['p50'] / ns['matches'] * 1e6:.0f} us",
                     f"{ms_['p50'] / ms_['matches'] * 1e6:.0f} us" if ms_ else "-", ""])
        per10k = lambda r: (r["rss"] - r["rss_idle"]) / 1024 * 10000 / size  # noqa: E731
        rows.append(["  server RSS idle -> populated (per 10k instances)",
                     f"{ns['rss_idle'] / 1024:.1f} -> {ns['rss'] / 1024:.1f} MB ({per10k(ns):.1f} MB)",
                     f"{ms_['rss_idle'] / 1024:.1f} -> {ms_['rss'] / 1024:.1f} MB ({per10k(ms_):.1f} MB)"
                     if ms_ else "-", ""])
        rows.append(["  load average (1/5/15 min) after", ns["load"], ms_["load"] if ms_ else "-", ""])
    common.table(rows)
    print()
    if 10000 in n and "p50" in n[10000]:
        p = n[10000]["p50"] * 1e3
        print(f"DescribeInstances p50 at 10k (100 matches): {p:.2f} ms, goal <= 5 ms: {'met' if p <= 5 else 'MISSED'}")
    sizes = [s for s in (1000, 10000, 100000) if s in n and "p50" in n[s]]
    if len(sizes) >= 2:
        # Growth in the number of instances: the probe matches 10 at every size.
        probe = [n[s]["probe_p50"] for s in sizes]
        flat = probe[-1] / probe[0]
        print(f"same 10 matches at {', '.join(f'{s:,}' for s in sizes)} instances: "
              f"{', '.join(ms(x) for x in probe)} ({flat:.2f}x from the smallest to the largest; "
              f"instances x{sizes[-1] // sizes[0]}): {'flat' if flat <= 2 else 'GROWS with the instances'}")
        # Growth in the matches: gN matches 1% of the instances.
        first, last = n[sizes[0]], n[sizes[-1]]
        growth = last["p50"] / first["p50"]
        more = last["matches"] / first["matches"]
        print(f"matches x{more:.0f} ({first['matches']} -> {last['matches']}): p50 x{growth:.1f}; "
              f"goal no worse than linear in the matches: {'met' if growth <= more else 'MISSED'}")


if __name__ == "__main__":
    main()
