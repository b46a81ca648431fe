"""CloudWatch Logs (json protocol) with boto3 and both AWS CLIs: the seed-002
get_log_events, groups/streams/events with AWS's batch rules, FilterLogEvents
with a filter-pattern table, retention on the nuage clock, `aws logs tail`."""
import json
import os
import select
import signal
import subprocess
import time
import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import CLI_V2, client_env


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def now_ms(server):
    """The nuage clock, in milliseconds (tests may have moved it)."""
    state = server.admin("GET", "/_nuage/clock")
    t = datetime.datetime.fromisoformat(state["now"].replace("Z", "+00:00"))
    return int(t.timestamp() * 1000)


# --- seed 002, verbatim apart from receiving the client ---------------------

def get_log_events(logs, log_group, log_stream, limit=100):
    """Récupère les événements d'un log."""
    response = logs.get_log_events(
        logGroupName=log_group,
        logStreamName=log_stream,
        limit=limit
    )
    return response["events"]


def make_stream(logs, group, stream="s1"):
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)


def test_seed_002_get_log_events(nuage):
    logs = nuage.client("logs")
    make_stream(logs, "/aws/lambda/demarrage", "2026/03/28/[$LATEST]abc")
    t = now_ms(nuage)
    messages = ["START RequestId: 1", "Starting instance i-0123456789abcdef0", "END RequestId: 1"]
    logs.put_log_events(logGroupName="/aws/lambda/demarrage", logStreamName="2026/03/28/[$LATEST]abc",
                        logEvents=[{"timestamp": t + i, "message": m} for i, m in enumerate(messages)])
    events = get_log_events(logs, "/aws/lambda/demarrage", "2026/03/28/[$LATEST]abc")
    assert [e["message"] for e in events] == messages
    assert all(e["ingestionTime"] >= t - 1000 for e in events)
    assert [e["message"] for e in get_log_events(logs, "/aws/lambda/demarrage", "2026/03/28/[$LATEST]abc", limit=2)] \
        == messages[1:]  # without startFromHead: the most recent events


