"""Samples the resident memory of a process and all its descendants
(/proc/<pid>/status VmRSS), and counts Lambda runtime processes among them,
in a background thread: what the execution-capacity tests bound."""
import os
import threading


def _children(pid):
    """Children of every thread of `pid` (a child belongs to the thread that forked it)."""
    out = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in _children(p):
            out.append(c)
            todo.append(c)
    return out


def runtimes(pid):
    """Lambda runtime processes below `pid` (the runtime clients, not bubblewrap)."""
    return [p for p in descendants(pid) if "bootstrap." in _cmdline(p) and "bwrap" not in _cmdline(p)]


class MemorySampler:
    """with MemorySampler(pid) as s: ...; then s.peak_self_mb, s.peak_children_mb,
    s.peak_total_mb, s.peak_runtimes."""

    def __init__(self, pid, interval=0.05):
        self.pid, self.interval = pid, interval
        self.peak_self_mb = self.peak_children_mb = self.peak_total_mb = 0.0
        self.peak_runtimes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self):
        own = _rss_kb(self.pid) / 1024
        kids = descendants(self.pid)
        children = sum(_rss_kb(p) for p in kids) / 1024
        self.peak_self_mb = max(self.peak_self_mb, own)
        self.peak_children_mb = max(self.peak_children_mb, children)
        self.peak_total_mb = max(self.peak_total_mb, own + children)
        self.peak_runtimes = max(self.peak_runtimes, len(runtimes(self.pid)))
        self.samples += 1

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sample()
