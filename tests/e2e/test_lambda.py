"""Lambda end to end: functions that really run (Python runtime through the
Runtime API, in bubblewrap), with their role's credentials, errors,
timeouts, async retries on the nuage clock, concurrency, versions, the
seed-002 helpers, and bad packages."""
import base64
import json
import threading
import time
import urllib.request
import zipfile
import io
from io import BytesIO

import boto3
import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, invoke, make_role, make_zip, unique, wait_for

ALL_EC2 = ["ec2:DescribeInstances", "ec2:StartInstances", "ec2:StopInstances", "logs:*"]


@pytest.fixture(scope="module")
def role(nuage):
    return make_role(nuage, ALL_EC2 + ["ssm:*"])


# ---- seed 002: the course's helpers, verbatim, wrapped to take the client ----

def seed_002(lambda_client):
    def invoke_lambda(function_name, payload):
        """Invoque une fonction Lambda."""
        response = lambda_client.invoke(
            FunctionName=function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps(payload)
        )

        return json.loads(response["Payload"].read())

    def invoke_async(function_name, payload):
        """Invoque une Lambda de manière asynchrone."""
        lambda_client.invoke(
            FunctionName=function_name,
            InvocationType="Event",
            Payload=json.dumps(payload)
        )

    def update_lambda_code(function_name, code_path):
        """Met à jour le code d'une Lambda."""
        # Créer un ZIP en mémoire
        zip_buffer = BytesIO()
        with zipfile.ZipFile(zip_buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(code_path, "lambda_function.py")

        lambda_client.update_function_code(
            FunctionName=function_name,
            ZipFile=zip_buffer.getvalue()
        )

    return invoke_lambda, invoke_async, update_lambda_code


def test_seed_002_invoke_update_and_async(nuage, role, tmp_path):
    lam = nuage.client("lambda")
    ssm = nuage.client("ssm")
    name = create_python(nuage, role, "def lambda_handler(event, context):\n    return {'v': 1, 'got': event}\n")
    invoke_lambda, invoke_async, update_lambda_code = seed_002(lam)
    assert invoke_lambda(name, {"x": 1}) == {"v": 1, "got": {"x": 1}}

    param = "/" + unique("seed002")
    source = tmp_path / "new_code.py"
    source.write_text(
        "import boto3\n"
        "def lambda_handler(event, context):\n"
        "    boto3.client('ssm').put_parameter(Name=event['param'], Value=str(event['n']), Type='String', Overwrite=True)\n"
        "    return {'v': 2}\n")
    update_lambda_code(name, str(source))
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert invoke_lambda(name, {"param": param, "n": 1}) == {"v": 2}
    invoke_async(name, {"param": param, "n": 42})
    wait_for(lambda: ssm.get_parameter(Name=param)["Parameter"]["Value"] == "42")


# ---- a Python handler that calls EC2 with its role's credentials ----

EC2_HANDLER = """
import os, boto3

def lambda_handler(event, context):
    ec2 = boto3.client('ec2')
    if event.get('action') == 'stop':
        ec2.stop_instances(InstanceIds=[event['id']])
    elif event.get('action') == 'start':
        ec2.start_instances(InstanceIds=[event['id']])
    ids = [i['InstanceId'] for r in ec2.describe_instances()['Reservations'] for i in r['Instances']]
    ident = boto3.client('sts').get_caller_identity()
    return {
        'ids': ids,
        'arn': ident['Arn'],
        'key': os.environ['AWS_ACCESS_KEY_ID'][:4],
        'token': bool(os.environ.get('AWS_SESSION_TOKEN')),
        'env': {k: os.environ.get(k) for k in ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION',
               'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_EXECUTION_ENV',
               '_HANDLER', 'LAMBDA_TASK_ROOT', 'AWS_LAMBDA_LOG_GROUP_NAME', 'TZ', 'MY_VAR']},
        'path_has_opt_bin': '/opt/bin' in os.environ['PATH'],
        'ld_has_opt_lib': '/opt/lib' in os.environ.get('LD_LIBRARY_PATH', ''),
        'cwd': os.getcwd(),
        'context': [context.function_name, context.function_version, context.invoked_function_arn,
                    context.memory_limit_in_mb, context.aws_request_id, context.log_group_name,
                    context.log_stream_name, context.get_remaining_time_in_millis() > 0],
        'tmp': os.listdir('/tmp'),
    }
"""


def test_python_handler_calls_ec2_with_role_credentials(nuage, role):
    ec2 = nuage.client("ec2")
    run = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro")
    instance = run["Instances"][0]["InstanceId"]
    name = unique("demarrage")
    create_python(nuage, role, EC2_HANDLER, name=name, MemorySize=256,
                  Environment={"Variables": {"MY_VAR": "hello"}})
    r, out = invoke(nuage, name, {"action": "stop", "id": instance})
    assert "FunctionError" not in r, out
    sandboxed = nuage.admin("GET", "/_nuage/health")["lambda_sandbox"] == "bubblewrap"
    if not sandboxed:  # plain processes see the code where it is on disk
        assert out["cwd"] == out["env"]["LAMBDA_TASK_ROOT"]
        out["cwd"] = out["env"]["LAMBDA_TASK_ROOT"] = "/var/task"
    assert instance in out["ids"]
    role_name = role.split("/")[-1]
    assert out["arn"] == f"arn:aws:sts::000000000000:assumed-role/{role_name}/{name}"
    assert out["key"] == "ASIA" and out["token"]
    assert out["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": name, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13", "_HANDLER": "lambda_function.lambda_handler",
        "LAMBDA_TASK_ROOT": "/var/task", "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}", "TZ": ":UTC",
        "MY_VAR": "hello"}
    assert out["path_has_opt_bin"] and out["ld_has_opt_lib"]
    assert out["cwd"] == "/var/task"
    ctx = out["context"]
    assert ctx[0] == name and ctx[1] == "$LATEST"
    assert ctx[2] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert ctx[3] == "256" and ctx[4] == r["ResponseMetadata"]["RequestId"]
    assert ctx[5] == f"/aws/lambda/{name}" and "[$LATEST]" in ctx[6] and ctx[7]
    state = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]["State"]["Name"]
    assert state in ("stopping", "stopped")


