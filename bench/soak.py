#!/usr/bin/env python3
"""Soaks (tests/soak/harness.py): durability under SIGKILL, and memory under
a long mixed load. Binds only to 127.0.0.1; every loop is bounded.

  python3 bench/soak.py crash [--rounds 100] [--workers 4] [--seed N]
      A mixed write load over every service that stores data, SIGKILL at a
      random moment of each round, restart on the same data folder, every
      acknowledged write checked byte for byte (those of the last round and
      a sample of older ones each round; all of them after the last).
  python3 bench/soak.py rss [--minutes 60] [--sample-seconds 10] [--workers 4]
      The same writers, bounded state (each worker rewrites its own
      resources past --max-per-worker), no kill: nuage's RSS is sampled and
      its growth reported; then a clean stop, a restart and a full check.
"""
import argparse
import os
import signal
import shutil
import statistics
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def folder_mb(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total / (1 << 20)


def data_breakdown(path):
    db = sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f.startswith("nuage.db")) / (1 << 20)
    total = folder_mb(path)
    return f"{total:.0f} MB ({db:.0f} MB database, {total - db:.0f} MB blobs and Lambda code)"


def slope_per_hour(samples):
    """Least-squares slope of (seconds, MB) samples, in MB per hour."""
    if len(samples) < 2:
        return 0.0
    xs, ys = [t for t, _ in samples], [m for _, m in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    var = sum((x - mx) ** 2 for x in xs)
    return 3600 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / var if var else 0.0


def crash(args, harness):
    data = tempfile.mkdtemp(prefix="nuage-soak-")
    try:
        soak = harness.Soak(data, plugins=harness.load_plugins(args.services), workers=args.workers, seed=args.seed,
                            kill_after=(args.kill_min, args.kill_max))
        started = time.monotonic()
        stats = soak.run(rounds=args.rounds)
        elapsed = time.monotonic() - started
        restarts = stats["restart_seconds"][1:]
        print(f"\n| crash soak | |\n|---|---|")
        print(f"| rounds (SIGKILL + restart + check) | {stats['rounds']} |")
        print(f"| services | {', '.join(p.name for p in soak.plugins)} |")
        print(f"| writers | {args.workers} concurrent; kill {args.kill_min}-{args.kill_max} s into each round |")
        print(f"| writes acknowledged | {stats['acknowledged']} |")
        print(f"| writes interrupted by the kill (in flight) | {stats['interrupted']} |")
        print(f"| cell checks (a resource's whole state, byte for byte) | {stats['checked']} |")
        print(f"| lost or partial writes found | none (the first would have stopped the soak) |")
        print(f"| restart to ready on the soaked data (median, max) | {statistics.median(restarts) * 1000:.0f} ms, "
              f"{max(restarts) * 1000:.0f} ms |")
        print(f"| final full check | {stats['verify_seconds'][-1]:.1f} s |")
        by_service = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(stats["verify_by_service"].items(), key=lambda kv: -kv[1]))
        print(f"| time spent checking, by service | {by_service} |")
        print(f"| data folder at the end | {data_breakdown(data)} |")
        print(f"| wall time | {elapsed / 60:.1f} min (seed {soak.seed}) |")
    finally:
        shutil.rmtree(data, ignore_errors=True)


def rss(args, harness):
    data = tempfile.mkdtemp(prefix="nuage-rss-soak-")
    try:
        soak = harness.Soak(data, plugins=harness.load_plugins(args.services), workers=args.workers, seed=args.seed,
                            max_per_worker=args.max_per_worker)
        server = soak.start()
        try:
            clients = harness.Clients(server.endpoint)
            for plugin in soak.plugins:
                plugin.setup(clients)
            stop = threading.Event()
            seconds = args.minutes * 60
            started = time.monotonic()
            threads = soak.start_workers(clients, stop, seconds)
            samples = [(0.0, rss_mb(server.proc.pid))]
            while time.monotonic() - started < seconds and any(t.is_alive() for t in threads):
                time.sleep(min(args.sample_seconds, max(0.0, seconds - (time.monotonic() - started))))
                samples.append((time.monotonic() - started, rss_mb(server.proc.pid)))
            stop.set()
            for t in threads:
                t.join(timeout=120)
            if soak.errors:
                raise harness.SoakFailure("writes failed: " + "; ".join(soak.errors[:5]))
            warm = [s for s in samples if s[0] >= min(args.warmup_minutes * 60, seconds / 4)]
            acked = soak.stats["acknowledged"]
            server.stop()
            server = soak.start()
            soak.round = 1
            check_started = time.monotonic()
            soak.verify(harness.Clients(server.endpoint), full=True)
            check = time.monotonic() - check_started
        finally:
            if server.proc.poll() is None:
                server.stop()
        first, last = warm[0][1], warm[-1][1]
        print(f"\n| RSS soak | |\n|---|---|")
        print(f"| mixed write load | {args.minutes} min, {args.workers} writers, {len(soak.plugins)} services, "
              f"at most {args.max_per_worker} resources of each kind per writer |")
        print(f"| writes acknowledged | {acked} ({acked / seconds:.0f}/s) |")
        print(f"| RSS at start, after {warm[0][0] / 60:.0f} min warm-up, at the end, peak | {samples[0][1]:.1f} MB, "
              f"{first:.1f} MB, {last:.1f} MB, {max(m for _, m in samples):.1f} MB |")
        print(f"| growth after warm-up | {last - first:+.1f} MB ({slope_per_hour(warm):+.1f} MB/hour, least squares over "
              f"{len(warm)} samples every {args.sample_seconds} s) |")
        print(f"| data folder at the end | {data_breakdown(data)} |")
        print(f"| clean restart + full check of every acknowledged write | passed ({check:.1f} s) |")
        if args.samples_csv:
            with open(args.samples_csv, "w") as f:
                f.write("seconds,rss_mb\n" + "".join(f"{t:.1f},{m:.2f}\n" for t, m in samples))
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main():
    # A SIGTERM (e.g. from `timeout`) must still run the `finally` blocks that stop nuage.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["crash", "rss"])
    ap.add_argument("--nuage", default=os.environ.get("NUAGE_BIN", os.path.join(ROOT, "build", "nuage")))
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--kill-min", type=float, default=0.5)
    ap.add_argument("--kill-max", type=float, default=3.0)
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--warmup-minutes", type=float, default=5)
    ap.add_argument("--sample-seconds", type=float, default=10)
    ap.add_argument("--max-per-worker", type=int, default=25)
    ap.add_argument("--samples-csv")
    ap.add_argument("--services", nargs="*", help="only these plug-ins of tests/soak/services/")
    args = ap.parse_args()
    os.environ["NUAGE_BIN"] = os.path.abspath(args.nuage)
    sys.path.append("/usr/lib/python3/dist-packages")  # pytest, which tests/conftest.py imports
    sys.path.insert(0, os.path.join(ROOT, "tests", "soak"))
    import harness
    (crash if args.mode == "crash" else rss)(args, harness)


if __name__ == "__main__":
    main()