def test_groups_streams_and_errors(nuage):
    logs = nuage.client("logs")
    logs.create_log_group(logGroupName="/gs/app", tags={"team": "ops"})
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="/gs/app")
    assert code_of(exc) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        logs.create_log_stream(logGroupName="/gs/nope", logStreamName="s")
    assert code_of(exc) == "ResourceNotFoundException"
    assert exc.value.response["Error"]["Message"] == "The specified log group does not exist."
    with pytest.raises(ClientError) as exc:
        logs.put_log_events(logGroupName="/gs/app", logStreamName="missing",
                            logEvents=[{"timestamp": now_ms(nuage), "message": "x"}])
    assert exc.value.response["Error"]["Message"] == "The specified log stream does not exist."
    with pytest.raises(ClientError) as exc:
        logs.create_log_group(logGroupName="bad name!")
    assert code_of(exc) == "InvalidParameterException"

    for i in range(5):
        logs.create_log_group(logGroupName=f"/gs/page/{i}")
    pages = list(logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix="/gs/page/",
                                                                    PaginationConfig={"PageSize": 2}))
    assert len(pages) == 3
    names = [g["logGroupName"] for p in pages for g in p["logGroups"]]
    assert names == [f"/gs/page/{i}" for i in range(5)]
    g = logs.describe_log_groups(logGroupNamePrefix="/gs/app")["logGroups"][0]
    assert g["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/gs/app:*"
    assert logs.list_tags_log_group(logGroupName="/gs/app")["tags"] == {"team": "ops"}
    logs.tag_resource(resourceArn=g["logGroupArn"], tags={"env": "dev"})
    assert logs.list_tags_for_resource(resourceArn=g["logGroupArn"])["tags"] == {"team": "ops", "env": "dev"}

    # Streams ordered by last event time.
    t = now_ms(nuage)
    for name, offset in [("a", 300), ("b", 100), ("c", 200)]:
        logs.create_log_stream(logGroupName="/gs/app", logStreamName=name)
        logs.put_log_events(logGroupName="/gs/app", logStreamName=name,
                            logEvents=[{"timestamp": t + offset, "message": name}])
    streams = logs.describe_log_streams(logGroupName="/gs/app", orderBy="LastEventTime", descending=True)
    assert [s["logStreamName"] for s in streams["logStreams"]] == ["a", "c", "b"]
    assert streams["logStreams"][0]["lastEventTimestamp"] == t + 300
    with pytest.raises(ClientError) as exc:
        logs.describe_log_streams(logGroupName="/gs/app", orderBy="LastEventTime", logStreamNamePrefix="a")
    assert code_of(exc) == "InvalidParameterException"

    logs.delete_log_group(logGroupName="/gs/app")
    with pytest.raises(ClientError) as exc:
        logs.delete_log_group(logGroupName="/gs/app")
    assert code_of(exc) == "ResourceNotFoundException"


def test_put_log_events_rules(nuage):
    logs = nuage.client("logs")
    make_stream(logs, "/rules")
    t = now_ms(nuage)

    def put(events):
        return logs.put_log_events(logGroupName="/rules", logStreamName="s1", logEvents=events)

    def stored():
        return [e["message"] for e in logs.get_log_events(logGroupName="/rules", logStreamName="s1",
                                                          startFromHead=True)["events"]]

    with pytest.raises(ClientError) as exc:
        put([{"timestamp": t, "message": "b"}, {"timestamp": t - 1, "message": "a"}])
    assert code_of(exc) == "InvalidParameterException"
    assert "chronological order" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        put([{"timestamp": t - 25 * 3600 * 1000, "message": "old"}, {"timestamp": t, "message": "new"}])
    assert "cannot span more than 24 hours" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        put([{"timestamp": t, "message": str(i)} for i in range(10001)])
    assert code_of(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:  # 2 x (524,288 + 26) bytes > 1,048,576
        put([{"timestamp": t, "message": "x" * 524288}] * 2)
    assert code_of(exc) == "InvalidParameterException"
    assert stored() == []  # nothing half-written

    out = put([{"timestamp": t - 15 * 86400 * 1000, "message": "too old"},
               {"timestamp": t, "message": "ok"},
               {"timestamp": t + 3 * 3600 * 1000, "message": "too new"}])
    assert out["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 0, "tooNewLogEventStartIndex": 2}
    assert stored() == ["ok"]
    # Exactly at the limit is accepted: 1,048,576 bytes with the 26-byte overhead.
    put([{"timestamp": t, "message": "y" * (1048576 - 26)}])
    last = logs.get_log_events(logGroupName="/rules", logStreamName="s1", limit=1)["events"]
    assert len(last[0]["message"]) == 1048576 - 26
    # A response carries at most 1 MB: reading from the head stops before it.
    assert stored() == ["ok"]


def test_get_log_events_tokens_and_range(nuage):
    logs = nuage.client("logs")
    make_stream(logs, "/tokens")
    t = now_ms(nuage) - 60000
    logs.put_log_events(logGroupName="/tokens", logStreamName="s1",
                        logEvents=[{"timestamp": t + i, "message": f"m{i}"} for i in range(10)])
    page = logs.get_log_events(logGroupName="/tokens", logStreamName="s1", startFromHead=True, limit=4)
    seen = [e["message"] for e in page["events"]]
    for _ in range(5):
        nxt = logs.get_log_events(logGroupName="/tokens", logStreamName="s1", nextToken=page["nextForwardToken"],
                                  limit=4)
        if nxt["nextForwardToken"] == page["nextForwardToken"]:
            assert nxt["events"] == []
            break
        seen += [e["message"] for e in nxt["events"]]
        page = nxt
    assert seen == [f"m{i}" for i in range(10)]
    back = logs.get_log_events(logGroupName="/tokens", logStreamName="s1", nextToken=page["nextBackwardToken"],
                               limit=3)
    assert [e["message"] for e in back["events"]] == ["m5", "m6", "m7"]
    ranged = logs.get_log_events(logGroupName="/tokens", logStreamName="s1", startTime=t + 2, endTime=t + 5,
                                 startFromHead=True)
    assert [e["message"] for e in ranged["events"]] == ["m2", "m3", "m4"]


def test_get_log_events_pages_of_a_megabyte_lose_nothing(nuage):
    """Pages end at 1 MB; events of mixed sizes straddling a page end all come back, in order
    (the crash soak found a page that skipped a large event and kept the smaller ones after it)."""
    logs = nuage.client("logs")
    make_stream(logs, "/megabyte-pages")
    t = now_ms(nuage) - 60000
    sizes = [200_000, 900, 150_000, 30, 250_000, 5, 120_000, 70_000, 1]
    written = []
    for batch in range(4):
        events = [{"timestamp": t + batch, "message": f"{batch}/{i} " + "x" * size} for i, size in enumerate(sizes)]
        logs.put_log_events(logGroupName="/megabyte-pages", logStreamName="s1", logEvents=events)
        written += [e["message"] for e in events]
    seen, token, pages = [], None, 0
    while pages < 20:
        kwargs = {"nextToken": token} if token else {"startFromHead": True}
        page = logs.get_log_events(logGroupName="/megabyte-pages", logStreamName="s1", **kwargs)
        pages += 1
        assert sum(len(e["message"]) + 26 for e in page["events"]) <= 1048576
        if page["nextForwardToken"] == token:
            break
        seen += [e["message"] for e in page["events"]]
        token = page["nextForwardToken"]
    assert pages > 3 and seen == written


FILTER_TABLE = [
    ("", {"plain ERROR", "json-error", "json-info", "warn", "latency"}),
    ("ERROR", {"plain ERROR", "json-error"}),  # terms match the raw text, JSON included
    ("\"disk full\"", {"warn"}),
    ("?ERROR ?WARN", {"plain ERROR", "json-error", "warn"}),
    ("Unable -instance", set()),
    ("%disk [a-z]+%", {"warn"}),
    ("WARN -full", set()),
    ("{ $.level = \"ERROR\" }", {"json-error"}),
    ("{ $.level != \"ERROR\" }", {"json-info", "latency"}),
    ("{ $.latency > 100 }", {"latency"}),
    ("{ ($.level = \"INFO\") && ($.latency <= 100) }", set()),
    ("{ $.level = \"INF*\" || $.latency >= 500 }", {"json-info", "latency"}),
]
FILTER_MESSAGES = {
    "plain ERROR": "2026-03-28 ERROR Unable to stop instance",
    "json-error": json.dumps({"level": "ERROR", "msg": "boom"}),
    "json-info": json.dumps({"level": "INFO", "msg": "started"}),
    "warn": "WARN disk full on /dev/xvda",
    "latency": json.dumps({"level": "DEBUG", "latency": 500}),
}


@pytest.fixture(scope="module")
def filter_group(nuage):
    logs = nuage.client("logs")
    make_stream(logs, "/filter", "a")
    logs.create_log_stream(logGroupName="/filter", logStreamName="b")
    t = now_ms(nuage) - 10000
    items = list(FILTER_MESSAGES.items())
    for i, (label, message) in enumerate(items):
        logs.put_log_events(logGroupName="/filter", logStreamName="a" if i % 2 else "b",
                            logEvents=[{"timestamp": t + i, "message": message}])
    return {v: k for k, v in FILTER_MESSAGES.items()}


@pytest.mark.parametrize("pattern,expected", FILTER_TABLE, ids=[p or "<empty>" for p, _ in FILTER_TABLE])
def test_filter_log_events_patterns(nuage, filter_group, pattern, expected):
    logs = nuage.client("logs")
    events = [e for p in logs.get_paginator("filter_log_events").paginate(logGroupName="/filter",
                                                                          filterPattern=pattern)
              for e in p["events"]]
    assert {filter_group[e["message"]] for e in events} == expected
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_filter_log_events_paging_and_streams(nuage, filter_group):
    logs = nuage.client("logs")
    pages = list(logs.get_paginator("filter_log_events").paginate(logGroupName="/filter",
                                                                  PaginationConfig={"PageSize": 2}))
    assert [len(p["events"]) for p in pages] == [2, 2, 1]
    ids = [e["eventId"] for p in pages for e in p["events"]]
    assert len(set(ids)) == 5
    only_a = logs.filter_log_events(logGroupName="/filter", logStreamNames=["a"])["events"]
    assert {e["logStreamName"] for e in only_a} == {"a"} and len(only_a) == 2
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="/filter", filterPattern="{ $.level = }")
    assert code_of(exc) == "InvalidParameterException"
    with pytest.raises(ClientError) as exc:
        logs.filter_log_events(logGroupName="/nowhere")
    assert code_of(exc) == "ResourceNotFoundException"


def test_retention_expires_events_on_the_clock(fresh_nuage):
    logs = fresh_nuage.client("logs")
    make_stream(logs, "/retained")
    make_stream(logs, "/kept")
    t = now_ms(fresh_nuage)
    for group in ("/retained", "/kept"):
        logs.put_log_events(logGroupName=group, logStreamName="s1", logEvents=[{"timestamp": t, "message": "hello"}])
    logs.put_retention_policy(logGroupName="/retained", retentionInDays=1)
    with pytest.raises(ClientError) as exc:
        logs.put_retention_policy(logGroupName="/retained", retentionInDays=2)
    assert code_of(exc) == "InvalidParameterException"
    assert logs.describe_log_groups(logGroupNamePrefix="/retained")["logGroups"][0]["retentionInDays"] == 1
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "12h"})
    assert len(logs.get_log_events(logGroupName="/retained", logStreamName="s1")["events"]) == 1
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "2d"})
    assert logs.get_log_events(logGroupName="/retained", logStreamName="s1")["events"] == []
    assert logs.filter_log_events(logGroupName="/retained")["events"] == []
    assert len(logs.get_log_events(logGroupName="/kept", logStreamName="s1")["events"]) == 1
    # Retention now rejects events older than it as expired.
    t = now_ms(fresh_nuage)
    out = logs.put_log_events(logGroupName="/retained", logStreamName="s1",
                              logEvents=[{"timestamp": t - 2 * 86400 * 1000, "message": "expired"},
                                         {"timestamp": t, "message": "fresh"}])
    assert out["rejectedLogEventsInfo"] == {"expiredLogEventEndIndex": 0}