def test_sandbox_hides_nuage_data(nuage, role):
    health = nuage.admin("GET", "/_nuage/health")
    assert health["lambda_sandbox"] in ("bubblewrap", "process")
    if health["lambda_sandbox"] != "bubblewrap":
        pytest.skip("no bubblewrap on this machine")
    name = create_python(nuage, role,
                         "import os\ndef lambda_handler(event, context):\n"
                         "    open('/tmp/mine', 'w').write('x')\n"
                         "    try:\n        open('/var/task/new', 'w')\n        ro = False\n"
                         "    except OSError:\n        ro = True\n"
                         "    return {'tmp': sorted(os.listdir('/tmp')), 'task_read_only': ro,\n"
                         "            'pid': os.getpid()}\n")
    _, out = invoke(nuage, name)
    # /tmp is the environment's own (nuage's ephemeral data folder lives in /tmp).
    assert out["tmp"] == ["mine"]
    assert out["task_read_only"]
    assert out["pid"] < 10  # its own PID namespace


def test_denied_action_its_role_does_not_allow(nuage):
    role = make_role(nuage, ["ec2:DescribeInstances"])
    name = create_python(nuage, role,
                         "import boto3\nfrom botocore.exceptions import ClientError\n"
                         "def lambda_handler(event, context):\n"
                         "    ec2 = boto3.client('ec2')\n"
                         "    ec2.describe_instances()\n"
                         "    try:\n"
                         "        ec2.stop_instances(InstanceIds=['i-0123456789abcdef0'])\n"
                         "    except ClientError as e:\n"
                         "        return {'denied': e.response['Error']['Code'], 'message': e.response['Error']['Message']}\n"
                         "    return {'denied': None}\n")
    _, out = invoke(nuage, name)
    assert out["denied"] == "UnauthorizedOperation", out
    assert "ec2:StopInstances" in out["message"]


