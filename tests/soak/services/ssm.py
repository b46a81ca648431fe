"""SSM parameters: new ones and overwrites; after the restart each shows the
acknowledged value and version (or the interrupted overwrite, whole)."""
import string
import threading

from harness import NOTHING, Cell


class Plugin:
    name = "ssm"

    def __init__(self):
        self.params = {}  # name -> Cell of (value, version, type)
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        pass

    def write(self, c, worker, rng):
        with self.lock:
            own = [n for n, cell in self.params.items() if n.startswith(f"/soak/w{worker}/") and cell.acked is not NOTHING]
            name = self.soak.reuse(own, rng, 0.5)
            if name is None:
                self.counter += 1
                name = f"/soak/w{worker}/p{self.counter:05d}"
                self.params[name] = Cell(f"ssm {name}")
            cell = self.params[name]
        alphabet = string.ascii_letters + string.digits + " éü/_-{}\"'\n"
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 4096)))
        kind = cell.acked[2] if cell.acked is not NOTHING else rng.choice(["String", "SecureString", "StringList"])
        if kind == "StringList":
            value = value.replace("\n", ",")
        version = cell.acked[1] + 1 if cell.acked is not NOTHING else 1
        with self.soak.writing(cell, (value, version, kind)):
            c.ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=version > 1)

    def verify(self, c, full):
        with self.lock:
            params = dict(self.params)
        for cell in self.soak.to_check(params.values(), full):
            name = cell.name.split(" ", 1)[1]
            try:
                p = c.ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
                cell.settle((p["Value"], p["Version"], p["Type"]))
            except c.ssm.exceptions.ParameterNotFound:
                cell.settle(NOTHING)
