"""KMS (json protocol) with real cryptography: symmetric round trips and
their refusals, signatures and RSA encryption checked with the openssl
command line against GetPublicKey, data keys, MACs, aliases, policies
across accounts, grants, deletion and rotation on nuage's clock, and
persistence across kill -9."""
import base64
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import uuid

import pytest
from botocore.exceptions import ClientError

OTHER = "111111111111"  # the account a 12-digit key names


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def new_key(kms, **kwargs):
    return kms.create_key(**kwargs)["KeyMetadata"]


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def test_symmetric_round_trip_and_refusals(nuage):
    kms = nuage.client("kms")
    key = new_key(kms, Description="round trip")
    assert (key["KeySpec"], key["KeyUsage"], key["KeyState"], key["KeyManager"]) == (
        "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Enabled", "CUSTOMER")
    context = {"purpose": "test", "tenant": "a"}
    out = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"attack at dawn", EncryptionContext=context)
    blob = out["CiphertextBlob"]
    assert out["KeyId"] == key["Arn"] and b"attack at dawn" not in blob
    # The blob names its key: no KeyId needed.
    plain = kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert (plain["Plaintext"], plain["KeyId"]) == (b"attack at dawn", key["Arn"])
    # Two encryptions of the same text differ (random IV).
    assert kms.encrypt(KeyId=key["KeyId"], Plaintext=b"attack at dawn", EncryptionContext=context)["CiphertextBlob"] != blob
    for wrong in ({}, {"purpose": "test"}, {"purpose": "test", "tenant": "b"}):
        with pytest.raises(ClientError) as exc:
            kms.decrypt(CiphertextBlob=blob, EncryptionContext=wrong)
        assert code_of(exc) == "InvalidCiphertextException"
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=tampered, EncryptionContext=context)
    assert code_of(exc) == "InvalidCiphertextException"
    other = new_key(kms)
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId=other["KeyId"])
    assert code_of(exc) == "IncorrectKeyException"
    # ReEncrypt moves it under the other key and another context.
    moved = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=context, DestinationKeyId=other["Arn"],
                           DestinationEncryptionContext={"x": "y"})
    assert (moved["SourceKeyId"], moved["KeyId"]) == (key["Arn"], other["Arn"])
    assert kms.decrypt(CiphertextBlob=moved["CiphertextBlob"], EncryptionContext={"x": "y"})["Plaintext"] == b"attack at dawn"
    # Regional: another region's KMS cannot open it.
    with pytest.raises(ClientError) as exc:
        nuage.client("kms", region="eu-west-1").decrypt(CiphertextBlob=blob, EncryptionContext=context)
    assert code_of(exc) == "InvalidCiphertextException"
    with pytest.raises(ClientError) as exc:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4097)
    assert code_of(exc) == "ValidationException"
    assert kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 4096)["CiphertextBlob"])["Plaintext"] == b"x" * 4096
    with pytest.raises(ClientError) as exc:
        kms.encrypt(KeyId=str(uuid.uuid4()), Plaintext=b"x")
    assert code_of(exc) == "NotFoundException"
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=b"not a ciphertext blob")
    assert code_of(exc) == "InvalidCiphertextException"


def test_key_states_disable_and_deletion_window(nuage):
    kms = nuage.client("kms")
    key = new_key(kms)["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=b"p")["CiphertextBlob"]
    kms.disable_key(KeyId=key)
    assert kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"] == "Disabled"
    for call in (lambda: kms.encrypt(KeyId=key, Plaintext=b"p"), lambda: kms.decrypt(CiphertextBlob=blob)):
        with pytest.raises(ClientError) as exc:
            call()
        assert code_of(exc) == "DisabledException"
    kms.enable_key(KeyId=key)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"
    for days in (6, 31):
        with pytest.raises(ClientError) as exc:
            kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=days)
        assert code_of(exc) == "ValidationException"
    out = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    assert (out["KeyState"], out["PendingWindowInDays"]) == ("PendingDeletion", 7)
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=blob)
    assert code_of(exc) == "KMSInvalidStateException"
    kms.cancel_key_deletion(KeyId=key)
    meta = kms.describe_key(KeyId=key)["KeyMetadata"]
    assert meta["KeyState"] == "Disabled" and "DeletionDate" not in meta
    with pytest.raises(ClientError) as exc:
        kms.cancel_key_deletion(KeyId=key)
    assert code_of(exc) == "KMSInvalidStateException"


