"""API Gateway HTTP APIs end to end: APIs, routes, Lambda proxy
integrations, stages and deployments managed with boto3 and both AWS CLIs,
and the APIs invoked on nuage itself (Host {api}.execute-api.localhost, and
the /_nuage/execute-api/ path form) with plain HTTP: AWS's payload 1.0 and
2.0 events field by field, the function's answer mapped back (status,
headers, cookies, base64 bodies), route precedence, and API Gateway's own
answers (no route, function error, missing permission, timeout)."""
import base64
import json
import signal
import subprocess
import urllib.error
import urllib.request

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import create_python, make_role, unique

ACCOUNT = "000000000000"

HANDLER = r'''
import base64, json, time

def handler(event, context):
    path = event.get("rawPath") or event.get("path") or ""
    if path.endswith("/simple"):
        return {"hello": "world"}
    if path.endswith("/binary"):
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(b"\x00\x01\xfe\xff").decode(), "isBase64Encoded": True}
    if path.endswith("/fail"):
        raise RuntimeError("boom")
    if path.endswith("/slow"):
        time.sleep(0.3)
    if path.endswith("/bad"):
        return {"statusCode": "teapot"}
    return {"statusCode": 201,
            "headers": {"x-custom": "yes", "content-type": "application/json"},
            "multiValueHeaders": {"x-multi": ["one", "two"]},
            "cookies": ["session=abc; Path=/", "theme=dark"],
            "body": json.dumps(event)}
'''

# The members of AWS's documented payload 2.0 sample event (HTTP API
# developer guide, "Working with AWS Lambda proxy integrations"), less
# authentication/authorizer, which appear only with authorizers.
V2_TOP = {"version", "routeKey", "rawPath", "rawQueryString", "cookies", "headers", "queryStringParameters",
          "requestContext", "body", "pathParameters", "isBase64Encoded", "stageVariables"}
V2_CONTEXT = {"accountId", "apiId", "domainName", "domainPrefix", "http", "requestId", "routeKey", "stage", "time",
              "timeEpoch"}
V2_HTTP = {"method", "path", "protocol", "sourceIp", "userAgent"}
# And of the payload 1.0 sample (authorizer only with authorizers).
V1_TOP = {"version", "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
          "multiValueQueryStringParameters", "requestContext", "pathParameters", "stageVariables", "body",
          "isBase64Encoded"}
V1_CONTEXT = {"accountId", "apiId", "domainName", "domainPrefix", "extendedRequestId", "httpMethod", "identity", "path",
              "protocol", "requestId", "requestTime", "requestTimeEpoch", "resourceId", "resourcePath", "stage"}
V1_IDENTITY = {"accessKey", "accountId", "caller", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
               "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "sourceIp", "user", "userAgent",
               "userArn"}


def call(server, api, path, method="GET", body=None, headers=None, path_form=False):
    """(status, headers, body bytes) of one plain HTTP request to an API."""
    if path_form:
        url = f"{server.endpoint}/_nuage/execute-api/{api}{path}"
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    else:
        req = urllib.request.Request(server.endpoint + path, data=body, method=method, headers=headers or {})
        req.add_header("Host", f"{api}.execute-api.localhost:{server.port}")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.fixture(scope="module")
def function(nuage):
    name = create_python(nuage, make_role(nuage, ["logs:*"]), HANDLER, handler="lambda_function.handler",
                         Timeout=10)
    arn = nuage.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    return name, arn


