"""Seed 000's "un événement AWS (ex : ajout dans un S3)": every file added
under incoming/ is read, summarized (size, lines, words, SHA-256) into
processed/<name>.json, and the original is tagged processed=true.

The record's key is URL-encoded ("red flower.txt" arrives as
"red+flower.txt"), so it is decoded with unquote_plus, as AWS's own samples do."""
import hashlib
import json
import urllib.parse

import boto3

s3 = boto3.client("s3")


def lambda_handler(event, context):
    done = []
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        text = body.decode("utf-8", errors="replace")
        summary = {
            "source": f"s3://{bucket}/{key}",
            "event": record["eventName"],
            "eventTime": record["eventTime"],
            "size": len(body),
            "lines": text.count("\n") + (1 if text and not text.endswith("\n") else 0),
            "words": len(text.split()),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        name = key[len("incoming/"):] if key.startswith("incoming/") else key
        s3.put_object(Bucket=bucket, Key=f"processed/{name}.json", Body=json.dumps(summary, indent=2).encode(),
                      ContentType="application/json")
        s3.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": [{"Key": "processed", "Value": "true"}]})
        print(f"processed s3://{bucket}/{key}: {summary['lines']} lines, {summary['words']} words")
        done.append(key)
    return {"processed": done}