SIGNING_CASES = [
    ("RSA_2048", "RSASSA_PSS_SHA_256", "sha256", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", "sha384", []),
    ("ECC_NIST_P256", "ECDSA_SHA_256", "sha256", []),
    ("ECC_NIST_P384", "ECDSA_SHA_384", "sha384", []),
]


@pytest.mark.parametrize("spec,algorithm,digest,options", SIGNING_CASES)
def test_signatures_verify_with_openssl(nuage, spec, algorithm, digest, options):
    kms = nuage.client("kms")
    key = new_key(kms, KeySpec=spec, KeyUsage="SIGN_VERIFY")
    assert algorithm in key["SigningAlgorithms"] and "EncryptionAlgorithms" not in key
    public = kms.get_public_key(KeyId=key["KeyId"])
    assert (public["KeySpec"], public["KeyUsage"]) == (spec, "SIGN_VERIFY")
    message = b"the message to sign " + spec.encode()
    raw = kms.sign(KeyId=key["KeyId"], Message=message, SigningAlgorithm=algorithm)["Signature"]
    hashed = hashlib.new(digest, message).digest()
    prehashed = kms.sign(KeyId=key["KeyId"], Message=hashed, MessageType="DIGEST", SigningAlgorithm=algorithm)["Signature"]
    with tempfile.TemporaryDirectory() as folder:
        paths = {name: os.path.join(folder, name) for name in ("pub.der", "msg", "raw.sig", "digest.sig")}
        for name, data in (("pub.der", public["PublicKey"]), ("msg", message), ("raw.sig", raw),
                           ("digest.sig", prehashed)):
            with open(paths[name], "wb") as f:
                f.write(data)
        for signature in ("raw.sig", "digest.sig"):
            out = openssl("dgst", "-" + digest, "-verify", paths["pub.der"], "-keyform", "DER", *options,
                          "-signature", paths[signature], paths["msg"])
            assert b"Verified OK" in out
    for signature, kind, data in ((raw, "RAW", message), (prehashed, "DIGEST", hashed)):
        assert kms.verify(KeyId=key["KeyId"], Message=data, MessageType=kind, Signature=signature,
                          SigningAlgorithm=algorithm)["SignatureValid"]
    with pytest.raises(ClientError) as exc:
        kms.verify(KeyId=key["KeyId"], Message=message + b"!", Signature=raw, SigningAlgorithm=algorithm)
    assert code_of(exc) == "KMSInvalidSignatureException"
    with pytest.raises(ClientError) as exc:
        kms.sign(KeyId=key["KeyId"], Message=b"short", MessageType="DIGEST", SigningAlgorithm=algorithm)
    assert code_of(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    assert code_of(exc) == "InvalidKeyUsageException"


def test_rsa_encryption_interoperates_with_openssl(nuage):
    kms = nuage.client("kms")
    key = new_key(kms, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    assert key["EncryptionAlgorithms"] == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    public = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    with tempfile.NamedTemporaryFile(suffix=".der") as f:
        f.write(public)
        f.flush()
        sealed = openssl("pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey", f.name,
                         "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256",
                         "-pkeyopt", "rsa_mgf1_md:sha256", data=b"sealed by openssl")
    out = kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=sealed, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert out["Plaintext"] == b"sealed by openssl"
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"p", EncryptionAlgorithm="RSAES_OAEP_SHA_1")["CiphertextBlob"]
    assert len(blob) == 256
    assert kms.decrypt(KeyId=key["KeyId"], CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"] == b"p"
    with pytest.raises(ClientError) as exc:  # 2048-bit OAEP SHA-256 takes at most 190 bytes
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x" * 191, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert code_of(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionAlgorithm="SYMMETRIC_DEFAULT")
    assert code_of(exc) == "InvalidKeyUsageException"


def test_data_keys_are_usable(nuage):
    kms = nuage.client("kms")
    key = new_key(kms)["KeyId"]
    data_key = kms.generate_data_key(KeyId=key, KeySpec="AES_256", EncryptionContext={"file": "a"})
    assert len(data_key["Plaintext"]) == 32
    assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext={"file": "a"})["Plaintext"] == data_key["Plaintext"]
    # The data key encrypts locally, and the decrypted copy decrypts it back.
    iv = os.urandom(16).hex()
    sealed = openssl("enc", "-aes-256-cbc", "-K", data_key["Plaintext"].hex(), "-iv", iv, data=b"local data")
    recovered = kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"], EncryptionContext={"file": "a"})["Plaintext"]
    assert openssl("enc", "-d", "-aes-256-cbc", "-K", recovered.hex(), "-iv", iv, data=sealed) == b"local data"
    assert len(kms.generate_data_key(KeyId=key, NumberOfBytes=64)["Plaintext"]) == 64
    without = kms.generate_data_key_without_plaintext(KeyId=key, KeySpec="AES_128")
    assert "Plaintext" not in without and len(kms.decrypt(CiphertextBlob=without["CiphertextBlob"])["Plaintext"]) == 16
    with pytest.raises(ClientError) as exc:
        kms.generate_data_key(KeyId=key)
    assert code_of(exc) == "ValidationException"
    pair = kms.generate_data_key_pair(KeyId=key, KeyPairSpec="ECC_NIST_P256")
    assert kms.decrypt(CiphertextBlob=pair["PrivateKeyCiphertextBlob"])["Plaintext"] == pair["PrivateKeyPlaintext"]
    derived = openssl("pkey", "-inform", "DER", "-pubout", "-outform", "DER", data=pair["PrivateKeyPlaintext"])
    assert derived == pair["PublicKey"]
    assert "PrivateKeyPlaintext" not in kms.generate_data_key_pair_without_plaintext(KeyId=key, KeyPairSpec="RSA_2048")


def test_hmac_keys(nuage):
    kms = nuage.client("kms")
    key = new_key(kms, KeySpec="HMAC_384", KeyUsage="GENERATE_VERIFY_MAC")
    assert key["MacAlgorithms"] == ["HMAC_SHA_384"]
    mac = kms.generate_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
    assert len(mac) == 48
    assert kms.generate_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"] == mac
    assert kms.verify_mac(KeyId=key["KeyId"], Message=b"m", Mac=mac, MacAlgorithm="HMAC_SHA_384")["MacValid"]
    with pytest.raises(ClientError) as exc:
        kms.verify_mac(KeyId=key["KeyId"], Message=b"n", Mac=mac, MacAlgorithm="HMAC_SHA_384")
    assert code_of(exc) == "KMSInvalidMacException"
    with pytest.raises(ClientError) as exc:
        kms.generate_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
    assert code_of(exc) == "InvalidKeyUsageException"
    with pytest.raises(ClientError) as exc:
        new_key(kms, KeySpec="HMAC_256", KeyUsage="ENCRYPT_DECRYPT")
    assert code_of(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        kms.get_public_key(KeyId=key["KeyId"])
    assert code_of(exc) == "UnsupportedOperationException"


def test_aliases_listing_and_managed_keys(nuage):
    kms = nuage.client("kms", region="ap-south-1")
    first, second = new_key(kms), new_key(kms)
    name = "alias/app-" + uuid.uuid4().hex[:8]
    kms.create_alias(AliasName=name, TargetKeyId=first["KeyId"])
    with pytest.raises(ClientError) as exc:
        kms.create_alias(AliasName=name, TargetKeyId=second["KeyId"])
    assert code_of(exc) == "AlreadyExistsException"
    blob = kms.encrypt(KeyId=name, Plaintext=b"via alias")["CiphertextBlob"]
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == first["KeyId"]
    kms.update_alias(AliasName=name, TargetKeyId=second["Arn"])
    assert kms.encrypt(KeyId=name, Plaintext=b"x")["KeyId"] == second["Arn"]
    assert kms.decrypt(CiphertextBlob=blob)["KeyId"] == first["Arn"]
    listed = kms.list_aliases(KeyId=second["KeyId"])["Aliases"]
    assert [a["AliasName"] for a in listed] == [name]
    with pytest.raises(ClientError) as exc:
        kms.create_alias(AliasName="alias/aws/mine", TargetKeyId=first["KeyId"])
    assert code_of(exc) == "NotAuthorizedException"
    with pytest.raises(ClientError) as exc:
        kms.create_alias(AliasName="no-prefix", TargetKeyId=first["KeyId"])
    assert code_of(exc) == "InvalidAliasNameException"
    kms.delete_alias(AliasName=name)
    with pytest.raises(ClientError) as exc:
        kms.describe_key(KeyId=name)
    assert code_of(exc) == "NotFoundException"
    # AWS managed keys appear on first use.
    managed = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert managed["KeyManager"] == "AWS"
    assert kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]["KeyId"] == managed["KeyId"]
    assert kms.get_key_rotation_status(KeyId=managed["KeyId"])["KeyRotationEnabled"]
    with pytest.raises(ClientError) as exc:
        kms.schedule_key_deletion(KeyId=managed["KeyId"])
    assert code_of(exc) == "UnsupportedOperationException"
    assert "alias/aws/ssm" in [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    # ListKeys pages.
    seen, marker = [], None
    while True:
        page = kms.list_keys(Limit=1, **({"Marker": marker} if marker else {}))
        seen += [k["KeyId"] for k in page["Keys"]]
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
    assert sorted(seen) == sorted([first["KeyId"], second["KeyId"], managed["KeyId"]])


def test_key_policy_decides_for_other_accounts(nuage):
    kms = nuage.client("kms")
    key = new_key(kms)
    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::000000000000:root"}
    assert kms.list_key_policies(KeyId=key["KeyId"])["PolicyNames"] == ["default"]
    blob = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"mine")["CiphertextBlob"]
    other = nuage.client("kms", key=OTHER, secret="anything")
    with pytest.raises(ClientError) as exc:
        other.decrypt(CiphertextBlob=blob)
    assert code_of(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:
        other.encrypt(KeyId=key["Arn"], Plaintext=b"x")
    assert code_of(exc) == "AccessDeniedException"
    policy["Statement"].append({"Sid": "other", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                                "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"})
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    assert other.decrypt(CiphertextBlob=blob)["Plaintext"] == b"mine"
    assert kms.decrypt(CiphertextBlob=other.encrypt(KeyId=key["Arn"], Plaintext=b"theirs")["CiphertextBlob"])["Plaintext"] == b"theirs"
    # The other account's own keys are not the first account's.
    with pytest.raises(ClientError) as exc:
        other.describe_key(KeyId=key["KeyId"])
    assert code_of(exc) == "NotFoundException"
    with pytest.raises(ClientError) as exc:
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy="{not json")
    assert code_of(exc) == "MalformedPolicyDocumentException"


def test_grants_are_honored_for_the_grantee(nuage):
    iam, kms = nuage.client("iam"), nuage.client("kms")
    user = "kms-grantee-" + uuid.uuid4().hex[:8]
    arn = iam.create_user(UserName=user)["User"]["Arn"]
    access = iam.create_access_key(UserName=user)["AccessKey"]
    grantee = nuage.client("kms", key=access["AccessKeyId"], secret=access["SecretAccessKey"])
    key = new_key(kms)["KeyId"]
    with pytest.raises(ClientError) as exc:
        grantee.encrypt(KeyId=key, Plaintext=b"x")
    assert code_of(exc) == "AccessDeniedException"
    grant = kms.create_grant(KeyId=key, GranteePrincipal=arn, Operations=["Encrypt", "Decrypt"],
                             RetiringPrincipal=arn, Constraints={"EncryptionContextSubset": {"app": "a"}})
    blob = grantee.encrypt(KeyId=key, Plaintext=b"granted", EncryptionContext={"app": "a", "extra": "1"})["CiphertextBlob"]
    assert grantee.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "a", "extra": "1"})["Plaintext"] == b"granted"
    with pytest.raises(ClientError) as exc:  # outside the grant's constraint
        grantee.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"app": "b"})
    assert code_of(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:  # not a granted operation
        grantee.generate_data_key(KeyId=key, KeySpec="AES_256", EncryptionContext={"app": "a"})
    assert code_of(exc) == "AccessDeniedException"
    listed = kms.list_grants(KeyId=key)["Grants"]
    assert [(g["GrantId"], g["GranteePrincipal"]) for g in listed] == [(grant["GrantId"], arn)]
    assert [g["GrantId"] for g in kms.list_retirable_grants(RetiringPrincipal=arn)["Grants"]] == [grant["GrantId"]]
    grantee.retire_grant(GrantToken=grant["GrantToken"])
    with pytest.raises(ClientError) as exc:
        grantee.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext={"app": "a"})
    assert code_of(exc) == "AccessDeniedException"
    second = kms.create_grant(KeyId=key, GranteePrincipal=arn, Operations=["Encrypt"])
    grantee.encrypt(KeyId=key, Plaintext=b"x")
    kms.revoke_grant(KeyId=key, GrantId=second["GrantId"])
    with pytest.raises(ClientError) as exc:
        grantee.encrypt(KeyId=key, Plaintext=b"x")
    assert code_of(exc) == "AccessDeniedException"
    with pytest.raises(ClientError) as exc:
        kms.revoke_grant(KeyId=key, GrantId=second["GrantId"])
    assert code_of(exc) == "NotFoundException"


