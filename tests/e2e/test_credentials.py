"""Credentials as users have them: any key pair of a user's profile works
(unknown keys answer as the default account's root, unverified), keys nuage
issued and test/test are always verified, --strict-credentials refuses the
rest, --default-account sets the account, and moto's POST /moto-api/reset-auth
is answered as moto answers it."""
import json
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

MOTO_KEY, MOTO_SECRET = "FOOBARKEY", "FOOBARSECRET"   # what moto's own test suite signs with
MOTO_ACCOUNT = "123456789012"


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def moto_env():
    return {"AWS_ACCESS_KEY_ID": MOTO_KEY, "AWS_SECRET_ACCESS_KEY": MOTO_SECRET}


def reset_auth(server, body, method="POST"):
    req = urllib.request.Request(server.endpoint + "/moto-api/reset-auth", data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, json.loads(res.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_moto_keys_work_through_boto3(nuage, tmp_path):
    sts = nuage.client("sts", key=MOTO_KEY, secret=MOTO_SECRET)
    ident = sts.get_caller_identity()
    assert ident["Account"] == "000000000000" and ident["Arn"] == "arn:aws:iam::000000000000:root"
    s3 = nuage.client("s3", key=MOTO_KEY, secret=MOTO_SECRET)
    bucket = f"moto-keys-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"bytes from a moto-style profile")
    # Multipart goes through the aws-chunked path with boto3's checksums.
    big = tmp_path / "big.bin"
    big.write_bytes(b"m" * (9 * 1024 * 1024))
    s3.upload_file(str(big), bucket, "big")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"bytes from a moto-style profile"
    assert s3.head_object(Bucket=bucket, Key="big")["ContentLength"] == 9 * 1024 * 1024
    ssm = nuage.client("ssm", key=MOTO_KEY, secret=MOTO_SECRET)
    ssm.put_parameter(Name=f"/moto/{bucket}", Value="v", Type="String")
    assert ssm.get_parameter(Name=f"/moto/{bucket}")["Parameter"]["Value"] == "v"
    # What test/test wrote, an unknown key sees: both are the same root.
    assert nuage.client("s3").get_object(Bucket=bucket, Key="k")["Body"].read().startswith(b"bytes")


@pytest.mark.parametrize("version", [1, 2])
def test_moto_keys_work_through_the_clis(nuage, tmp_path, version):
    out = nuage.cli("sts", "get-caller-identity", version=version, env=moto_env())
    assert out["Account"] == "000000000000"
    bucket = f"moto-cli{version}-{uuid.uuid4().hex[:8]}"
    nuage.cli("s3", "mb", f"s3://{bucket}", version=version, env=moto_env())
    src = tmp_path / "f.txt"
    src.write_bytes(b"uploaded by the CLI with a key nuage never issued\n" * 1000)
    # `aws s3 cp` streams aws-chunked bodies whose chunk signatures nuage cannot check.
    nuage.cli("s3", "cp", str(src), f"s3://{bucket}/f.txt", version=version, env=moto_env())
    dst = tmp_path / "back.txt"
    nuage.cli("s3", "cp", f"s3://{bucket}/f.txt", str(dst), version=version, env=moto_env())
    assert dst.read_bytes() == src.read_bytes()


def test_keys_nuage_issued_are_always_verified(nuage):
    iam = nuage.client("iam")
    name = f"verified-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    good = nuage.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert good.get_caller_identity()["Arn"].endswith(f":user/{name}")
    with pytest.raises(ClientError) as exc:
        nuage.client("sts", key=key["AccessKeyId"], secret="not-its-secret").get_caller_identity()
    assert error_code(exc) == "SignatureDoesNotMatch"
    # test/test is checked too.
    with pytest.raises(ClientError) as exc:
        nuage.client("sts", secret="not-test").get_caller_identity()
    assert error_code(exc) == "SignatureDoesNotMatch"
    # A deleted key never becomes the root.
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as exc:
        good.get_caller_identity()
    assert error_code(exc) == "InvalidClientTokenId"
    with pytest.raises(ClientError) as exc:
        nuage.client("s3", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).list_buckets()
    assert error_code(exc) == "InvalidAccessKeyId"


def test_session_keys_are_verified(nuage):
    creds = nuage.client("sts").get_session_token()["Credentials"]
    with pytest.raises(ClientError) as exc:
        nuage.client("sts", key=creds["AccessKeyId"], secret="wrong",
                     aws_session_token=creds["SessionToken"]).get_caller_identity()
    assert error_code(exc) == "SignatureDoesNotMatch"
    ok = nuage.client("sts", key=creds["AccessKeyId"], secret=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"])
    assert ok.get_caller_identity()["Account"] == "000000000000"


@pytest.mark.parametrize("version", [1, 2])
def test_strict_credentials(start_nuage, version):
    server = start_nuage(args=["--strict-credentials"])
    with pytest.raises(ClientError) as exc:
        server.client("sts", key=MOTO_KEY, secret=MOTO_SECRET).get_caller_identity()
    assert error_code(exc) == "InvalidClientTokenId"
    with pytest.raises(ClientError) as exc:
        server.client("s3", key=MOTO_KEY, secret=MOTO_SECRET).list_buckets()
    assert error_code(exc) == "InvalidAccessKeyId"
    res = server.cli("sts", "get-caller-identity", version=version, env=moto_env(), check=False)
    assert res.returncode != 0 and "InvalidClientTokenId" in res.stderr
    # test/test and the keys nuage issues still work.
    iam = server.client("iam")
    iam.create_user(UserName="strict")
    key = iam.create_access_key(UserName="strict")["AccessKey"]
    out = server.cli("sts", "get-caller-identity", version=version,
                     env={"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]})
    assert out["Arn"] == "arn:aws:iam::000000000000:user/strict"


def test_default_account(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir, args=["--default-account", MOTO_ACCOUNT])
    for key, secret in ((MOTO_KEY, MOTO_SECRET), ("test", "test")):
        ident = server.client("sts", key=key, secret=secret).get_caller_identity()
        assert (ident["Account"], ident["Arn"]) == (MOTO_ACCOUNT, f"arn:aws:iam::{MOTO_ACCOUNT}:root")
    for version in (1, 2):
        assert server.cli("sts", "get-caller-identity", version=version, env=moto_env())["Account"] == MOTO_ACCOUNT
    iam = server.client("iam", key=MOTO_KEY, secret=MOTO_SECRET)
    assert iam.create_user(UserName="u")["User"]["Arn"] == f"arn:aws:iam::{MOTO_ACCOUNT}:user/u"
    ssm = server.client("ssm", key=MOTO_KEY, secret=MOTO_SECRET)
    ssm.put_parameter(Name="p", Value="v", Type="String")
    assert ssm.get_parameter(Name="p")["Parameter"]["ARN"] == f"arn:aws:ssm:us-east-1:{MOTO_ACCOUNT}:parameter/p"
    fn_role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]
    assert fn_role["Arn"] == f"arn:aws:iam::{MOTO_ACCOUNT}:role/r"
    with urllib.request.urlopen(server.endpoint + "/_nuage/health", timeout=10) as res:
        assert json.loads(res.read())["default_account"] == MOTO_ACCOUNT


def test_default_account_must_be_twelve_digits(start_nuage):
    with pytest.raises(RuntimeError):
        start_nuage(args=["--default-account", "12345"])


def test_reset_auth_answers_as_moto(fresh_nuage):
    server = fresh_nuage
    assert reset_auth(server, b"", method="GET") == (400, {"Error": "Need to POST to reset Moto Auth"})
    assert reset_auth(server, b"4") == (200, {"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "inf"})
    assert reset_auth(server, b"inf") == (200, {"status": "ok", "PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT": "4.0"})
    status, body = reset_auth(server, b"many")
    assert status == 400 and "Error" in body


def test_reset_auth_as_moto_test_helpers_use_it(fresh_nuage):
    """What moto's @set_initial_no_auth_action_count(4) does in server mode:
    four free requests set up a user, then every request is authenticated."""
    server = fresh_nuage
    status, body = reset_auth(server, b"4")
    assert status == 200
    previous = body["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"]
    iam = server.client("iam", key=MOTO_KEY, secret=MOTO_SECRET)
    iam.create_user(UserName="limited")                                        # 1
    iam.put_user_policy(UserName="limited", PolicyName="only-sts", PolicyDocument=json.dumps({  # 2
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="limited")["AccessKey"]               # 3
    iam.list_users()                                                           # 4
    # From the fifth request on, unknown keys are refused...
    with pytest.raises(ClientError) as exc:
        iam.list_users()
    assert error_code(exc) == "InvalidClientTokenId"
    # ...and the user's key is verified and authorized.
    user_sts = server.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert user_sts.get_caller_identity()["Arn"].endswith(":user/limited")
    with pytest.raises(ClientError) as exc:
        server.client("iam", key=key["AccessKeyId"], secret=key["SecretAccessKey"]).list_users()
    assert error_code(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        server.client("sts", key=key["AccessKeyId"], secret="wrong").get_caller_identity()
    assert error_code(exc) == "SignatureDoesNotMatch"
    # The helper restores the previous count; unknown keys work again.
    assert reset_auth(server, previous.encode())[1]["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"] == "4.0"
    assert iam.list_users()["Users"][0]["UserName"] == "limited"