def test_role_that_lambda_cannot_assume(nuage):
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = make_role(nuage, [], trust=trust)
    lam = nuage.client("lambda")
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique("fn"), Runtime="python3.13", Role=role,
                            Handler="x.handler", Code={"ZipFile": make_zip({"x.py": ""})})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert e.value.response["Error"]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique("fn"), Runtime="python3.13", Role="not-a-role",
                            Handler="x.handler", Code={"ZipFile": make_zip({"x.py": ""})})
    assert e.value.response["Error"]["Code"] == "ValidationException"


# ---- errors and timeouts ----

def test_handled_error(nuage, role):
    name = create_python(nuage, role, "def lambda_handler(event, context):\n    raise ValueError('bad input: ' + str(event['n']))\n")
    r, out = invoke(nuage, name, {"n": 7}, LogType="Tail")
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "ValueError"
    assert out["errorMessage"] == "bad input: 7"
    assert any("lambda_function.py" in line for line in out["stackTrace"])
    log = base64.b64decode(r["LogResult"]).decode()
    assert "[ERROR] ValueError: bad input: 7" in log and "REPORT RequestId: " in log
    # The environment survives a handled error.
    r, out = invoke(nuage, name, {"n": 8})
    assert out["errorMessage"] == "bad input: 8"


def test_import_errors(nuage, role):
    name = create_python(nuage, role, "import does_not_exist\ndef lambda_handler(e, c):\n    return 1\n")
    r, out = invoke(nuage, name)
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Runtime.ImportModuleError"
    assert out["errorMessage"] == "Unable to import module 'lambda_function': No module named 'does_not_exist'"

    name = create_python(nuage, role, "x = 1\n", handler="missing_module.handler")
    r, out = invoke(nuage, name)
    assert out["errorType"] == "Runtime.ImportModuleError"
    assert out["errorMessage"] == "Unable to import module 'missing_module': No module named 'missing_module'"

    name = create_python(nuage, role, "x = 1\n", handler="lambda_function.nope")
    r, out = invoke(nuage, name)
    assert out["errorType"] == "Runtime.HandlerNotFound"
    assert out["errorMessage"] == "Handler 'nope' missing on module 'lambda_function'"


def test_timeout_kills_and_replaces_the_environment(nuage, role):
    name = create_python(nuage, role,
                         "import time, os\n"
                         "def lambda_handler(event, context):\n"
                         "    if event.get('sleep'):\n        time.sleep(event['sleep'])\n"
                         "    return os.getpid()\n", Timeout=1)
    _, first_pid = invoke(nuage, name)
    r, out = invoke(nuage, name, {"sleep": 5}, LogType="Tail")
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Sandbox.Timedout"
    assert out["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert "Task timed out after 1.00 seconds" in base64.b64decode(r["LogResult"]).decode()
    r, pid = invoke(nuage, name)
    assert "FunctionError" not in r
    assert isinstance(pid, int)


def test_process_exit_is_a_runtime_exit_error(nuage, role):
    name = create_python(nuage, role, "import os\ndef lambda_handler(e, c):\n    os._exit(3)\n")
    r, out = invoke(nuage, name)
    assert r["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Runtime.ExitError"


def test_bad_payload_and_missing_function(nuage, role):
    lam = nuage.client("lambda")
    name = create_python(nuage, role, "def lambda_handler(e, c):\n    return e\n")
    with pytest.raises(ClientError) as e:
        lam.invoke(FunctionName=name, Payload=b"not json")
    assert e.value.response["Error"]["Code"] == "InvalidRequestContentException"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as e:
        lam.invoke(FunctionName="no-such-function")
    assert "Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function" in str(e.value)
    assert lam.invoke(FunctionName=name, InvocationType="DryRun")["StatusCode"] == 204


# ---- asynchronous invocations: retried twice, on the nuage clock ----

def test_async_retries_twice_on_the_clock(fresh_nuage):
    nuage = fresh_nuage
    role = make_role(nuage, ["ssm:*"])
    ssm = nuage.client("ssm")
    param = "/" + unique("attempts")
    ssm.put_parameter(Name=param, Value="0", Type="String")
    name = create_python(nuage, role,
                         "import boto3\n"
                         "def lambda_handler(event, context):\n"
                         "    ssm = boto3.client('ssm')\n"
                         "    n = int(ssm.get_parameter(Name=event['p'])['Parameter']['Value']) + 1\n"
                         "    ssm.put_parameter(Name=event['p'], Value=str(n), Type='String', Overwrite=True)\n"
                         "    raise RuntimeError('attempt %d' % n)\n")
    nuage.admin("POST", "/_nuage/clock", {"freeze": True})
    lam = nuage.client("lambda")
    assert lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"p": param}))["StatusCode"] == 202
    value = lambda: ssm.get_parameter(Name=param)["Parameter"]["Value"]
    wait_for(lambda: value() == "1")
    nuage.admin("POST", "/_nuage/clock", {"advance": "59s"})
    assert value() == "1"
    nuage.admin("POST", "/_nuage/clock", {"advance": "1s"})
    assert value() == "2"
    nuage.admin("POST", "/_nuage/clock", {"advance": "2m"})
    assert value() == "3"
    nuage.admin("POST", "/_nuage/clock", {"advance": "10m"})
    assert value() == "3"
    # The deprecated InvokeAsync queues the same way.
    ssm.put_parameter(Name=param, Value="10", Type="String", Overwrite=True)
    assert lam.invoke_async(FunctionName=name, InvokeArgs=json.dumps({"p": param}))["Status"] == 202
    wait_for(lambda: value() == "11")


