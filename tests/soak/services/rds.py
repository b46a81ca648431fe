"""RDS DB instances as metadata (the harness serves with --rds-engines none,
so the soak measures nuage's own durability, not MariaDB's): new instances and
tag changes on them; after the restart each instance shows the acknowledged
tags (or the interrupted change, whole), and an acknowledged creation is
there."""
import threading

from harness import NOTHING, Cell


class Plugin:
    name = "rds"
    weight = 0.5

    def __init__(self):
        self.instances = {}  # identifier -> Cell of the tag dict
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        pass

    def write(self, c, worker, rng):
        with self.lock:
            own = [i for i, cell in self.instances.items()
                   if i.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
            ident = self.soak.reuse(own, rng, 0.7)
            if ident is None:
                self.counter += 1
                ident = f"soak-w{worker}-{self.counter:05d}"
                self.instances[ident] = Cell(f"rds {ident}")
            cell = self.instances[ident]
        if cell.acked is NOTHING:
            tags = {"n": str(rng.randrange(10 ** 6))}
            with self.soak.writing(cell, tags):
                c.rds.create_db_instance(DBInstanceIdentifier=ident, DBInstanceClass="db.t3.micro", Engine="mysql",
                                         MasterUsername="admin", MasterUserPassword="Sup3r-secret",
                                         Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
            return
        tags = dict(cell.acked)
        tags[f"k{rng.randrange(8)}"] = "".join(rng.choice("abcdefxyz0123") for _ in range(rng.randrange(1, 64)))
        arn = f"arn:aws:rds:us-east-1:000000000000:db:{ident}"
        with self.soak.writing(cell, tags):
            c.rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": k, "Value": v} for k, v in tags.items()])

    def verify(self, c, full):
        with self.lock:
            instances = dict(self.instances)
        for cell in self.soak.to_check(instances.values(), full):
            ident = cell.name.split(" ", 1)[1]
            try:
                c.rds.describe_db_instances(DBInstanceIdentifier=ident)
            except c.rds.exceptions.DBInstanceNotFoundFault:
                cell.settle(NOTHING)
                continue
            arn = f"arn:aws:rds:us-east-1:000000000000:db:{ident}"
            tags = c.rds.list_tags_for_resource(ResourceName=arn)["TagList"]
            cell.settle({t["Key"]: t["Value"] for t in tags})
