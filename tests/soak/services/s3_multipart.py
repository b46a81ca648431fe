"""S3 multipart uploads: an object whose CompleteMultipartUpload was
acknowledged is there whole; one interrupted is either absent or whole, never
partial; parts acknowledged for an upload not completed are still listed."""
import hashlib
import threading

from harness import NOTHING, Cell, Sequence, payload

BUCKET = "soak-multipart"
PART = 5 << 20  # S3's minimum for all but the last part


class Plugin:
    name = "s3_multipart"
    weight = 0.25  # 5 MiB a write: kept rarer so that 100 rounds stay within a few GB

    def __init__(self):
        self.objects = {}  # key -> Cell of (seed, sizes)
        self.parts = {}    # (key, upload id) -> Sequence of (part number, etag)
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        c.s3.create_bucket(Bucket=BUCKET)

    def write(self, c, worker, rng):
        with self.lock:
            own = [k for k, cell in self.objects.items() if k.startswith(f"w{worker}/") and cell.acked is not NOTHING]
            key = self.soak.reuse(own, rng, 0.1)  # an upload that replaces the object
            if key is None:
                self.counter += 1
                key = f"w{worker}/upload-{self.counter:05d}"
                self.objects[key] = Cell(f"s3://{BUCKET}/{key}")
            obj = self.objects[key]
        seed = rng.randrange(1 << 62)
        sizes = (PART, rng.randrange(1, 256 << 10))
        data = payload(seed, sum(sizes))
        upload_id = None
        with self.soak.writing(obj, (seed, sizes)):
            upload_id = c.s3.create_multipart_upload(Bucket=BUCKET, Key=key, Metadata={"seed": str(seed)})["UploadId"]
            parts = Sequence(f"{key} upload {upload_id}")
            parts.seed, parts.completed = seed, False
            with self.lock:
                self.parts[(key, upload_id)] = parts
            offset = 0
            for number, size in enumerate(sizes, 1):
                chunk = data[offset:offset + size]
                offset += size
                etag = f'"{hashlib.md5(chunk).hexdigest()}"'  # a part's ETag is its bytes' MD5
                with self.soak.writing(parts, (number, etag)):
                    got = c.s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number,
                                           Body=chunk)["ETag"]
                assert got == etag, f"{key} part {number}: ETag {got}, its MD5 is {etag}"
            c.s3.complete_multipart_upload(
                Bucket=BUCKET, Key=key, UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts.acked]})
            parts.completed = True

    def verify(self, c, full):
        with self.lock:
            objects, uploads = dict(self.objects), dict(self.parts)
        listed_uploads = set()
        for page in c.s3.get_paginator("list_multipart_uploads").paginate(Bucket=BUCKET):
            listed_uploads |= {(u["Key"], u["UploadId"]) for u in page.get("Uploads", [])}
        present = set()
        for page in c.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            present |= {o["Key"] for o in page.get("Contents", [])}
        for obj in self.soak.to_check(objects.values(), full, sample=5):  # 5 MiB each
            key = obj.name.split("/", 3)[3]
            if key not in present:
                obj.settle(NOTHING)
                continue
            got = c.s3.get_object(Bucket=BUCKET, Key=key)
            body = got["Body"].read()
            seed = int(got["Metadata"]["seed"])
            candidates = [v for v in (obj.acked, obj.pending) if v is not NOTHING and v[0] == seed]
            assert candidates, f"{obj.name}: an object nobody completed (seed {seed})"
            sizes = candidates[0][1]
            assert body == payload(seed, sum(sizes)), f"{obj.name}: not the whole object that was uploaded"
            assert got["ETag"].endswith(f'-{len(sizes)}"'), f"{obj.name}: ETag {got['ETag']}"
            obj.settle((seed, sizes))
        for (key, upload_id), parts in uploads.items():
            listed = (key, upload_id) in listed_uploads
            if parts.completed:
                assert not listed, f"{key}: completed upload {upload_id} still listed"
                continue
            if not listed:
                # Not listed: its interrupted CompleteMultipartUpload landed, so the object is this upload's.
                obj = objects[key]
                assert obj.acked is not NOTHING and obj.acked[0] == parts.seed, \
                    f"{key}: upload {upload_id} vanished without completing"
                parts.completed = True
                continue
            observed = []
            for page in c.s3.get_paginator("list_parts").paginate(Bucket=BUCKET, Key=key, UploadId=upload_id):
                observed += [(p["PartNumber"], p["ETag"]) for p in page.get("Parts", [])]
            parts.settle(observed)
