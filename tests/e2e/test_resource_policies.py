"""Resource policies evaluated: S3 bucket policies for anonymous callers and
other accounts (aws:SecureTransport, s3:prefix, aws:SourceIp,
aws:PrincipalAccount, aws:userid conditions), explicit denies, Block Public
Access with each of its flags, GetBucketPolicyStatus, and Lambda function
policies across accounts — with boto3, both AWS CLIs, botocore's UNSIGNED
config and plain curl. The second account is the one a 12-digit access key
names."""
import json
import subprocess

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from lambda_helpers import create_python, make_role, make_zip, unique

A = "000000000000"  # test / test
B = "111111111111"  # the account a 12-digit key names
C = "222222222222"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def s3_as(nuage, key, secret="anything"):
    return nuage.client("s3", key=key, secret=secret)


def anonymous_s3(nuage):
    return boto3.client("s3", endpoint_url=nuage.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}))


def user_with_policy(nuage, account_key, statements):
    """An IAM user of the account `account_key` names, with an inline policy;
    returns (arn, access key, secret)."""
    iam = nuage.client("iam", key=account_key, secret="anything" if account_key != "test" else "test")
    name = unique("user")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, key["AccessKeyId"], key["SecretAccessKey"]


def put_policy(s3, bucket, *statements):
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


@pytest.fixture
def bucket(nuage):
    """A bucket of account A holding two objects."""
    s3 = nuage.client("s3")
    name = unique("respol")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="home/b/notes.txt", Body=b"for b")
    s3.put_object(Bucket=name, Key="home/c/notes.txt", Body=b"for c")
    return name


def curl(url, *args):
    out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", *args, url],
                         capture_output=True, text=True, timeout=30)
    body, _, status = out.stdout.rpartition("\n")
    return int(status), body


# ---- accounts ----

def test_a_twelve_digit_key_is_another_account(nuage, bucket):
    sts = nuage.client("sts", key=B, secret="anything")
    assert sts.get_caller_identity()["Account"] == B
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{B}:root"
    s3b = s3_as(nuage, B)
    assert bucket not in [b["Name"] for b in s3b.list_buckets()["Buckets"]]
    other = unique("respol-b")
    s3b.create_bucket(Bucket=other)
    assert other not in [b["Name"] for b in nuage.client("s3").list_buckets()["Buckets"]]
    # A's bucket name is taken for B too.
    with pytest.raises(ClientError) as exc:
        s3b.create_bucket(Bucket=bucket)
    assert code_of(exc) == "BucketAlreadyExists"


def test_other_accounts_are_refused_without_a_policy(nuage, bucket):
    s3b = s3_as(nuage, B)
    for call in (lambda: s3b.get_object(Bucket=bucket, Key="home/b/notes.txt"),
                 lambda: s3b.list_objects_v2(Bucket=bucket),
                 lambda: s3b.put_object(Bucket=bucket, Key="x", Body=b"x"),
                 lambda: s3b.get_bucket_policy(Bucket=bucket),
                 lambda: s3b.delete_bucket(Bucket=bucket)):
        with pytest.raises(ClientError) as exc:
            call()
        assert code_of(exc) == "AccessDenied"
        assert exc.value.response["Error"]["Message"] == "Access Denied"
        assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # B's IAM user, allowed s3:* by its own policy, still needs the bucket's consent.
    _, key, secret = user_with_policy(nuage, B, [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, key, secret).get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"
    # Both CLIs see the same refusal.
    for version in (1, 2):
        res = nuage.cli("s3api", "get-object", "--bucket", bucket, "--key", "home/b/notes.txt", "/dev/null",
                        version=version, env={"AWS_ACCESS_KEY_ID": B, "AWS_SECRET_ACCESS_KEY": "x"}, check=False)
        assert res.returncode != 0 and "AccessDenied" in res.stderr


# ---- cross-account grants ----

def test_cross_account_needs_both_the_bucket_policy_and_the_identity_policy(nuage, bucket):
    s3 = nuage.client("s3")
    put_policy(s3, bucket, {"Sid": "BReads", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
                            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"})
    s3b = s3_as(nuage, B)
    assert s3b.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    with pytest.raises(ClientError) as exc:
        s3b.put_object(Bucket=bucket, Key="x", Body=b"x")
    assert code_of(exc) == "AccessDenied"
    # C is not named.
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, C).get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"
    # A user of B: allowed by its identity policy and the bucket's grant to its account.
    _, key, secret = user_with_policy(nuage, B, [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}])
    assert s3_as(nuage, key, secret).get_object(Bucket=bucket, Key="home/c/notes.txt")["Body"].read() == b"for c"
    # A user of B without an identity policy: the bucket alone is not enough.
    _, key, secret = user_with_policy(nuage, B, [])
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, key, secret).get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"
    # AWS CLI v1 and v2 as B.
    for version in (1, 2):
        out = nuage.cli("s3api", "head-object", "--bucket", bucket, "--key", "home/b/notes.txt", version=version,
                        env={"AWS_ACCESS_KEY_ID": B, "AWS_SECRET_ACCESS_KEY": "x"})
        assert out["ContentLength"] == 5


