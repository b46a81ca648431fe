"""EventBridge Scheduler: schedules (far-future cron, target, flexible window)
created and updated."""
import json
import threading

from harness import NOTHING, Cell


class Plugin:
    name = "scheduler"

    def __init__(self):
        self.schedules = {}  # name -> Cell of (expression, input, state, description)
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        pass

    def write(self, c, worker, rng):
        with self.lock:
            own = [n for n, cell in self.schedules.items() if n.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
            name = self.soak.reuse(own, rng, 0.5)
            update = name is not None
            if not update:
                self.counter += 1
                name = f"soak-w{worker}-{self.counter:05d}"
                self.schedules[name] = Cell(f"schedule {name}")
            cell = self.schedules[name]
        value = (f"cron({rng.randrange(60)} {rng.randrange(24)} 1 1 ? 2099)", json.dumps({"n": rng.randrange(10**6)}),
                 rng.choice(["ENABLED", "DISABLED"]), f"schedule {rng.randrange(10**6)}")
        call = c.scheduler.update_schedule if update else c.scheduler.create_schedule
        with self.soak.writing(cell, value):
            call(Name=name, ScheduleExpression=value[0], State=value[2], Description=value[3],
                 FlexibleTimeWindow={"Mode": "OFF"},
                 Target={"Arn": "arn:aws:lambda:us-east-1:000000000000:function:nowhere",
                         "RoleArn": "arn:aws:iam::000000000000:role/nowhere", "Input": value[1]})

    def verify(self, c, full):
        with self.lock:
            schedules = dict(self.schedules)
        for cell in self.soak.to_check(schedules.values(), full):
            name = cell.name.split()[-1]
            try:
                got = c.scheduler.get_schedule(Name=name)
                cell.settle((got["ScheduleExpression"], got["Target"]["Input"], got["State"], got["Description"]))
            except c.scheduler.exceptions.ResourceNotFoundException:
                cell.settle(NOTHING)
