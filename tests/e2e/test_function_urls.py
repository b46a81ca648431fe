"""Lambda function URLs end to end: the configuration operations with boto3
and both AWS CLIs, and the URLs themselves over plain HTTP — AuthType NONE
allowed only by a public resource policy (lambda:InvokeFunctionUrl with
lambda:FunctionUrlAuthType NONE, and lambda:InvokeFunction via the URL, as
AWS requires since October 2025), AuthType AWS_IAM only for SigV4-signed
requests of callers allowed lambda:InvokeFunctionUrl, the payload 2.0
event of a function URL, and Cors on answers and preflights."""
import json
import urllib.error
import urllib.request

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from lambda_helpers import create_python, make_role, unique

ACCOUNT = "000000000000"

HANDLER = r'''
import json

def handler(event, context):
    if event.get("rawPath") == "/fail":
        raise RuntimeError("boom")
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "cookies": ["seen=1"], "body": json.dumps(event)}
'''


def url_id_of(url):
    return url.split("//")[1].split(".")[0]


def call(server, url, path="/", method="GET", body=None, headers=None, path_form=False, sign=None):
    """(status, headers, body) of one request to a function URL; `sign`:
    (access key, secret) to sign it with SigV4 for lambda."""
    url_id = url_id_of(url)
    host = f"{url_id}.lambda-url.us-east-1.localhost:{server.port}"
    target = (f"{server.endpoint}/_nuage/lambda-url/{url_id}{path}" if path_form else server.endpoint + path)
    headers = dict(headers or {})
    if not path_form:
        headers["Host"] = host
    if sign:
        aws = AWSRequest(method=method, url=target, data=body or b"", headers=headers)
        SigV4Auth(Credentials(*sign), "lambda", "us-east-1").add_auth(aws)
        headers = dict(aws.headers.items())
    req = urllib.request.Request(target, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def function(nuage):
    return create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER, handler="lambda_function.handler")


def allow_public(nuage, name, invoke_too=True):
    lam = nuage.client("lambda")
    lam.add_permission(FunctionName=name, StatementId=unique("url"), Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    if invoke_too:
        lam.add_permission(FunctionName=name, StatementId=unique("invoke"), Action="lambda:InvokeFunction",
                           Principal="*", InvokedViaFunctionUrl=True)


def test_url_configuration_operations(nuage):
    name = create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER, handler="lambda_function.handler")
    lam = nuage.client("lambda")
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE",
                                             Cors={"AllowOrigins": ["https://app.example"], "MaxAge": 60})
    assert created["FunctionUrl"].startswith("http://") and created["FunctionUrl"].endswith(
        f".lambda-url.us-east-1.localhost:{nuage.port}/")
    assert len(url_id_of(created["FunctionUrl"])) == 32
    assert created["FunctionArn"].endswith(":function:" + name)
    assert created["AuthType"] == "NONE" and created["InvokeMode"] == "BUFFERED"
    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == created["FunctionUrl"] and got["Cors"]["MaxAge"] == 60
    with pytest.raises(ClientError) as e:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert e.value.response["Error"]["Code"] == "ResourceConflictException"
    updated = nuage.cli("lambda", "update-function-url-config", "--function-name", name, "--auth-type", "AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM" and updated["FunctionUrl"] == created["FunctionUrl"]
    listed = nuage.cli("lambda", "list-function-url-configs", "--function-name", name, version=2)
    assert [c["AuthType"] for c in listed["FunctionUrlConfigs"]] == ["AWS_IAM"]
    nuage.cli("lambda", "delete-function-url-config", "--function-name", name, version=2)
    with pytest.raises(ClientError) as e:
        lam.get_function_url_config(FunctionName=name)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert call(nuage, created["FunctionUrl"])[0] == 404
    with pytest.raises(ClientError) as e:
        lam.create_function_url_config(FunctionName=unique("missing"), AuthType="NONE")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_none_needs_a_public_policy(nuage):
    name = create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER, handler="lambda_function.handler")
    url = nuage.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    status, _, body = call(nuage, url)
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    allow_public(nuage, name, invoke_too=False)
    assert call(nuage, url)[0] == 403  # lambda:InvokeFunction is needed too
    nuage.client("lambda").add_permission(FunctionName=name, StatementId="invoke", Action="lambda:InvokeFunction",
                                          Principal="*", InvokedViaFunctionUrl=True)
    status, headers, body = call(nuage, url, "/hello/world?a=1&a=2", headers={"User-Agent": "curl-ish"})
    assert status == 200, body
    assert headers.get_all("Set-Cookie") == ["seen=1"]
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/hello/world" and event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert "pathParameters" not in event and "stageVariables" not in event
    ctx = event["requestContext"]
    url_id = url_id_of(url)
    assert ctx["accountId"] == "anonymous"
    assert ctx["apiId"] == url_id and ctx["domainPrefix"] == url_id
    assert ctx["domainName"] == f"{url_id}.lambda-url.us-east-1.localhost:{nuage.port}"
    assert ctx["http"]["method"] == "GET" and ctx["http"]["userAgent"] == "curl-ish"
    assert ctx["stage"] == "$default" and "authorizer" not in ctx
    # The path form reaches the same function.
    status, _, body = call(nuage, url, "/via/path", path_form=True)
    assert status == 200 and json.loads(body)["rawPath"] == "/via/path"
    status, _, body = call(nuage, url, "/fail")
    assert status == 502


