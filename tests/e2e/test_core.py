"""The core server with real clients: identity, errors, signatures, limits,
admin endpoints and persistence."""
import datetime
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from unittest import mock

import botocore.auth
import pytest
from botocore.exceptions import ClientError

from conftest import NUAGE_BIN, client_env


def error_of(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def raw_request(port, data, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
                length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(body) >= int(length[0].split(b":")[1]):
                    break
        return b"".join(chunks)


# --- GetCallerIdentity -----------------------------------------------------

def test_get_caller_identity_boto3(nuage):
    ident = nuage.client("sts").get_caller_identity()
    assert ident["Account"] == "000000000000"
    assert ident["Arn"] == "arn:aws:iam::000000000000:root"
    assert ident["UserId"] == "000000000000"
    assert ident["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert len(ident["ResponseMetadata"]["RequestId"]) == 36


@pytest.mark.parametrize("version", [1, 2])
def test_get_caller_identity_cli(nuage, version):
    out = nuage.cli("sts", "get-caller-identity", version=version)
    assert out["Account"] == "000000000000"
    assert out["Arn"] == "arn:aws:iam::000000000000:root"


def test_any_region_and_unknown_key_answer_as_root(nuage):
    sts = nuage.client("sts", region="eu-west-3", key="AKIAIOSFODNN7EXAMPLE")
    assert sts.get_caller_identity()["Account"] == "000000000000"


def test_presigned_get_caller_identity(nuage):
    url = nuage.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
    with urllib.request.urlopen(url, timeout=10) as res:
        body = res.read().decode()
    assert "<Arn>arn:aws:iam::000000000000:root</Arn>" in body


def test_presigned_url_expires(nuage):
    url = nuage.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    time.sleep(2.1)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(url, timeout=10)
    assert exc.value.code == 403
    body = exc.value.read().decode()
    assert "<Code>AccessDenied</Code>" in body and "Request has expired" in body


def test_tampered_presigned_url_is_refused(nuage):
    url = nuage.client("sts").generate_presigned_url("get_caller_identity", ExpiresIn=300, HttpMethod="GET")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(url.replace("X-Amz-Expires=300", "X-Amz-Expires=301"), timeout=10)
    assert exc.value.code == 403
    assert "SignatureDoesNotMatch" in exc.value.read().decode()


# --- errors ----------------------------------------------------------------

def test_unimplemented_operation_answers_501(nuage):
    with pytest.raises(ClientError) as exc:
        nuage.client("sts").get_federation_token(Name="federated")
    code, status = error_of(exc)
    assert (code, status) == ("NotImplemented", 501)
    assert "GetFederationToken" in exc.value.response["Error"]["Message"]
    assert "sts" in exc.value.response["Error"]["Message"]


@pytest.mark.parametrize("service,call", [
    ("ec2", lambda c: c.describe_vpn_gateways()),
    ("cloudwatch", lambda c: c.list_dashboards()),  # smithy-rpc-v2-cbor
    ("lambda", lambda c: c.list_code_signing_configs()),
    ("events", lambda c: c.list_archives()),
    ("s3", lambda c: c.get_bucket_accelerate_configuration(Bucket="b")),
])
def test_unimplemented_in_every_protocol(nuage, service, call):
    with pytest.raises(ClientError) as exc:
        call(nuage.client(service))
    assert error_of(exc) == ("NotImplemented", 501)


def test_bad_signature(nuage):
    sts = nuage.client("sts", secret="not-the-secret")
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert error_of(exc) == ("SignatureDoesNotMatch", 403)


def test_bad_signature_json_protocol(nuage):
    ssm = nuage.client("ssm", secret="not-the-secret")
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="x")
    assert error_of(exc)[0] == "SignatureDoesNotMatch"


def signed_sts_request(endpoint, when):
    """A GetCallerIdentity request signed by botocore as of `when` (no client
    retries or clock correction in the way)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="POST", url=endpoint + "/", data="Action=GetCallerIdentity&Version=2011-06-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=when):
        SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(req)
    prepared = req.prepare()
    return urllib.request.Request(prepared.url, data=prepared.body.encode(), headers=dict(prepared.headers),
                                  method="POST")


def test_clock_skew_is_refused(nuage):
    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(signed_sts_request(nuage.endpoint, past), timeout=10)
    body = exc.value.read().decode()
    assert exc.value.code in (400, 403)
    assert "<Code>SignatureDoesNotMatch</Code>" in body and "Signature expired" in body


def test_skew_within_15_minutes_is_accepted(nuage):
    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=10)
    sts = nuage.client("sts")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=past):
        assert sts.get_caller_identity()["Account"] == "000000000000"


def test_strict_credentials_refuse_unknown_keys(start_nuage):
    server = start_nuage(args=["--strict-credentials"])
    with pytest.raises(ClientError) as exc:
        server.client("sts", key="AKIAUNKNOWNKEY000000").get_caller_identity()
    assert error_of(exc) == ("InvalidClientTokenId", 403)
    assert server.client("sts").get_caller_identity()["Account"] == "000000000000"


def test_unsigned_request_is_refused(nuage):
    req = urllib.request.Request(nuage.endpoint + "/", data=b"Action=GetCallerIdentity&Version=2011-06-15",
                                 headers={"Content-Type": "application/x-www-form-urlencoded",
                                          "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code in (400, 403)


def test_malformed_json_body(nuage):
    ssm = nuage.client("ssm")

    def corrupt(request, **_):
        request.data = b"{not json"
        request.headers["Content-Length"] = str(len(request.data))
    ssm.meta.events.register_first("before-sign.ssm.GetParameter", corrupt)
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="x")
    assert error_of(exc) == ("SerializationException", 400)


def test_malformed_query_string(nuage):
    sts = nuage.client("sts")

    def corrupt(request, **_):
        request.data = b"Action=GetCallerIdentity&Version=2011-06-15&Bad=%zz"
    sts.meta.events.register_first("before-sign.sts.GetCallerIdentity", corrupt)
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert error_of(exc) == ("MalformedQueryString", 400)


def test_missing_required_parameter_json(nuage):
    ssm = nuage.client("ssm")

    def drop(request, **_):
        request.data = b"{}"
    ssm.meta.events.register_first("before-sign.ssm.GetParameter", drop)
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="x")
    code, status = error_of(exc)
    assert (code, status) == ("ValidationException", 400)
    assert "Member must not be null" in exc.value.response["Error"]["Message"]


# --- HTTP limits and hostile input ----------------------------------------

def test_oversized_header_is_refused_and_server_survives(nuage):
    big = b"x" * (200 * 1024)
    res = raw_request(nuage.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + b"\r\n\r\n")
    assert res.startswith(b"HTTP/1.1 431")
    assert nuage.client("sts").get_caller_identity()["Account"] == "000000000000"


def test_oversized_body_is_refused_before_reading(nuage):
    res = raw_request(nuage.port, b"PUT /b/k HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999\r\n\r\n")
    assert res.startswith(b"HTTP/1.1 413")
    assert nuage.client("sts").get_caller_identity()["Account"] == "000000000000"


def test_garbage_is_a_400_and_server_survives(nuage):
    res = raw_request(nuage.port, b"\x00\x01\x02 garbage \xff\r\n\r\n")
    assert res.startswith(b"HTTP/1.1 400") or res == b""
    assert nuage.client("sts").get_caller_identity()["Account"] == "000000000000"


def test_keep_alive_serves_many_requests(nuage):
    sts = nuage.client("sts")
    for _ in range(50):
        assert sts.get_caller_identity()["Account"] == "000000000000"


# --- admin -----------------------------------------------------------------

def test_health(nuage):
    health = nuage.admin("GET", "/_nuage/health")
    assert health["status"] == "running"
    assert health["services"]["sts"]["implemented"] >= 1
    assert health["services"]["sts"]["operations"] > health["services"]["sts"]["implemented"]
    assert health["uptime_seconds"] >= 0


def test_reset_wipes_state(fresh_nuage):
    ssm = fresh_nuage.client("ssm")
    ssm.put_parameter(Name="/reset/me", Value="1", Type="String")
    assert fresh_nuage.admin("POST", "/_nuage/reset") == {"reset": True}
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/reset/me")
    assert error_of(exc)[0] == "ParameterNotFound"
    ssm.put_parameter(Name="/reset/me", Value="2", Type="String")
    assert fresh_nuage.admin("POST", "/moto-api/reset") == {"reset": True}
    with pytest.raises(ClientError):
        ssm.get_parameter(Name="/reset/me")


def test_nuage_cli_health_and_reset(fresh_nuage):
    out = subprocess.run([NUAGE_BIN, "health", "--endpoint", fresh_nuage.endpoint], capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)["status"] == "running"
    out = subprocess.run([NUAGE_BIN, "reset", "--endpoint", fresh_nuage.endpoint], capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout) == {"reset": True}


# --- lifecycle and persistence --------------------------------------------

def test_state_survives_clean_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    server.client("ssm").put_parameter(Name="/app/db/host", Value="db.local", Type="String")
    assert server.stop() == 0
    server = start_nuage(data_dir=data_dir)
    param = server.client("ssm").get_parameter(Name="/app/db/host")["Parameter"]
    assert param["Value"] == "db.local" and param["Version"] == 1


def test_acknowledged_writes_survive_kill_9(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ssm = server.client("ssm")
    for i in range(20):
        ssm.put_parameter(Name=f"/durable/{i}", Value=str(i), Type="String")
    server.stop(sig=9)
    server = start_nuage(data_dir=data_dir)
    ssm = server.client("ssm")
    names = [f"/durable/{i}" for i in range(20)]
    for i in range(0, 20, 10):
        got = ssm.get_parameters(Names=names[i:i + 10])
        assert sorted(p["Value"] for p in got["Parameters"]) == sorted(str(n) for n in range(i, i + 10))


def test_sigint_shuts_down_cleanly(start_nuage):
    server = start_nuage()
    server.client("sts").get_caller_identity()
    assert server.stop(sig=2) == 0


def test_port_in_use_is_a_clear_error(nuage):
    res = subprocess.run([NUAGE_BIN, "serve", "--ephemeral", "--port", str(nuage.port)],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode != 0 and "cannot listen" in res.stderr
