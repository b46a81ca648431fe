#!/usr/bin/env python3
"""Pin AWS service models into models/: copy botocore's service-2.json for each
service nuage serves, with documentation stripped (it is most of the bytes and
none of the wire facts).

Usage: tools/pin_models.py [service ...]   (default: the list in models/SERVICES)
"""
import gzip, json, os, sys
import botocore

DROP = {"documentation", "documentationUrl", "deprecatedMessage", "examples"}
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    data = os.path.join(os.path.dirname(botocore.__file__), "data")
    services = sys.argv[1:] or open(os.path.join(ROOT, "models", "SERVICES")).read().split()
    for name in services:
        version = sorted(os.listdir(os.path.join(data, name)))[-1]
        path = os.path.join(data, name, version, "service-2.json.gz")
        model = strip(json.load(gzip.open(path)))
        out = os.path.join(ROOT, "models", name + ".json")
        with open(out, "w") as f:
            json.dump(model, f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(f"{name} {version} botocore {botocore.__version__} -> {out}")


if __name__ == "__main__":
    main()