def test_a_grant_naming_a_user_of_another_account(nuage, bucket):
    arn, key, secret = user_with_policy(nuage, B, [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    _, other_key, other_secret = user_with_policy(nuage, B, [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    put_policy(nuage.client("s3"), bucket, {"Effect": "Allow", "Principal": {"AWS": arn},
                                            "Action": ["s3:PutObject", "s3:GetObject"],
                                            "Resource": f"arn:aws:s3:::{bucket}/*"})
    s3u = s3_as(nuage, key, secret)
    s3u.put_object(Bucket=bucket, Key="from-b", Body=b"written by b")
    assert nuage.client("s3").get_object(Bucket=bucket, Key="from-b")["Body"].read() == b"written by b"
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, other_key, other_secret).get_object(Bucket=bucket, Key="from-b")
    assert code_of(exc) == "AccessDenied"


def test_explicit_deny_wins(nuage, bucket):
    s3 = nuage.client("s3")
    arn, key, secret = user_with_policy(nuage, "test", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    s3u = s3_as(nuage, key, secret)
    assert s3u.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    put_policy(s3, bucket,
               {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*"},
               {"Sid": "NoC", "Effect": "Deny", "Principal": {"AWS": [arn, B]}, "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/home/c/*"})
    # Same account: the identity allow loses to the bucket's deny.
    assert s3u.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    with pytest.raises(ClientError) as exc:
        s3u.get_object(Bucket=bucket, Key="home/c/notes.txt")
    assert code_of(exc) == "AccessDenied"
    assert "explicit deny in a resource-based policy" in exc.value.response["Error"]["Message"]
    # Other account: the allow and the deny overlap; the deny wins.
    s3b = s3_as(nuage, B)
    assert s3b.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    with pytest.raises(ClientError) as exc:
        s3b.get_object(Bucket=bucket, Key="home/c/notes.txt")
    assert code_of(exc) == "AccessDenied"
    # An identity deny of the caller wins over the bucket's allow.
    _, key, secret = user_with_policy(nuage, B, [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/home/b/*"}])
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, key, secret).get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"


def test_a_deny_binds_the_owner_root_but_never_locks_it_out_of_the_policy(nuage, bucket):
    s3 = nuage.client("s3")
    put_policy(s3, bucket, {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]})
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        s3.list_objects_v2(Bucket=bucket)
    assert code_of(exc) == "AccessDenied"
    # The root may still read and remove the policy.
    assert "Deny" in s3.get_bucket_policy(Bucket=bucket)["Policy"]
    s3.delete_bucket_policy(Bucket=bucket)
    assert s3.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"


# ---- conditions ----

def test_secure_transport_deny(nuage, bucket):
    s3 = nuage.client("s3")
    put_policy(s3, bucket,
               {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    # nuage serves plain HTTP: aws:SecureTransport is false for everyone, the root included.
    with pytest.raises(ClientError) as exc:
        s3.get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"
    # `aws s3 cp` asks HeadObject first: a 403 without a body.
    res = nuage.cli("s3", "cp", f"s3://{bucket}/home/b/notes.txt", "-", version=2, check=False)
    assert res.returncode != 0 and "(403)" in res.stderr and "HeadObject" in res.stderr
    res = nuage.cli("s3api", "get-object", "--bucket", bucket, "--key", "home/b/notes.txt", "/dev/null", version=1,
                    check=False)
    assert res.returncode != 0 and "AccessDenied" in res.stderr
    # Other actions are untouched.
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    # An allow that requires TLS grants nothing here.
    put_policy(s3, bucket, {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{bucket}/*",
                            "Condition": {"Bool": {"aws:SecureTransport": "true"}}})
    assert s3.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, B).get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"


def test_prefix_limited_listing(nuage, bucket):
    s3 = nuage.client("s3")
    put_policy(s3, bucket, {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:ListBucket",
                            "Resource": f"arn:aws:s3:::{bucket}",
                            "Condition": {"StringLike": {"s3:prefix": "home/b/*"},
                                          "StringEquals": {"s3:delimiter": "/"},
                                          "NumericLessThanEquals": {"s3:max-keys": "100"}}})
    s3b = s3_as(nuage, B)
    got = s3b.list_objects_v2(Bucket=bucket, Prefix="home/b/", Delimiter="/", MaxKeys=50)
    assert [o["Key"] for o in got["Contents"]] == ["home/b/notes.txt"]
    for kwargs in ({"Prefix": "home/c/", "Delimiter": "/"}, {"Prefix": "home/", "Delimiter": "/"},
                   {"Delimiter": "/"}, {"Prefix": "home/b/"}, {"Prefix": "home/b/", "Delimiter": "/", "MaxKeys": 500}):
        with pytest.raises(ClientError) as exc:
            s3b.list_objects_v2(Bucket=bucket, **kwargs)
        assert code_of(exc) == "AccessDenied", kwargs
    with pytest.raises(ClientError) as exc:
        s3b.list_objects(Bucket=bucket, Prefix="home/c/", Delimiter="/")
    assert code_of(exc) == "AccessDenied"
    env = {"AWS_ACCESS_KEY_ID": B, "AWS_SECRET_ACCESS_KEY": "x"}
    for version in (1, 2):
        out = nuage.cli("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "home/b/", "--delimiter", "/",
                        "--max-keys", "10", "--no-paginate", version=version, env=env)
        assert [o["Key"] for o in out["Contents"]] == ["home/b/notes.txt"]
        res = nuage.cli("s3api", "list-objects-v2", "--bucket", bucket, "--prefix", "home/c/", "--delimiter", "/",
                        "--no-paginate", version=version, env=env, check=False)
        assert res.returncode != 0 and "AccessDenied" in res.stderr


def test_source_ip_principal_account_and_userid_conditions(nuage, bucket):
    s3 = nuage.client("s3")
    user_arn, key, secret = user_with_policy(nuage, B, [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
    user_id = nuage.client("sts", key=key, secret=secret).get_caller_identity()["UserId"]
    put_policy(s3, bucket,
               {"Sid": "Loopback", "Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/home/b/*", "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}},
               {"Sid": "Elsewhere", "Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/home/c/*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
               {"Sid": "AccountC", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/home/c/*", "Condition": {"StringEquals": {"aws:PrincipalAccount": C}}},
               {"Sid": "ThatUser", "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/drop/*", "Condition": {"StringEquals": {"aws:userid": user_id}}})
    s3b = s3_as(nuage, B)
    assert s3b.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    with pytest.raises(ClientError) as exc:
        s3b.get_object(Bucket=bucket, Key="home/c/notes.txt")
    assert code_of(exc) == "AccessDenied"
    assert s3_as(nuage, C).get_object(Bucket=bucket, Key="home/c/notes.txt")["Body"].read() == b"for c"
    with pytest.raises(ClientError) as exc:
        anonymous_s3(nuage).get_object(Bucket=bucket, Key="home/c/notes.txt")
    assert code_of(exc) == "AccessDenied"
    s3_as(nuage, key, secret).put_object(Bucket=bucket, Key="drop/x", Body=b"x")
    with pytest.raises(ClientError) as exc:
        s3b.put_object(Bucket=bucket, Key="drop/y", Body=b"y")
    assert code_of(exc) == "AccessDenied"
    # None of these grants is public.
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    assert user_arn.startswith(f"arn:aws:iam::{B}:user/")


# ---- anonymous access ----

def test_anonymous_requests_need_a_public_grant(nuage, bucket):
    anon = anonymous_s3(nuage)
    url = f"{nuage.endpoint}/{bucket}/home/b/notes.txt"
    with pytest.raises(ClientError) as exc:
        anon.get_object(Bucket=bucket, Key="home/b/notes.txt")
    assert code_of(exc) == "AccessDenied"
    status, body = curl(url)
    assert status == 403 and "<Code>AccessDenied</Code>" in body and "<Message>Access Denied</Message>" in body
    assert "<RequestId>" in body
    with pytest.raises(ClientError) as exc:
        anon.list_buckets()
    assert code_of(exc) == "AccessDenied"

    put_policy(nuage.client("s3"), bucket, {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                                            "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/home/*"})
    assert anon.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    status, body = curl(url)
    assert (status, body) == (200, "for b")
    status, _ = curl(url, "-I")
    assert status == 200
    # Only what the policy grants.
    with pytest.raises(ClientError) as exc:
        anon.put_object(Bucket=bucket, Key="home/new", Body=b"x")
    assert code_of(exc) == "AccessDenied"
    status, _ = curl(f"{nuage.endpoint}/{bucket}/home/new", "-X", "PUT", "--data-binary", "x")
    assert status == 403
    with pytest.raises(ClientError) as exc:
        anon.list_objects_v2(Bucket=bucket)
    assert code_of(exc) == "AccessDenied"
    status, _ = curl(f"{nuage.endpoint}/{bucket}?list-type=2")
    assert status == 403
    # {"AWS": "*"} is everyone too; a missing key under a granted prefix is the handler's answer.
    put_policy(nuage.client("s3"), bucket, {"Effect": "Allow", "Principal": {"AWS": "*"},
                                            "Action": ["s3:GetObject", "s3:ListBucket"],
                                            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]})
    assert anon.list_objects_v2(Bucket=bucket)["KeyCount"] == 2
    with pytest.raises(ClientError) as exc:
        anon.get_object(Bucket=bucket, Key="home/missing")
    assert code_of(exc) == "NoSuchKey"
    # Both CLIs with --no-sign-request.
    for version in (1, 2):
        out = nuage.cli("s3api", "list-objects-v2", "--bucket", bucket, "--no-sign-request", version=version)
        assert [o["Key"] for o in out["Contents"]] == ["home/b/notes.txt", "home/c/notes.txt"]


# ---- Block Public Access ----

PUBLIC_READ = "PublicRead"


def public_read(bucket):
    return {"Sid": PUBLIC_READ, "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}


def pab(**flags):
    config = {"BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
              "RestrictPublicBuckets": False}
    config.update(flags)
    return config


def test_public_access_block_configuration_round_trip(nuage, bucket):
    s3 = nuage.client("s3")
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=bucket)
    assert code_of(exc) == "NoSuchPublicAccessBlockConfiguration"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    config = pab(BlockPublicAcls=True, IgnorePublicAcls=True)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=config)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == config
    for version in (1, 2):
        out = nuage.cli("s3api", "get-public-access-block", "--bucket", bucket, version=version)
        assert out["PublicAccessBlockConfiguration"] == config
    nuage.cli("s3api", "put-public-access-block", "--bucket", bucket, "--public-access-block-configuration",
              "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
              version=2)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == pab(
        BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True)
    s3.delete_public_access_block(Bucket=bucket)
    with pytest.raises(ClientError) as exc:
        s3.get_public_access_block(Bucket=bucket)
    assert code_of(exc) == "NoSuchPublicAccessBlockConfiguration"
    # Another account may not touch it.
    with pytest.raises(ClientError) as exc:
        s3_as(nuage, B).put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab())
    assert code_of(exc) == "AccessDenied"


def test_block_public_policy_refuses_public_policies(nuage, bucket):
    s3 = nuage.client("s3")
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab(BlockPublicPolicy=True))
    with pytest.raises(ClientError) as exc:
        put_policy(s3, bucket, public_read(bucket))
    assert code_of(exc) == "AccessDenied"
    assert "BlockPublicPolicy" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket=bucket)  # nothing was stored
    # A policy for named accounts is not public, nor is "*" tied to an account.
    put_policy(s3, bucket, {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{bucket}/*"},
               {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": C}}})
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    res = nuage.cli("s3api", "put-bucket-policy", "--bucket", bucket, "--policy",
                    json.dumps({"Version": "2012-10-17", "Statement": [public_read(bucket)]}), version=1, check=False)
    assert res.returncode != 0 and "AccessDenied" in res.stderr
    s3.delete_public_access_block(Bucket=bucket)
    put_policy(s3, bucket, public_read(bucket))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    out = nuage.cli("s3api", "get-bucket-policy-status", "--bucket", bucket, version=2)
    assert out["PolicyStatus"]["IsPublic"] is True


def test_restrict_public_buckets_ignores_public_grants_outside_the_account(nuage, bucket):
    s3 = nuage.client("s3")
    put_policy(s3, bucket, public_read(bucket))
    anon, s3b = anonymous_s3(nuage), s3_as(nuage, B)
    assert anon.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    assert s3b.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab(RestrictPublicBuckets=True))
    for client in (anon, s3b):
        with pytest.raises(ClientError) as exc:
            client.get_object(Bucket=bucket, Key="home/b/notes.txt")
        assert code_of(exc) == "AccessDenied"
    assert curl(f"{nuage.endpoint}/{bucket}/home/b/notes.txt")[0] == 403
    # The owner's account is still served.
    assert s3.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    # A policy that is not public keeps working across accounts.
    put_policy(s3, bucket, {"Effect": "Allow", "Principal": {"AWS": B}, "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{bucket}/*"})
    assert s3b.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"
    put_policy(s3, bucket, public_read(bucket))
    s3.delete_public_access_block(Bucket=bucket)
    assert anon.get_object(Bucket=bucket, Key="home/b/notes.txt")["Body"].read() == b"for b"


def test_block_public_acls_refuses_public_acls(nuage, bucket):
    s3 = nuage.client("s3")
    s3.put_object(Bucket=bucket, Key="acl", Body=b"x", ACL="public-read")  # accepted while not blocked
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab(BlockPublicAcls=True))
    for acl in ("public-read", "public-read-write", "authenticated-read"):
        with pytest.raises(ClientError) as exc:
            s3.put_object(Bucket=bucket, Key="acl", Body=b"x", ACL=acl)
        assert code_of(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/acl", ACL="public-read")
    assert code_of(exc) == "AccessDenied"
    with pytest.raises(ClientError) as exc:
        s3.create_multipart_upload(Bucket=bucket, Key="mp", GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"')
    assert code_of(exc) == "AccessDenied"
    s3.put_object(Bucket=bucket, Key="acl", Body=b"private", ACL="private")
    assert s3.get_object(Bucket=bucket, Key="acl")["Body"].read() == b"private"
    # IgnorePublicAcls: ACLs never grant access in nuage, so public ones are ignored already.
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=pab(IgnorePublicAcls=True))
    s3.put_object(Bucket=bucket, Key="acl", Body=b"x", ACL="public-read")
    with pytest.raises(ClientError) as exc:
        anonymous_s3(nuage).get_object(Bucket=bucket, Key="acl")
    assert code_of(exc) == "AccessDenied"


def test_policy_status_and_validation(nuage, bucket):
    s3 = nuage.client("s3")
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy_status(Bucket=bucket)
    assert code_of(exc) == "NoSuchBucketPolicy"
    for bad in ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                           "Resource": f"arn:aws:s3:::{bucket}/*"}]},
                {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*", "Action": "s3:GetObject",
                                                           "Resource": f"arn:aws:s3:::{bucket}/*"}]}):
        with pytest.raises(ClientError) as exc:
            s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(bad))
        assert code_of(exc) == "MalformedPolicy"
    with pytest.raises(ClientError) as exc:
        s3.get_bucket_policy(Bucket=bucket)
    assert code_of(exc) == "NoSuchBucketPolicy"


# ---- Lambda function policies ----

@pytest.fixture(scope="module")
def function(nuage):
    role = make_role(nuage, [])
    name = create_python(nuage, role, "def lambda_handler(event, context):\n    return {'got': event}\n")
    return name, nuage.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]


def test_lambda_cross_account_invoke_and_get_function(nuage, function):
    name, arn = function
    lam, lam_b = nuage.client("lambda"), nuage.client("lambda", key=B, secret="x")
    with pytest.raises(ClientError) as exc:
        lam_b.invoke(FunctionName=arn, InvocationType="DryRun")
    assert code_of(exc) == "AccessDeniedException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert (f"User: arn:aws:iam::{B}:root is not authorized to perform: lambda:InvokeFunction on resource: {arn} "
            "because no resource-based policy allows the lambda:InvokeFunction action") == \
        exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        lam_b.get_function(FunctionName=arn)
    assert code_of(exc) == "AccessDeniedException"

    sid = unique("b-invokes")
    lam.add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction", Principal=B)
    assert lam_b.invoke(FunctionName=arn, InvocationType="DryRun")["StatusCode"] == 204
    r = lam_b.invoke(FunctionName=arn, Payload=json.dumps({"from": "b"}))
    assert json.loads(r["Payload"].read()) == {"got": {"from": "b"}}
    # Only what was granted, and only to B.
    with pytest.raises(ClientError) as exc:
        lam_b.get_function(FunctionName=arn)
    assert code_of(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:
        nuage.client("lambda", key=C, secret="x").invoke(FunctionName=arn, InvocationType="DryRun")
    assert code_of(exc) == "AccessDeniedException"
    # A user of B needs its own identity policy as well.
    _, key, secret = user_with_policy(nuage, B, [])
    with pytest.raises(ClientError) as exc:
        nuage.client("lambda", key=key, secret=secret).invoke(FunctionName=arn, InvocationType="DryRun")
    assert code_of(exc) == "AccessDeniedException"
    _, key, secret = user_with_policy(nuage, B, [{"Effect": "Allow", "Action": "lambda:InvokeFunction",
                                                  "Resource": "*"}])
    assert nuage.client("lambda", key=key, secret=secret).invoke(
        FunctionName=arn, InvocationType="DryRun")["StatusCode"] == 204

    gsid = unique("b-reads")
    lam.add_permission(FunctionName=name, StatementId=gsid, Action="lambda:GetFunction", Principal=B)
    assert lam_b.get_function(FunctionName=arn)["Configuration"]["FunctionArn"] == arn
    for version in (1, 2):
        out = nuage.cli("lambda", "get-function", "--function-name", arn, version=version,
                        env={"AWS_ACCESS_KEY_ID": B, "AWS_SECRET_ACCESS_KEY": "x"})
        assert out["Configuration"]["FunctionName"] == name
    lam.remove_permission(FunctionName=name, StatementId=sid)
    lam.remove_permission(FunctionName=name, StatementId=gsid)
    with pytest.raises(ClientError) as exc:
        lam_b.invoke(FunctionName=arn, InvocationType="DryRun")
    assert code_of(exc) == "AccessDeniedException"
    # The owner's account is unaffected throughout.
    assert lam.invoke(FunctionName=arn, InvocationType="DryRun")["StatusCode"] == 204


def test_lambda_other_accounts_cannot_change_a_function(nuage, function):
    name, arn = function
    sid = unique("all")
    nuage.client("lambda").add_permission(FunctionName=name, StatementId=sid, Action="lambda:InvokeFunction",
                                          Principal="*")
    lam_b = nuage.client("lambda", key=B, secret="x")
    try:
        assert lam_b.invoke(FunctionName=arn, InvocationType="DryRun")["StatusCode"] == 204
        for call in (lambda: lam_b.delete_function(FunctionName=arn),
                     lambda: lam_b.update_function_configuration(FunctionName=arn, Timeout=9),
                     lambda: lam_b.add_permission(FunctionName=arn, StatementId="x", Action="lambda:*", Principal=B)):
            with pytest.raises(ClientError) as exc:
                call()
            assert code_of(exc) == "AccessDeniedException"
    finally:
        nuage.client("lambda").remove_permission(FunctionName=name, StatementId=sid)
    assert nuage.client("lambda").get_function(FunctionName=name)["Configuration"]["Timeout"] != 9


def test_lambda_layer_version_policies_across_accounts(nuage):
    lam, lam_b = nuage.client("lambda"), nuage.client("lambda", key=B, secret="x")
    name = unique("layer")
    version = lam.publish_layer_version(LayerName=name, Content={"ZipFile": make_zip({"python/m.py": "X = 1\n"})})
    arn, number = version["LayerVersionArn"], version["Version"]
    with pytest.raises(ClientError) as exc:
        lam_b.get_layer_version_by_arn(Arn=arn)
    assert code_of(exc) == "AccessDeniedException"
    lam.add_layer_version_permission(LayerName=name, VersionNumber=number, StatementId="b", Action="lambda:GetLayerVersion",
                                     Principal=B)
    assert lam_b.get_layer_version_by_arn(Arn=arn)["LayerVersionArn"] == arn
    assert lam_b.get_layer_version(LayerName=version["LayerArn"], VersionNumber=number)["Version"] == number
    with pytest.raises(ClientError) as exc:
        nuage.client("lambda", key=C, secret="x").get_layer_version_by_arn(Arn=arn)
    assert code_of(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:
        lam_b.delete_layer_version(LayerName=version["LayerArn"], VersionNumber=number)
    assert code_of(exc) == "AccessDeniedException"
    assert lam.get_layer_version_by_arn(Arn=arn)["Version"] == number


def test_lambda_other_accounts_cannot_create_in_an_account(nuage):
    lam_b = nuage.client("lambda", key=B, secret="x")
    role = make_role(nuage, [])
    with pytest.raises(ClientError) as exc:
        lam_b.create_function(FunctionName=f"arn:aws:lambda:us-east-1:{A}:function:{unique('planted')}",
                              Runtime="python3.13", Role=role, Handler="h.h",
                              Code={"ZipFile": make_zip({"h.py": "def h(e, c):\n    return 1\n"})})
    assert code_of(exc) == "AccessDeniedException"