def test_tags_and_random(nuage):
    kms = nuage.client("kms")
    key = new_key(kms, Tags=[{"TagKey": "team", "TagValue": "a"}])["KeyId"]
    kms.tag_resource(KeyId=key, Tags=[{"TagKey": "env", "TagValue": "dev"}, {"TagKey": "team", "TagValue": "b"}])
    assert sorted((t["TagKey"], t["TagValue"]) for t in kms.list_resource_tags(KeyId=key)["Tags"]) == [
        ("env", "dev"), ("team", "b")]
    kms.untag_resource(KeyId=key, TagKeys=["env"])
    assert kms.list_resource_tags(KeyId=key)["Tags"] == [{"TagKey": "team", "TagValue": "b"}]
    with pytest.raises(ClientError) as exc:
        kms.tag_resource(KeyId=key, Tags=[{"TagKey": "aws:x", "TagValue": "v"}])
    assert code_of(exc) == "TagException"
    first, second = (kms.generate_random(NumberOfBytes=32)["Plaintext"] for _ in range(2))
    assert len(first) == 32 and first != second
    with pytest.raises(ClientError) as exc:
        kms.generate_random(NumberOfBytes=1025)
    assert code_of(exc) == "ValidationException"


def test_unimplemented_operations_answer_501(nuage):
    with pytest.raises(ClientError) as exc:
        nuage.client("kms").get_parameters_for_import(KeyId=str(uuid.uuid4()), WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                                      WrappingKeySpec="RSA_2048")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    key = new_key(nuage.client("kms"))
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"from the cli")
        f.flush()
        sealed = nuage.cli("kms", "encrypt", "--key-id", key["KeyId"], "--plaintext", "fileb://" + f.name,
                           "--encryption-context", "who=cli", version=version)
    assert sealed["KeyId"] == key["Arn"]
    with tempfile.NamedTemporaryFile() as f:
        f.write(base64.b64decode(sealed["CiphertextBlob"]))
        f.flush()
        opened = nuage.cli("kms", "decrypt", "--ciphertext-blob", "fileb://" + f.name,
                           "--encryption-context", "who=cli", version=version)
    assert base64.b64decode(opened["Plaintext"]) == b"from the cli"


