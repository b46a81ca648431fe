"""Helpers shared by the Lambda end-to-end tests: zips, roles, functions."""
import io
import json
import uuid
import zipfile

from botocore.exceptions import ClientError

from conftest import wait_for  # noqa: F401  (re-exported for the tests)

TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_zip(files, modes=None):
    """files: {name: str|bytes}; modes: {name: 0o755} (Unix permissions)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((modes or {}).get(name, 0o644) | 0o100000) << 16
            z.writestr(info, content)
    return buf.getvalue()


def make_role(nuage, actions, name=None, trust=TRUST):
    """A role Lambda may assume, allowed `actions` on every resource."""
    iam = nuage.client("iam")
    name = name or unique("lambda-role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if actions:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    return arn


def create_python(nuage, role, code, name=None, handler="lambda_function.lambda_handler", **kwargs):
    lam = nuage.client("lambda")
    name = name or unique("fn")
    files = code if isinstance(code, dict) else {"lambda_function.py": code}
    lam.create_function(FunctionName=name, Runtime=kwargs.pop("Runtime", "python3.13"), Role=role,
                        Handler=handler, Code={"ZipFile": make_zip(files)}, **kwargs)
    lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return name


def invoke(nuage, name, payload=None, **kwargs):
    """Invokes synchronously; returns (response, decoded payload)."""
    lam = nuage.client("lambda", config=__import__("botocore.config").config.Config(
        retries={"max_attempts": 1}, read_timeout=120))
    r = lam.invoke(FunctionName=name, Payload=json.dumps(payload if payload is not None else {}), **kwargs)
    body = r["Payload"].read()
    return r, json.loads(body) if body else None



def logged_events(nuage, function, marker="EVENT "):
    """The JSON a function printed after `marker` on lines of its log group, oldest first."""
    try:
        found = nuage.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    except ClientError:
        return []
    return [json.loads(e["message"].strip()[len(marker):]) for e in found if e["message"].startswith(marker)]
