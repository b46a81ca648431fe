"""S3 as the seed documents use it: every S3 snippet of seed 002 (verbatim,
wrapped into functions that take the clients), the versioning walk-through
and presigned URLs of seed 001 with the AWS CLI v1 and v2, and the
recursive directory upload of seed 004."""
import os
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta  # noqa: F401  (seed 002's imports)
from pathlib import Path

import pytest
from botocore.exceptions import ClientError


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def seed_002(s3, s3_resource):
    """Seed 002's S3 section, verbatim inside; the module-level clients
    become parameters."""

    def list_buckets():
        """Liste tous les buckets."""
        response = s3.list_buckets()
        return [b["Name"] for b in response["Buckets"]]

    def create_bucket(name, region="eu-west-1"):
        """Crée un bucket."""
        try:
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": region}
            )
            return True
        except ClientError as e:
            print(f"Erreur: {e}")
            return False

    def delete_bucket(name, force=False):
        """Supprime un bucket."""
        bucket = s3_resource.Bucket(name)

        if force:
            # Supprimer tous les objets d'abord
            bucket.objects.all().delete()
            bucket.object_versions.all().delete()

        bucket.delete()

    def upload_file(local_path, bucket, s3_key, metadata=None):
        """Upload un fichier vers S3."""
        extra_args = {}
        if metadata:
            extra_args["Metadata"] = metadata

        s3.upload_file(
            str(local_path),
            bucket,
            s3_key,
            ExtraArgs=extra_args
        )
        print(f"Uploaded: s3://{bucket}/{s3_key}")

    def download_file(bucket, s3_key, local_path):
        """Download un fichier depuis S3."""
        Path(local_path).parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(bucket, s3_key, str(local_path))
        print(f"Downloaded: {local_path}")

    def upload_directory(local_dir, bucket, prefix=""):
        """Upload un répertoire complet."""
        local_path = Path(local_dir)

        for file_path in local_path.rglob("*"):
            if file_path.is_file():
                relative = file_path.relative_to(local_path)
                s3_key = f"{prefix}/{relative}" if prefix else str(relative)
                upload_file(file_path, bucket, s3_key)

    # Avec callback de progression
    def upload_with_progress(local_path, bucket, s3_key):
        """Upload avec barre de progression."""
        from rich.progress import Progress

        file_size = Path(local_path).stat().st_size

        with Progress() as progress:
            task = progress.add_task("Uploading...", total=file_size)

            def callback(bytes_transferred):
                progress.update(task, completed=bytes_transferred)

            s3.upload_file(
                str(local_path),
                bucket,
                s3_key,
                Callback=callback
            )

    def list_objects(bucket, prefix=""):
        """Liste les objets d'un bucket."""
        paginator = s3.get_paginator("list_objects_v2")

        objects = []
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                objects.append({
                    "key": obj["Key"],
                    "size": obj["Size"],
                    "modified": obj["LastModified"]
                })

        return objects

    def delete_objects(bucket, keys):
        """Supprime plusieurs objets."""
        objects = [{"Key": k} for k in keys]
        s3.delete_objects(
            Bucket=bucket,
            Delete={"Objects": objects}
        )

    def generate_presigned_url(bucket, key, expiration=3600):
        """Génère une URL signée temporaire."""
        url = s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": bucket, "Key": key},
            ExpiresIn=expiration
        )
        return url

    def copy_object(source_bucket, source_key, dest_bucket, dest_key):
        """Copie un objet entre buckets."""
        s3.copy_object(
            CopySource={"Bucket": source_bucket, "Key": source_key},
            Bucket=dest_bucket,
            Key=dest_key
        )

    return types.SimpleNamespace(**{k: v for k, v in locals().items() if callable(v)})


class FakeProgress:
    """Stands in for rich.progress.Progress (rich is not installed here);
    records what the seed's callback reports."""
    updates = []

    def __init__(self):
        self.total = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def add_task(self, description, total):
        self.total = total
        return 1

    def update(self, task, completed):
        FakeProgress.updates.append(completed)


