"""The crash soak: a mixed write load over every service that stores data,
SIGKILL at a random moment, restart on the same data folder, and a check that
every acknowledged write is there byte for byte and that nothing partial is
visible.

Each service is a plug-in: a module in tests/soak/services/ whose `Plugin`
class has a `name`, optionally a `weight` (how often workers pick it, 1 by
default), `setup(clients)` (once, before the first round), `write(clients,
worker, rng)` (one write; called concurrently by the workers) and
`verify(clients, check)` (after each restart). A service added to nuage joins
the soak with one file there.

Plug-ins record what they write in cells:
- `Cell`: one value that one worker writes at a time (a parameter, a
  function's configuration): `acked` is the last acknowledged value;
  `pending` the write in flight when the server died, which may or may not
  have landed — the restarted server must show one of the two, whole.
- `Sequence`: an append-only history (object versions, log batches,
  datapoints): the server must show the acknowledged items, in order, plus
  at most the one in flight — whole or not at all.
`Soak.writing(cell, value)` wraps one request: begin, then ack on success;
a connection error after the kill leaves the write pending.

Thread-safety: each cell is written by one worker (plug-ins key their cells
by worker); plug-in registries of cells are guarded by their own locks.
"""
import contextlib
import importlib
import os
import random
import signal
import sys
import threading
import time

import urllib.request

import boto3
import botocore.exceptions
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/: conftest.Nuage
from conftest import Nuage  # noqa: E402

REGION = "us-east-1"


class _Nothing:
    def __repr__(self):
        return "<nothing>"


NOTHING = _Nothing()  # no value: absent resource, or no write in flight


class SoakFailure(AssertionError):
    pass


class Interrupted(Exception):
    """The server went away under a worker (it was killed)."""


def _short(value, limit=300):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


class Cell:
    def __init__(self, name):
        self.name = name
        self.acked = NOTHING
        self.pending = NOTHING
        self.written_round = -1

    def settle(self, observed):
        """`observed`: what the restarted server shows (NOTHING if absent)."""
        if observed == self.acked or (self.pending is not NOTHING and observed == self.pending):
            self.acked, self.pending = observed, NOTHING
            return
        raise SoakFailure(f"{self.name}: server shows {_short(observed)}, expected the acknowledged {_short(self.acked)}"
                          + (f" or the interrupted {_short(self.pending)}" if self.pending is not NOTHING else ""))

    def _begin(self, value):
        self.pending = value

    def _ack(self):
        self.acked, self.pending = self.pending, NOTHING

    def _refused(self):
        self.pending = NOTHING


class DropFirst:
    """A Sequence write that removes the oldest item (deleting an old version)."""

    def __repr__(self):
        return "<drop the first item>"


class Sequence(Cell):
    def __init__(self, name):
        super().__init__(name)
        self.acked = []

    def _landed(self):
        """The history if the write in flight lands."""
        return self.acked[1:] if isinstance(self.pending, DropFirst) else self.acked + [self.pending]

    def settle(self, observed):
        observed = list(observed)
        if observed == self.acked or (self.pending is not NOTHING and observed == self._landed()):
            self.acked, self.pending = observed, NOTHING
            return
        first_difference = next((i for i, (a, b) in enumerate(zip(observed, self.acked)) if a != b),
                                min(len(observed), len(self.acked)))
        raise SoakFailure(f"{self.name}: server shows {len(observed)} items, expected the {len(self.acked)} "
                          f"acknowledged" + (" plus perhaps one interrupted" if self.pending is not NOTHING else "")
                          + f"; first difference at item {first_difference}: server "
                          f"{_short(observed[first_difference:first_difference + 1])}, expected "
                          f"{_short(self.acked[first_difference:first_difference + 1])}")

    def _ack(self):
        self.acked, self.pending = self._landed(), NOTHING