def test_events_survive_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    logs = server.client("logs")
    make_stream(logs, "/durable")
    logs.put_log_events(logGroupName="/durable", logStreamName="s1",
                        logEvents=[{"timestamp": now_ms(server), "message": "persisted"}])
    server.stop(signal.SIGKILL)
    server = start_nuage(data_dir=data_dir)
    events = server.client("logs").get_log_events(logGroupName="/durable", logStreamName="s1")["events"]
    assert [e["message"] for e in events] == ["persisted"]


@pytest.mark.parametrize("version", [1, 2])
def test_cli_commands(nuage, version):
    group = f"/cli/v{version}"
    nuage.cli("logs", "create-log-group", "--log-group-name", group, version=version)
    nuage.cli("logs", "create-log-stream", "--log-group-name", group, "--log-stream-name", "s", version=version)
    t = now_ms(nuage)
    nuage.cli("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "s",
              "--log-events", json.dumps([{"timestamp": t, "message": "from the cli"}]), version=version)
    out = nuage.cli("logs", "get-log-events", "--log-group-name", group, "--log-stream-name", "s", version=version)
    assert [e["message"] for e in out["events"]] == ["from the cli"]
    out = nuage.cli("logs", "filter-log-events", "--log-group-name", group, "--filter-pattern", "cli",
                    version=version)
    assert [e["message"] for e in out["events"]] == ["from the cli"]
    res = nuage.cli("logs", "describe-log-streams", "--log-group-name", "/cli/none", version=version, check=False)
    assert res.returncode != 0 and "ResourceNotFoundException" in res.stderr


