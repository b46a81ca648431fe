"""Issue 18's SQS worker end to end: examples/sqs-worker deployed by its
deploy.sh with each AWS CLI on a fresh nuage; orders sent to the queue are
stored with their totals by the function the event source mapping invokes
and deleted from the queue; an unreadable message is reported as a batch
item failure, comes back after the visibility timeout on nuage's clock and
lands in the dead-letter queue after three receives."""
import json
import os
import subprocess

import pytest

from conftest import CLI_V1, CLI_V2, client_env, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "sqs-worker")


@pytest.mark.parametrize("version", [1, 2])
def test_orders_are_stored_and_bad_ones_reach_the_dead_letter_queue(fresh_nuage, version):
    cli = CLI_V1 if version == 1 else CLI_V2
    if cli is None:
        pytest.skip(f"AWS CLI v{version} is not installed")
    server = fresh_nuage
    env = client_env({"ENDPOINT": server.endpoint, "REGION": "us-east-1", "AWS_CLI": cli})
    res = subprocess.run([os.path.join(EXAMPLE, "deploy.sh")], env=env, capture_output=True, text=True, timeout=90)
    assert res.returncode == 0, res.stdout + res.stderr
    server.admin("POST", "/_nuage/clock", {"freeze": True})

    sqs = server.client("sqs")
    url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    orders = [{"orderId": f"o-{i}", "items": [{"sku": "tea", "quantity": i, "price": 2.5},
                                              {"sku": "cup", "quantity": 1, "price": 4}]} for i in range(1, 4)]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": o["orderId"], "MessageBody": json.dumps(o)} for o in orders]
                           + [{"Id": "bad", "MessageBody": "not an order"}])
    table = server.resource("dynamodb").Table("orders")

    def stored():
        items = table.scan()["Items"]
        return items if len(items) == 3 else None

    items = {i["orderId"]: i for i in wait_for(stored)}
    assert {k: float(v["total"]) for k, v in items.items()} == {"o-1": 6.5, "o-2": 9.0, "o-3": 11.5}
    assert all(v["items"] == 2 and v["receiveCount"] == 1 for v in items.values())

    def held(queue):
        a = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
        return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])

    # The orders are gone; the bad message is in flight, then back twice more.
    wait_for(lambda: held(url) == (0, 1))
    for _ in range(2):
        server.admin("POST", "/_nuage/clock", {"advance": "31s"})
        wait_for(lambda: held(url) == (0, 1))
    server.admin("POST", "/_nuage/clock", {"advance": "31s"})
    wait_for(lambda: held(dlq) == (1, 0) and held(url) == (0, 0))
    [dead] = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert dead["Body"] == "not an order"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(":orders")
