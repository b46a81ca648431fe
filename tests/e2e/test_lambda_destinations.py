"""Asynchronous invocation destinations, end to end: the event invoke config
API with both CLIs, and the invocation record AWS sends — on success and on
failure, after MaximumRetryAttempts on nuage's clock or once the event is
older than MaximumEventAgeInSeconds — to an SQS queue, an SNS topic, a
Lambda function and an EventBridge bus, with the function's role."""
import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, logged_events, make_role, unique, wait_for

HANDLER = """
import json
def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"doubled": event.get("n", 0) * 2}
"""

SENDER = ["sqs:SendMessage", "sns:Publish", "lambda:InvokeFunction", "events:PutEvents", "logs:*"]


def make_queue(server, name, policy_service=None):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if policy_service:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": policy_service},
                                                    "Action": "sqs:SendMessage", "Resource": arn}]})})
    return url, arn


def one_message(server, url):
    sqs = server.client("sqs")

    def got():
        return sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")
    [message] = wait_for(got)
    return json.loads(message["Body"])


def invoke_event(server, function, payload):
    r = server.client("lambda").invoke(FunctionName=function, InvocationType="Event", Payload=json.dumps(payload))
    assert r["StatusCode"] == 202
    return r["ResponseMetadata"]["RequestId"]


def test_success_record_to_a_queue_field_by_field(nuage):
    function = create_python(nuage, make_role(nuage, SENDER), HANDLER)
    url, arn = make_queue(nuage, unique("on-success"))
    lam = nuage.client("lambda")
    config = lam.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=1,
                                                  DestinationConfig={"OnSuccess": {"Destination": arn}})
    assert config["FunctionArn"].endswith(f":function:{function}:$LATEST") and config["MaximumRetryAttempts"] == 1
    assert config["DestinationConfig"] == {"OnSuccess": {"Destination": arn}, "OnFailure": {}}
    request_id = invoke_event(nuage, function, {"n": 21})
    record = one_message(nuage, url)
    assert list(record) == ["version", "timestamp", "requestContext", "requestPayload", "responseContext",
                            "responsePayload"]
    assert record["version"] == "1.0" and record["timestamp"].endswith("Z")
    assert record["requestContext"] == {"requestId": request_id, "functionArn": config["FunctionArn"],
                                        "condition": "Success", "approximateInvokeCount": 1}
    assert list(record["requestContext"]) == ["requestId", "functionArn", "condition", "approximateInvokeCount"]
    assert record["requestPayload"] == {"n": 21}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record["responsePayload"] == {"doubled": 42}


def test_failure_record_to_a_topic_after_the_retries_on_the_clock(fresh_nuage):
    server = fresh_nuage
    server.admin("POST", "/_nuage/clock", {"freeze": True})
    function = create_python(server, make_role(server, SENDER), HANDLER)
    sns = server.client("sns")
    topic = sns.create_topic(Name="failures")["TopicArn"]
    url, queue_arn = make_queue(server, "failures-copy", "sns.amazonaws.com")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    # CLI v2 puts it, CLI v1 reads it back.
    server.cli("lambda", "put-function-event-invoke-config", "--function-name", function,
               "--maximum-retry-attempts", "1", "--destination-config",
               json.dumps({"OnFailure": {"Destination": topic}}), version=2)
    got = server.cli("lambda", "get-function-event-invoke-config", "--function-name", function)
    assert got["MaximumRetryAttempts"] == 1 and got["DestinationConfig"]["OnFailure"] == {"Destination": topic}
    request_id = invoke_event(server, function, {"fail": True})
    wait_for(lambda: len(logged_events(server, function)) == 1)
    server.admin("POST", "/_nuage/clock", {"advance": "1m"})
    record = one_message(server, url)
    assert len(logged_events(server, function)) == 2
    assert record["requestContext"] == {"requestId": request_id, "functionArn": got["FunctionArn"],
                                        "condition": "RetriesExhausted", "approximateInvokeCount": 2}
    assert record["requestPayload"] == {"fail": True}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["responsePayload"]["errorMessage"] == "asked to fail"


