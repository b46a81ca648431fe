"""EFS file systems (by creation token) and the tags written on them, and
access points (by client token) with their root directory; after the
restart each shows the acknowledged state (or the interrupted write, whole)."""
import threading

from harness import NOTHING, Cell


class Plugin:
    name = "efs"

    def __init__(self):
        self.cells = {}  # creation token -> Cell of (sorted tags, sorted access point paths)
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        pass

    def write(self, c, worker, rng):
        with self.lock:
            own = [t for t, cell in self.cells.items() if t.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
            token = self.soak.reuse(own, rng, 0.7)
            if token is None:
                self.counter += 1
                token = f"soak-w{worker}-{self.counter:05d}"
                self.cells[token] = Cell(f"efs {token}")
            cell = self.cells[token]
        if cell.acked is NOTHING:
            with self.soak.writing(cell, ((("n", "0"),), ())):
                c.efs.create_file_system(CreationToken=token, Tags=[{"Key": "n", "Value": "0"}])
            return
        tags, paths = cell.acked
        fs_id = c.efs.describe_file_systems(CreationToken=token)["FileSystems"][0]["FileSystemId"]
        if rng.random() < 0.5 and len(paths) < 5:
            path = f"/ap{len(paths)}"
            with self.soak.writing(cell, (tags, tuple(sorted(paths + (path,))))):
                c.efs.create_access_point(ClientToken=f"{token}{path}", FileSystemId=fs_id,
                                          RootDirectory={"Path": path})
        else:
            value = str(int(dict(tags)["n"]) + 1)
            with self.soak.writing(cell, ((("n", value),), paths)):
                c.efs.tag_resource(ResourceId=fs_id, Tags=[{"Key": "n", "Value": value}])

    def verify(self, c, full):
        with self.lock:
            cells = dict(self.cells)
        for cell in self.soak.to_check(cells.values(), full):
            token = cell.name.split(" ", 1)[1]
            found = c.efs.describe_file_systems(CreationToken=token)["FileSystems"]
            if not found:
                cell.settle(NOTHING)
                continue
            fs = found[0]
            tags = tuple(sorted((t["Key"], t["Value"]) for t in fs["Tags"]))
            points = c.efs.describe_access_points(FileSystemId=fs["FileSystemId"])["AccessPoints"]
            cell.settle((tags, tuple(sorted(p["RootDirectory"]["Path"] for p in points))))