class Clients:
    """boto3 clients for one running server (one set per round: the port
    changes). Clients are thread-safe once made, but making them is not (and
    is slow): they are made up front, in one thread."""

    SERVICES = ("s3", "iam", "sts", "ssm", "logs", "lambda", "events", "scheduler", "cloudwatch", "efs", "rds",
                "dynamodb")

    def __init__(self, endpoint, services=SERVICES):
        self.endpoint = endpoint
        self._lock = threading.Lock()
        self._clients = {name: self._make(name) for name in services}

    def _make(self, service):
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}, connect_timeout=5, read_timeout=60,
                          max_pool_connections=32))

    def __getattr__(self, attribute):
        """c.s3, c.lambda_ (a trailing _ for Python keywords)."""
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        service = attribute.rstrip("_").replace("_", "-")
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make(service)
            return self._clients[service]

    def caller_arn(self, key, secret):
        """The ARN STS GetCallerIdentity answers for a key pair: one request
        signed with botocore's SigV4, without making a client per key."""
        request = AWSRequest(method="POST", url=self.endpoint + "/",
                             data="Action=GetCallerIdentity&Version=2011-06-15",
                             headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        SigV4Auth(Credentials(key, secret), "sts", REGION).add_auth(request)
        prepared = request.prepare()
        http_request = urllib.request.Request(prepared.url, data=prepared.body.encode(), method="POST",
                                              headers=dict(prepared.headers))
        with urllib.request.urlopen(http_request, timeout=30) as res:
            body = res.read().decode()
        return body.split("<Arn>", 1)[1].split("</Arn>", 1)[0]


def load_plugins(names=None):
    folder = os.path.join(HERE, "services")
    modules = sorted(f[:-3] for f in os.listdir(folder) if f.endswith(".py") and not f.startswith("_"))
    if names:
        modules = [m for m in modules if m in names]
    sys.path.insert(0, HERE)
    return [importlib.import_module(f"services.{m}").Plugin() for m in modules]


class Soak:
    """Runs rounds of load + SIGKILL + restart + verification on one data folder."""

    def __init__(self, data_dir, plugins=None, workers=4, seed=None, kill_after=(0.5, 2.0), sample=40,
                 server_args=(), max_per_worker=None, after_kill=None, log=print):
        self.data_dir = data_dir
        self.plugins = plugins if plugins is not None else load_plugins()
        self.workers = workers
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.rng = random.Random(self.seed)
        self.kill_after = kill_after
        self.sample = sample  # cells re-checked per plug-in each round, besides those written in the last one
        # RDS instances as metadata: the soak measures nuage's durability, not the engines'.
        self.server_args = ["--rds-engines", "none", *server_args]
        self.max_per_worker = max_per_worker  # bounded state (the RSS soak): reuse resources past it
        self.after_kill = after_kill  # called with the data folder between a kill and the restart
        self.log = log
        self.round = 0
        self.killed = threading.Event()
        self.errors = []
        self.stats = {"acknowledged": 0, "interrupted": 0, "rounds": 0, "checked": 0,
                      "restart_seconds": [], "verify_seconds": [], "verify_by_service": {}}
        self._stats_lock = threading.Lock()
        for plugin in self.plugins:
            plugin.soak = self

    # --- what plug-ins call ---------------------------------------------

    @contextlib.contextmanager
    def writing(self, cell, value):
        cell._begin(value)
        cell.written_round = self.round
        try:
            yield
        except botocore.exceptions.ClientError as e:
            cell._refused()
            if self.killed.is_set():
                raise Interrupted() from e
            self.errors.append(f"{cell.name}: {e}")
            raise Interrupted() from e
        except (botocore.exceptions.BotoCoreError, ConnectionError, OSError) as e:
            if not self.killed.is_set():
                cell._refused()
                self.errors.append(f"{cell.name}: {type(e).__name__}: {e}")
            else:
                with self._stats_lock:
                    self.stats["interrupted"] += 1
            raise Interrupted() from e
        cell._ack()
        with self._stats_lock:
            self.stats["acknowledged"] += 1

    def reuse(self, own, rng, probability):
        """One of the worker's resources to write again (with `probability`,
        or always once it has max_per_worker of them), else None: make a new one."""
        if own and (rng.random() < probability or (self.max_per_worker and len(own) >= self.max_per_worker)):
            return rng.choice(sorted(own))
        return None

    def to_check(self, cells, full, sample=None):
        """The cells to verify this round: all (full), else those written in the
        round just ended plus a random sample of the others (`sample`, or the
        soak's)."""
        cells = list(cells)
        if full:
            chosen = cells
        else:
            recent = [c for c in cells if c.written_round >= self.round]
            older = [c for c in cells if c.written_round < self.round]
            chosen = recent + self.rng.sample(older, min(self.sample if sample is None else sample, len(older)))
        with self._stats_lock:
            self.stats["checked"] += len(chosen)
        return chosen

    # --- the rounds -----------------------------------------------------

    def start(self):
        started = time.monotonic()
        server = Nuage(args=self.server_args, data_dir=self.data_dir)
        self.stats["restart_seconds"].append(time.monotonic() - started)
        return server

    def verify(self, clients, full):
        started = time.monotonic()
        for plugin in self.plugins:
            plugin_started = time.monotonic()
            try:
                plugin.verify(clients, full)
                spent = self.stats["verify_by_service"]
                spent[plugin.name] = spent.get(plugin.name, 0.0) + time.monotonic() - plugin_started
            except SoakFailure:
                raise
            except (AssertionError, OSError, botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                raise SoakFailure(f"round {self.round + 1}, {plugin.name}: {type(e).__name__}: {e}") from e
        self.stats["verify_seconds"].append(time.monotonic() - started)

    def start_workers(self, clients, stop, seconds):
        """Starts the writers; each stops at `stop`, after `seconds`, or when the server goes away."""

        def work(worker):
            rng = random.Random(f"{self.seed}/{self.round}/{worker}")
            deadline = time.monotonic() + seconds
            while not stop.is_set() and time.monotonic() < deadline:
                plugin = rng.choices(self.plugins, weights=[getattr(p, "weight", 1.0) for p in self.plugins])[0]
                try:
                    plugin.write(clients, worker, rng)
                except Interrupted:
                    return

        threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in range(self.workers)]
        for t in threads:
            t.start()
        return threads

    def load_until_killed(self, server, clients):
        self.killed.clear()
        threads = self.start_workers(clients, self.killed, seconds=120)  # bounded even if the kill never came
        time.sleep(self.rng.uniform(*self.kill_after))
        self.killed.set()
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait()
        for t in threads:
            t.join(timeout=120)
        if any(t.is_alive() for t in threads):
            raise SoakFailure("a worker did not stop after the kill")

    def run(self, rounds, full_every_round=False):
        """`rounds` kills; each restart verifies (fully on the last, or every
        round when asked); raises SoakFailure on the first discrepancy."""
        self.log(f"crash soak: {rounds} rounds, {len(self.plugins)} services "
                 f"({', '.join(p.name for p in self.plugins)}), {self.workers} workers, seed {self.seed}")
        server = self.start()
        try:
            clients = Clients(server.endpoint)
            for plugin in self.plugins:
                plugin.setup(clients)
            for self.round in range(rounds):
                self.load_until_killed(server, clients)
                if self.after_kill:
                    self.after_kill(self.data_dir)
                if self.errors:
                    raise SoakFailure("writes failed while the server was up: " + "; ".join(self.errors[:5]))
                server = self.start()
                clients = Clients(server.endpoint)
                last = self.round == rounds - 1
                self.verify(clients, full=full_every_round or last)
                self.stats["rounds"] += 1
                self.log(f"round {self.round + 1}/{rounds}: {self.stats['acknowledged']} writes acknowledged, "
                         f"{self.stats['interrupted']} interrupted, verified in {self.stats['verify_seconds'][-1]:.1f}s")
        finally:
            if server.proc.poll() is None:
                server.stop()
        return self.stats


def payload(seed, size):
    """Deterministic bytes, so that a ledger keeps only (seed, size)."""
    return random.Random(seed).randbytes(size)