@pytest.fixture
def eu(nuage):
    """Seed 002's clients, configured as its ~/.aws/config says (eu-west-1)."""
    s3 = nuage.client("s3", region="eu-west-1")
    res = nuage.resource("s3", region="eu-west-1")
    return seed_002(s3, res), s3


def test_seed_002_buckets(eu):
    seed, s3 = eu
    name = unique("seed002")
    assert seed.create_bucket(name) is True
    assert name in seed.list_buckets()
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-1"
    # A second create of one's own bucket fails (printed, returns False).
    assert seed.create_bucket(name) is False
    seed.delete_bucket(name)
    assert name not in seed.list_buckets()


def test_seed_002_force_delete_with_versions(eu):
    seed, s3 = eu
    name = unique("force")
    assert seed.create_bucket(name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for i in range(3):
        s3.put_object(Bucket=name, Key="doc.txt", Body=f"v{i}".encode())
        s3.put_object(Bucket=name, Key=f"dir/f{i}", Body=b"x")
    s3.delete_object(Bucket=name, Key="dir/f0")  # a delete marker
    with pytest.raises(ClientError) as exc:
        seed.delete_bucket(name)  # not forced: not empty
    assert exc.value.response["Error"]["Code"] == "BucketNotEmpty"
    seed.delete_bucket(name, force=True)
    assert name not in seed.list_buckets()


def test_seed_002_upload_download_directory(eu, tmp_path):
    seed, s3 = eu
    name = unique("updown")
    assert seed.create_bucket(name)
    src = tmp_path / "report.txt"
    src.write_bytes(b"quarterly numbers\n" * 1000)
    seed.upload_file(src, name, "reports/q1.txt", metadata={"author": "alice"})
    head = s3.head_object(Bucket=name, Key="reports/q1.txt")
    assert head["Metadata"] == {"author": "alice"}
    dest = tmp_path / "down" / "nested" / "q1.txt"
    seed.download_file(name, "reports/q1.txt", dest)
    assert dest.read_bytes() == src.read_bytes()

    tree = tmp_path / "tree"
    for rel in ["a.txt", "sub/b.txt", "sub/deeper/c.bin", "espace et accent é.txt"]:
        p = tree / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(rel.encode() * 10)
    seed.upload_directory(tree, name, prefix="backup")
    seed.upload_directory(tree / "sub", name)
    keys = sorted(o["key"] for o in seed.list_objects(name))
    assert keys == sorted(["reports/q1.txt", "backup/a.txt", "backup/sub/b.txt", "backup/sub/deeper/c.bin",
                           "backup/espace et accent é.txt", "b.txt", "deeper/c.bin"])
    listed = seed.list_objects(name, prefix="backup/sub/")
    assert {o["key"]: o["size"] for o in listed} == {"backup/sub/b.txt": 90, "backup/sub/deeper/c.bin": 160}
    assert all(isinstance(o["modified"], datetime) for o in listed)
    seed.delete_bucket(name, force=True)


def test_seed_002_upload_with_progress_multipart(eu, tmp_path, monkeypatch):
    seed, s3 = eu
    name = unique("progress")
    assert seed.create_bucket(name)
    rich = types.ModuleType("rich")
    progress_mod = types.ModuleType("rich.progress")
    progress_mod.Progress = FakeProgress
    monkeypatch.setitem(sys.modules, "rich", rich)
    monkeypatch.setitem(sys.modules, "rich.progress", progress_mod)
    FakeProgress.updates = []
    big = tmp_path / "big.bin"
    data = os.urandom(20 * 1024 * 1024 + 12345)  # above 8 MiB: multipart
    big.write_bytes(data)
    seed.upload_with_progress(big, name, "big.bin")
    # s3transfer reports increments; the seed passes them as `completed`.
    assert sum(FakeProgress.updates) == len(data)
    head = s3.head_object(Bucket=name, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].endswith('-3"')
    out = tmp_path / "back.bin"
    seed.download_file(name, "big.bin", out)
    assert out.read_bytes() == data
    seed.delete_bucket(name, force=True)


def test_seed_002_paginate_delete_presign_copy(eu, tmp_path):
    seed, s3 = eu
    src, dst = unique("src"), unique("dst")
    assert seed.create_bucket(src) and seed.create_bucket(dst)
    keys = [f"logs/{i:04d}.log" for i in range(1234)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda k: s3.put_object(Bucket=src, Key=k, Body=k.encode()), keys))
    s3.put_object(Bucket=src, Key="other/x", Body=b"x")
    listed = seed.list_objects(src, prefix="logs/")
    assert [o["key"] for o in listed] == keys  # 2 pages, in order

    seed.delete_objects(src, keys[:1000])
    assert [o["key"] for o in seed.list_objects(src, prefix="logs/")] == keys[1000:]

    url = seed.generate_presigned_url(src, "other/x", expiration=600)
    with urllib.request.urlopen(url) as res:
        assert res.read() == b"x"

    seed.copy_object(src, "other/x", dst, "copied/x")
    assert s3.get_object(Bucket=dst, Key="copied/x")["Body"].read() == b"x"
    seed.delete_bucket(src, force=True)
    seed.delete_bucket(dst, force=True)


