"""SQS messages: each worker sends messages to a queue of its own and deletes
some (received, then deleted by their receipt handle); after the restart each
acknowledged message is there byte for byte, with its attributes, exactly
once, and an acknowledged delete stays deleted."""
import string
import threading

import botocore.exceptions

from harness import NOTHING, Cell, Interrupted

DELETED = "deleted"


def queue_name(worker):
    return f"soak-sqs-w{worker}"


class Plugin:
    name = "sqs"

    def __init__(self):
        self.cells = {}  # (worker, n) -> Cell of (body, attribute) or DELETED
        self.urls = {}
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        for worker in range(self.soak.workers):
            self.urls[worker] = c.sqs.create_queue(QueueName=queue_name(worker))["QueueUrl"]

    def _url(self, c, worker):
        # The port changes with each restart: the path names the queue.
        return c.endpoint + "/" + self.urls[worker].split("/", 3)[3]

    def write(self, c, worker, rng):
        url = self._url(c, worker)
        with self.lock:
            present = [k for k, cell in self.cells.items() if k[0] == worker and cell.acked not in (NOTHING, DELETED)]
        if present and rng.random() < 0.3:
            try:  # no write yet: only a server killed meanwhile fails it
                got = c.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=0).get("Messages", [])
            except (botocore.exceptions.BotoCoreError, ConnectionError, OSError) as e:
                raise Interrupted() from e
            if not got:
                return
            key = (worker, int(got[0]["Body"].split(" ", 2)[1]))
            with self.lock:
                cell = self.cells.get(key)
            if cell is None:
                return
            with self.soak.writing(cell, DELETED):
                c.sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
            return
        with self.lock:
            self.counter += 1
            key = (worker, self.counter)
            cell = self.cells[key] = Cell(f"sqs w{worker} {self.counter}")
        text = "".join(rng.choice(string.ascii_letters + "éü \n") for _ in range(rng.randrange(1, 3000)))
        body = f"w{worker} {key[1]} {text}"
        attribute = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randrange(1, 50)))
        with self.soak.writing(cell, (body, attribute)):
            c.sqs.send_message(QueueUrl=url, MessageBody=body,
                               MessageAttributes={"a": {"DataType": "String", "StringValue": attribute}})

    def _drain(self, c, url):
        """Every message of the queue (made invisible while read, visible again after)."""
        seen, handles = {}, []
        while True:
            got = c.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300,
                                        MessageAttributeNames=["All"]).get("Messages", [])
            if not got:
                break
            for m in got:
                n = int(m["Body"].split(" ", 2)[1])
                if n in seen:
                    raise AssertionError(f"sqs: message {n} is in the queue twice")
                seen[n] = (m["Body"], m["MessageAttributes"]["a"]["StringValue"])
                handles.append(m["ReceiptHandle"])
        for i in range(0, len(handles), 10):
            c.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
                {"Id": str(j), "ReceiptHandle": h, "VisibilityTimeout": 0} for j, h in enumerate(handles[i:i + 10])])
        return seen

    def verify(self, c, full):
        with self.lock:
            cells = dict(self.cells)
            workers = sorted(self.urls)
        for worker in workers:
            seen = self._drain(c, self._url(c, worker))
            own = {n: cell for (w, n), cell in cells.items() if w == worker}
            for n in seen:
                if n not in own:
                    raise AssertionError(f"sqs: queue of worker {worker} holds message {n}, never sent")
            # Every cell is checked: a drain reads the whole queue anyway.
            for cell in self.soak.to_check(own.values(), True):
                n = int(cell.name.rsplit(" ", 1)[1])
                observed = seen.get(n)
                if observed is None:
                    observed = DELETED if DELETED in (cell.acked, cell.pending) else NOTHING
                cell.settle(observed)