def test_deletion_and_rotation_on_the_clock(fresh_nuage):
    kms = fresh_nuage.client("kms")
    fresh_nuage.admin("POST", "/_nuage/clock", {"freeze": True})
    doomed, rotating = new_key(kms)["KeyId"], new_key(kms)["KeyId"]
    doomed_blob = kms.encrypt(KeyId=doomed, Plaintext=b"d")["CiphertextBlob"]
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=doomed)
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    old_blob = kms.encrypt(KeyId=rotating, Plaintext=b"before rotation")["CiphertextBlob"]
    kms.enable_key_rotation(KeyId=rotating, RotationPeriodInDays=90)
    status = kms.get_key_rotation_status(KeyId=rotating)
    assert status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 90
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "6d"})
    assert kms.describe_key(KeyId=doomed)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "1d1h"})
    with pytest.raises(ClientError) as exc:
        kms.describe_key(KeyId=doomed)
    assert code_of(exc) == "NotFoundException"
    with pytest.raises(ClientError) as exc:
        kms.decrypt(CiphertextBlob=doomed_blob)
    assert code_of(exc) == "InvalidCiphertextException"
    assert "alias/doomed" not in [a["AliasName"] for a in kms.list_aliases()["Aliases"]]
    assert kms.list_key_rotations(KeyId=rotating)["Rotations"] == []
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "84d"})
    rotations = kms.list_key_rotations(KeyId=rotating)["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["AUTOMATIC"]
    new_blob = kms.encrypt(KeyId=rotating, Plaintext=b"after rotation")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=old_blob)["Plaintext"] == b"before rotation"
    assert kms.decrypt(CiphertextBlob=new_blob)["Plaintext"] == b"after rotation"
    kms.rotate_key_on_demand(KeyId=rotating)
    assert [r["RotationType"] for r in kms.list_key_rotations(KeyId=rotating)["Rotations"]] == ["AUTOMATIC", "ON_DEMAND"]
    assert kms.decrypt(CiphertextBlob=old_blob)["Plaintext"] == b"before rotation"
    kms.disable_key_rotation(KeyId=rotating)
    assert not kms.get_key_rotation_status(KeyId=rotating)["KeyRotationEnabled"]


