"""Seed 000's S3 trigger end to end: examples/s3-upload-processor deployed
by its deploy.sh with each AWS CLI on a fresh nuage; files copied under
incoming/ (a key with a space, a nested folder, a multipart upload) are
summarized into processed/ and tagged by the function S3 invoked; a file
outside incoming/ is left alone."""
import hashlib
import json
import os
import subprocess

import pytest

from conftest import CLI_V1, CLI_V2, client_env, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "s3-upload-processor")



@pytest.mark.parametrize("version", [1, 2])
def test_uploads_under_incoming_are_processed(fresh_nuage, version, tmp_path):
    cli = CLI_V1 if version == 1 else CLI_V2
    if cli is None:
        pytest.skip(f"AWS CLI v{version} is not installed")
    server = fresh_nuage
    env = client_env({"ENDPOINT": server.endpoint, "BUCKET": "uploads", "REGION": "us-east-1", "AWS_CLI": cli})
    res = subprocess.run([os.path.join(EXAMPLE, "deploy.sh")], env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr

    notes = tmp_path / "notes.txt"
    notes.write_text("one two three\nfour five\n")
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * (2 * 1024 * 1024))  # 10 MiB: the CLI uploads it in parts
    run = lambda *args: subprocess.run([cli, "--endpoint-url", server.endpoint, *args], env=client_env(),
                                       capture_output=True, text=True, timeout=120)
    for src, dest in ((notes, "incoming/my notes.txt"), (notes, "incoming/2026/12/n.txt"),
                      (big, "incoming/big.txt"), (notes, "elsewhere/notes.txt")):
        r = run("s3", "cp", str(src), f"s3://uploads/{dest}")
        assert r.returncode == 0, r.stderr

    s3 = server.client("s3")

    def summary(key):
        try:
            return json.loads(s3.get_object(Bucket="uploads", Key=f"processed/{key}.json")["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    got = wait_for(lambda: summary("my notes.txt"), timeout=60)
    assert got == {"source": "s3://uploads/incoming/my notes.txt", "event": "ObjectCreated:Put",
                   "eventTime": got["eventTime"], "size": notes.stat().st_size, "lines": 2, "words": 5,
                   "sha256": hashlib.sha256(notes.read_bytes()).hexdigest()}
    assert wait_for(lambda: summary("2026/12/n.txt"))["words"] == 5
    big_summary = wait_for(lambda: summary("big.txt"))
    assert big_summary["event"] == "ObjectCreated:CompleteMultipartUpload"
    assert big_summary["words"] == 2 * 1024 * 1024
    for key in ("incoming/my notes.txt", "incoming/2026/12/n.txt", "incoming/big.txt"):
        assert wait_for(lambda: s3.get_object_tagging(Bucket="uploads", Key=key)["TagSet"]) == [
            {"Key": "processed", "Value": "true"}]
    # Outside the prefix: no summary, no tag; and the function's own writes did not fire it.
    assert summary("elsewhere/notes.txt") is None and summary("notes.txt") is None
    assert s3.get_object_tagging(Bucket="uploads", Key="elsewhere/notes.txt")["TagSet"] == []
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="uploads", Prefix="processed/")["Contents"])
    assert keys == ["processed/2026/12/n.txt.json", "processed/big.txt.json", "processed/my notes.txt.json"]
