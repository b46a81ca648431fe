"""A notes API behind an API Gateway HTTP API (payload format 2.0).

    POST   /notes          {"text": "..."}  -> 201 {"id", "text", "created"}
    GET    /notes                           -> 200 {"notes": [...]}
    GET    /notes/{id}                      -> 200 the note, or 404
    DELETE /notes/{id}                      -> 204

Notes live in the DynamoDB table named by $TABLE."""
import base64
import json
import os
import time
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def answer(status, body=None, headers=None):
    out = {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})}}
    if body is not None:
        out["body"] = json.dumps(body)
    return out


def lambda_handler(event, context):
    route = event["routeKey"]
    note_id = (event.get("pathParameters") or {}).get("id")
    if route == "POST /notes":
        body = event.get("body") or "{}"
        if event.get("isBase64Encoded"):  # HTTP APIs base64-encode non-text bodies (forms too)
            body = base64.b64decode(body).decode()
        try:
            text = json.loads(body)["text"]
        except (ValueError, KeyError, TypeError):
            return answer(400, {"message": "send {\"text\": \"...\"}"})
        note = {"id": uuid.uuid4().hex[:12], "text": text, "created": int(time.time())}
        table.put_item(Item=note)
        return answer(201, {**note, "created": int(note["created"])}, {"location": f"/notes/{note['id']}"})
    if route == "GET /notes":
        items = table.scan()["Items"]
        notes = sorted(({**i, "created": int(i["created"])} for i in items), key=lambda n: (n["created"], n["id"]))
        return answer(200, {"notes": notes})
    if route == "GET /notes/{id}":
        item = table.get_item(Key={"id": note_id}).get("Item")
        if not item:
            return answer(404, {"message": f"no note {note_id}"})
        return answer(200, {**item, "created": int(item["created"])})
    if route == "DELETE /notes/{id}":
        table.delete_item(Key={"id": note_id})
        return {"statusCode": 204}
    return answer(404, {"message": "no such route"})
