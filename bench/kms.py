#!/usr/bin/env python3
"""KMS benchmark of issue 19: Encrypt and Decrypt of 4 KB, nuage beside moto.

One symmetric key; wrk replays one pre-signed Encrypt of a 4,096-byte
plaintext (with an encryption context), then one pre-signed Decrypt of its
ciphertext, for --duration seconds each, over --connections keep-alive
connections. A replayed request is a real one: every Encrypt draws a fresh
IV and seals 4 KB with AES-256-GCM, every Decrypt opens and authenticates
it. Non-2xx answers are counted and reported (a run with any is void).

    python3 bench/kms.py [--duration 10] [--threads 2] [--connections 8] [--skip-moto]
"""

import base64
import json
import os
import tempfile

import common
from core import run_wrk

HDR = {"Content-Type": "application/x-amz-json-1.1"}
PLAINTEXT = os.urandom(4096)
CONTEXT = {"purpose": "bench"}


def wrk_script(path, body, headers):
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = ['wrk.method = "POST"', f"wrk.body = {q(body)}"]
    lines += [f"wrk.headers[{q(k)}] = {q(v)}" for k, v in headers.items() if k.lower() not in ("host", "content-length")]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def signed(s, target, payload):
    body = json.dumps(payload)
    return body, common.signed_headers(s.port, "kms", body, headers={**HDR, "X-Amz-Target": f"TrentService.{target}"})


def bench(name, make, args):
    with make() as s:
        kms = common.client(s, "kms")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key, Plaintext=PLAINTEXT, EncryptionContext=CONTEXT)["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=CONTEXT)["Plaintext"] == PLAINTEXT
        results = {}
        with tempfile.TemporaryDirectory() as tmp:
            for op, payload in (
                    ("Encrypt", {"KeyId": key, "Plaintext": base64.b64encode(PLAINTEXT).decode(),
                                 "EncryptionContext": CONTEXT}),
                    ("Decrypt", {"CiphertextBlob": base64.b64encode(blob).decode(), "EncryptionContext": CONTEXT})):
                script = os.path.join(tmp, op + ".lua")
                wrk_script(script, *signed(s, op, payload))
                r = run_wrk(s.port, script, args.threads, args.connections, args.duration)
                r["load"] = common.load()
                results[op] = r
                print(f"{name} {op}: {r['rps']:.0f}/s (p50 {r['p50']}, p99 {r['p99']}, non-2xx {r['non2xx']}, "
                      f"load {r['load']})", flush=True)
        results["rss"] = s.rss_kb()
    return results


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    common.header("KMS")
    nuage = bench("nuage", lambda: common.nuage_server(args.nuage), args)
    moto = None if args.skip_moto else bench("moto", common.moto_server, args)
    rows = [["4 KB, requests/s", "nuage", "moto", "ratio"]]
    for op in ("Encrypt", "Decrypt"):
        n, m = nuage[op]["rps"], moto[op]["rps"] if moto else None
        rows.append([op, f"{n:.0f} (p50 {nuage[op]['p50']})", f"{m:.0f}" if moto else "-",
                     common.ratio(n, m) if moto else "-"])
    common.table(rows)
    for op in ("Encrypt", "Decrypt"):
        bad = nuage[op]["non2xx"] or nuage[op]["socket_errors"]
        verdict = "VOID (errors)" if bad else ("met" if nuage[op]["rps"] >= 20000 else "MISSED")
        print(f"goal: {op} of 4 KB >= 20k/s: {verdict}")


if __name__ == "__main__":
    main()