def test_failure_record_to_a_function_when_the_event_is_too_old(fresh_nuage):
    server = fresh_nuage
    server.admin("POST", "/_nuage/clock", {"freeze": True})
    role = make_role(server, SENDER)
    function = create_python(server, role, HANDLER)
    receiver = create_python(server, role, HANDLER)
    lam = server.client("lambda")
    receiver_arn = lam.get_function(FunctionName=receiver)["Configuration"]["FunctionArn"]
    lam.put_function_event_invoke_config(FunctionName=function, MaximumEventAgeInSeconds=60,
                                         DestinationConfig={"OnFailure": {"Destination": receiver_arn}})
    invoke_event(server, function, {"fail": True, "n": 1})
    wait_for(lambda: len(logged_events(server, function)) == 1)
    # The first retry runs a minute later; the second would come when the
    # event is older than 60 s: it goes to the destination instead.
    server.admin("POST", "/_nuage/clock", {"advance": "61s"})
    [record] = wait_for(lambda: logged_events(server, receiver))
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"] == {"fail": True, "n": 1}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert len(logged_events(server, function)) == 2


def test_success_record_to_an_event_bus(nuage):
    function = create_python(nuage, make_role(nuage, SENDER), HANDLER)
    events = nuage.client("events")
    bus = unique("results")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, queue_arn = make_queue(nuage, unique("bus-copy"), "events.amazonaws.com")
    events.put_rule(Name="results", EventBusName=bus, EventPattern=json.dumps({"source": ["lambda"]}))
    events.put_targets(Rule="results", EventBusName=bus, Targets=[{"Id": "q", "Arn": queue_arn}])
    nuage.client("lambda").put_function_event_invoke_config(
        FunctionName=function, DestinationConfig={"OnSuccess": {"Destination": bus_arn}})
    invoke_event(nuage, function, {"n": 2})
    event = one_message(nuage, url)
    assert event["source"] == "lambda" and event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert event["detail"]["responsePayload"] == {"doubled": 4}
    assert bus_arn in event["resources"]


def test_the_config_api_and_its_refusals(nuage):
    lam = nuage.client("lambda")
    function = create_python(nuage, make_role(nuage, SENDER), HANDLER)
    lam.publish_version(FunctionName=function)
    queue = make_queue(nuage, unique("dest"))[1]
    with pytest.raises(ClientError) as e:
        lam.get_function_event_invoke_config(FunctionName=function)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    refusals = [
        ({"MaximumRetryAttempts": 3}, "ValidationException"),
        ({"MaximumEventAgeInSeconds": 21601}, "ValidationException"),
        ({}, "InvalidParameterValueException"),
        ({"DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}}},
         "InvalidParameterValueException"),
    ]
    for kwargs, code in refusals:
        with pytest.raises(ClientError) as e:
            lam.put_function_event_invoke_config(FunctionName=function, **kwargs)
        assert e.value.response["Error"]["Code"] == code, kwargs
    # A role that may not send to the destination is refused.
    mute = create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER)
    with pytest.raises(ClientError) as e:
        lam.put_function_event_invoke_config(FunctionName=mute, DestinationConfig={
            "OnFailure": {"Destination": queue}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "SendMessage" in e.value.response["Error"]["Message"]
    lam.put_function_event_invoke_config(FunctionName=function, MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(FunctionName=function, Qualifier="1", MaximumEventAgeInSeconds=120)
    updated = nuage.cli("lambda", "update-function-event-invoke-config", "--function-name", function,
                        "--destination-config", json.dumps({"OnFailure": {"Destination": queue}}))
    assert updated["MaximumRetryAttempts"] == 0 and updated["DestinationConfig"]["OnFailure"]["Destination"] == queue
    listed = nuage.cli("lambda", "list-function-event-invoke-configs", "--function-name", function, version=2)
    assert sorted(c["FunctionArn"].rsplit(":", 1)[1] for c in listed["FunctionEventInvokeConfigs"]) == \
        ["$LATEST", "1"]
    page = lam.list_function_event_invoke_configs(FunctionName=function, MaxItems=1)
    assert len(page["FunctionEventInvokeConfigs"]) == 1 and page["NextMarker"]
    nuage.cli("lambda", "delete-function-event-invoke-config", "--function-name", function, "--qualifier", "1")
    [left] = lam.list_function_event_invoke_configs(FunctionName=function)["FunctionEventInvokeConfigs"]
    assert left["FunctionArn"].endswith(":$LATEST")
    with pytest.raises(ClientError) as e:
        lam.delete_function_event_invoke_config(FunctionName=function, Qualifier="1")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
