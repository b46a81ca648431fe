"""STS: AssumeRole allowed and refused by trust policies, session
credentials that sign requests and expire on the nuage clock, session
policies, GetSessionToken, web identity, DecodeAuthorizationMessage."""
import base64
import json
import urllib.error

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"


def code(exc):
    return exc.value.response["Error"]["Code"]


def trust(principal):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def user_with_key(nuage, name, policy=None):
    iam = nuage.client("iam")
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def session_client(nuage, service, creds):
    return nuage.client(service, key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def test_assume_role_trusting_the_user(nuage):
    key, secret = user_with_key(nuage, "dev1")
    iam = nuage.client("iam")
    role = iam.create_role(RoleName="dev1-role", AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{ACCOUNT}:user/dev1"}))["Role"]
    iam.attach_role_policy(RoleName="dev1-role", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    sts = nuage.client("sts", key=key, secret=secret)
    out = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="work")
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/dev1-role/work"
    assert out["AssumedRoleUser"]["AssumedRoleId"] == role["RoleId"] + ":work"
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    me = session_client(nuage, "sts", creds).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/dev1-role/work"
    assert session_client(nuage, "ssm", creds).put_parameter(Name="/sts/p", Value="1", Type="String")["Version"] == 1
    # A wrong session token is refused.
    bad = dict(creds, SessionToken="nope")
    with pytest.raises(ClientError) as exc:
        session_client(nuage, "sts", bad).get_caller_identity()
    assert code(exc) == "InvalidClientTokenId"


def test_assume_role_refused_by_trust(nuage):
    key, secret = user_with_key(nuage, "dev2", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]})
    iam = nuage.client("iam")
    arn = iam.create_role(RoleName="lambda-only", AssumeRolePolicyDocument=trust(
        {"Service": "lambda.amazonaws.com"}))["Role"]["Arn"]
    with pytest.raises(ClientError) as exc:
        nuage.client("sts", key=key, secret=secret).assume_role(RoleArn=arn, RoleSessionName="nope")
    assert code(exc) == "AccessDenied"
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/dev2 is not authorized to perform: sts:AssumeRole on resource: {arn}")
    # Root too: the trust policy names only Lambda.
    with pytest.raises(ClientError) as exc:
        nuage.client("sts").assume_role(RoleArn=arn, RoleSessionName="root")
    assert code(exc) == "AccessDenied"


def test_trust_naming_the_account_needs_identity_permission(nuage):
    iam = nuage.client("iam")
    arn = iam.create_role(RoleName="acct-role", AssumeRolePolicyDocument=trust(
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}))["Role"]["Arn"]
    key, secret = user_with_key(nuage, "dev3")
    sts = nuage.client("sts", key=key, secret=secret)
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=arn, RoleSessionName="s1")
    assert code(exc) == "AccessDenied"
    iam.put_user_policy(UserName="dev3", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arn}]}))
    assert sts.assume_role(RoleArn=arn, RoleSessionName="s1")["Credentials"]["SessionToken"]
    # The account root may assume it too.
    assert nuage.client("sts").assume_role(RoleArn=arn, RoleSessionName="root-s")["Credentials"]


def test_session_policy_limits_the_role(nuage):
    iam = nuage.client("iam")
    arn = iam.create_role(RoleName="scoped", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]["Arn"]
    iam.attach_role_policy(RoleName="scoped", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]})
    creds = nuage.client("sts").assume_role(RoleArn=arn, RoleSessionName="narrow", Policy=policy)["Credentials"]
    nuage.client("ssm").put_parameter(Name="/scoped/p", Value="v", Type="String")
    ssm = session_client(nuage, "ssm", creds)
    assert ssm.get_parameter(Name="/scoped/p")["Parameter"]["Value"] == "v"
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/scoped/p", Value="w", Type="String", Overwrite=True)
    assert exc.value.response["Error"]["Message"].endswith(
        "because no session policy allows the ssm:PutParameter action")


def test_duration_limits(nuage):
    iam = nuage.client("iam")
    arn = iam.create_role(RoleName="short", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]["Arn"]
    with pytest.raises(ClientError) as exc:
        nuage.client("sts").assume_role(RoleArn=arn, RoleSessionName="long", DurationSeconds=7200)
    assert code(exc) == "ValidationError"


