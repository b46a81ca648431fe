"""Lambda: functions created from a small zip, then reconfigured. After the
restart a function is either absent (its creation interrupted) or whole: its
configuration is the acknowledged one (or the interrupted update), its code
the zip that was sent, byte for byte, and it runs."""
import base64
import hashlib
import io
import json
import threading
import urllib.request
import zipfile

from harness import NOTHING, Cell

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}


def package(marker):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lambda_function.py", f"MARKER = {marker!r}\n\ndef lambda_handler(event, context):\n"
                                         "    return {'marker': MARKER}\n")
        z.writestr("data/blob.txt", marker * 50)
    return buf.getvalue()


class Plugin:
    name = "lambda"

    def __init__(self):
        self.functions = {}  # name -> Cell of configuration (description, memory, timeout, environment)
        self.code = {}       # name -> the zip it was created with
        self.lock = threading.Lock()
        self.counter = 0
        self.role = None

    def setup(self, c):
        self.role = c.iam.create_role(RoleName="soak-lambda", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]

    def write(self, c, worker, rng):
        with self.lock:
            own = [n for n, cell in self.functions.items() if n.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
        config = (f"soak {rng.randrange(10**9)} é", rng.choice([128, 256, 512]), rng.randrange(3, 30),
                  tuple(sorted({f"K{i}": f"v{rng.randrange(10**6)}" for i in range(rng.randrange(0, 4))}.items())))
        name = self.soak.reuse(own, rng, 0.5)
        if name is not None:
            with self.soak.writing(self.functions[name], config):
                c.lambda_.update_function_configuration(
                    FunctionName=name, Description=config[0], MemorySize=config[1], Timeout=config[2],
                    Environment={"Variables": dict(config[3])})
            return
        with self.lock:
            self.counter += 1
            name = f"soak-w{worker}-{self.counter:05d}"
            cell = self.functions[name] = Cell(f"lambda {name}")
            self.code[name] = package(f"{name}-{rng.randrange(10**9)}")
        with self.soak.writing(cell, config):
            c.lambda_.create_function(
                FunctionName=name, Runtime="python3.12", Role=self.role, Handler="lambda_function.lambda_handler",
                Code={"ZipFile": self.code[name]}, Description=config[0], MemorySize=config[1], Timeout=config[2],
                Environment={"Variables": dict(config[3])})

    def verify(self, c, full):
        with self.lock:
            functions = dict(self.functions)
        listed = set()
        for page in c.lambda_.get_paginator("list_functions").paginate():
            listed |= {f["FunctionName"] for f in page["Functions"] if f["FunctionName"].startswith("soak-")}
        assert listed <= set(functions), f"functions nobody created: {sorted(listed - set(functions))[:5]}"
        checked = self.soak.to_check(functions.values(), full)
        for cell in checked:
            name = cell.name.split()[1]
            if name not in listed:
                cell.settle(NOTHING)
                continue
            got = c.lambda_.get_function(FunctionName=name)
            conf = got["Configuration"]
            code = self.code[name]
            with urllib.request.urlopen(got["Code"]["Location"], timeout=30) as res:
                assert res.read() == code, f"{cell.name}: its code is not the zip that was sent"
            assert conf["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode(), cell.name
            assert conf["CodeSize"] == len(code), cell.name
            cell.settle((conf.get("Description", ""), conf["MemorySize"], conf["Timeout"],
                         tuple(sorted(conf.get("Environment", {}).get("Variables", {}).items()))))
        # A function runs after the restart (one per round: a cold start costs a process).
        present = [cell for cell in checked if cell.acked is not NOTHING]
        if present:
            name = self.soak.rng.choice(present).name.split()[1]
            res = c.lambda_.invoke(FunctionName=name, Payload=b"{}")
            assert json.loads(res["Payload"].read())["marker"].startswith(name), f"lambda {name}: wrong code ran"