# ---- seed 001: versioning with the AWS CLI, presign ----

@pytest.mark.parametrize("version", [1, 2])
def test_seed_001_versioning_walkthrough(nuage, tmp_path, version):
    bucket = unique(f"mon-bucket-v{version}")
    nuage.cli("s3api", "create-bucket", "--bucket", bucket, version=version)
    nuage.cli("s3api", "put-bucket-versioning", "--bucket", bucket,
              "--versioning-configuration", "Status=Enabled", version=version)
    assert nuage.cli("s3api", "get-bucket-versioning", "--bucket", bucket, version=version)["Status"] == "Enabled"

    report = tmp_path / "rapport.pdf"
    report.write_bytes(b"%PDF first")
    v1 = nuage.cli("s3api", "put-object", "--bucket", bucket, "--key", "rapport.pdf",
                   "--body", str(report), version=version)["VersionId"]
    report.write_bytes(b"%PDF second, longer")
    v2 = nuage.cli("s3api", "put-object", "--bucket", bucket, "--key", "rapport.pdf",
                   "--body", str(report), version=version)["VersionId"]
    assert v1 != v2

    versions = nuage.cli("s3api", "list-object-versions", "--bucket", bucket, version=version)
    listed = [(v["VersionId"], v["IsLatest"], v["Size"]) for v in versions["Versions"]]
    assert listed == [(v2, True, 19), (v1, False, 10)]

    out = tmp_path / "old.pdf"
    meta = nuage.cli("s3api", "get-object", "--bucket", bucket, "--key", "rapport.pdf",
                     "--version-id", v1, str(out), version=version)
    assert meta["VersionId"] == v1 and out.read_bytes() == b"%PDF first"

    # Deleting makes a delete marker; the versions stay.
    deleted = nuage.cli("s3api", "delete-object", "--bucket", bucket, "--key", "rapport.pdf", version=version)
    assert deleted["DeleteMarker"] is True
    res = nuage.cli("s3api", "head-object", "--bucket", bucket, "--key", "rapport.pdf", version=version,
                    check=False)
    assert res.returncode != 0 and ("404" in res.stderr or "Not Found" in res.stderr)
    versions = nuage.cli("s3api", "list-object-versions", "--bucket", bucket, version=version)
    assert versions["DeleteMarkers"][0]["VersionId"] == deleted["VersionId"]
    assert versions["DeleteMarkers"][0]["IsLatest"] is True

    # Restore the first version by copying it over the key.
    nuage.cli("s3api", "copy-object", "--bucket", bucket, "--key", "rapport.pdf",
              "--copy-source", f"{bucket}/rapport.pdf?versionId={v1}", version=version)
    nuage.cli("s3", "cp", f"s3://{bucket}/rapport.pdf", str(out), version=version)
    assert out.read_bytes() == b"%PDF first"
    # Removing the marker by version id is allowed too.
    nuage.cli("s3api", "delete-object", "--bucket", bucket, "--key", "rapport.pdf",
              "--version-id", deleted["VersionId"], version=version)
    versions = nuage.cli("s3api", "list-object-versions", "--bucket", bucket, version=version)
    assert "DeleteMarkers" not in versions and len(versions["Versions"]) == 3


