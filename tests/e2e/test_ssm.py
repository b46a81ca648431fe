"""SSM Parameter Store (json protocol), as seed 002's get_parameter /
put_parameter use it."""
import base64
import json
import os
import sqlite3

import pytest
from botocore.exceptions import ClientError


def get_parameter(ssm, name, decrypt=True):
    """Seed 002, verbatim apart from the client."""
    response = ssm.get_parameter(Name=name, WithDecryption=decrypt)
    return response["Parameter"]["Value"]


def put_parameter(ssm, name, value, param_type="SecureString"):
    ssm.put_parameter(Name=name, Value=value, Type=param_type, Overwrite=True)


def test_seed_002_put_and_get(nuage):
    ssm = nuage.client("ssm")
    put_parameter(ssm, "/seed002/db/password", "s3cr3t")
    assert get_parameter(ssm, "/seed002/db/password") == "s3cr3t"
    hidden = get_parameter(ssm, "/seed002/db/password", decrypt=False)
    assert hidden != "s3cr3t"


def test_versions_and_overwrite(nuage):
    ssm = nuage.client("ssm")
    assert ssm.put_parameter(Name="/v/p", Value="a", Type="String")["Version"] == 1
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/v/p", Value="b", Type="String")
    assert exc.value.response["Error"]["Code"] == "ParameterAlreadyExists"
    assert ssm.put_parameter(Name="/v/p", Value="b", Overwrite=True)["Version"] == 2
    p = ssm.get_parameter(Name="/v/p")["Parameter"]
    assert (p["Value"], p["Version"], p["Type"]) == ("b", 2, "String")
    assert p["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/v/p"
    assert ssm.get_parameter(Name="/v/p:1")["Parameter"]["Value"] == "a"


def test_not_found_and_delete(nuage):
    ssm = nuage.client("ssm")
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/nope")
    assert exc.value.response["Error"]["Code"] == "ParameterNotFound"
    ssm.put_parameter(Name="/del/me", Value="x", Type="String")
    ssm.delete_parameter(Name="/del/me")
    with pytest.raises(ClientError) as exc:
        ssm.delete_parameter(Name="/del/me")
    assert exc.value.response["Error"]["Code"] == "ParameterNotFound"


def test_get_parameters_reports_invalid(nuage):
    ssm = nuage.client("ssm")
    ssm.put_parameter(Name="/many/a", Value="1", Type="String")
    out = ssm.get_parameters(Names=["/many/a", "/many/missing"])
    assert [p["Name"] for p in out["Parameters"]] == ["/many/a"]
    assert out["InvalidParameters"] == ["/many/missing"]


def test_parameters_are_scoped_by_region(nuage):
    nuage.client("ssm", region="eu-west-1").put_parameter(Name="/regional", Value="eu", Type="String")
    with pytest.raises(ClientError):
        nuage.client("ssm", region="us-west-2").get_parameter(Name="/regional")


def test_reserved_names_are_refused(nuage):
    with pytest.raises(ClientError) as exc:
        nuage.client("ssm").put_parameter(Name="aws-thing", Value="x", Type="String")
    assert exc.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    name = f"/cli/v{version}"
    nuage.cli("ssm", "put-parameter", "--name", name, "--value", "hello", "--type", "String", version=version)
    out = nuage.cli("ssm", "get-parameter", "--name", name, version=version)
    assert out["Parameter"]["Value"] == "hello"


def test_secure_string_is_encrypted_by_kms(nuage):
    ssm, kms = nuage.client("ssm", region="us-west-1"), nuage.client("kms", region="us-west-1")
    ssm.put_parameter(Name="/kms/db/password", Value="hunter2", Type="SecureString")
    hidden = ssm.get_parameter(Name="/kms/db/password")["Parameter"]
    assert hidden["Type"] == "SecureString" and hidden["Value"] != "hunter2"
    # The value answered without decryption is the KMS ciphertext, as on AWS:
    # KMS opens it under the parameter's ARN as encryption context.
    blob = base64.b64decode(hidden["Value"])
    opened = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"PARAMETER_ARN": hidden["ARN"]})
    assert opened["Plaintext"] == b"hunter2"
    managed = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert opened["KeyId"] == managed["Arn"] and managed["KeyManager"] == "AWS"
    with pytest.raises(ClientError):
        kms.decrypt(CiphertextBlob=blob)
    assert ssm.get_parameter(Name="/kms/db/password", WithDecryption=True)["Parameter"]["Value"] == "hunter2"
    both = ssm.get_parameters(Names=["/kms/db/password"], WithDecryption=True)["Parameters"]
    assert [p["Value"] for p in both] == ["hunter2"]
    # A key of one's own, named by alias; old versions keep their own ciphertext.
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/params", TargetKeyId=key["KeyId"])
    ssm.put_parameter(Name="/kms/db/password", Value="correct horse", Type="SecureString", KeyId="alias/params",
                      Overwrite=True)
    latest = ssm.get_parameter(Name="/kms/db/password")["Parameter"]
    assert kms.decrypt(CiphertextBlob=base64.b64decode(latest["Value"]),
                       EncryptionContext={"PARAMETER_ARN": latest["ARN"]})["KeyId"] == key["Arn"]
    assert ssm.get_parameter(Name="/kms/db/password:1", WithDecryption=True)["Parameter"]["Value"] == "hunter2"
    assert ssm.get_parameter(Name="/kms/db/password", WithDecryption=True)["Parameter"]["Value"] == "correct horse"
    # The key decides: disabled, the value cannot be read, the ciphertext still can.
    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/kms/db/password", WithDecryption=True)
    assert exc.value.response["Error"]["Code"] == "DisabledException"
    assert ssm.get_parameter(Name="/kms/db/password")["Parameter"]["Value"] == latest["Value"]
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/kms/other", Value="x", Type="SecureString", KeyId="alias/missing")
    assert exc.value.response["Error"]["Code"] == "InvalidKeyId"