def test_assume_role_via_cli(nuage):
    iam = nuage.client("iam")
    arn = iam.create_role(RoleName="cli-role", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))["Role"]["Arn"]
    for version in (1, 2):
        out = nuage.cli("sts", "assume-role", "--role-arn", arn, "--role-session-name", f"cli{version}",
                        version=version)
        creds = out["Credentials"]
        me = nuage.cli("sts", "get-caller-identity", version=version, env={
            "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]})
        assert me["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/cli-role/cli{version}"


def test_session_credentials_survive_restart(start_nuage, data_dir):
    first = start_nuage(data_dir=data_dir)
    arn = first.client("iam").create_role(RoleName="durable", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))[
        "Role"]["Arn"]
    creds = first.client("sts").assume_role(RoleArn=arn, RoleSessionName="keep")["Credentials"]
    first.stop()
    second = start_nuage(data_dir=data_dir, args=["--strict-credentials"])
    me = session_client(second, "sts", creds).get_caller_identity()
    assert me["Arn"].endswith("assumed-role/durable/keep")


def test_expired_session_credentials(fresh_nuage):
    nuage = fresh_nuage
    arn = nuage.client("iam").create_role(RoleName="ephemeral", AssumeRolePolicyDocument=trust({"AWS": ACCOUNT}))[
        "Role"]["Arn"]
    creds = nuage.client("sts").assume_role(RoleArn=arn, RoleSessionName="brief", DurationSeconds=900)["Credentials"]
    sts = session_client(nuage, "sts", creds)
    assert sts.get_caller_identity()["Arn"].endswith("/brief")
    try:
        nuage.admin("POST", "/_nuage/clock", {"advance": "1h"})
    except urllib.error.HTTPError as e:
        if e.code == 404:
            pytest.skip("POST /_nuage/clock is not available on this build")
        raise
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert code(exc) == "ExpiredToken"


def test_get_session_token(nuage):
    key, secret = user_with_key(nuage, "tok", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:GetSessionToken", "Resource": "*"}]})
    creds = nuage.client("sts", key=key, secret=secret).get_session_token(DurationSeconds=900)["Credentials"]
    assert session_client(nuage, "sts", creds).get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/tok"


def _jwt(claims):
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")
    return f"{enc({'alg': 'none'})}.{enc(claims)}.sig"


def test_assume_role_with_web_identity(nuage):
    iam = nuage.client("iam")
    doc = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "token.local"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"token.local:aud": "my-app"}}}]})
    arn = iam.create_role(RoleName="web", AssumeRolePolicyDocument=doc)["Role"]["Arn"]
    sts = nuage.client("sts")
    out = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="web1",
                                            WebIdentityToken=_jwt({"iss": "https://token.local", "sub": "u-1",
                                                                   "aud": "my-app"}))
    assert out["SubjectFromWebIdentityToken"] == "u-1"
    assert out["AssumedRoleUser"]["Arn"].endswith("assumed-role/web/web1")
    with pytest.raises(ClientError) as exc:
        sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="web2",
                                          WebIdentityToken=_jwt({"iss": "https://token.local", "sub": "u-1",
                                                                 "aud": "other"}))
    assert code(exc) == "AccessDenied"


def test_decode_authorization_message(nuage):
    key, secret = user_with_key(nuage, "decoder", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:DecodeAuthorizationMessage", "Resource": "*"}]})
    with pytest.raises(ClientError):
        nuage.client("ssm", key=key, secret=secret).get_parameter(Name="/nope")
    encoded = nuage.admin("GET", "/_nuage/iam/decisions")["decisions"][-1]["encodedMessage"]
    sts = nuage.client("sts", key=key, secret=secret)
    decoded = json.loads(sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
    assert decoded["allowed"] is False and decoded["explicitDeny"] is False
    assert decoded["context"]["action"] == "ssm:GetParameter"
    with pytest.raises(ClientError) as exc:
        sts.decode_authorization_message(EncodedMessage="garbage")
    assert code(exc) == "InvalidAuthorizationMessageException"