def test_an_event_out_of_retries_goes_to_the_dead_letter_queue(fresh_nuage):
    nuage = fresh_nuage
    sqs = nuage.client("sqs")
    url = sqs.create_queue(QueueName="failed-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    name = create_python(nuage, make_role(nuage, ["sqs:SendMessage", "logs:*"]),
                         "def lambda_handler(event, context):\n"
                         "    raise ValueError('cannot handle ' + event['order'])\n",
                         DeadLetterConfig={"TargetArn": queue_arn})
    # Without sqs:SendMessage in its role, a function's events cannot reach its queue.
    denied = create_python(nuage, make_role(nuage, ["logs:*"]),
                           "def lambda_handler(event, context):\n    raise ValueError('no')\n",
                           DeadLetterConfig={"TargetArn": queue_arn})
    nuage.admin("POST", "/_nuage/clock", {"freeze": True})
    lam = nuage.client("lambda")
    accepted = lam.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"order": "o-1"}))
    lam.invoke(FunctionName=denied, InvocationType="Event", Payload=json.dumps({"order": "o-2"}))
    nuage.admin("POST", "/_nuage/clock", {"advance": "1m"})
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None  # one retry left
    nuage.admin("POST", "/_nuage/clock", {"advance": "2m"})
    got = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, MessageAttributeNames=["All"],
                                               MaxNumberOfMessages=10).get("Messages"))
    [message] = got
    assert json.loads(message["Body"]) == {"order": "o-1"}
    attrs = message["MessageAttributes"]
    assert attrs["RequestID"]["StringValue"] == accepted["ResponseMetadata"]["RequestId"]
    assert attrs["ErrorCode"] == {"StringValue": "200", "DataType": "Number"}
    assert attrs["ErrorMessage"]["StringValue"] == "cannot handle o-1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    nuage.admin("POST", "/_nuage/clock", {"advance": "10m"})
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages") is None


# ---- concurrency ----

def test_reserved_concurrency_throttles(nuage, role):
    lam = nuage.client("lambda")
    # The slow invocation sleeps 3 s: well within its timeout, even on a loaded machine.
    name = create_python(nuage, role, "import time\ndef lambda_handler(e, c):\n    time.sleep(e.get('s', 0))\n    return 'ok'\n",
                         Timeout=30)
    assert lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)[
        "ReservedConcurrentExecutions"] == 1
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 1
    assert lam.get_function(FunctionName=name)["Concurrency"] == {"ReservedConcurrentExecutions": 1}
    results = {}
    started = threading.Event()

    def slow():
        started.set()
        # A probe below may hold the only slot for a moment: then try again.
        for _ in range(50):
            try:
                results["slow"] = invoke(nuage, name, {"s": 3})[1]
                return
            except ClientError as e:
                if e.response["Error"]["Code"] != "TooManyRequestsException":
                    raise
                time.sleep(0.1)

    t = threading.Thread(target=slow)
    t.start()
    started.wait()
    # Once the slow one holds the only slot, a second invocation is throttled.
    def throttled():
        try:
            invoke(nuage, name)
        except ClientError as e:
            return e.response
        return None
    err = wait_for(throttled, timeout=10)
    t.join()
    assert err["Error"]["Code"] == "TooManyRequestsException"
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert err["Error"]["Message"] == "Rate Exceeded."
    assert results["slow"] == "ok"
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException):
        lam.invoke(FunctionName=name)
    lam.delete_function_concurrency(FunctionName=name)
    assert invoke(nuage, name)[1] == "ok"