def test_get_parameters_by_path(nuage):
    ssm = nuage.client("ssm", region="ca-central-1")
    for name, kind in (("/app/a", "String"), ("/app/b", "SecureString"), ("/app/sub/c", "String"), ("/other/d", "String")):
        ssm.put_parameter(Name=name, Value="value of " + name, Type=kind)
    shallow = ssm.get_parameters_by_path(Path="/app", WithDecryption=True)["Parameters"]
    assert [(p["Name"], p["Value"]) for p in shallow] == [("/app/a", "value of /app/a"), ("/app/b", "value of /app/b")]
    hidden = ssm.get_parameters_by_path(Path="/app/")["Parameters"]
    assert hidden[1]["Value"] != "value of /app/b"
    names, token = [], None
    while True:
        page = ssm.get_parameters_by_path(Path="/app", Recursive=True, MaxResults=2, **({"NextToken": token} if token else {}))
        names += [p["Name"] for p in page["Parameters"]]
        token = page.get("NextToken")
        if not token:
            break
    assert names == ["/app/a", "/app/b", "/app/sub/c"]


def test_secure_strings_stored_in_clear_by_older_versions_still_read(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    server.client("ssm").put_parameter(Name="/made/now", Value="x", Type="String")
    server.stop()
    # A parameter as nuage kept SecureStrings before KMS: the value in clear.
    legacy = {"Name": "/legacy/secret", "Type": "SecureString", "Value": "old clear", "Version": 1, "Tier": "Standard",
              "DataType": "text", "LastModifiedDate": 1700000000, "History": [{"Version": 1, "Value": "old clear"}]}
    with sqlite3.connect(os.path.join(data_dir, "nuage.db")) as db:
        db.execute("INSERT INTO resources (service, account, region, kind, id, doc) VALUES (?, ?, ?, ?, ?, ?)",
                   ("ssm", "000000000000", "us-east-1", "parameter", "/legacy/secret", json.dumps(legacy)))
    ssm = start_nuage(data_dir=data_dir).client("ssm")
    assert ssm.get_parameter(Name="/legacy/secret", WithDecryption=True)["Parameter"]["Value"] == "old clear"
    assert ssm.get_parameter(Name="/legacy/secret")["Parameter"]["Value"] != "old clear"
    # Overwritten, it is encrypted from then on.
    ssm.put_parameter(Name="/legacy/secret", Value="new", Overwrite=True)
    assert ssm.get_parameter(Name="/legacy/secret", WithDecryption=True)["Parameter"]["Value"] == "new"
    assert ssm.get_parameter(Name="/legacy/secret:1", WithDecryption=True)["Parameter"]["Value"] == "old clear"
