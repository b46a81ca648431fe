#!/usr/bin/env python3
"""Secrets Manager benchmark of issue 19: GetSecretValue requests/s, nuage
beside moto.

One secret of a 1 KB JSON string; wrk replays one pre-signed GetSecretValue
for --duration seconds over --connections keep-alive connections. Every
replay is the whole read: the secret found, KMS asked to decrypt its data
key (with its encryption context and the key's policy), the value opened
with AES-256-GCM. Non-2xx answers are counted and reported (a run with any
is void).

    python3 bench/secretsmanager.py [--duration 10] [--threads 2] [--connections 8] [--skip-moto]
"""

import json
import os
import tempfile

import common
from core import run_wrk
from kms import wrk_script

HDR = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "secretsmanager.GetSecretValue"}
VALUE = json.dumps({"username": "admin", "password": os.urandom(480).hex()})


def bench(name, make, args):
    with make() as s:
        sm = common.client(s, "secretsmanager")
        arn = sm.create_secret(Name="bench/database", SecretString=VALUE)["ARN"]
        assert sm.get_secret_value(SecretId=arn)["SecretString"] == VALUE
        body = json.dumps({"SecretId": "bench/database"})
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "get.lua")
            wrk_script(script, body, common.signed_headers(s.port, "secretsmanager", body, headers=HDR))
            r = run_wrk(s.port, script, args.threads, args.connections, args.duration)
        r["load"] = common.load()
        print(f"{name} GetSecretValue: {r['rps']:.0f}/s (p50 {r['p50']}, p99 {r['p99']}, non-2xx {r['non2xx']}, "
              f"load {r['load']})", flush=True)
    return r


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--connections", type=int, default=8)
    args = ap.parse_args()
    common.header("Secrets Manager")
    nuage = bench("nuage", lambda: common.nuage_server(args.nuage), args)
    moto = None if args.skip_moto else bench("moto", common.moto_server, args)
    common.table([["GetSecretValue, requests/s", "nuage", "moto", "ratio"],
                  ["1 KB secret", f"{nuage['rps']:.0f} (p50 {nuage['p50']})", f"{moto['rps']:.0f}" if moto else "-",
                   common.ratio(nuage["rps"], moto["rps"]) if moto else "-"]])
    if moto:
        bad = nuage["non2xx"] or nuage["socket_errors"] or moto["non2xx"]
        verdict = "VOID (errors)" if bad else ("met" if nuage["rps"] >= 50 * moto["rps"] else "MISSED")
        print(f"goal: GetSecretValue >= 50x moto: {verdict}")


if __name__ == "__main__":
    main()