def test_concurrent_invocations_get_separate_environments(nuage, role):
    name = create_python(nuage, role, "import os, time\ndef lambda_handler(e, c):\n    time.sleep(1)\n    return c.log_stream_name\n")
    out = []
    threads = [threading.Thread(target=lambda: out.append(invoke(nuage, name)[1])) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == 2 and out[0] != out[1]


# ---- functions: configuration, versions, aliases, tags, policy ----

def test_configuration_versions_aliases(nuage, role):
    lam = nuage.client("lambda")
    name = unique("cfg")
    created = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                  Handler="lambda_function.lambda_handler", Tags={"team": "a"},
                                  Code={"ZipFile": make_zip({"lambda_function.py": "def lambda_handler(e, c):\n    return 'v1'\n"})})
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    assert created["Version"] == "$LATEST" and created["Timeout"] == 3 and created["MemorySize"] == 128
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    conf = lam.get_function_configuration(FunctionName=name)
    assert conf["State"] == "Active" and conf["LastUpdateStatus"] == "Successful"
    assert conf["CodeSha256"] == created["CodeSha256"]

    v1 = lam.publish_version(FunctionName=name)
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(f":{name}:1")
    assert lam.publish_version(FunctionName=name)["Version"] == "1"  # nothing changed
    updated = lam.update_function_code(FunctionName=name, ZipFile=make_zip(
        {"lambda_function.py": "def lambda_handler(e, c):\n    return 'v2'\n"}), Publish=True)
    assert updated["Version"] == "2" and updated["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "1", "2"]

    alias = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(f":{name}:live")
    r, out = invoke(nuage, name, Qualifier="live")
    assert out == "v1" and r["ExecutedVersion"] == "1"
    assert invoke(nuage, f"{name}:2")[1] == "v2"
    assert invoke(nuage, name)[1] == "v2"
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    assert invoke(nuage, name, Qualifier="live")[1] == "v2"
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["live"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name, Qualifier="9")

    upd = lam.update_function_configuration(FunctionName=name, Timeout=10, MemorySize=512,
                                            Environment={"Variables": {"A1": "1"}})
    assert upd["LastUpdateStatus"] == "InProgress"
    lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    conf = lam.get_function_configuration(FunctionName=name)
    assert conf["Timeout"] == 10 and conf["MemorySize"] == 512 and conf["Environment"]["Variables"] == {"A1": "1"}
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"AWS_REGION": "x"}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"

    arn = conf["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"env": "dev"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a", "env": "dev"}
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.get_function(FunctionName=name)["Tags"] == {"env": "dev"}

    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_policy(FunctionName=name)
    st = json.loads(lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                                       Principal="events.amazonaws.com",
                                       SourceArn="arn:aws:events:us-east-1:000000000000:rule/r")["Statement"])
    assert st["Principal"] == {"Service": "events.amazonaws.com"}
    assert st["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:events:us-east-1:000000000000:rule/r"}}
    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.add_permission(FunctionName=name, StatementId="events", Action="lambda:InvokeFunction",
                           Principal="events.amazonaws.com")
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["events"]
    lam.remove_permission(FunctionName=name, StatementId="events")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.remove_permission(FunctionName=name, StatementId="events")

    with pytest.raises(lam.exceptions.ResourceConflictException):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="x.y",
                            Code={"ZipFile": make_zip({"x.py": ""})})
    lam.delete_alias(FunctionName=name, Name="live")
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]] == ["$LATEST", "2"]
    lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)


