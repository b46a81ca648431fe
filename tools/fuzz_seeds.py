#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (fuzz/corpus/<target>/) from the tests:
botocore's own requests of the protocol oracle (tests/oracle), the event and
filter pattern tables of the unit tests, the cron reference rows
(tests/data/cron_next.json) and the schedule test's expressions, the 100 IAM
evaluation cases' policies (tests/iam/evaluation_cases.json), and the Lambda
tests' packages (good ones and the zip-slip ones).

Run it after changing those tests, then commit the corpus:
    python3 tools/fuzz_seeds.py
Each seed is named by its SHA-1, as libFuzzer names what it adds, so running
it again only adds what is new. Needs boto3 (the machine's python3)."""
import hashlib
import io
import json
import os
import re
import struct
import sys
import zipfile
from urllib.parse import urlsplit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
sys.path[:0] = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "tests", "oracle"),
                os.path.join(ROOT, "tests", "e2e")]
sys.path.append("/usr/lib/python3/dist-packages")  # pytest, which the test modules import


def write(target, seeds):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    added = 0
    for seed in seeds:
        path = os.path.join(folder, hashlib.sha1(seed).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(seed)
            added += 1
    print(f"{target}: {len(seeds)} seeds ({added} new)")


def c_literals(line):
    """The C++ string literals of a line ("..." with escapes, and R"(...)")."""
    out = []
    for raw, plain in re.findall(r'R"\((.*?)\)"|"((?:[^"\\]|\\.)*)"', line):
        if raw:
            out.append(raw)
        else:
            out.append(re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), plain))
    return out


def source(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


# --- protocol and sigv4: what botocore sends --------------------------------

PROTOCOL_SERVICES = ["sts", "iam", "ec2", "ssm", "events", "logs", "lambda", "s3", "cloudwatch", "scheduler"]
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD"]


def protocol_seeds():
    import base64
    import botocore.session
    import test_protocols  # tests/oracle
    session = botocore.session.get_session()
    seeds = []
    for service, operation, params in test_protocols.REQUESTS:
        if service not in PROTOCOL_SERVICES:
            continue
        request = test_protocols.capture(service, operation, params)
        metadata = session.get_service_model(service).metadata
        protocols = metadata.get("protocols", [metadata["protocol"]])
        used = "smithy-rpc-v2-cbor" if "smithy-protocol" in {k.lower() for k in request["headers"]} \
            else metadata["protocol"]
        proto_index = protocols.index(used) if used in protocols else 0
        head = bytes([PROTOCOL_SERVICES.index(service), METHODS.index(request["method"]) | (proto_index << 3)])
        headers = "".join(f"{k}: {v}\n" for k, v in request["headers"].items()
                          if k.lower() not in ("authorization", "x-amz-date", "user-agent"))
        seeds.append(head + request["target"].lstrip("/").encode() + b"\n" + headers.encode() + b"\n" +
                     base64.b64decode(request["body_b64"]))
    return seeds


def sigv4_seeds():
    from botocore.auth import S3SigV4Auth, SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    creds = Credentials("test", "secret")
    seeds = []
    for s3 in (False, True):
        service = "s3" if s3 else "sts"
        req = AWSRequest(method="GET", url="http://127.0.0.1:4566/bucket/key?list-type=2",
                         headers={"host": "127.0.0.1:4566"})
        (S3SigV4Auth if s3 else SigV4Auth)(creds, service, "us-east-1").add_auth(req)
        seeds.append(bytes([int(s3)]) + req.headers["Authorization"].encode() + b"\n" + b"body")
        query = AWSRequest(method="GET", url="http://127.0.0.1:4566/bucket/key")
        SigV4QueryAuth(creds, service, "us-east-1", expires=300).add_auth(query)
        seeds.append(bytes([int(s3) | 2]) + urlsplit(query.url).query.encode() + b"\n")
    # aws-chunked bodies, signed and plain, with a trailer.
    signed = (b"5;chunk-signature=" + b"0" * 64 + b"\r\nhello\r\n0;chunk-signature=" + b"0" * 64 +
              b"\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:" + b"0" * 64 + b"\r\n\r\n")
    seeds.append(bytes([8 | 1]) + b"\n" + signed)
    seeds.append(bytes([4 | 1]) + b"\n5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n")
    return seeds


# --- the pure parsers: their unit and end-to-end tests ----------------------

def event_pattern_seeds():
    text = source("src/services/eventbridge/pattern_test.cc")
    event = re.search(r'kEvent = json::parse\(R"\((.*?)\)"\);', text, re.S).group(1)
    event = json.dumps(json.loads(event))
    seeds = []
    for line in text.splitlines():
        for literal in c_literals(line):
            try:
                pattern = json.loads(literal)
            except ValueError:
                continue
            if isinstance(pattern, dict):
                seeds.append((json.dumps(pattern) + "\n" + event).encode())
    return seeds


def filter_pattern_seeds():
    seeds = []
    for line in source("src/services/logs/filter_pattern_test.cc").splitlines():
        if re.match(r"\s*\{.*,\s*(true|false)\},", line):
            literals = c_literals(line)
            if len(literals) >= 2:
                seeds.append((literals[0] + "\n" + literals[1]).encode())
    return seeds


def schedule_seeds():
    start = struct.pack("<q", 1795237200)  # 2026-11-21T05:00:00Z
    with open(os.path.join(ROOT, "tests", "data", "cron_next.json")) as f:
        rows = json.load(f)
    expressions = [f"cron({row['expression']})" for row in rows]
    for line in source("src/events/schedule_test.cc").splitlines():
        expressions += [e for e in c_literals(line) if re.match(r"(cron|rate|at)\(", e)]
    seeds = []
    for i, expression in enumerate(dict.fromkeys(expressions)):
        flags = (1 if expression.startswith("at(") else 0) | ((i % 8) << 1)
        seeds.append(bytes([flags]) + start + expression.encode())
    return seeds


def policy_seeds():
    with open(os.path.join(ROOT, "tests", "iam", "evaluation_cases.json")) as f:
        cases = json.load(f)
    seeds = []
    for case in cases:
        policies = case["policies"]
        for role, kind in (("identity", 0), ("boundary", 0 | 16), ("session", 0), ("resource", 1)):
            for document in policies.get(role, []):
                if policies.get("resource_required") and role == "resource":
                    kind = 2
                flags = kind | (4 if case["request"]["action"].startswith("s3:") else 0)
                seeds.append(bytes([flags]) + json.dumps(document).encode())
    return seeds


def zip_seeds():
    import test_lambda  # tests/e2e
    seeds = []
    for mark in getattr(test_lambda.test_zip_slip_is_rejected, "pytestmark", []):
        if mark.name == "parametrize":
            seeds += [test_lambda.zip_with(entries) for entries in mark.args[1]]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", "def handler(event, context):\n    return event\n")
        z.writestr("pkg/__init__.py", "")
        info, target = test_lambda.symlink_entry("pkg/alias.py", "__init__.py")
        z.writestr(info, target)
    seeds.append(buf.getvalue())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
        z.writestr("lib/", "")
    seeds.append(buf.getvalue())
    return seeds


def main():
    write("protocol", protocol_seeds())
    write("sigv4", sigv4_seeds())
    write("event_pattern", event_pattern_seeds())
    write("filter_pattern", filter_pattern_seeds())
    write("schedule", schedule_seeds())
    write("policy", policy_seeds())
    write("zip", zip_seeds())


if __name__ == "__main__":
    main()