def permit(nuage, function_name, api_id):
    nuage.client("lambda").add_permission(
        FunctionName=function_name, StatementId=unique("apigw"), Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{api_id}/*")


@pytest.fixture(scope="module")
def quick_api(nuage, function):
    name, arn = function
    api = nuage.client("apigatewayv2").create_api(Name=unique("quick"), ProtocolType="HTTP", Target=arn)
    permit(nuage, name, api["ApiId"])
    return api


def test_quick_create_makes_route_integration_and_stage(nuage, quick_api, function):
    gw = nuage.client("apigatewayv2")
    api_id = quick_api["ApiId"]
    assert quick_api["ApiEndpoint"] == f"http://{api_id}.execute-api.localhost:{nuage.port}"
    assert quick_api["RouteSelectionExpression"] == "$request.method $request.path"
    routes = gw.get_routes(ApiId=api_id)["Items"]
    assert [r["RouteKey"] for r in routes] == ["$default"]
    integration_id = routes[0]["Target"].split("/")[1]
    integration = gw.get_integration(ApiId=api_id, IntegrationId=integration_id)
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == function[1]
    assert integration["PayloadFormatVersion"] == "2.0"
    assert integration["ApiGatewayManaged"] is True
    stages = gw.get_stages(ApiId=api_id)["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)]
    assert gw.get_deployments(ApiId=api_id)["Items"][0]["DeploymentId"] == stages[0]["DeploymentId"]


def test_payload_2_0_event_and_full_answer(nuage, quick_api):
    api_id = quick_api["ApiId"]
    status, headers, body = call(nuage, api_id, "/echo/it?x=1&x=2&y=three%20words", headers={
        "Cookie": "a=1; b=2", "X-Repeat": "v1", "User-Agent": "nuage-test"})
    assert status == 201
    assert headers["x-custom"] == "yes"
    assert headers.get_all("x-multi") == ["one", "two"]
    assert headers.get_all("Set-Cookie") == ["session=abc; Path=/", "theme=dark"]
    assert headers["Apigw-Requestid"]
    event = json.loads(body)
    # No body, no path parameters, no stage variables: AWS leaves them out.
    assert set(event) == V2_TOP - {"body", "pathParameters", "stageVariables"}
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/echo/it"
    assert event["rawQueryString"] == "x=1&x=2&y=three%20words"
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["queryStringParameters"] == {"x": "1,2", "y": "three words"}
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-repeat"] == "v1"
    assert event["headers"]["user-agent"] == "nuage-test"
    assert all(k == k.lower() for k in event["headers"])
    assert event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert set(ctx) == V2_CONTEXT
    assert set(ctx["http"]) == V2_HTTP
    assert ctx["accountId"] == ACCOUNT
    assert ctx["apiId"] == api_id
    assert ctx["domainName"] == f"{api_id}.execute-api.localhost:{nuage.port}"
    assert ctx["domainPrefix"] == api_id
    assert ctx["http"] == {"method": "GET", "path": "/echo/it", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                           "userAgent": "nuage-test"}
    assert ctx["routeKey"] == "$default" and ctx["stage"] == "$default"
    assert ctx["requestId"] == headers["Apigw-Requestid"]
    assert isinstance(ctx["timeEpoch"], int)
    assert ctx["time"].endswith(" +0000") and ctx["time"][2] == "/"


def test_simple_answer_and_path_form(nuage, quick_api):
    status, headers, body = call(nuage, quick_api["ApiId"], "/simple", path_form=True)
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"hello": "world"}


def test_base64_bodies_both_ways(nuage, quick_api):
    api_id = quick_api["ApiId"]
    raw = bytes(range(256))
    status, _, body = call(nuage, api_id, "/echo", method="POST", body=raw,
                           headers={"Content-Type": "application/octet-stream"})
    assert status == 201
    event = json.loads(body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw
    status, _, body = call(nuage, api_id, "/echo", method="POST", body=b'{"k": "v"}',
                           headers={"Content-Type": "application/json"})
    event = json.loads(body)
    assert event["isBase64Encoded"] is False and event["body"] == '{"k": "v"}'
    status, headers, body = call(nuage, api_id, "/binary")
    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert body == b"\x00\x01\xfe\xff"


def test_api_gateway_answers_of_its_own(nuage, quick_api):
    api_id = quick_api["ApiId"]
    status, _, body = call(nuage, api_id, "/fail")
    assert (status, json.loads(body)) == (502, {"message": "Internal Server Error"})
    status, _, body = call(nuage, api_id, "/bad")
    assert (status, json.loads(body)) == (502, {"message": "Internal Server Error"})
    status, _, body = call(nuage, "nosuchapi1", "/anything")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})


def test_missing_permission_is_refused(nuage, function):
    api = nuage.client("apigatewayv2").create_api(Name=unique("noperm"), ProtocolType="HTTP", Target=function[1])
    status, _, body = call(nuage, api["ApiId"], "/simple")
    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    # A grant for another API does not count.
    permit(nuage, function[0], "otherapi12")
    assert call(nuage, api["ApiId"], "/simple")[0] == 500
    permit(nuage, function[0], api["ApiId"])
    assert call(nuage, api["ApiId"], "/simple")[0] == 200


def test_routes_by_precedence_with_both_clis(nuage, function):
    name, arn = function
    api = nuage.cli("apigatewayv2", "create-api", "--name", unique("routes"), "--protocol-type", "HTTP")
    api_id = api["ApiId"]
    permit(nuage, name, api_id)
    integration = nuage.cli("apigatewayv2", "create-integration", "--api-id", api_id, "--integration-type",
                            "AWS_PROXY", "--integration-uri", arn, "--payload-format-version", "2.0", version=2)
    target = "integrations/" + integration["IntegrationId"]
    route = nuage.cli("apigatewayv2", "create-route", "--api-id", api_id, "--route-key", "GET /items/{id}",
                      "--target", target)
    assert route["RouteKey"] == "GET /items/{id}"
    gw = nuage.client("apigatewayv2")
    for key in ["GET /items/special", "ANY /{proxy+}", "GET /files/{path+}"]:
        assert gw.create_route(ApiId=api_id, RouteKey=key, Target=target)["RouteKey"] == key
    nuage.cli("apigatewayv2", "create-stage", "--api-id", api_id, "--stage-name", "$default", "--auto-deploy",
              version=2)
    cases = [("GET", "/items/42", "GET /items/{id}", {"id": "42"}),
             ("GET", "/items/special", "GET /items/special", None),
             ("DELETE", "/items/42", "ANY /{proxy+}", {"proxy": "items/42"}),
             ("GET", "/files/a/b%20c/d.txt", "GET /files/{path+}", {"path": "a/b c/d.txt"}),
             ("POST", "/x", "ANY /{proxy+}", {"proxy": "x"})]
    for method, path, key, params in cases:
        status, _, body = call(nuage, api_id, path, method=method, body=b"" if method != "GET" else None)
        assert status == 201, (path, body)
        event = json.loads(body)
        assert event["routeKey"] == key, path
        assert event["requestContext"]["routeKey"] == key
        assert event.get("pathParameters") == params, path
    # Nothing matches the root and there is no $default route.
    assert call(nuage, api_id, "/")[0] == 404
    assert len(gw.get_routes(ApiId=api_id)["Items"]) == 4


def test_named_stage_with_variables_and_payload_1_0(nuage, function):
    name, arn = function
    gw = nuage.client("apigatewayv2")
    api_id = gw.create_api(Name=unique("v1"), ProtocolType="HTTP")["ApiId"]
    permit(nuage, name, api_id)
    integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                        PayloadFormatVersion="1.0", TimeoutInMillis=5000)
    gw.create_route(ApiId=api_id, RouteKey="POST /orders/{orderId}", Target="integrations/" + integration["IntegrationId"])
    gw.create_stage(ApiId=api_id, StageName="prod", AutoDeploy=True, StageVariables={"table": "orders-prod"})
    status, headers, body = call(nuage, api_id, "/prod/orders/o-1?tag=a&tag=b&one=1", method="POST",
                                 body=b"plain text", headers={"Content-Type": "text/plain", "User-Agent": "ua-1"})
    assert status == 201, body
    assert headers["x-custom"] == "yes"
    assert headers.get_all("Set-Cookie") is None  # 1.0 answers carry no cookies member
    event = json.loads(body)
    assert set(event) == V1_TOP
    assert event["version"] == "1.0"
    assert event["resource"] == "/orders/{orderId}"
    assert event["path"] == "/prod/orders/o-1"
    assert event["httpMethod"] == "POST"
    assert event["headers"]["user-agent"] == "ua-1"
    assert event["multiValueHeaders"]["user-agent"] == ["ua-1"]
    assert event["queryStringParameters"] == {"tag": "b", "one": "1"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "one": ["1"]}
    assert event["pathParameters"] == {"orderId": "o-1"}
    assert event["stageVariables"] == {"table": "orders-prod"}
    assert event["body"] == "plain text" and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert set(ctx) == V1_CONTEXT
    assert set(ctx["identity"]) == V1_IDENTITY
    assert ctx["identity"]["sourceIp"] == "127.0.0.1" and ctx["identity"]["userAgent"] == "ua-1"
    assert ctx["stage"] == "prod" and ctx["resourcePath"] == "/orders/{orderId}"
    assert ctx["httpMethod"] == "POST" and ctx["accountId"] == ACCOUNT and ctx["apiId"] == api_id
    # Without a $default stage, paths outside the stage find nothing; a
    # method the route does not take neither.
    assert call(nuage, api_id, "/orders/o-1", method="POST", body=b"")[0] == 404
    assert call(nuage, api_id, "/prod/orders/o-1")[0] == 404


def test_integration_timeout_answers_503(nuage, function):
    name, arn = function
    gw = nuage.client("apigatewayv2")
    api_id = gw.create_api(Name=unique("slow"), ProtocolType="HTTP")["ApiId"]
    permit(nuage, name, api_id)
    integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                        PayloadFormatVersion="2.0", TimeoutInMillis=50)
    gw.create_route(ApiId=api_id, RouteKey="$default", Target="integrations/" + integration["IntegrationId"])
    gw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    status, _, body = call(nuage, api_id, "/slow")
    assert (status, json.loads(body)) == (503, {"message": "Service Unavailable"})
    gw.update_integration(ApiId=api_id, IntegrationId=integration["IntegrationId"], TimeoutInMillis=30000)
    assert call(nuage, api_id, "/slow")[0] == 201


def test_manual_deployments_snapshot_the_api(nuage, function):
    name, arn = function
    gw = nuage.client("apigatewayv2")
    api_id = gw.create_api(Name=unique("manual"), ProtocolType="HTTP")["ApiId"]
    permit(nuage, name, api_id)
    integration = gw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=arn,
                                        PayloadFormatVersion="2.0")
    target = "integrations/" + integration["IntegrationId"]
    gw.create_route(ApiId=api_id, RouteKey="GET /one", Target=target)
    gw.create_stage(ApiId=api_id, StageName="$default")
    assert call(nuage, api_id, "/one")[0] == 404  # not deployed yet
    deployment = gw.create_deployment(ApiId=api_id, StageName="$default", Description="first")
    assert deployment["DeploymentStatus"] == "DEPLOYED" and deployment["AutoDeployed"] is False
    assert call(nuage, api_id, "/one")[0] == 201
    gw.create_route(ApiId=api_id, RouteKey="GET /two", Target=target)
    assert call(nuage, api_id, "/two")[0] == 404  # the stage serves the first deployment
    gw.create_deployment(ApiId=api_id, StageName="$default")
    assert call(nuage, api_id, "/two")[0] == 201
    assert len(gw.get_deployments(ApiId=api_id)["Items"]) == 2
    with pytest.raises(ClientError) as e:
        gw.delete_deployment(ApiId=api_id, DeploymentId=gw.get_stage(ApiId=api_id, StageName="$default")["DeploymentId"])
    assert e.value.response["Error"]["Code"] == "BadRequestException"


def test_errors_as_aws_answers_them(nuage, function):
    gw = nuage.client("apigatewayv2")

    def code_of(fn, **kwargs):
        with pytest.raises(ClientError) as e:
            fn(**kwargs)
        return e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]

    assert code_of(gw.get_api, ApiId="missing123") == ("NotFoundException", 404)
    api_id = gw.create_api(Name=unique("errors"), ProtocolType="HTTP")["ApiId"]
    assert code_of(gw.create_route, ApiId=api_id, RouteKey="FETCH /x") == ("BadRequestException", 400)
    assert code_of(gw.create_route, ApiId=api_id, RouteKey="GET /{proxy+}/x") == ("BadRequestException", 400)
    assert code_of(gw.create_route, ApiId=api_id, RouteKey="GET /x", Target="integrations/nope") == (
        "BadRequestException", 400)
    gw.create_route(ApiId=api_id, RouteKey="GET /x")
    assert code_of(gw.create_route, ApiId=api_id, RouteKey="GET /x") == ("ConflictException", 409)
    assert code_of(gw.create_integration, ApiId=api_id, IntegrationType="AWS_PROXY",
                   IntegrationUri=function[1], PayloadFormatVersion="3.0") == ("BadRequestException", 400)
    assert code_of(gw.get_stage, ApiId=api_id, StageName="nope") == ("NotFoundException", 404)
    gw.create_stage(ApiId=api_id, StageName="dev")
    assert code_of(gw.create_stage, ApiId=api_id, StageName="dev") == ("ConflictException", 409)
    # Stored data untouched by the refusals.
    assert [r["RouteKey"] for r in gw.get_routes(ApiId=api_id)["Items"]] == ["GET /x"]
    res = nuage.cli("apigatewayv2", "get-api", "--api-id", "missing123", check=False, version=2)
    assert res.returncode != 0 and "NotFoundException" in res.stderr


def test_tags_updates_and_deletion(nuage):
    gw = nuage.client("apigatewayv2")
    api = gw.create_api(Name=unique("tags"), ProtocolType="HTTP", Tags={"team": "web"})
    api_id = api["ApiId"]
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api_id}"
    gw.tag_resource(ResourceArn=arn, Tags={"env": "test"})
    assert gw.get_tags(ResourceArn=arn)["Tags"] == {"team": "web", "env": "test"}
    gw.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert gw.get_api(ApiId=api_id)["Tags"] == {"env": "test"}
    updated = gw.update_api(ApiId=api_id, Description="described", Name="renamed")
    assert (updated["Name"], updated["Description"]) == ("renamed", "described")
    listed = nuage.cli("apigatewayv2", "get-apis")["Items"]
    assert api_id in [a["ApiId"] for a in listed]
    gw.delete_api(ApiId=api_id)
    with pytest.raises(ClientError):
        gw.get_api(ApiId=api_id)
    assert call(nuage, api_id, "/")[0] == 404


def test_curl_reaches_an_api(nuage, quick_api):
    out = subprocess.run(["curl", "-s", "-H", f"Host: {quick_api['ApiId']}.execute-api.localhost",
                          "-X", "PUT", "--data-binary", "hello", "-H", "Content-Type: text/plain",
                          f"{nuage.endpoint}/echo?q=1"], capture_output=True, text=True, timeout=60, check=True)
    event = json.loads(out.stdout)
    assert event["requestContext"]["http"]["method"] == "PUT"
    assert event["body"] == "hello" and event["queryStringParameters"] == {"q": "1"}


def test_an_api_survives_kill_9_and_refuses_oversized_bodies(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    name = create_python(server, make_role(server, ["logs:*"]), HANDLER, handler="lambda_function.handler")
    arn = server.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    api_id = server.client("apigatewayv2").create_api(Name="durable", ProtocolType="HTTP", Target=arn)["ApiId"]
    permit(server, name, api_id)
    server.stop(signal.SIGKILL)
    again = start_nuage(data_dir=data_dir)
    # The endpoint names the port nuage listens on now.
    assert again.client("apigatewayv2").get_api(ApiId=api_id)["ApiEndpoint"] == (
        f"http://{api_id}.execute-api.localhost:{again.port}")
    assert [a["ApiEndpoint"] for a in again.client("apigatewayv2").get_apis()["Items"]] == [
        f"http://{api_id}.execute-api.localhost:{again.port}"]
    status, _, body = call(again, api_id, "/simple")
    assert (status, json.loads(body)) == (200, {"hello": "world"})
    status, _, body = call(again, api_id, "/echo", method="POST", body=b"x" * (10 * 1024 * 1024 + 1))
    assert status == 413
    assert call(again, api_id, "/simple")[0] == 200


def test_credentials_arn_invokes_with_a_role(nuage, function):
    name, arn = function
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    iam = nuage.client("iam")
    role = unique("apigw-role")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    # No resource policy: the role's own policy decides.
    api_id = nuage.client("apigatewayv2").create_api(Name=unique("role"), ProtocolType="HTTP", Target=arn,
                                                     CredentialsArn=role_arn)["ApiId"]
    assert call(nuage, api_id, "/simple")[0] == 500
    iam.put_role_policy(RoleName=role, PolicyName="invoke", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}]}))
    assert call(nuage, api_id, "/simple")[0] == 200