def test_list_functions_paginates(nuage, role):
    lam = nuage.client("lambda")
    prefix = unique("page")
    for i in range(5):
        create_python(nuage, role, "def h(e, c):\n    return 1\n", name=f"{prefix}-{i}", handler="lambda_function.h")
    names = []
    for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 2}):
        names += [f["FunctionName"] for f in page["Functions"] if f["FunctionName"].startswith(prefix)]
    assert names == [f"{prefix}-{i}" for i in range(5)]


def test_get_function_code_location_downloads_the_zip(nuage, role):
    lam = nuage.client("lambda")
    package = make_zip({"lambda_function.py": "def lambda_handler(e, c):\n    return 1\n"})
    name = unique("code")
    lam.create_function(FunctionName=name, Runtime="python3.13", Role=role,
                        Handler="lambda_function.lambda_handler", Code={"ZipFile": package})
    code = lam.get_function(FunctionName=name)["Code"]
    assert code["RepositoryType"] == "S3"
    with urllib.request.urlopen(code["Location"], timeout=10) as res:
        assert res.read() == package
    bad = code["Location"].split("?")[0] + "?token=0"
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(bad, timeout=10)
    assert e.value.code == 403


def test_invalid_runtime(nuage, role):
    lam = nuage.client("lambda")
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique("fn"), Runtime="python2.7", Role=role, Handler="x.y",
                            Code={"ZipFile": make_zip({"x.py": ""})})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "The runtime parameter of python2.7 is no longer supported" in e.value.response["Error"]["Message"]


# ---- bad packages ----

def zip_with(entries):
    """entries: [(ZipInfo-or-name, data)] written as is."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info, data in entries:
            z.writestr(info, data)
    return buf.getvalue()


def symlink_entry(name, target):
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777) << 16
    info.create_system = 3
    return info, target


@pytest.mark.parametrize("entries", [
    [("../evil.py", "x = 1")],
    [("a/../../evil.py", "x = 1")],
    [("/tmp/evil.py", "x = 1")],
    [symlink_entry("link", "/etc")],
    [symlink_entry("link", "../../outside")],
    [symlink_entry("dir", "sub"), ("dir/x.py", "x")],
])
def test_zip_slip_is_rejected(nuage, role, entries, tmp_path):
    lam = nuage.client("lambda")
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique("slip"), Runtime="python3.13", Role=role, Handler="x.y",
                            Code={"ZipFile": zip_with(entries)})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert e.value.response["Error"]["Message"] == \
        "Could not unzip uploaded file. Please check your file, then try to upload again."


def test_not_a_zip_and_too_large(nuage, role):
    lam = nuage.client("lambda")
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique("bad"), Runtime="python3.13", Role=role, Handler="x.y",
                            Code={"ZipFile": b"this is not a zip"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    # A zip bomb: small zipped, over 250 MB unzipped.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.bin", b"\0" * (260 * 1024 * 1024))
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName=unique("bomb"), Runtime="python3.13", Role=role, Handler="x.y",
                            Code={"ZipFile": buf.getvalue()})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_logs_in_cloudwatch(nuage, role):
    if "logs" not in nuage.admin("GET", "/_nuage/health")["services"]:
        pytest.skip("CloudWatch Logs is not in this build")
    logs = nuage.client("logs")
    name = create_python(nuage, role, "def lambda_handler(e, c):\n    print('printed by the handler')\n    return 1\n")
    r, _ = invoke(nuage, name)
    request_id = r["ResponseMetadata"]["RequestId"]
    group = f"/aws/lambda/{name}"

    def messages():
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        out = []
        for s in streams:
            out += [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=s["logStreamName"])["events"]]
        return out
    msgs = wait_for(lambda: [m for m in messages()] or None)
    text = "".join(msgs)
    assert f"START RequestId: {request_id} Version: $LATEST" in text
    assert "printed by the handler" in text
    assert f"END RequestId: {request_id}" in text
    report = [m for m in msgs if m.startswith(f"REPORT RequestId: {request_id}")][0]
    for field in ("Duration:", "Billed Duration:", "Memory Size: 128 MB", "Max Memory Used:", "Init Duration:"):
        assert field in report
