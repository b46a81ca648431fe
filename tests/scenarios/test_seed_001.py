"""Seed 001's capacity lesson end to end (examples/dynamodb-capacity): the
script's ConsumedCapacity of each operation and its throttling point on the
clock, checked line by line against DynamoDB's rules."""
import os
import subprocess
import sys

from conftest import client_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "examples", "dynamodb-capacity", "capacity_lesson.py")


def test_seed_001_capacity_lesson(start_nuage):
    server = start_nuage()
    res = subprocess.run([sys.executable, SCRIPT, "--endpoint", server.endpoint], env=client_env(),
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    lines = [line.rstrip() for line in res.stdout.splitlines()]
    rows = {int(cells[0]): [float(c) for c in cells[1:]]
            for cells in ([c.strip() for c in line.split("|")] for line in lines if "|" in line)
            if cells[0].isdigit()}
    # size: PutItem WCU (1 KB units), strong RCU (4 KB units), eventual (half).
    assert rows == {1024: [1, 1, 0.5], 1025: [2, 1, 0.5], 4096: [4, 1, 0.5], 4097: [5, 2, 1], 8193: [9, 3, 1.5]}
    assert "a missing item still costs 0.5 RCU (eventual)" in lines
    assert "Query of one 4097-byte item, strong: 2 RCU" in lines
    assert any(line.startswith("put, not in the index") and line.endswith("table 1 WCU + index 0 WCU") for line in lines)
    assert any(line.startswith("put, into the index") and line.endswith("table 1 WCU + index 1 WCU") for line in lines)
    assert any(line.startswith("overwrite, index key changed") and line.endswith("table 1 WCU + index 2 WCU")
               for line in lines)
    assert "burst: 300 writes of 1 KB served, then ProvisionedThroughputExceededException" in lines
    assert ("  reason TableWriteProvisionedThroughputExceeded on "
            "arn:aws:dynamodb:us-east-1:000000000000:table/capacity-lesson") in lines
    assert "clock +1s: 1 of 2 writes of 1 KB served (1 WCU x 1 s)" in lines
    assert "clock +5s: 5 of 6 writes of 1 KB served (1 WCU x 5 s)" in lines
    assert "index key changes: 150 writes served, then IndexWriteProvisionedThroughputExceeded" in lines
    # The script cleans up after itself.
    assert server.client("dynamodb").list_tables()["TableNames"] == []
