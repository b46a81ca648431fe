"""EventBridge: rules (pattern, description, state) and their targets."""
import json
import threading

from harness import NOTHING, Cell


class Plugin:
    name = "eventbridge"

    def __init__(self):
        self.rules = {}    # rule -> Cell of (pattern, description, state)
        self.targets = {}  # rule -> Cell of target ids and inputs
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        pass

    def write(self, c, worker, rng):
        with self.lock:
            own = [r for r, cell in self.rules.items() if r.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
        rule = self.soak.reuse(own, rng, 0.5)
        if rule is not None:
            with self.lock:
                cell = self.targets.setdefault(rule, Cell(f"events targets {rule}"))
            targets = tuple((f"t{i}", json.dumps({"n": rng.randrange(10**6)})) for i in range(rng.randrange(1, 4)))
            previous = cell.acked if cell.acked is not NOTHING else ()
            with self.soak.writing(cell, tuple(sorted(dict(previous + targets).items()))):
                c.events.put_targets(Rule=rule, Targets=[
                    {"Id": i, "Arn": "arn:aws:lambda:us-east-1:000000000000:function:nowhere", "Input": text}
                    for i, text in targets])
            return
        with self.lock:
            self.counter += 1
            rule = f"soak-w{worker}-{self.counter:05d}"
            cell = self.rules[rule] = Cell(f"events rule {rule}")
        pattern = json.dumps({"source": [f"soak.{rng.randrange(100)}"],
                              "detail": {"n": [{"numeric": [">", rng.randrange(100)]}]}}, sort_keys=True)
        value = (pattern, f"rule {rng.randrange(10**6)}", rng.choice(["ENABLED", "DISABLED"]))
        with self.soak.writing(cell, value):
            c.events.put_rule(Name=rule, EventPattern=value[0], Description=value[1], State=value[2])

    def verify(self, c, full):
        with self.lock:
            rules, targets = dict(self.rules), dict(self.targets)
        for cell in self.soak.to_check(rules.values(), full):
            rule = cell.name.split()[-1]
            try:
                got = c.events.describe_rule(Name=rule)
                cell.settle((json.dumps(json.loads(got["EventPattern"]), sort_keys=True), got["Description"],
                             got["State"]))
            except c.events.exceptions.ResourceNotFoundException:
                cell.settle(NOTHING)
        for cell in self.soak.to_check(targets.values(), full):
            rule = cell.name.split()[-1]
            got = c.events.list_targets_by_rule(Rule=rule)["Targets"]
            cell.settle(tuple(sorted((t["Id"], t["Input"]) for t in got)) if got else NOTHING)
