"""Shared pytest fixtures: start the real `nuage` binary on a free loopback
port and hand out boto3 clients and AWS CLI runners pointed at it."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
import pytest
from botocore.config import Config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUAGE_BIN = os.environ.get("NUAGE_BIN", os.path.join(ROOT, "build", "nuage"))
REGION = "us-east-1"

# The AWS CLI v1 comes with the machine's python (boto3's botocore); v2 is
# Debian's `awscli` package at /usr/bin/aws with its own botocore.
CLI_V1 = shutil.which("aws", path=os.pathsep.join(
    p for p in os.environ.get("PATH", "").split(os.pathsep) if p != "/usr/bin")) or None
CLI_V2 = "/usr/bin/aws" if os.path.exists("/usr/bin/aws") else None


def client_env(extra=None):
    env = dict(os.environ)
    env.update({
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    })
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    if extra:
        env.update(extra)
    return env


def wait_for(predicate, timeout=30, interval=0.1):
    """predicate()'s first truthy value, polling; AssertionError after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


class Nuage:
    """One running nuage process."""

    def __init__(self, args=(), data_dir=None):
        cmd = [NUAGE_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--log-level", "warn"]
        cmd += ["--data", data_dir] if data_dir else ["--ephemeral"]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if "ready on" not in line:
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.proc.kill()
            raise RuntimeError(f"nuage did not start: {line!r} {err}")
        self.endpoint = line.split("ready on ")[1].split()[0]
        self.port = int(self.endpoint.rsplit(":", 1)[1])

    def client(self, service, region=REGION, **kwargs):
        config = kwargs.pop("config", Config(retries={"max_attempts": 1}))
        return boto3.client(service, endpoint_url=self.endpoint, region_name=region,
                            aws_access_key_id=kwargs.pop("key", "test"),
                            aws_secret_access_key=kwargs.pop("secret", "test"),
                            config=config, **kwargs)

    def resource(self, service, region=REGION):
        return boto3.resource(service, endpoint_url=self.endpoint, region_name=region,
                              aws_access_key_id="test", aws_secret_access_key="test")

    def cli(self, *args, version=1, env=None, check=True):
        """Runs the AWS CLI; returns parsed JSON output (or text when not JSON)."""
        exe = CLI_V1 if version == 1 else CLI_V2
        if exe is None:
            pytest.skip(f"AWS CLI v{version} is not installed")
        cmd = [exe, "--endpoint-url", self.endpoint, "--output", "json", *args]
        res = subprocess.run(cmd, capture_output=True, text=True, env=client_env(env), timeout=120)
        if check and res.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({res.returncode}): {res.stderr}")
        if not check:
            return res
        try:
            return json.loads(res.stdout) if res.stdout.strip() else None
        except json.JSONDecodeError:
            return res.stdout

    def admin(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.endpoint + path, data=data, method=method)
        with urllib.request.urlopen(req, timeout=30) as res:
            return json.loads(res.read())

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


@pytest.fixture(scope="session")
def nuage():
    """One ephemeral server for the whole session (tests isolate by names)."""
    server = Nuage()
    yield server
    server.stop()


@pytest.fixture
def fresh_nuage():
    """A server of the test's own."""
    server = Nuage()
    yield server
    server.stop()


@pytest.fixture
def start_nuage():
    """Factory: start_nuage(data_dir=..., args=[...]) -> Nuage; all stopped at teardown."""
    started = []

    def start(**kwargs):
        server = Nuage(**kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop(signal.SIGKILL)


@pytest.fixture
def data_dir():
    path = tempfile.mkdtemp(prefix="nuage-test-")
    yield path
    shutil.rmtree(path, ignore_errors=True)
