#!/usr/bin/env python3
"""Pin AWS service models into models/: copy botocore's service-2.json for each
service nuage serves, with documentation stripped (it is most of the bytes and
none of the wire facts).

Services whose current model left the query protocol (SQS moved to json in
2023) are still spoken in query by the clients that predate the move (AWS CLI
v2 2.9, Debian's botocore 1.29): their last query-era model is pinned beside
as models/<service>_query.json, from the oldest botocore installed that has
one. It gives the query wire names and the query error codes (see
src/model/model.h, query dialects).

Usage: tools/pin_models.py [service ...]   (default: the list in models/SERVICES)
"""
import gzip, json, os, sys
import botocore

DROP = {"documentation", "documentationUrl", "deprecatedMessage", "examples"}
# Where query-era models are looked for: the botocore bundled with Debian's
# AWS CLI v2, then Debian's python3-botocore.
QUERY_ERA_DATA = ["/usr/lib/python3/dist-packages/awscli/botocore/data", "/usr/lib/python3/dist-packages/botocore/data"]
QUERY_DIALECTS = {"sqs"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def load(path):
    return json.load(gzip.open(path) if path.endswith(".gz") else open(path))


def write(name, model):
    out = os.path.join(ROOT, "models", name + ".json")
    with open(out, "w") as f:
        json.dump(model, f, separators=(",", ":"), sort_keys=True)
        f.write("\n")
    return out


def pin_query_dialect(name):
    for data in QUERY_ERA_DATA:
        folder = os.path.join(data, name)
        if not os.path.isdir(folder):
            continue
        version = sorted(os.listdir(folder))[-1]
        for file in ("service-2.json", "service-2.json.gz"):
            path = os.path.join(folder, version, file)
            if os.path.exists(path) and load(path)["metadata"]["protocol"] == "query":
                out = write(name + "_query", strip(load(path)))
                print(f"{name} {version} query dialect from {path} -> {out}")
                return
    sys.exit(f"no query-era model of {name} under {QUERY_ERA_DATA}")


def main():
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    services = sys.argv[1:] or open(os.path.join(ROOT, "models", "SERVICES")).read().split()
    for name in services:
        version = sorted(os.listdir(os.path.join(data, name)))[-1]
        path = os.path.join(data, name, version, "service-2.json.gz")
        out = write(name, strip(load(path)))
        print(f"{name} {version} botocore {botocore.__version__} -> {out}")
        if name in QUERY_DIALECTS:
            pin_query_dialect(name)


if __name__ == "__main__":
    main()