@pytest.mark.parametrize("version", [1, 2])
def test_seed_001_presign(nuage, tmp_path, version):
    s3 = nuage.client("s3")
    bucket = unique("presign")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="fichier.txt", Body=b"contenu du fichier")
    url = nuage.cli("s3", "presign", f"s3://{bucket}/fichier.txt", "--expires-in", "600",
                    version=version).strip()
    out = subprocess.run(["curl", "-sf", url], capture_output=True, timeout=30)
    assert out.returncode == 0 and out.stdout == b"contenu du fichier"
    with urllib.request.urlopen(url) as res:
        assert res.read() == b"contenu du fichier"

    # Tampered: the signature no longer matches.
    tampered = url.replace("fichier.txt", "fichier.txx")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(tampered)
    assert exc.value.code == 403 and b"<Code>SignatureDoesNotMatch</Code>" in exc.value.read()

    # Expired.
    short = nuage.cli("s3", "presign", f"s3://{bucket}/fichier.txt", "--expires-in", "1",
                      version=version).strip()
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(short)
    body = exc.value.read()
    assert exc.value.code == 403 and b"<Code>AccessDenied</Code>" in body and b"Request has expired" in body


def test_seed_001_boto3_presign_get_and_put(nuage, tmp_path):
    s3 = nuage.client("s3")
    bucket = unique("presign-b3")
    s3.create_bucket(Bucket=bucket)
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up/load.txt"},
                                        ExpiresIn=600)
    # boto3 presigns S3 with SigV2 by default; the PUT carries no Content-Type
    # (it would be part of the signed string).
    payload = tmp_path / "payload.txt"
    payload.write_bytes(b"via presigned put")
    out = subprocess.run(["curl", "-sf", "-T", str(payload), put_url], capture_output=True, timeout=30)
    assert out.returncode == 0, out
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "up/load.txt"}, ExpiresIn=600)
    with urllib.request.urlopen(url) as res:
        assert res.read() == b"via presigned put"
    # Unsigned requests are refused (no bucket policy grants anonymous access).
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(f"{nuage.endpoint}/{bucket}/up/load.txt")
    assert exc.value.code == 403 and b"AccessDenied" in exc.value.read()


# ---- seed 004: recursive directory upload with key prefix ----

def aws_s3_upload_file(s3, srcdir, bucket_name, key_prefix, remove_src=False):
    """What seed 004's aws_s3_upload.upload_file does: every file under
    srcdir (recursively) goes to key_prefix + '/' + its relative path; the
    source file is removed after its upload when remove_src is true."""
    uploaded = []
    for root, _dirs, files in os.walk(srcdir):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, srcdir).replace(os.sep, "/")
            key = key_prefix + "/" + rel
            s3.upload_file(path, bucket_name, key)
            uploaded.append(key)
            if remove_src:
                os.remove(path)
    return uploaded


@pytest.mark.parametrize("remove_src", [False, True])
def test_seed_004_recursive_upload(nuage, tmp_path, remove_src):
    s3 = nuage.client("s3")
    bucket = unique("my-bucket")
    s3.create_bucket(Bucket=bucket)
    src = tmp_path / "source_dir"
    files = {"top.csv": b"a,b\n", "2024/01/data.json": b"{}", "2024/02/big.bin": os.urandom(9 * 1024 * 1024),
             "deep/er/est/file name.txt": b"spaces"}
    for rel, data in files.items():
        p = src / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    key_prefix = "folder1/folder2"
    remove = "True" if remove_src else "False"
    keys = aws_s3_upload_file(s3, str(src), bucket, key_prefix,
                              'true' == remove.lower() if remove is not None else False)
    assert sorted(keys) == sorted(f"{key_prefix}/{rel}" for rel in files)
    for rel, data in files.items():
        assert s3.get_object(Bucket=bucket, Key=f"{key_prefix}/{rel}")["Body"].read() == data
    remaining = [p for p in src.rglob("*") if p.is_file()]
    assert (remaining == []) == remove_src
