"""DynamoDB items: puts, updates (ADD to a counter, SET of a string) and
deletes in one table; after the restart each item shows the acknowledged
state (or the interrupted write, whole), and a deleted one stays deleted."""
import string
import threading

from harness import NOTHING, Cell

TABLE = "soak-items"
DELETED = "deleted"  # a state of its own: NOTHING in flight means "no write in flight"


class Plugin:
    name = "dynamodb"

    def __init__(self):
        self.items = {}  # key -> Cell of (text, count)
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        try:
            c.dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}],
                                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                                          {"AttributeName": "sk", "AttributeType": "N"}])
        except c.dynamodb.exceptions.ResourceInUseException:
            pass
        c.dynamodb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    def write(self, c, worker, rng):
        with self.lock:
            own = [k for k, cell in self.items.items() if k[0] == f"w{worker}"]
            key = self.soak.reuse(own, rng, 0.6)
            if key is None:
                self.counter += 1
                key = (f"w{worker}", self.counter)
                self.items[key] = Cell(f"dynamodb {key[0]} {key[1]}")
            cell = self.items[key]
        ddb_key = {"pk": {"S": key[0]}, "sk": {"N": str(key[1])}}
        text = "".join(rng.choice(string.ascii_letters + "éü ") for _ in range(rng.randrange(1, 2000)))
        action = rng.random()
        if cell.acked is NOTHING or cell.acked == DELETED or action < 0.4:
            with self.soak.writing(cell, (text, 0)):
                c.dynamodb.put_item(TableName=TABLE, Item={**ddb_key, "text": {"S": text}, "count": {"N": "0"}})
        elif action < 0.85:
            with self.soak.writing(cell, (text, cell.acked[1] + 1)):
                c.dynamodb.update_item(TableName=TABLE, Key=ddb_key, UpdateExpression="SET #t = :t ADD #c :one",
                                       ExpressionAttributeNames={"#t": "text", "#c": "count"},
                                       ExpressionAttributeValues={":t": {"S": text}, ":one": {"N": "1"}})
        else:
            with self.soak.writing(cell, DELETED):
                c.dynamodb.delete_item(TableName=TABLE, Key=ddb_key)

    def verify(self, c, full):
        with self.lock:
            items = dict(self.items)
        for cell in self.soak.to_check(items.values(), full):
            _, worker, number = cell.name.split(" ")
            got = c.dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": worker}, "sk": {"N": number}},
                                      ConsistentRead=True).get("Item")
            if got:
                cell.settle((got["text"]["S"], int(got["count"]["N"])))
            else:
                cell.settle(DELETED if DELETED in (cell.acked, cell.pending) else NOTHING)