def test_aws_iam_needs_a_signed_allowed_caller(nuage, function):
    lam = nuage.client("lambda")
    url = lam.create_function_url_config(FunctionName=function, AuthType="AWS_IAM")["FunctionUrl"]
    status, _, body = call(nuage, url, "/x")
    assert (status, json.loads(body)) == (403, {"Message": "Forbidden"})
    # The account's root is allowed by its identity.
    status, _, body = call(nuage, url, "/signed", method="POST", body=b"payload", sign=("test", "test"),
                           headers={"Content-Type": "text/plain"})
    assert status == 200, body
    event = json.loads(body)
    assert event["body"] == "payload"
    iam_ctx = event["requestContext"]["authorizer"]["iam"]
    assert iam_ctx["accountId"] == ACCOUNT and iam_ctx["accessKey"] == "test"
    assert event["requestContext"]["accountId"] == ACCOUNT
    # A user needs lambda:InvokeFunctionUrl and lambda:InvokeFunction.
    iam = nuage.client("iam")
    user = unique("url-user")
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    creds = (key["AccessKeyId"], key["SecretAccessKey"])
    assert call(nuage, url, "/u", sign=creds)[0] == 403
    iam.put_user_policy(UserName=user, PolicyName="url", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*",
                                                "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"]}]}))
    status, _, body = call(nuage, url, "/u", sign=creds)
    assert status == 200 and json.loads(body)["requestContext"]["authorizer"]["iam"]["userArn"].endswith(
        ":user/" + user)
    # A wrong secret fails the signature.
    assert call(nuage, url, "/u", sign=(key["AccessKeyId"], "wrong"))[0] == 403
    lam.delete_function_url_config(FunctionName=function)


def test_cors_on_answers_and_preflights(nuage):
    name = create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER, handler="lambda_function.handler")
    url = nuage.client("lambda").create_function_url_config(FunctionName=name, AuthType="NONE", Cors={
        "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-token"],
        "ExposeHeaders": ["x-trace"], "MaxAge": 300, "AllowCredentials": True})["FunctionUrl"]
    allow_public(nuage, name)
    status, headers, _ = call(nuage, url, "/", method="OPTIONS", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert headers["Access-Control-Allow-Headers"] == "x-token"
    assert headers["Access-Control-Max-Age"] == "300"
    assert headers["Access-Control-Allow-Credentials"] == "true"
    status, headers, _ = call(nuage, url, "/", headers={"Origin": "https://app.example"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert headers["Access-Control-Expose-Headers"] == "x-trace"
    status, headers, _ = call(nuage, url, "/", headers={"Origin": "https://evil.example"})
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
