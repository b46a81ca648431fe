"""S3 (rest-xml) with boto3 and the AWS CLI: buckets, objects, conditional
and ranged reads, copies, checksums, listings, multipart uploads,
configurations, hostile keys, virtual-hosted addressing, large transfers,
sync, and durability across kill -9."""
import base64
import hashlib
import http.client
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def unique(prefix="b"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


@pytest.fixture
def s3(nuage):
    return nuage.client("s3")


@pytest.fixture
def bucket(s3):
    name = unique("t")
    s3.create_bucket(Bucket=name)
    return name


def b64(data):
    return base64.b64encode(data).decode()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return (crc ^ 0xFFFFFFFF).to_bytes(4, "big")


# ---- buckets ----

def test_bucket_lifecycle_and_errors(nuage, s3):
    name = unique("life")
    s3.create_bucket(Bucket=name)
    s3.head_bucket(Bucket=name)
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    # us-east-1 answers a repeated create by its owner with success, other
    # regions with BucketAlreadyOwnedByYou.
    s3.create_bucket(Bucket=name)
    eu = nuage.client("s3", region="eu-west-1")
    eu_name = unique("eu")
    eu.create_bucket(Bucket=eu_name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    with pytest.raises(ClientError) as exc:
        eu.create_bucket(Bucket=eu_name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    assert code_of(exc) == "BucketAlreadyOwnedByYou"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    for bad in ["ab", "UpperCase", "under_score", "-dash", "a..b", "192.168.1.1", "x" * 64]:
        with pytest.raises(ClientError) as exc:
            s3.create_bucket(Bucket=bad)
        assert code_of(exc) == "InvalidBucketName", bad
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3.delete_bucket(Bucket=name)
    assert code_of(exc) == "BucketNotEmpty"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as exc:
        s3.head_bucket(Bucket=name)
    assert exc.value.response["Error"]["Code"] == "404"
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=name)
    assert code_of(exc) == "NoSuchBucket"
    assert exc.value.response["Error"]["BucketName"] == name
    assert exc.value.response["ResponseMetadata"]["RequestId"]


def test_bucket_configurations(s3, bucket):
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_tagging(Bucket=bucket)
    assert code_of(exc) == "NoSuchTagSet"
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "env", "Value": "dev"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "env", "Value": "dev"}]
    s3.delete_bucket_tagging(Bucket=bucket)

    policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",' \
             f'"Resource":"arn:aws:s3:::{bucket}/*"}}]}}'
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert code_of(exc) == "NoSuchBucketPolicy"
    s3.put_bucket_policy(Bucket=bucket, Policy=policy)
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == policy
    with pytest.raises(ClientError) as exc:
        s3.put_bucket_policy(Bucket=bucket, Policy="not json")
    assert code_of(exc) == "MalformedPolicy"
    s3.delete_bucket_policy(Bucket=bucket)

    cors = {"CORSRules": [{"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["*"], "MaxAgeSeconds": 300}]}
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_cors(Bucket=bucket)
    assert code_of(exc) == "NoSuchCORSConfiguration"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=cors)
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == cors["CORSRules"]
    s3.delete_bucket_cors(Bucket=bucket)

    rules = [{"ID": "expire-logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled",
              "Expiration": {"Days": 30}}]
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert code_of(exc) == "NoSuchLifecycleConfiguration"
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
    assert s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"] == rules
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)


def test_wire_root_elements(nuage, s3, bucket):
    """Raw responses carry S3's root element names."""
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    cases = {"": b"<ListAllMyBucketsResult", f"{bucket}?list-type=2": b"<ListBucketResult",
             f"{bucket}?versions": b"<ListVersionsResult", f"{bucket}?versioning": b"<VersioningConfiguration",
             f"{bucket}?location": b"<LocationConstraint", f"{bucket}?uploads": b"<ListMultipartUploadsResult"}
    for path, root in cases.items():
        url = s3.generate_presigned_url("list_buckets") if path == "" else None
        if url is None:
            op, params = {
                "?list-type=2": ("list_objects_v2", {}), "?versions": ("list_object_versions", {}),
                "?versioning": ("get_bucket_versioning", {}), "?location": ("get_bucket_location", {}),
                "?uploads": ("list_multipart_uploads", {})}[path[len(bucket):]]
            url = s3.generate_presigned_url(op, Params={"Bucket": bucket, **params})
        with urllib.request.urlopen(url) as res:
            body = res.read()
        assert root in body, (path, body[:200])


# ---- objects ----

def test_put_get_head_metadata(s3, bucket):
    r = s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"hello world", ContentType="text/plain",
                      ContentEncoding="identity", ContentDisposition="attachment; filename=doc.txt",
                      CacheControl="max-age=60", ContentLanguage="fr", Metadata={"Owner": "Alice", "n": "1"},
                      StorageClass="STANDARD_IA", Tagging="a=1&b=two")
    assert r["ETag"] == '"5eb63bbbe01eeed093cb22bb8f5acdc3"'
    g = s3.get_object(Bucket=bucket, Key="doc.txt")
    assert g["Body"].read() == b"hello world"
    assert g["ContentType"] == "text/plain" and g["ContentEncoding"] == "identity"
    assert g["ContentDisposition"] == "attachment; filename=doc.txt" and g["CacheControl"] == "max-age=60"
    assert g["ContentLanguage"] == "fr" and g["Metadata"] == {"owner": "Alice", "n": "1"}
    assert g["StorageClass"] == "STANDARD_IA" and g["TagCount"] == 2 and g["AcceptRanges"] == "bytes"
    h = s3.head_object(Bucket=bucket, Key="doc.txt")
    assert h["ContentLength"] == 11 and h["ETag"] == r["ETag"]
    assert abs((h["LastModified"] - datetime.now(timezone.utc)).total_seconds()) < 120
    assert s3.get_object_tagging(Bucket=bucket, Key="doc.txt")["TagSet"] == [
        {"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two"}]
    s3.put_object_tagging(Bucket=bucket, Key="doc.txt", Tagging={"TagSet": [{"Key": "x", "Value": "y"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="doc.txt")["TagSet"] == [{"Key": "x", "Value": "y"}]
    s3.delete_object_tagging(Bucket=bucket, Key="doc.txt")
    assert s3.get_object_tagging(Bucket=bucket, Key="doc.txt")["TagSet"] == []
    # Empty object; default content type.
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    e = s3.get_object(Bucket=bucket, Key="empty")
    assert e["Body"].read() == b"" and e["ContentType"] == "binary/octet-stream"
    assert e["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="missing")
    assert code_of(exc) == "NoSuchKey" and exc.value.response["Error"]["Key"] == "missing"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="missing")
    assert code_of(exc) == "404"


def test_ranges_conditions_overrides(s3, bucket):
    data = bytes(range(256)) * 40
    etag = s3.put_object(Bucket=bucket, Key="r", Body=data)["ETag"]
    g = s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-19")
    assert g["Body"].read() == data[10:20] and g["ContentRange"] == f"bytes 10-19/{len(data)}"
    assert g["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-5")["Body"].read() == data[-5:]
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=10000-")["Body"].read() == data[10000:]
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=0-999999")["Body"].read() == data
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", Range=f"bytes={len(data)}-")
    assert code_of(exc) == "InvalidRange"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416

    assert s3.get_object(Bucket=bucket, Key="r", IfMatch=etag)["Body"].read() == data
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", IfMatch='"nope"')
    assert code_of(exc) == "PreconditionFailed"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", IfNoneMatch=etag)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", IfModifiedSince=future)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert s3.get_object(Bucket=bucket, Key="r", IfModifiedSince=past)["ContentLength"] == len(data)
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="r", IfUnmodifiedSince=past)
    assert code_of(exc) == "PreconditionFailed"

    g = s3.get_object(Bucket=bucket, Key="r", ResponseContentType="image/png",
                      ResponseContentDisposition="inline", ResponseCacheControl="no-cache")
    assert (g["ContentType"], g["ContentDisposition"], g["CacheControl"]) == ("image/png", "inline", "no-cache")

    # Conditional writes.
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="r", Body=b"x", IfNoneMatch="*")
    assert code_of(exc) == "PreconditionFailed"
    s3.put_object(Bucket=bucket, Key="new-only", Body=b"x", IfNoneMatch="*")


def test_checksums_and_digests(s3, bucket):
    data = b"checksum me " * 1000
    for algo in ["CRC32", "SHA1", "SHA256"]:
        r = s3.put_object(Bucket=bucket, Key=f"c-{algo}", Body=data, ChecksumAlgorithm=algo)
        assert f"Checksum{algo}" in r
        h = s3.head_object(Bucket=bucket, Key=f"c-{algo}", ChecksumMode="ENABLED")
        assert h[f"Checksum{algo}"] == r[f"Checksum{algo}"]
    assert s3.head_object(Bucket=bucket, Key="c-CRC32", ChecksumMode="ENABLED")["ChecksumCRC32"] == \
        b64(zlib.crc32(data).to_bytes(4, "big"))
    value = b64(crc32c(data))
    r = s3.put_object(Bucket=bucket, Key="c-CRC32C", Body=data, ChecksumCRC32C=value)
    assert r["ChecksumCRC32C"] == value
    g = s3.get_object(Bucket=bucket, Key="c-CRC32C", ChecksumMode="ENABLED")
    assert g["ChecksumCRC32C"] == value and g["Body"].read() == data
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=data, ChecksumSHA256=b64(hashlib.sha256(b"other").digest()))
    assert code_of(exc) == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=data, ChecksumCRC32C=b64(crc32c(b"other")))
    assert code_of(exc) == "BadDigest"
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="bad", Body=data, ContentMD5=b64(hashlib.md5(b"other").digest()))
    assert code_of(exc) == "BadDigest"
    s3.put_object(Bucket=bucket, Key="good", Body=data, ContentMD5=b64(hashlib.md5(data).digest()))
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="bad")
    assert code_of(exc) == "404"  # nothing of a refused upload is visible


def test_copy_object(s3, bucket):
    other = unique("dest")
    s3.create_bucket(Bucket=other)
    s3.put_object(Bucket=bucket, Key="src", Body=b"copy me", ContentType="text/plain", Metadata={"a": "1"},
                  Tagging="t=1")
    r = s3.copy_object(Bucket=other, Key="dst", CopySource={"Bucket": bucket, "Key": "src"})
    assert r["CopyObjectResult"]["ETag"] == s3.head_object(Bucket=bucket, Key="src")["ETag"]
    h = s3.head_object(Bucket=other, Key="dst")
    assert h["ContentType"] == "text/plain" and h["Metadata"] == {"a": "1"}
    assert s3.get_object_tagging(Bucket=other, Key="dst")["TagSet"] == [{"Key": "t", "Value": "1"}]
    s3.copy_object(Bucket=bucket, Key="src2", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   ContentType="application/json", Metadata={"b": "2"})
    h = s3.head_object(Bucket=bucket, Key="src2")
    assert h["ContentType"] == "application/json" and h["Metadata"] == {"b": "2"}
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src")
    assert code_of(exc) == "InvalidRequest"
    s3.copy_object(Bucket=bucket, Key="src", CopySource=f"{bucket}/src", MetadataDirective="REPLACE",
                   Metadata={"c": "3"})
    assert s3.head_object(Bucket=bucket, Key="src")["Metadata"] == {"c": "3"}
    etag = s3.head_object(Bucket=bucket, Key="src")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/src", CopySourceIfMatch='"other"')
    assert code_of(exc) == "PreconditionFailed"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/src", CopySourceIfNoneMatch=etag)
    assert code_of(exc) == "PreconditionFailed"
    s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/src", CopySourceIfMatch=etag)
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="x", CopySource=f"{bucket}/missing")
    assert code_of(exc) == "NoSuchKey"


def test_delete_objects_batch(s3, bucket):
    for k in ["a", "b", "c"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "a"}, {"Key": "b"}, {"Key": "nope"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["a", "b", "nope"]
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c"}], "Quiet": True})
    assert "Deleted" not in r
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "c", "VersionId": "bad"}]})
    assert r["Errors"][0]["Code"] == "InvalidArgument"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


HOSTILE_KEYS = ["../../etc/passwd", "/leading/slash", "a//double", "spaces in key", "plus+sign", "percent%20",
                "percent%", "unicodé/ключ/鍵", "emoji 🎉", "question?mark", "hash#tag", "amp&er=sand", "..",
                ".", "semi;colon", "tilde~", "quote\"s", "angle<b>", "back\\slash", "trailing/", "x" * 1024]


def test_hostile_keys(nuage, s3, bucket):
    for k in HOSTILE_KEYS:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
    for k in HOSTILE_KEYS:
        assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode(), k
    listed = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in p["Contents"]]
    assert listed == sorted(HOSTILE_KEYS, key=lambda k: k.encode())
    listed_v1 = [o["Key"] for o in s3.list_objects(Bucket=bucket)["Contents"]]
    assert listed_v1 == listed
    with pytest.raises(ClientError) as exc:
        s3.put_object(Bucket=bucket, Key="y" * 1025, Body=b"")
    assert code_of(exc) == "KeyTooLongError"
    # The store holds no file named after a key.
    assert not os.path.exists("/etc/passwd.nuage")
    r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in HOSTILE_KEYS]})
    assert len(r["Deleted"]) == len(HOSTILE_KEYS)


def test_listing_delimiters_markers_encoding(s3, bucket):
    keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "d/5", "d/6", "e+f g"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x")
    r = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "d/"]
    assert [o["Key"] for o in r["Contents"]] == ["c", "e+f g"] and r["KeyCount"] == 5
    r = s3.list_objects_v2(Bucket=bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in r["Contents"]] == ["a/1", "a/2"] and r["CommonPrefixes"] == [{"Prefix": "a/b/"}]
    # Pages of 2 with a delimiter, via continuation tokens.
    seen, token = [], None
    for _ in range(10):
        kw = {"ContinuationToken": token} if token else {}
        r = s3.list_objects_v2(Bucket=bucket, Delimiter="/", MaxKeys=2, **kw)
        seen += [o["Key"] for o in r.get("Contents", [])] + [p["Prefix"] for p in r.get("CommonPrefixes", [])]
        if not r["IsTruncated"]:
            break
        token = r["NextContinuationToken"]
    assert sorted(seen) == ["a/", "b/", "c", "d/", "e+f g"]
    r = s3.list_objects_v2(Bucket=bucket, StartAfter="b/4")
    assert [o["Key"] for o in r["Contents"]] == ["c", "d/5", "d/6", "e+f g"]
    r = s3.list_objects(Bucket=bucket, Marker="a/b/3", MaxKeys=2)
    assert [o["Key"] for o in r["Contents"]] == ["b/4", "c"] and r["IsTruncated"] is True
    all_v1 = [o["Key"] for p in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3})
              for o in p["Contents"]]
    assert all_v1 == keys
    # Raw encoding-type=url: '+' and ' ' percent-encoded.
    url = s3.generate_presigned_url("list_objects_v2", Params={"Bucket": bucket, "Prefix": "e", "EncodingType": "url"})
    with urllib.request.urlopen(url) as res:
        assert b"<Key>e%2Bf%20g</Key>" in res.read()
    assert s3.list_objects_v2(Bucket=bucket, MaxKeys=0)["KeyCount"] == 0


def test_versioning_semantics(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"before")  # the "null" version
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"before"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", VersionId="A" * 32)
    assert code_of(exc) == "NoSuchVersion"
    marker = s3.delete_object(Bucket=bucket, Key="k")
    assert marker["DeleteMarker"] is True
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k")
    assert code_of(exc) == "NoSuchKey"
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker["VersionId"])
    assert code_of(exc) == "MethodNotAllowed"
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    # Paged version listing with markers.
    seen = []
    kw = {}
    for _ in range(10):
        r = s3.list_object_versions(Bucket=bucket, MaxKeys=1, **kw)
        seen += [("v", v["VersionId"]) for v in r.get("Versions", [])]
        seen += [("m", m["VersionId"]) for m in r.get("DeleteMarkers", [])]
        if not r["IsTruncated"]:
            break
        kw = {"KeyMarker": r["NextKeyMarker"], "VersionIdMarker": r["NextVersionIdMarker"]}
    assert seen == [("m", marker["VersionId"]), ("v", v2), ("v", v1), ("v", "null")]
    # Suspended: new writes replace the "null" version.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended"
    r = s3.put_object(Bucket=bucket, Key="k", Body=b"suspended")
    assert r["VersionId"] == "null"
    versions = s3.list_object_versions(Bucket=bucket)
    assert sorted(v["VersionId"] for v in versions["Versions"]) == sorted([v1, v2, "null"])
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"suspended"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v1)
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="k", VersionId=v1)


# ---- multipart ----

def test_multipart_operations_and_errors(s3, bucket):
    five = 5 * 1024 * 1024
    up = s3.create_multipart_upload(Bucket=bucket, Key="mp", ContentType="video/mp4", Metadata={"m": "1"})
    uid = up["UploadId"]
    p1 = os.urandom(five)
    p2 = b"tail"
    e1 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=p1)["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=2, Body=p2)["ETag"]
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, five), (2, 4)]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("mp", uid)]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
    assert code_of(exc) == "InvalidPartOrder"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": '"0000"'}]})
    assert code_of(exc) == "InvalidPart"
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 2, "ETag": e2}, {"PartNumber": 3, "ETag": e2}]})
    assert code_of(exc) == "InvalidPart"
    # A part smaller than 5 MiB that is not the last one.
    e3 = s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=3, Body=b"x")["ETag"]
    with pytest.raises(ClientError) as exc:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}, {"PartNumber": 3, "ETag": e3}]})
    assert code_of(exc) == "EntityTooSmall"
    with pytest.raises(ClientError) as exc:
        s3.head_object(Bucket=bucket, Key="mp")  # not visible before completion
    r = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    md5s = hashlib.md5(p1).digest() + hashlib.md5(p2).digest()
    assert r["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-2"'
    g = s3.get_object(Bucket=bucket, Key="mp")
    assert g["Body"].read() == p1 + p2 and g["ContentType"] == "video/mp4" and g["Metadata"] == {"m": "1"}
    with pytest.raises(ClientError) as exc:
        s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)
    assert code_of(exc) == "NoSuchUpload"
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="mp", UploadId=uid, PartNumber=1, Body=b"x")
    assert code_of(exc) == "NoSuchUpload"

    # UploadPartCopy from ranges of the completed object; then abort another.
    up2 = s3.create_multipart_upload(Bucket=bucket, Key="mp2")["UploadId"]
    c1 = s3.upload_part_copy(Bucket=bucket, Key="mp2", UploadId=up2, PartNumber=1,
                             CopySource={"Bucket": bucket, "Key": "mp"}, CopySourceRange=f"bytes=0-{five - 1}")
    c2 = s3.upload_part_copy(Bucket=bucket, Key="mp2", UploadId=up2, PartNumber=2,
                             CopySource={"Bucket": bucket, "Key": "mp"}, CopySourceRange=f"bytes={five}-{five + 3}")
    s3.complete_multipart_upload(Bucket=bucket, Key="mp2", UploadId=up2, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": c1["CopyPartResult"]["ETag"]},
                  {"PartNumber": 2, "ETag": c2["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="mp2")["Body"].read() == p1 + p2
    up3 = s3.create_multipart_upload(Bucket=bucket, Key="mp3")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="mp3", UploadId=up3, PartNumber=1, Body=b"abc")
    s3.abort_multipart_upload(Bucket=bucket, Key="mp3", UploadId=up3)
    with pytest.raises(ClientError) as exc:
        s3.abort_multipart_upload(Bucket=bucket, Key="mp3", UploadId=up3)
    assert code_of(exc) == "NoSuchUpload"
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.upload_part(Bucket=bucket, Key="mp", UploadId="nope", PartNumber=1, Body=b"x")
    assert code_of(exc) == "NoSuchUpload"


def test_multipart_checksums(s3, bucket, tmp_path):
    """boto3's upload_file sends CRC32 per part; the object gets the
    composite checksum '-N'."""
    data = os.urandom(17 * 1024 * 1024)
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    s3.upload_file(str(path), bucket, "f.bin", ExtraArgs={"ChecksumAlgorithm": "SHA256"})
    h = s3.head_object(Bucket=bucket, Key="f.bin", ChecksumMode="ENABLED")
    assert h["ContentLength"] == len(data)
    assert h["ChecksumSHA256"].endswith("-3") and h["ChecksumType"] == "COMPOSITE"
    out = tmp_path / "back.bin"
    s3.download_file(bucket, "f.bin", str(out))
    assert out.read_bytes() == data


# ---- addressing ----

def test_virtual_hosted_style(nuage, s3, bucket):
    creds = Credentials("test", "test")
    for host in [f"{bucket}.s3.localhost:{nuage.port}", f"{bucket}.localhost:{nuage.port}"]:
        key = "vhost/ключ with space+plus"
        quoted_key = urllib.request.quote(key)
        for method, body in [("PUT", host.encode()), ("GET", None)]:
            req = AWSRequest(method=method, url=f"http://{host}/{quoted_key}", data=body,
                             headers={"Host": host})
            req.context["payload_signing_enabled"] = True
            S3SigV4Auth(creds, "s3", "us-east-1").add_auth(req)
            conn = http.client.HTTPConnection("127.0.0.1", nuage.port, timeout=30)
            headers = dict(req.headers.items())
            conn.request(method, f"/{quoted_key}", body=body, headers=headers)
            res = conn.getresponse()
            payload = res.read()
            conn.close()
            assert res.status == 200, payload
            if method == "GET":
                assert payload == host.encode()
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == host.encode()


# ---- large transfers, CLI ----

@pytest.mark.parametrize("version", [2, 1])
def test_cli_cp_large_multipart_round_trip(nuage, s3, tmp_path, version):
    bucket = unique(f"big{version}")
    s3.create_bucket(Bucket=bucket)
    size = (100 if version == 2 else 24) * 1024 * 1024 + 7
    src = tmp_path / "big.bin"
    with open(src, "wb") as f:
        for _ in range(size // (1 << 20)):
            f.write(os.urandom(1 << 20))
        f.write(os.urandom(size % (1 << 20)))
    nuage.cli("s3", "cp", str(src), f"s3://{bucket}/dir/big.bin", version=version)
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert head["ContentLength"] == size and "-" in head["ETag"]
    back = tmp_path / "back.bin"
    nuage.cli("s3", "cp", f"s3://{bucket}/dir/big.bin", str(back), version=version)
    assert back.stat().st_size == size
    with open(src, "rb") as a, open(back, "rb") as b:
        while True:
            x, y = a.read(1 << 22), b.read(1 << 22)
            assert x == y
            if not x:
                break


@pytest.mark.parametrize("version", [1, 2])
def test_cli_sync_and_recursive(nuage, s3, tmp_path, version):
    bucket = unique(f"sync{version}")
    s3.create_bucket(Bucket=bucket)
    tree = tmp_path / "tree"
    count = 1000 if version == 2 else 200
    for i in range(count):
        p = tree / f"d{i % 10}" / f"file {i}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(f"content {i}\n".encode())
        # S3 keeps LastModified to the second (as AWS does): a file written in
        # the second of its upload would look newer to the next sync.
        os.utime(p, (time.time() - 5, time.time() - 5))
    nuage.cli("s3", "sync", str(tree), f"s3://{bucket}/tree", version=version)
    keys = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in p["Contents"]]
    assert len(keys) == count
    # A second sync has nothing to do.
    out = nuage.cli("s3", "sync", str(tree), f"s3://{bucket}/tree", version=version)
    assert not (out or "").strip()
    down = tmp_path / "down"
    nuage.cli("s3", "sync", f"s3://{bucket}/tree", str(down), version=version)
    assert sorted(str(p.relative_to(down)) for p in down.rglob("*") if p.is_file()) == \
        sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    assert (down / "d3" / "file 13.txt").read_bytes() == b"content 13\n"
    again = tmp_path / "again"
    nuage.cli("s3", "cp", "--recursive", f"s3://{bucket}/tree/d1", str(again), version=version)
    assert len(list(again.iterdir())) == count // 10
    nuage.cli("s3", "rm", "--recursive", f"s3://{bucket}/tree", version=version)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


# ---- durability ----

def test_kill_9_during_uploads(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    s3 = server.client("s3")
    bucket = unique("durable")
    s3.create_bucket(Bucket=bucket)
    acknowledged = {}
    for i in range(20):
        body = os.urandom(1000 + i * 50000)
        s3.put_object(Bucket=bucket, Key=f"ok/{i}", Body=body)
        acknowledged[f"ok/{i}"] = body
    s3.put_object(Bucket=bucket, Key="ok/0", Body=b"overwritten")
    acknowledged["ok/0"] = b"overwritten"
    # An upload whose body is still arriving when nuage dies.
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "partial"}, ExpiresIn=600)
    parsed = urllib.request.urlparse(url)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("PUT", f"{parsed.path}?{parsed.query}", skip_accept_encoding=True)
    conn.putheader("Content-Length", str(64 * 1024 * 1024))
    conn.endheaders()
    conn.send(os.urandom(8 * 1024 * 1024))
    # A multipart upload in progress, and one big upload_file in flight.
    uid = s3.create_multipart_upload(Bucket=bucket, Key="multi")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="multi", UploadId=uid, PartNumber=1, Body=os.urandom(5 * 1024 * 1024))
    big = os.path.join(data_dir, "..", f"{bucket}-big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(40 * 1024 * 1024))
    errors = []

    def background():
        try:
            s3.upload_file(big, bucket, "inflight")
        except Exception as e:  # the server dies under it
            errors.append(e)

    t = threading.Thread(target=background)
    t.start()
    time.sleep(0.5)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    t.join(timeout=120)
    conn.close()
    os.remove(big)

    again = start_nuage(data_dir=data_dir)
    s3 = again.client("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert "partial" not in keys
    if errors:  # if the upload did not finish before the kill, nothing of it shows
        assert "inflight" not in keys
    for key, body in acknowledged.items():
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body
    # The incomplete multipart upload survives as an upload, not an object.
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
            if u["Key"] == "multi"] == [uid]
    assert s3.list_parts(Bucket=bucket, Key="multi", UploadId=uid)["Parts"][0]["Size"] == 5 * 1024 * 1024
    # No leftover temporary files; every blob file is named by a row.
    assert os.listdir(os.path.join(data_dir, "blobs", "tmp")) == []
    blob_files = sum(len(files) for root, _d, files in os.walk(os.path.join(data_dir, "blobs"))
                     if not root.endswith("tmp"))
    expected = len(acknowledged) + 1 + (0 if "inflight" not in keys else 1)
    inflight_parts = [u for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) if u["Key"] == "inflight"]
    for u in inflight_parts:
        expected += len(s3.list_parts(Bucket=bucket, Key="inflight", UploadId=u["UploadId"]).get("Parts", []))
    assert blob_files == expected


# ---- aws-chunked bodies (what SDKs send over TLS, and other SDKs over HTTP) ----

def _chunked_put(nuage, bucket, key, data, mode, trailer_value=None):
    import hmac
    creds = Credentials("test", "test")
    host = f"127.0.0.1:{nuage.port}"
    headers = {"Host": host, "Content-Encoding": "aws-chunked", "X-Amz-Content-SHA256": mode,
               "x-amz-decoded-content-length": str(len(data))}
    if trailer_value is not None:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    req = AWSRequest(method="PUT", url=f"http://{host}/{bucket}/{key}", headers=headers)
    class StreamingAuth(S3SigV4Auth):
        def payload(self, request):
            return mode

    StreamingAuth(creds, "s3", "us-east-1").add_auth(req)
    seed = req.headers["Authorization"].split("Signature=")[1]
    amz_date = req.headers["X-Amz-Date"]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"

    def sign(key_bytes, msg):
        return hmac.new(key_bytes, msg.encode(), hashlib.sha256).digest()

    k = sign(sign(sign(sign(b"AWS4test", amz_date[:8]), "us-east-1"), "s3"), "aws4_request")
    chunks = [data[i:i + 65536] for i in range(0, len(data), 65536)] + [b""]
    body, prev = b"", seed
    empty = hashlib.sha256(b"").hexdigest()
    for c in chunks:
        if mode == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD":
            sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hashlib.sha256(c).hexdigest()])
            prev = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
            body += f"{len(c):x};chunk-signature={prev}\r\n".encode() + c + b"\r\n"
        else:
            body += f"{len(c):x}\r\n".encode() + c + (b"\r\n" if c else b"")
    if mode == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
        body += f"x-amz-checksum-crc32:{trailer_value}\r\n\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", nuage.port, timeout=30)
    conn.request("PUT", f"/{bucket}/{key}", body=body, headers=dict(req.headers.items()))
    res = conn.getresponse()
    out = (res.status, res.read(), res.getheader("x-amz-checksum-crc32"))
    conn.close()
    return out


@pytest.mark.parametrize("size", [1000, 3 * 1024 * 1024 + 5])  # in memory, and spooled to a file
def test_aws_chunked_uploads(nuage, s3, bucket, size):
    data = os.urandom(size)
    status, body, _ = _chunked_put(nuage, bucket, "signed", data, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    assert status == 200, body
    g = s3.get_object(Bucket=bucket, Key="signed")
    assert g["Body"].read() == data and g.get("ContentEncoding") is None
    good = b64(zlib.crc32(data).to_bytes(4, "big"))
    status, body, echoed = _chunked_put(nuage, bucket, "trailer", data, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", good)
    assert status == 200 and echoed == good, body
    assert s3.get_object(Bucket=bucket, Key="trailer")["Body"].read() == data
    bad = b64((zlib.crc32(data) ^ 1).to_bytes(4, "big"))
    status, body, _ = _chunked_put(nuage, bucket, "bad", data, "STREAMING-UNSIGNED-PAYLOAD-TRAILER", bad)
    assert status == 400 and b"<Code>BadDigest</Code>" in body
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="bad")


def test_empty_uploads_keep_the_connection_usable(nuage):
    """botocore sends Expect: 100-continue with empty bodies too; answered
    without the interim 100 it misreads the connection's next response."""
    from botocore.config import Config
    s3 = nuage.client("s3", config=Config(retries={"max_attempts": 1}, read_timeout=10))
    bucket = f"empty-{__import__('uuid').uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="empty", Body=b"")
    s3.put_object(Bucket=bucket, Key="after", Body=b"x")
    s3.upload_fileobj(__import__("io").BytesIO(b""), bucket, "empty2")
    s3.put_object(Bucket=bucket, Key="after2", Body=b"y")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["after", "after2", "empty", "empty2"]
    assert s3.get_object(Bucket=bucket, Key="empty")["ContentLength"] == 0
