"""CloudWatch Logs: batches of events into each worker's stream; after the
restart the stream holds the acknowledged batches in order, and an
interrupted batch wholly or not at all."""
import threading
import time

from harness import NOTHING, Sequence

GROUP = "/soak/logs"


class Plugin:
    name = "logs"

    def __init__(self):
        self.streams = {}  # stream -> Sequence of batches (tuples of messages)
        self.lock = threading.Lock()

    def setup(self, c):
        c.logs.create_log_group(logGroupName=GROUP)
        for worker in range(self.soak.workers):
            c.logs.create_log_stream(logGroupName=GROUP, logStreamName=f"w{worker}")
            self.streams[f"w{worker}"] = Sequence(f"logs {GROUP}/w{worker}")

    def write(self, c, worker, rng):
        stream = f"w{worker}"
        batches = self.streams[stream]
        n = len(batches.acked) + (batches.pending is not NOTHING)
        messages = tuple(f"w{worker} batch {n} event {i} " + "x" * rng.randrange(0, 2000)
                         for i in range(rng.randrange(1, 50)))
        now = int(time.time() * 1000)
        with self.soak.writing(batches, messages):
            c.logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                                  logEvents=[{"timestamp": now, "message": m} for m in messages])

    def verify(self, c, full):
        with self.lock:
            streams = dict(self.streams)
        for batches in self.soak.to_check(streams.values(), full):
            stream = batches.name.rsplit("/", 1)[1]
            events, token = [], None
            while True:
                kwargs = {"nextToken": token} if token else {}
                page = c.logs.get_log_events(logGroupName=GROUP, logStreamName=stream, startFromHead=True, **kwargs)
                events += [e["message"] for e in page["events"]]
                if page["nextForwardToken"] == token:
                    break
                token = page["nextForwardToken"]
            observed, i = [], 0
            # Regroup the events into the batches they were written in.
            for batch in batches.acked + ([batches.pending] if batches.pending is not NOTHING else []):
                if i >= len(events):
                    break
                observed.append(tuple(events[i:i + len(batch)]))
                i += len(batch)
            assert i >= len(events), f"{batches.name}: {len(events) - i} events nobody wrote: {events[i][:60]!r}"
            batches.settle(observed)
