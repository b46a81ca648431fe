"""S3 single PUTs into a versioned bucket: every acknowledged version of every
key is there after the restart, body, content type and metadata byte for
byte, in order, and no other version (a half-written one) is visible."""
import threading

from harness import DropFirst, Sequence, payload

BUCKET = "soak-objects"


class Plugin:
    name = "s3"

    def __init__(self):
        self.keys = {}  # key -> Sequence of (seed, size, content type, metadata)
        self.version_ids = {}  # key -> the acknowledged versions' ids, oldest first
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        c.s3.create_bucket(Bucket=BUCKET)
        c.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})

    def write(self, c, worker, rng):
        with self.lock:
            own = [k for k in self.keys if k.startswith(f"w{worker}/")]
            key = self.soak.reuse(own, rng, 0.3)  # a new version of a key of this worker's
            if key is None:
                self.counter += 1
                key = f"w{worker}/{self.counter:06d}/é %+&.bin"
                self.keys[key] = Sequence(f"s3://{BUCKET}/{key}")
            versions = self.keys[key]
        if self.soak.max_per_worker and len(versions.acked) >= 3:
            # Bounded state (the RSS soak): the oldest version goes.
            with self.lock:
                version_id = self.version_ids[key][0]
            with self.soak.writing(versions, DropFirst()):
                c.s3.delete_object(Bucket=BUCKET, Key=key, VersionId=version_id)
            with self.lock:
                self.version_ids[key].pop(0)
            return
        roll = rng.random()
        size = rng.randrange(0, 16 << 10) if roll < 0.7 else \
            rng.randrange(16 << 10, 300 << 10) if roll < 0.95 else rng.randrange(1 << 20, 5 << 19)
        seed = rng.randrange(1 << 62)
        ctype = rng.choice(["application/octet-stream", "text/plain; charset=utf-8", "image/png"])
        metadata = {"seed": str(seed), "writer": str(worker), "note": rng.choice(["a", "b c", ""])}
        with self.soak.writing(versions, (seed, size, ctype, tuple(sorted(metadata.items())))):
            version_id = c.s3.put_object(Bucket=BUCKET, Key=key, Body=payload(seed, size), ContentType=ctype,
                                         Metadata=metadata)["VersionId"]
        with self.lock:
            self.version_ids.setdefault(key, []).append(version_id)

    def verify(self, c, full):
        with self.lock:
            keys = dict(self.keys)
        listed = {}
        for page in c.s3.get_paginator("list_object_versions").paginate(Bucket=BUCKET):
            for v in page.get("Versions", []):
                listed.setdefault(v["Key"], []).append(v)
            if page.get("DeleteMarkers"):
                raise AssertionError(f"delete markers nobody wrote: {page['DeleteMarkers'][:3]}")
        unknown = set(listed) - set(keys)
        assert not unknown, f"keys nobody wrote are listed: {sorted(unknown)[:5]}"
        for versions in self.soak.to_check(keys.values(), full):
            key = versions.name.split("/", 3)[3]
            observed = []
            # Listed newest first; the history is oldest first.
            for v in reversed(listed.get(key, [])):
                obj = c.s3.get_object(Bucket=BUCKET, Key=key, VersionId=v["VersionId"])
                body = obj["Body"].read()
                metadata = obj["Metadata"]
                seed = int(metadata.get("seed", "-1"))
                assert body == payload(seed, len(body)), f"{versions.name} {v['VersionId']}: body is not what was written"
                assert v["Size"] == len(body) == obj["ContentLength"], f"{versions.name}: sizes differ"
                observed.append((seed, len(body), obj["ContentType"], tuple(sorted(metadata.items()))))
            versions.settle(observed)
            with self.lock:
                self.version_ids[key] = [v["VersionId"] for v in reversed(listed.get(key, []))]
            if observed:
                latest = c.s3.head_object(Bucket=BUCKET, Key=key)
                assert latest["Metadata"]["seed"] == str(observed[-1][0]), f"{versions.name}: latest is not the newest"