def test_keys_survive_kill_9(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    kms = server.client("kms")
    symmetric = new_key(kms)["KeyId"]
    signing = new_key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyId"]
    kms.create_alias(AliasName="alias/kept", TargetKeyId=symmetric)
    kms.rotate_key_on_demand(KeyId=symmetric)
    blob = kms.encrypt(KeyId="alias/kept", Plaintext=b"kept", EncryptionContext={"k": "v"})["CiphertextBlob"]
    signature = kms.sign(KeyId=signing, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    public = kms.get_public_key(KeyId=signing)["PublicKey"]
    kms.schedule_key_deletion(KeyId=signing, PendingWindowInDays=7)
    server.stop(signal.SIGKILL)
    server = start_nuage(data_dir=data_dir)
    kms = server.client("kms")
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"k": "v"})["Plaintext"] == b"kept"
    assert kms.describe_key(KeyId=signing)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=signing)
    kms.enable_key(KeyId=signing)
    assert kms.get_public_key(KeyId=signing)["PublicKey"] == public
    assert kms.verify(KeyId=signing, Message=b"m", Signature=signature, SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    # The re-armed deletion still runs on the clock.
    kms.schedule_key_deletion(KeyId=signing, PendingWindowInDays=7)
    server.stop(signal.SIGKILL)
    server = start_nuage(data_dir=data_dir)
    server.admin("POST", "/_nuage/clock", {"advance": "8d"})
    with pytest.raises(ClientError) as exc:
        server.client("kms").describe_key(KeyId=signing)
    assert code_of(exc) == "NotFoundException"


def test_alias_changes_need_the_alias_and_both_keys(nuage):
    iam, kms = nuage.client("iam"), nuage.client("kms")
    old, new = new_key(kms), new_key(kms)
    alias = "alias/moved-" + uuid.uuid4().hex[:8]
    kms.create_alias(AliasName=alias, TargetKeyId=old["KeyId"])
    user = "kms-alias-" + uuid.uuid4().hex[:8]
    iam.create_user(UserName=user)
    access = iam.create_access_key(UserName=user)["AccessKey"]
    caller = nuage.client("kms", key=access["AccessKeyId"], secret=access["SecretAccessKey"])

    def allow(*resources):
        iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "kms:UpdateAlias", "Resource": list(resources)}]}))

    alias_arn = f"arn:aws:kms:us-east-1:000000000000:{alias}"
    allow(alias_arn, new["Arn"])
    with pytest.raises(ClientError) as exc:  # the key it names now is not allowed
        caller.update_alias(AliasName=alias, TargetKeyId=new["KeyId"])
    assert code_of(exc) == "AccessDeniedException"
    allow(alias_arn, new["Arn"], old["Arn"])
    caller.update_alias(AliasName=alias, TargetKeyId=new["KeyId"])
    assert kms.describe_key(KeyId=alias)["KeyMetadata"]["KeyId"] == new["KeyId"]