def tail_cmd(server, *args):
    if CLI_V2 is None:
        pytest.skip("AWS CLI v2 is not installed")
    return [CLI_V2, "--endpoint-url", server.endpoint, "logs", "tail", *args]


def test_aws_logs_tail(fresh_nuage):
    logs = fresh_nuage.client("logs")
    make_stream(logs, "/tail", "web")
    t = int(time.time() * 1000)  # tail computes --since from the real time
    logs.put_log_events(logGroupName="/tail", logStreamName="web",
                        logEvents=[{"timestamp": t - 2000, "message": "first line"},
                                   {"timestamp": t - 1000, "message": "ERROR second line"}])
    res = subprocess.run(tail_cmd(fresh_nuage, "/tail", "--since", "1h"), capture_output=True, text=True,
                         env=client_env(), timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 2 and lines[0].endswith("web first line") and lines[1].endswith("ERROR second line")
    res = subprocess.run(tail_cmd(fresh_nuage, "/tail", "--since", "1h", "--filter-pattern", "ERROR",
                                  "--format", "short"), capture_output=True, text=True, env=client_env(), timeout=60)
    assert res.stdout.strip().endswith("ERROR second line") and "first" not in res.stdout


def test_aws_logs_tail_follow(fresh_nuage):
    logs = fresh_nuage.client("logs")
    make_stream(logs, "/follow", "s")
    t = int(time.time() * 1000)
    logs.put_log_events(logGroupName="/follow", logStreamName="s", logEvents=[{"timestamp": t, "message": "before"}])
    proc = subprocess.Popen(tail_cmd(fresh_nuage, "/follow", "--follow", "--since", "1h", "--format", "short"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=client_env())
    seen = []
    try:
        deadline = time.monotonic() + 60
        wrote_after = False
        while time.monotonic() < deadline and not any("after" in line for line in seen):
            ready, _, _ = select.select([proc.stdout], [], [], 1)
            if ready:
                line = proc.stdout.readline()
                if not line:
                    break
                seen.append(line.strip())
            if any("before" in line for line in seen) and not wrote_after:
                logs.put_log_events(logGroupName="/follow", logStreamName="s",
                                    logEvents=[{"timestamp": int(time.time() * 1000), "message": "after"}])
                wrote_after = True
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert any(line.endswith("before") for line in seen), seen
    assert any(line.endswith("after") for line in seen), seen
